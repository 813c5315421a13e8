/**
 * Bootstrap from nothing under the fault profile (faults.ts): 20 % of calls 503/429, 50–200 ms
 * latency, two forced "peering operation in progress" answers on each peering method, and 20 %
 * of peerlink's operations ending in error. A bootstrap run that fails reports it (ok: false, the
 * step named); running it again, as its caller does, must complete it without creating anything
 * twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LogEntry } from '../sim/core/audit.ts';
import { seedFrom, standardFaultProfile } from './faults.ts';
import {
  apiMethods,
  armFaults,
  bootstrapUntilOk,
  control,
  creates,
  digest,
  duplicates,
  startWorld,
  sweepPlan,
  type World,
} from './harness.ts';

const SEED = seedFrom('PEERLINK_FAULT_SEED', 7);
let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);
afterAll(async () => {
  await w?.close();
});

async function bootstrapped(arm?: ReturnType<typeof armFaults>) {
  await control.reset(w);
  const disarm = arm ? await arm(w) : async () => 0;
  let runs: Awaited<ReturnType<typeof bootstrapUntilOk>>;
  try {
    runs = await bootstrapUntilOk(w, 'bootstrap');
  } finally {
    await disarm();
    await control.faults(w, {});
  }
  const entries: LogEntry[] = (await control.logs(w)).entries;
  return {
    runs,
    digest: await digest(w),
    duplicates: duplicates(entries),
    created: [...creates(entries).keys()].sort(),
    leftover: (await sweepPlan(w)).actions.map((a) => `${a.op} ${a.key}`),
  };
}

it(`bootstrap completes under faults (seed ${SEED}), reruns create nothing twice, and the seed replays`, async () => {
  const ref = await bootstrapped();
  expect(ref.runs).toEqual([{ ok: true }]);
  expect(ref.leftover).toEqual([]);
  const methods = await apiMethods(w);
  const outcomes = [];
  for (let i = 0; i < 2; i++) {
    const r = await bootstrapped(armFaults(standardFaultProfile(SEED), methods));
    process.stdout.write(`[reliability] bootstrap seed ${SEED}: ${JSON.stringify(r.runs)}\n`);
    expect(r.runs.at(-1)?.ok, JSON.stringify(r.runs)).toBe(true);
    expect(r.duplicates).toEqual([]);
    expect(r.created).toEqual(ref.created);
    expect(r.leftover).toEqual([]);
    expect(r.digest).toEqual(ref.digest);
    outcomes.push({ digest: r.digest, created: r.created, leftover: r.leftover });
  }
  expect(outcomes[0]).toEqual(outcomes[1]);
}, 180_000);
