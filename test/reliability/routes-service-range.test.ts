/**
 * Routes-based clusters as the GKE API allows: bootstrap asks for the pod range only, since a
 * routes-based cluster's services range is GKE's choice (Cluster.servicesIpv4Cidr is output
 * only), reads the chosen one back from the cluster, and a second bootstrap of the same topology
 * finds nothing to change and no conflict, though the example topology names another range.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../functions/engine/bootstrap.ts';
import {
  bootstrapUntilOk,
  control,
  deps,
  PRINCIPALS,
  startWorld,
  sweepPlan,
  type World,
} from './harness.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
  const runs = await bootstrapUntilOk(w, 'routes');
  expect(runs.at(-1)?.ok, JSON.stringify(runs)).toBe(true);
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('a routes-based cluster', () => {
  it('is created with its pod range and without a services range', async () => {
    // The request is in each CreateCluster's first record.
    const requests = (await control.logs(w)).entries.flatMap((e) => {
      const p = e.protoPayload as {
        methodName?: string;
        request?: { cluster?: Record<string, unknown> };
      };
      return p.methodName?.endsWith('CreateCluster') && p.request?.cluster
        ? [p.request.cluster]
        : [];
    });
    expect(requests.map((c) => c.name).sort()).toEqual(w.t.clusters.map((c) => c.name).sort());
    for (const cluster of requests) {
      expect(cluster).toHaveProperty('clusterIpv4Cidr');
      expect(cluster).not.toHaveProperty('servicesIpv4Cidr');
    }
  });

  it('reads the services range GKE chose, in the last /16 of its pod range, into the facts', async () => {
    const d = deps(w);
    for (const c of w.t.clusters) {
      if (c.mode !== 'routes') continue;
      const f = await d.facts.cluster(c.location, c.name);
      const [a, b] = c.podRange.split('.').map(Number);
      expect(f?.serviceRange).toBe(`${a}.${(b ?? 0) + 3}.240.0/20`);
      // The example topology names another one; nothing depends on it being GKE's.
      expect(f?.serviceRange).not.toBe(c.serviceRange);
    }
  });

  it('a second bootstrap of the same topology plans no change and reports no conflict', async () => {
    const run = bootstrap(w.t, deps(w, PRINCIPALS.bootstrap), {
      dryRun: true,
      seed: 'routes-again',
      pollMs: 25,
      waitTimeoutMs: 30_000,
    });
    let next = await run.next();
    const plans: [string, Record<string, number>][] = [];
    while (!next.done) {
      plans.push([next.value.name, next.value.plan]);
      next = await run.next();
    }
    expect(next.value.ok).toBe(true);
    for (const [step, p] of plans)
      expect([step, p]).toEqual([step, { create: 0, update: 0, delete: 0, conflict: 0 }]);
    expect((await sweepPlan(w)).actions).toEqual([]);
  });
});
