/**
 * Fault injection over the end-to-end scenarios that start from a bootstrapped topology: a new
 * node pool, a peering added, a peering removed, a managed resource deleted. Each scenario's
 * audit entries go to onAuditLog while 20 % of Compute and GKE calls fail with 503 or 429, every
 * call takes 50–200 ms, and 20 % of peerlink's operations end in error. See README.md for what
 * "the same outcome" means.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../sim/core/sim.ts';
import { seedFrom, standardFaultProfile } from './faults.ts';
import {
  allAcked,
  apiMethods,
  armFaults,
  bootstrapUntilOk,
  control,
  finalOutcomes,
  loudOnly,
  runScenario,
  type ScenarioRun,
  startWorld,
  type World,
} from './harness.ts';
import { managedResourceDeleted, SCENARIOS } from './scenarios.ts';

const SEED = seedFrom('PEERLINK_FAULT_SEED', 7);
let w: World;
let base: Snapshot;
let methods: string[];

beforeAll(async () => {
  process.stdout.write(
    `[reliability] fault seed ${SEED} (replay with PEERLINK_FAULT_SEED=${SEED})\n`,
  );
  w = await startWorld();
  const runs = await bootstrapUntilOk(w, 'bootstrap');
  expect(runs.at(-1)?.ok, JSON.stringify(runs)).toBe(true);
  base = await control.save(w);
  methods = await apiMethods(w);
}, 60_000);
afterAll(async () => {
  await w?.close();
});

function trace(name: string, r: ScenarioRun): string {
  const d = r.deliveries.map((x) => `${x.entry}.${x.attempt}:${x.outcome}`).join(' ');
  return `[reliability] ${name}: ${r.ms} ms, ${r.operationErrors} operations failed; ${d}`;
}

describe.each(SCENARIOS)('$name under faults', (scenario) => {
  it(`converges with no duplicates, and seed ${SEED} gives the same outcome twice`, async () => {
    const ref = await runScenario(w, base, scenario.change);
    expect(allAcked(ref.deliveries)).toBe(true);
    expect(ref.leftover).toEqual([]);
    expect(ref.firstPlan.length).toBeGreaterThan(0);
    const runs: ScenarioRun[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await runScenario(
        w,
        base,
        scenario.change,
        armFaults(standardFaultProfile(SEED), methods),
      );
      process.stdout.write(`${trace(scenario.name, r)}\n`);
      // Converged: every entry acknowledged in the end, and nothing left for a sweep to do.
      expect(allAcked(r.deliveries), trace(scenario.name, r)).toBe(true);
      expect(loudOnly(r.deliveries)).toEqual([]);
      expect(r.leftover).toEqual([]);
      expect(r.duplicates).toEqual([]);
      expect(r.digest).toEqual(ref.digest);
      expect(r.firstPlan).toEqual(ref.firstPlan);
      // Every scenario whose plan has a Compute write met at least one failed operation.
      if (ref.firstPlan.some((a) => !a.includes(' kube/')))
        expect(r.operationErrors).toBeGreaterThan(0);
      runs.push(r);
    }
    const [a, b] = runs;
    const outcome = (r?: ScenarioRun) => ({
      digest: r?.digest,
      firstPlan: r?.firstPlan,
      finalOutcomes: r ? finalOutcomes(r.deliveries) : [],
      duplicates: r?.duplicates,
      leftover: r?.leftover,
    });
    expect(outcome(a)).toEqual(outcome(b));
  }, 120_000);
});

describe('past the retry budget', () => {
  it('fails loudly (the handler throws: 500), then converges on redelivery', async () => {
    const ref = await runScenario(w, base, managedResourceDeleted.change);
    // Six 503s in a row on the insert: one more than the executor's five retries.
    const r = await runScenario(w, base, managedResourceDeleted.change, async (world) => {
      await control.faults(world, {
        seed: SEED,
        methods: { 'compute.firewalls.insert': { failNext: 6, status: 503 } },
      });
      return async () => 0;
    });
    expect(r.deliveries.map((d) => d.outcome)).toEqual([
      'deferred',
      'threw ReconcileRetryableError',
      'reconciled',
    ]);
    expect(r.digest).toEqual(ref.digest);
    expect(r.duplicates).toEqual([]);
    expect(r.leftover).toEqual([]);
  }, 60_000);
});
