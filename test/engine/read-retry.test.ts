/**
 * Reads are retried in one layer only: a read that fails for good, through the real clients
 * against the simulator, is attempted at most READ_ATTEMPTS times during one reconcile, and
 * the reconcile then fails as transient (so its delivery is retried, not lost).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../functions/core/errors.ts';
import { fullScope } from '../../functions/core/scope.ts';
import { dispositionOf } from '../../functions/engine/disposition.ts';
import { reconcile } from '../../functions/engine/reconcile.ts';
import { READ_ATTEMPTS } from '../../functions/gcp/read-retry.ts';
import { simTarget, type Target } from '../gcp/target.ts';
import { exampleTopology } from '../support/topology.ts';

interface Stats {
  methods: Record<string, { reads: number; writes: number }>;
}

describe('one read-retry layer', () => {
  let t: Target;
  beforeAll(async () => {
    t = await simTarget();
  });
  afterAll(() => t?.close());

  async function reads(method: string): Promise<number> {
    const url = t.sim?.url ?? '';
    const stats = (await (await fetch(`${url}/__sim/stats`)).json()) as Stats;
    return stats.methods[method]?.reads ?? 0;
  }

  async function control(path: string, method: string, body?: unknown) {
    const url = t.sim?.url ?? '';
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.ok).toBe(true);
  }

  it(`a networks.get that always fails is attempted at most ${READ_ATTEMPTS} times per network`, async () => {
    expect(READ_ATTEMPTS).toBeLessThanOrEqual(5);
    const topology = exampleTopology();
    const before = await reads('compute.networks.get');
    await control('/__sim/faults', 'PUT', {
      methods: { 'compute.networks.get': { errorRate: 1, status: 503 } },
    });
    const started = Date.now();
    const error = await reconcile(topology, fullScope(topology), t.cloud, { seed: 'retries' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(dispositionOf(error, 'event').action).toBe('retry');
    // Reads still in flight when the reconcile gave up finish on their own: wait until the
    // count stops moving, then judge it.
    let last = -1;
    for (let i = 0; i < 15; i++) {
      const now = (await reads('compute.networks.get')) - before;
      if (now === last) break;
      last = now;
      await new Promise((r) => setTimeout(r, 1_500));
    }
    const networks = topology.networks.length;
    expect(last).toBeGreaterThanOrEqual(networks);
    expect(last).toBeLessThanOrEqual(READ_ATTEMPTS * networks);
    expect(Date.now() - started).toBeLessThan(30_000);
    await control('/__sim/faults', 'PUT', {});
  }, 60_000);
});
