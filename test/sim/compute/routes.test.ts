import { RoutesClient } from '@google-cloud/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions, computeHarness, type Harness, PRINCIPAL, rejection } from './harness.ts';
import { ROUTES } from './routes.ts';

let h: Harness;
let routes: RoutesClient;
beforeAll(async () => {
  h = await computeHarness();
  routes = new RoutesClient(clientOptions(h.port, PRINCIPAL));
});
afterAll(async () => {
  await routes?.close();
  await h?.close();
});

describe('routes written by the GKE part', () => {
  it('lists and gets stored routes, with filter', async () => {
    const put = (name: string, network: string, destRange: string) =>
      h.sim.store.put(ROUTES, `projects/p/global/routes/${name}`, {
        kind: 'compute#route',
        id: h.sim.store.nextId(),
        name,
        selfLink: `https://www.googleapis.com/compute/v1/projects/p/global/routes/${name}`,
        network: `https://www.googleapis.com/compute/v1/projects/p/global/networks/${network}`,
        destRange,
        priority: 1000,
      });
    put('gke-a-1', 'vpc', '10.4.0.0/24');
    put('gke-b-1', 'other', '10.8.0.0/24');
    const [inVpc] = await routes.list({
      project: 'p',
      filter: 'network = "https://www.googleapis.com/compute/v1/projects/p/global/networks/vpc"',
    });
    expect(inVpc.map((r) => [r.name, r.destRange, r.priority])).toEqual([
      ['gke-a-1', '10.4.0.0/24', 1000],
    ]);
    const [one] = await routes.get({ project: 'p', route: 'gke-b-1' });
    expect(one.destRange).toBe('10.8.0.0/24');
    expect((await rejection(routes.get({ project: 'p', route: 'none' }))).status).toBe(404);
  });
});

describe('routes.insert and routes.delete', () => {
  const link = (path: string) => `https://www.googleapis.com/compute/v1/projects/p/${path}`;
  const insert = (routeResource: Record<string, unknown>) =>
    routes.insert({ project: 'p', routeResource });

  it('creates a static route with canonical references and defaults, then deletes it', async () => {
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'rnet', autoCreateSubnetworks: false },
      }),
    );
    await h.done(
      await insert({
        name: 'to-internet',
        network: `${h.url}/compute/v1/projects/p/global/networks/rnet`,
        destRange: '192.0.2.0/24',
        nextHopGateway: 'global/gateways/default-internet-gateway',
        tags: ['web'],
      }),
    );
    const [r] = await routes.get({ project: 'p', route: 'to-internet' });
    expect(r).toMatchObject({
      kind: 'compute#route',
      name: 'to-internet',
      network: link('global/networks/rnet'),
      destRange: '192.0.2.0/24',
      priority: 1000,
      routeType: 'STATIC',
      nextHopGateway: link('global/gateways/default-internet-gateway'),
      tags: ['web'],
      selfLink: link('global/routes/to-internet'),
    });
    const dup = await rejection(
      insert({
        name: 'to-internet',
        network: link('global/networks/rnet'),
        destRange: '192.0.2.0/24',
        nextHopGateway: 'global/gateways/default-internet-gateway',
      }),
    );
    expect(dup.status).toBe(409);
    await h.done(await routes.delete({ project: 'p', route: 'to-internet' }));
    expect((await rejection(routes.get({ project: 'p', route: 'to-internet' }))).status).toBe(404);
    expect((await rejection(routes.delete({ project: 'p', route: 'to-internet' }))).status).toBe(
      404,
    );
  });

  it.each([
    ['a missing network', { network: link('global/networks/none') }, 404],
    ['no next hop', { nextHopGateway: undefined }, 400],
    ['two next hops', { nextHopIp: '10.0.0.9' }, 400],
    ['another gateway', { nextHopGateway: 'global/gateways/elsewhere' }, 400],
    ['a bad range', { destRange: '10.0.0.0/33' }, 400],
    ['a priority above 65535', { priority: 70000 }, 400],
    [
      'a missing next-hop instance',
      { nextHopGateway: undefined, nextHopInstance: 'zones/us-central1-a/instances/none' },
      404,
    ],
  ])('refuses %s', async (_label, extra, status) => {
    const err = await rejection(
      insert({
        name: 'bad',
        network: link('global/networks/rnet'),
        destRange: '198.51.100.0/24',
        nextHopGateway: 'global/gateways/default-internet-gateway',
        ...extra,
      }),
    );
    expect(err.status).toBe(status);
  });
});
