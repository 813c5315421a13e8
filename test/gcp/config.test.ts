import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { cloudConfig, parseEndpoint } from '../../functions/gcp/config.ts';

describe('cloudConfig', () => {
  it('unset endpoints mean Google and no static token means ADC', () => {
    expect(cloudConfig({ PEERLINK_PROJECT: 'p' })).toEqual({
      project: 'p',
      compute: undefined,
      container: undefined,
      accessToken: undefined,
    });
  });

  it('reads local endpoints and a static token', () => {
    expect(
      cloudConfig({
        PEERLINK_PROJECT: ' p ',
        PEERLINK_COMPUTE_ENDPOINT: 'http://127.0.0.1:8787',
        PEERLINK_CONTAINER_ENDPOINT: 'http://127.0.0.1:8788/',
        PEERLINK_ACCESS_TOKEN: 'principal:peerlink@p.iam.gserviceaccount.com',
      }),
    ).toEqual({
      project: 'p',
      compute: { apiEndpoint: '127.0.0.1', port: 8787, protocol: 'http' },
      container: { apiEndpoint: '127.0.0.1', port: 8788, protocol: 'http' },
      accessToken: 'principal:peerlink@p.iam.gserviceaccount.com',
    });
  });

  it('empty values count as unset', () => {
    expect(
      cloudConfig({
        PEERLINK_PROJECT: 'p',
        PEERLINK_COMPUTE_ENDPOINT: '',
        PEERLINK_ACCESS_TOKEN: ' ',
      }),
    ).toMatchObject({ compute: undefined, accessToken: undefined });
  });

  it.each([
    [{}, /PEERLINK_PROJECT/],
    [{ PEERLINK_PROJECT: 'p', PEERLINK_COMPUTE_ENDPOINT: '127.0.0.1:8787' }, /not a URL/],
    [{ PEERLINK_PROJECT: 'p', PEERLINK_COMPUTE_ENDPOINT: 'ftp://h:21' }, /http and https/],
    [{ PEERLINK_PROJECT: 'p', PEERLINK_COMPUTE_ENDPOINT: 'not a url' }, /not a URL/],
    [{ PEERLINK_PROJECT: 'p', PEERLINK_CONTAINER_ENDPOINT: 'http://h:1/v1' }, /origin only/],
  ])('rejects %j', (env, message) => {
    expect(() => cloudConfig(env)).toThrow(ConfigError);
    expect(() => cloudConfig(env)).toThrow(message);
  });
});

describe('parseEndpoint', () => {
  it.each([
    ['http://127.0.0.1:8787', { apiEndpoint: '127.0.0.1', port: 8787, protocol: 'http' }],
    [
      'https://compute.example.test',
      { apiEndpoint: 'compute.example.test', port: 443, protocol: 'https' },
    ],
    ['http://localhost', { apiEndpoint: 'localhost', port: 80, protocol: 'http' }],
    ['http://[::1]:9000', { apiEndpoint: '::1', port: 9000, protocol: 'http' }],
  ])('%s', (value, want) => {
    expect(parseEndpoint('X', value)).toEqual(want);
  });
});
