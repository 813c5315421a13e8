/**
 * Races: four reconciles of the same scope at once, as four function instances would run them,
 * each with its own clients. Every call takes 50–200 ms (no errors) so the instances overlap.
 * The end state must equal the state one reconcile gives from the same start, with nothing
 * created twice and no error surfaced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullScope } from '../../functions/core/scope.ts';
import { reconcile } from '../../functions/engine/reconcile.ts';
import { makeOnAuditLog } from '../../functions/handlers/on-audit-log.ts';
import { Actor } from '../local/actor.ts';
import type { LogEntry } from '../sim/core/audit.ts';
import type { Snapshot } from '../sim/core/sim.ts';
import { faultConfig, seedFrom, standardFaultProfile } from './faults.ts';
import {
  apiMethods,
  bootstrapUntilOk,
  control,
  deps,
  digest,
  duplicates,
  PRINCIPAL,
  pubsubEvent,
  runtime,
  startWorld,
  sweepPlan,
  type World,
} from './harness.ts';
import { managedResourceDeleted, newNodePool, peeringAdded } from './scenarios.ts';

const SEED = seedFrom('PEERLINK_FAULT_SEED', 7);
const INSTANCES = 4;
let w: World;
let base: Snapshot;
let methods: string[];

beforeAll(async () => {
  w = await startWorld();
  const runs = await bootstrapUntilOk(w, 'bootstrap');
  expect(runs.at(-1)?.ok).toBe(true);
  base = await control.save(w);
  methods = await apiMethods(w);
}, 60_000);
afterAll(async () => {
  await w?.close();
});

/** Deletes every peerlink load-balancer part and firewall rule, as a person cleaning up would. */
async function stripPeerlink(world: World): Promise<void> {
  const actor = new Actor(world.running.url, world.t.project);
  const region = `regions/${world.t.region}`;
  for (const collection of [
    `${region}/forwardingRules`,
    `${region}/backendServices`,
    `${region}/healthChecks`,
    'global/firewalls',
  ]) {
    const items = ((await actor.get(collection))?.items ?? []) as { name: string }[];
    for (const { name } of items.filter((i) => i.name.startsWith('peerlink-')))
      await actor.compute('DELETE', `${collection}/${name}`);
  }
}

const STARTS = [
  { name: 'every load-balancer part and firewall rule missing', change: stripPeerlink },
  {
    name: 'a new node pool, a new peering and a deleted rule at once',
    change: async (world: World) => {
      await newNodePool.change(world);
      await peeringAdded.change(world);
      await managedResourceDeleted.change(world);
    },
  },
];

/** The start state after `change`, and the audit entries the change wrote. */
async function startFrom(change: (world: World) => Promise<void>) {
  await control.load(w, base);
  const mark = (await control.logs(w)).next;
  await change(w);
  const entries = (await control.logs(w, mark)).entries;
  return { snapshot: await control.save(w), entries };
}

/** Runs `body` from `start` with latency on every call; returns the state afterwards. */
async function from<T>(start: Snapshot, body: () => Promise<T>) {
  await control.load(w, start);
  const mark = (await control.logs(w)).next;
  const writesBefore = (await control.stats(w)).writes;
  const latency = faultConfig({ ...standardFaultProfile(SEED), errorRate: 0 }, methods);
  await control.faults(w, latency);
  let result: T;
  try {
    result = await body();
  } finally {
    await control.faults(w, {});
  }
  const entries: LogEntry[] = (await control.logs(w, mark)).entries;
  return {
    result,
    /** Write calls made: more than one run's means the instances overlapped. */
    writes: (await control.stats(w)).writes - writesBefore,
    digest: await digest(w),
    duplicates: duplicates(entries),
    leftover: (await sweepPlan(w)).actions.map((a) => `${a.op} ${a.key}`),
  };
}

const sweep = (seed: string) => reconcile(w.t, fullScope(w.t), deps(w), { seed });

describe.each(STARTS)('four instances at once: $name', ({ change }) => {
  it('four sweeps with their own seeds end where one sweep ends', async () => {
    const { snapshot } = await startFrom(change);
    const one = await from(snapshot, () => sweep('single'));
    expect(one.result.outcome).toBe('converged');
    expect(one.leftover).toEqual([]);
    const four = await from(snapshot, () =>
      Promise.allSettled(Array.from({ length: INSTANCES }, (_, i) => sweep(`instance-${i}`))),
    );
    const failures = four.result.filter((r) => r.status === 'rejected');
    expect(failures).toEqual([]);
    expect(four.writes).toBeGreaterThan(one.writes);
    expect(four.duplicates).toEqual([]);
    expect(four.leftover).toEqual([]);
    expect(four.digest).toEqual(one.digest);
  }, 120_000);

  it('one entry delivered to four instances at once ends where one delivery ends', async () => {
    const { snapshot, entries } = await startFrom(change);
    // The change's last entry that names a peerlink resource or the node pool wakes a scoped reconcile.
    const entry = entries.findLast(
      (e) =>
        (e.operation as { last?: boolean } | undefined)?.last &&
        (e.protoPayload as { authenticationInfo?: { principalEmail?: string } }).authenticationInfo
          ?.principalEmail !== PRINCIPAL,
    );
    if (!entry) throw new Error('the change wrote no last record');
    const handle = () => makeOnAuditLog(runtime(w))(pubsubEvent(entry, 'race'));
    const one = await from(snapshot, handle);
    expect(one.result).toBe('reconciled');
    const four = await from(snapshot, () =>
      Promise.allSettled(Array.from({ length: INSTANCES }, handle)),
    );
    expect(four.result.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual(
      Array(INSTANCES).fill('reconciled'),
    );
    expect(four.writes).toBeGreaterThan(one.writes);
    expect(four.duplicates).toEqual([]);
    expect(four.digest).toEqual(one.digest);
    // One scoped reconcile may leave other scopes to the sweep; four must leave no more.
    expect(four.leftover).toEqual(one.leftover);
  }, 120_000);
});
