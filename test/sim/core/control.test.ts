import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { computeHarness, type Harness, networkWithSubnet, rejection } from '../compute/harness.ts';
import type { Snapshot } from './sim.ts';
import type { StatsView } from './stats.ts';

let h: Harness;
beforeEach(async () => {
  await h?.close();
  h = await computeHarness();
});
afterAll(async () => {
  await h?.close();
});

const insertFw = (name: string) =>
  h.c.firewalls.insert({
    project: 'p',
    firewallResource: { name, network: 'global/networks/n', allowed: [{ IPProtocol: 'tcp' }] },
  });

describe('faults', () => {
  it('fails the next N calls of a method with the chosen status, then recovers', async () => {
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'n', autoCreateSubnetworks: false },
      }),
    );
    await h.control('PUT', 'faults', {
      methods: { 'compute.firewalls.insert': { failNext: 2, status: 429 } },
    });
    expect(await rejection(insertFw('a'))).toEqual({ status: 429, message: 'Rate Limit Exceeded' });
    expect((await rejection(insertFw('a'))).status).toBe(429);
    await h.done(await insertFw('a'));
    const stats = (await h.control('GET', 'stats')) as StatsView;
    expect(stats.methods['compute.firewalls.insert']).toEqual({ reads: 0, writes: 3 });
  });

  it('repeats the same error sequence for the same seed', async () => {
    const statuses = async () => {
      const out: number[] = [];
      for (let i = 0; i < 20; i++)
        out.push((await fetch(`${h.url}/compute/v1/projects/p/global/networks`)).status);
      return out;
    };
    const config = { seed: 42, methods: { 'compute.networks.*': { errorRate: 0.5, status: 503 } } };
    await h.control('PUT', 'faults', config);
    const first = await statuses();
    await h.control('PUT', 'faults', config);
    expect(await statuses()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 503]));
  });

  it('adds latency', async () => {
    await h.control('PUT', 'faults', { methods: { '*': { latencyMs: 150 } } });
    const t = Date.now();
    await h.c.networks.list({ project: 'p' });
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });

  it('answers a 503 in Google error form', async () => {
    await h.control('PUT', 'faults', {
      methods: { 'compute.firewalls.list': { failNext: 1, status: 503 } },
    });
    const res = await fetch(`${h.url}/compute/v1/projects/p/global/firewalls`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: {
        code: 503,
        message: 'Internal error. Please try again.',
        errors: [
          {
            message: 'Internal error. Please try again.',
            domain: 'global',
            reason: 'backendError',
          },
        ],
      },
    });
  });
});

describe('stats', () => {
  it('counts reads and writes apart per method, and reset clears them', async () => {
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'n', autoCreateSubnetworks: false },
      }),
    );
    await h.c.networks.get({ project: 'p', network: 'n' });
    await h.c.networks.list({ project: 'p' });
    const stats = (await h.control('GET', 'stats')) as StatsView;
    expect(stats.methods['compute.networks.insert']).toEqual({ reads: 0, writes: 1 });
    expect(stats.methods['compute.networks.get']).toEqual({ reads: 1, writes: 0 });
    expect(stats.methods['compute.globalOperations.wait']?.reads).toBeGreaterThanOrEqual(1);
    expect(stats.writes).toBe(1);
    await h.control('POST', 'reset');
    expect(await h.control('GET', 'stats')).toEqual({ reads: 0, writes: 0, methods: {} });
  });
});

describe('snapshot', () => {
  it('round-trips state through POST and PUT /__sim/snapshot, including registered parts', async () => {
    let part = { clusters: ['c1'] };
    h.sim.addSnapshotPart('fake', {
      save: () => part,
      load: (d) => {
        part = d as typeof part;
      },
      reset: () => {
        part = { clusters: [] };
      },
    });
    await networkWithSubnet(h, 'n', {
      name: 's',
      range: '10.0.0.0/24',
      secondary: { pods: '10.4.0.0/14' },
    });
    const snap = (await h.control('POST', 'snapshot')) as Snapshot;
    expect(snap.version).toBe(1);
    expect(snap.parts).toEqual({ fake: { clusters: ['c1'] } });
    const [before] = await h.c.subnetworks.get({
      project: 'p',
      region: 'us-central1',
      subnetwork: 's',
    });

    await h.control('POST', 'reset');
    expect(part).toEqual({ clusters: [] });
    expect(
      (
        await rejection(
          h.c.subnetworks.get({ project: 'p', region: 'us-central1', subnetwork: 's' }),
        )
      ).status,
    ).toBe(404);
    expect(((await h.control('GET', 'logs')) as { entries: unknown[] }).entries).toEqual([]);

    await h.control('PUT', 'snapshot', JSON.parse(JSON.stringify(snap)));
    const [after] = await h.c.subnetworks.get({
      project: 'p',
      region: 'us-central1',
      subnetwork: 's',
    });
    expect(after).toEqual(before);
    expect(part).toEqual({ clusters: ['c1'] });
    expect(((await h.control('GET', 'logs')) as { entries: unknown[] }).entries).toHaveLength(
      snap.logs.length,
    );
    // Ids keep counting from where the snapshot left off.
    await networkWithSubnet(h, 'n', { name: 's2', range: '10.1.0.0/24' });
    const [s2] = await h.c.subnetworks.get({
      project: 'p',
      region: 'us-central1',
      subnetwork: 's2',
    });
    expect(s2.id).not.toBe(after.id);
  });

  it('refuses something that is not a snapshot', async () => {
    const res = await fetch(`${h.url}/__sim/snapshot`, {
      method: 'PUT',
      body: JSON.stringify({ hello: 1 }),
    });
    expect(res.status).toBe(400);
  });
});
