import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { computeHarness, type Harness, networkWithSubnet, rejection } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  await h?.close();
  h = await computeHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('subnetworks', () => {
  it('stores secondary ranges, the gateway and a fingerprint', async () => {
    await networkWithSubnet(h, 'a', {
      name: 's1',
      range: '10.0.0.0/24',
      secondary: { pods: '10.4.0.0/14', svc: '10.8.0.0/20' },
    });
    const [s] = await h.c.subnetworks.get({
      project: 'p',
      region: 'us-central1',
      subnetwork: 's1',
    });
    expect(s).toMatchObject({
      ipCidrRange: '10.0.0.0/24',
      gatewayAddress: '10.0.0.1',
      network: 'https://www.googleapis.com/compute/v1/projects/p/global/networks/a',
      region: 'https://www.googleapis.com/compute/v1/projects/p/regions/us-central1',
    });
    expect(s.secondaryIpRanges?.map((r) => [r.rangeName, r.ipCidrRange])).toEqual([
      ['pods', '10.4.0.0/14'],
      ['svc', '10.8.0.0/20'],
    ]);
    expect(s.fingerprint).toBeTruthy();
    const [n] = await h.c.networks.get({ project: 'p', network: 'a' });
    expect(n.subnetworks).toEqual([s.selfLink]);
  });

  it.each([
    ['same primary range', '10.0.0.0/24'],
    ['inside the primary range', '10.0.0.128/25'],
    ['over a secondary range (other region)', '10.4.0.0/16'],
  ])('rejects a range that overlaps the network: %s', async (_label, range) => {
    await networkWithSubnet(h, 'a', {
      name: 's1',
      range: '10.0.0.0/24',
      secondary: { pods: '10.4.0.0/14' },
    });
    const err = await rejection(
      networkWithSubnet(h, 'a', { name: 's2', region: 'europe-west1', range }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(
      /^Invalid IPCidrRange: .* conflicts with existing subnetwork 's1' in region 'us-central1'\.$/,
    );
  });

  it('allows the same range in another network', async () => {
    await networkWithSubnet(h, 'a', { name: 's1', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', { name: 's1', region: 'europe-west1', range: '10.0.0.0/24' });
    const [items] = await h.c.subnetworks.list({ project: 'p', region: 'europe-west1' });
    expect(items.map((s) => s.name)).toEqual(['s1']);
  });

  it.each([
    ['not a CIDR', '10.0.0.0'],
    ['host bits set', '10.0.0.1/24'],
    ['too small', '10.0.0.0/30'],
  ])('rejects an invalid range: %s', async (_label, range) => {
    const err = await rejection(networkWithSubnet(h, 'a', { name: 's1', range }));
    expect(err.status).toBe(400);
  });

  it('patches secondary ranges with the current fingerprint and answers 412 to a stale one', async () => {
    await networkWithSubnet(h, 'a', { name: 's1', range: '10.0.0.0/24' });
    const [s] = await h.c.subnetworks.get({
      project: 'p',
      region: 'us-central1',
      subnetwork: 's1',
    });
    await h.done(
      await h.c.subnetworks.patch({
        project: 'p',
        region: 'us-central1',
        subnetwork: 's1',
        subnetworkResource: {
          fingerprint: s.fingerprint,
          secondaryIpRanges: [{ rangeName: 'pods', ipCidrRange: '10.4.0.0/14' }],
        },
      }),
    );
    const stale = await rejection(
      h.c.subnetworks.patch({
        project: 'p',
        region: 'us-central1',
        subnetwork: 's1',
        subnetworkResource: { fingerprint: s.fingerprint, secondaryIpRanges: [] },
      }),
    );
    expect(stale.status).toBe(412);
    const [after] = await h.c.subnetworks.get({
      project: 'p',
      region: 'us-central1',
      subnetwork: 's1',
    });
    expect(after.secondaryIpRanges?.map((r) => r.ipCidrRange)).toEqual(['10.4.0.0/14']);
  });

  it('expands the primary range only to a containing, larger range', async () => {
    await networkWithSubnet(h, 'a', { name: 's1', range: '10.0.0.0/24' });
    const bad = await rejection(
      h.c.subnetworks.expandIpCidrRange({
        project: 'p',
        region: 'us-central1',
        subnetwork: 's1',
        subnetworksExpandIpCidrRangeRequestResource: { ipCidrRange: '10.1.0.0/16' },
      }),
    );
    expect(bad.status).toBe(400);
    await h.done(
      await h.c.subnetworks.expandIpCidrRange({
        project: 'p',
        region: 'us-central1',
        subnetwork: 's1',
        subnetworksExpandIpCidrRangeRequestResource: { ipCidrRange: '10.0.0.0/22' },
      }),
    );
    const [s] = await h.c.subnetworks.get({
      project: 'p',
      region: 'us-central1',
      subnetwork: 's1',
    });
    expect(s.ipCidrRange).toBe('10.0.0.0/22');
  });

  it('refuses to delete a network that still has subnetworks', async () => {
    await networkWithSubnet(h, 'a', { name: 's1', range: '10.0.0.0/24' });
    const err = await rejection(h.c.networks.delete({ project: 'p', network: 'a' }));
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      "The network resource 'projects/p/global/networks/a' is already being used by 'projects/p/regions/us-central1/subnetworks/s1'",
    );
    await h.done(
      await h.c.subnetworks.delete({ project: 'p', region: 'us-central1', subnetwork: 's1' }),
    );
    await h.done(await h.c.networks.delete({ project: 'p', network: 'a' }));
    const [nets] = await h.c.networks.list({ project: 'p' });
    expect(nets).toEqual([]);
  });

  it('refuses auto-mode networks (custom subnet mode only)', async () => {
    const err = await rejection(
      h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'auto', autoCreateSubnetworks: true },
      }),
    );
    expect(err.status).toBe(400);
  });
});
