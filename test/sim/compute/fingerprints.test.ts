/**
 * Fingerprints are `bytes` (`"format": "byte"` in the Compute discovery document; BytesField in
 * gcloud's generated client), and Google's clients send them back in either base64 alphabet:
 * gcloud's apitools encodes them URL-safe. The comparison is of the decoded bytes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  computeHarness,
  type Harness,
  internalLoadBalancer,
  networkWithSubnet,
  rejection,
} from './harness.ts';

let h: Harness;
const R = 'us-central1';
const link = (path: string) => `https://www.googleapis.com/compute/v1/projects/p/${path}`;
// Eight bytes whose standard base64 has '+' and '/' (URL-safe: '-' and '_').
const BYTES = Buffer.from([0xfb, 0xef, 0xbe, 0xfb, 0xff, 0xbf, 0x3e, 0xff]);
const STANDARD = BYTES.toString('base64');
const URL_SAFE = BYTES.toString('base64url');
const URL_SAFE_PADDED = STANDARD.replace(/\+/g, '-').replace(/\//g, '_');

beforeAll(async () => {
  h = await computeHarness();
});
beforeEach(async () => {
  await h.control('POST', 'reset');
  await networkWithSubnet(h, 'vpc', { name: 'nodes', region: R, range: '10.10.0.0/24' });
  await internalLoadBalancer(h, R, {
    backendService: { protocol: 'TCP' },
    forwardingRule: { IPProtocol: 'TCP' },
  });
  // Give each resource a fingerprint whose two encodings differ.
  for (const [collection, key] of [
    ['subnetworks', `projects/p/regions/${R}/subnetworks/nodes`],
    ['backendServices', `projects/p/regions/${R}/backendServices/bs`],
    ['forwardingRules', `projects/p/regions/${R}/forwardingRules/fr`],
  ] as const) {
    const r = h.sim.store.get<{ fingerprint: string }>(collection, key);
    if (!r) throw new Error(`${key} missing`);
    r.fingerprint = STANDARD;
  }
});
afterAll(async () => {
  await h?.close();
});

const patchSubnet = (fingerprint: string) =>
  h.c.subnetworks.patch({
    project: 'p',
    region: R,
    subnetwork: 'nodes',
    subnetworkResource: { fingerprint, description: 'changed' },
  });
const patchBackendService = (fingerprint: string) =>
  h.c.backendServices.patch({
    project: 'p',
    region: R,
    backendService: 'bs',
    backendServiceResource: { fingerprint, description: 'changed' },
  });
const updateBackendService = (fingerprint: string) =>
  h.c.backendServices.update({
    project: 'p',
    region: R,
    backendService: 'bs',
    backendServiceResource: {
      name: 'bs',
      fingerprint,
      loadBalancingScheme: 'INTERNAL',
      protocol: 'TCP',
      network: link('global/networks/vpc'),
      healthChecks: [link(`regions/${R}/healthChecks/hc`)],
      description: 'changed',
    },
  });
const patchForwardingRule = (fingerprint: string) =>
  h.c.forwardingRules.patch({
    project: 'p',
    region: R,
    forwardingRule: 'fr',
    forwardingRuleResource: { fingerprint, allowGlobalAccess: true },
  });

describe('fingerprints compare as bytes', () => {
  it.each([
    ['subnetworks.patch', patchSubnet, 'subnetworks', `projects/p/regions/${R}/subnetworks/nodes`],
    [
      'regionBackendServices.patch',
      patchBackendService,
      'backendServices',
      `projects/p/regions/${R}/backendServices/bs`,
    ],
    [
      'regionBackendServices.update',
      updateBackendService,
      'backendServices',
      `projects/p/regions/${R}/backendServices/bs`,
    ],
    [
      'forwardingRules.patch',
      patchForwardingRule,
      'forwardingRules',
      `projects/p/regions/${R}/forwardingRules/fr`,
    ],
  ])(
    '%s accepts the URL-safe encoding, padded or not, and refuses a stale one with 412',
    async (_m, write, collection, key) => {
      for (const given of [URL_SAFE_PADDED, URL_SAFE, STANDARD]) {
        const r = h.sim.store.get<{ fingerprint: string }>(collection, key);
        if (!r) throw new Error(`${key} missing`);
        r.fingerprint = STANDARD;
        const op = await h.wait(await write(given));
        expect(op.error ?? null, `fingerprint ${given}`).toBeNull();
        const after = h.sim.store.get<{ fingerprint: string }>(collection, key);
        // Every write makes a new fingerprint.
        expect(after?.fingerprint).not.toBe(STANDARD);
      }
      // The one just replaced is stale now.
      const err = await rejection(write(URL_SAFE));
      expect(err.status).toBe(412);
      expect(err.message).toMatch(/fingerprint/i);
    },
  );

  it('a fingerprint that is not base64 matches nothing', async () => {
    expect((await rejection(patchSubnet('not base64!'))).status).toBe(412);
  });
});
