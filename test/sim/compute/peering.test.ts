import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { computeHarness, type Harness, networkWithSubnet, rejection } from './harness.ts';
import { PEERING_IN_PROGRESS } from './peering.ts';

let h: Harness;
beforeEach(async () => {
  await h?.close();
  h = await computeHarness({ operationMs: 40 });
});
afterAll(async () => {
  await h?.close();
});

const url = (n: string, p = 'p') =>
  `https://www.googleapis.com/compute/v1/projects/${p}/global/networks/${n}`;

async function peer(local: string, remote: string, name = `${local}-to-${remote}`) {
  return h.c.networks.addPeering({
    project: 'p',
    network: local,
    networksAddPeeringRequestResource: {
      networkPeering: { name, network: url(remote), exchangeSubnetRoutes: true },
    },
  });
}

async function peeringState(net: string) {
  const [n] = await h.c.networks.get({ project: 'p', network: net });
  return (n.peerings ?? []).map((p) => ({ name: p.name, state: p.state, details: p.stateDetails }));
}

describe('network peering', () => {
  it('is INACTIVE with one side and ACTIVE on both sides once the peer adds its side', async () => {
    await networkWithSubnet(h, 'a', { name: 'a-sub', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', { name: 'b-sub', range: '10.1.0.0/24' });
    await h.done(await peer('a', 'b'));
    expect(await peeringState('a')).toEqual([
      {
        name: 'a-to-b',
        state: 'INACTIVE',
        details: expect.stringContaining('Waiting for peer network'),
      },
    ]);
    await h.done(await peer('b', 'a'));
    expect((await peeringState('a'))[0]?.state).toBe('ACTIVE');
    expect((await peeringState('b'))[0]?.state).toBe('ACTIVE');
  });

  it('takes the legacy body form {name, peerNetwork}', async () => {
    await networkWithSubnet(h, 'a', { name: 'a-sub', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', { name: 'b-sub', range: '10.1.0.0/24' });
    await h.done(
      await h.c.networks.addPeering({
        project: 'p',
        network: 'a',
        networksAddPeeringRequestResource: {
          name: 'legacy',
          peerNetwork: 'global/networks/b',
          autoCreateRoutes: true,
        },
      }),
    );
    const [n] = await h.c.networks.get({ project: 'p', network: 'a' });
    expect(n.peerings?.[0]).toMatchObject({
      name: 'legacy',
      network: url('b'),
      exchangeSubnetRoutes: true,
      state: 'INACTIVE',
    });
  });

  it('turns the peer INACTIVE when one side removes its peering', async () => {
    await networkWithSubnet(h, 'a', { name: 'a-sub', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', { name: 'b-sub', range: '10.1.0.0/24' });
    await h.done(await peer('a', 'b'));
    await h.done(await peer('b', 'a'));
    await h.done(
      await h.c.networks.removePeering({
        project: 'p',
        network: 'a',
        networksRemovePeeringRequestResource: { name: 'a-to-b' },
      }),
    );
    expect(await peeringState('a')).toEqual([]);
    expect((await peeringState('b'))[0]?.state).toBe('INACTIVE');
  });

  it('refuses a second peering operation on either network while one runs', async () => {
    await networkWithSubnet(h, 'a', { name: 'a-sub', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', { name: 'b-sub', range: '10.1.0.0/24' });
    const first = await peer('a', 'b');
    // b is the peer of the running operation: its own addPeering must wait.
    const err = await rejection(peer('b', 'a'));
    expect(err).toEqual({ status: 400, message: PEERING_IN_PROGRESS });
    await h.done(first);
    await h.done(await peer('b', 'a'));
    expect((await peeringState('b'))[0]?.state).toBe('ACTIVE');
  });

  it('can be forced to answer "peering operation in progress" through faults', async () => {
    await networkWithSubnet(h, 'a', { name: 'a-sub', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', { name: 'b-sub', range: '10.1.0.0/24' });
    await h.control('PUT', 'faults', {
      methods: { 'compute.networks.addPeering': { peeringInProgress: 1 } },
    });
    expect((await rejection(peer('a', 'b'))).message).toBe(PEERING_IN_PROGRESS);
    await h.done(await peer('a', 'b'));
  });

  it('fails the operation when subnet ranges of the two networks overlap', async () => {
    await networkWithSubnet(h, 'a', { name: 'a-sub', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', {
      name: 'b-sub',
      range: '10.1.0.0/24',
      secondary: { pods: '10.0.0.128/25' },
    });
    const op = await h.wait(await peer('a', 'b'));
    expect(op.httpErrorStatusCode).toBe(400);
    expect(op.error?.errors?.[0]?.message).toMatch(
      /overlaps with an IP range in the local network \(10\.0\.0\.0\/24\)/,
    );
    expect(await peeringState('a')).toEqual([]);
  });

  it('rejects a new subnet that overlaps an ACTIVE peer', async () => {
    await networkWithSubnet(h, 'a', { name: 'a-sub', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', { name: 'b-sub', range: '10.1.0.0/24' });
    await h.done(await peer('a', 'b'));
    await h.done(await peer('b', 'a'));
    const err = await rejection(networkWithSubnet(h, 'a', { name: 'a-two', range: '10.1.0.0/25' }));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/conflicts with subnetwork 'b-sub' in peer network/);
  });

  it('lists exchanged subnet routes: INCOMING from the peer, OUTGOING of its own', async () => {
    await networkWithSubnet(h, 'a', { name: 'a-sub', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', {
      name: 'b-sub',
      range: '10.1.0.0/24',
      region: 'europe-west1',
      secondary: { pods: '10.8.0.0/14' },
    });
    await h.done(await peer('a', 'b'));
    const list = async (direction: 'INCOMING' | 'OUTGOING') => {
      const [items] = await h.c.networks.listPeeringRoutes({
        project: 'p',
        network: 'a',
        peeringName: 'a-to-b',
        direction,
        region: 'us-central1',
      });
      return items.map((r) => ({
        destRange: r.destRange,
        type: r.type,
        nextHopRegion: r.nextHopRegion,
        imported: r.imported,
        priority: r.priority,
      }));
    };
    expect(await list('INCOMING')).toEqual([]); // INACTIVE: nothing exchanged yet
    await h.done(await peer('b', 'a'));
    expect(await list('INCOMING')).toEqual([
      {
        destRange: '10.1.0.0/24',
        type: 'SUBNET_PEERING_ROUTE',
        nextHopRegion: 'europe-west1',
        imported: true,
        priority: 0,
      },
      {
        destRange: '10.8.0.0/14',
        type: 'SUBNET_PEERING_ROUTE',
        nextHopRegion: 'europe-west1',
        imported: true,
        priority: 0,
      },
    ]);
    expect(await list('OUTGOING')).toEqual([
      {
        destRange: '10.0.0.0/24',
        type: 'SUBNET_PEERING_ROUTE',
        nextHopRegion: 'us-central1',
        imported: true,
        priority: 0,
      },
    ]);
  });

  it('updatePeering changes route-exchange flags', async () => {
    await networkWithSubnet(h, 'a', { name: 'a-sub', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', { name: 'b-sub', range: '10.1.0.0/24' });
    await h.done(await peer('a', 'b'));
    await h.done(
      await h.c.networks.updatePeering({
        project: 'p',
        network: 'a',
        networksUpdatePeeringRequestResource: {
          networkPeering: { name: 'a-to-b', importCustomRoutes: true },
        },
      }),
    );
    const [n] = await h.c.networks.get({ project: 'p', network: 'a' });
    expect(n.peerings?.[0]?.importCustomRoutes).toBe(true);
  });
});
