import { describe, expect, it } from 'vitest';
import { type Route, Router } from './router.ts';

const r = (method: string, pattern: string): Route => ({
  method,
  pattern,
  name: `${method} ${pattern}`,
  kind: 'read',
  handler: () => ({}),
});

describe('Router', () => {
  const router = new Router();
  router.addAll([
    r('GET', '/compute/v1/projects/{project}/global/networks/{network}'),
    r('GET', '/compute/v1/projects/{project}/global/networks/{network}/listPeeringRoutes'),
    r('POST', '/v1/projects/{project}/locations/{location}/clusters/{cluster}:setMasterAuth'),
    r('GET', '/files/{rest=**}'),
  ]);

  it.each([
    ['GET', '/compute/v1/projects/p/global/networks/n', { project: 'p', network: 'n' }],
    [
      'GET',
      '/compute/v1/projects/p/global/networks/n/listPeeringRoutes',
      { project: 'p', network: 'n' },
    ],
    [
      'POST',
      '/v1/projects/p/locations/us-central1/clusters/c1:setMasterAuth',
      { project: 'p', location: 'us-central1', cluster: 'c1' },
    ],
    ['GET', '/files/a/b/c', { rest: 'a/b/c' }],
    ['GET', '/compute/v1/projects/my%20p/global/networks/n', { project: 'my p', network: 'n' }],
  ])('%s %s', (method, path, params) => {
    const m = router.match(method, path);
    expect('route' in m && m.params).toEqual(params);
  });

  it('tells a wrong method from an unknown path', () => {
    expect(router.match('DELETE', '/files/x')).toEqual({ methodMismatch: true });
    expect(router.match('GET', '/nothing')).toEqual({ methodMismatch: false });
  });

  it('refuses a duplicate route', () => {
    expect(() => router.add(r('GET', '/files/{rest=**}'))).toThrow(/already registered/);
  });
});
