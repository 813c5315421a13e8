/**
 * Ordering: the audit entries of a scenario (a new node pool, a third VPC peered and unpeered,
 * a deleted peerlink rule) delivered reordered, interleaved and duplicated end in the state the
 * ordered stream ends in. The event only wakes peerlink up and every reconcile reads the current
 * state, so the order cannot matter; this checks it. Each run starts from the same snapshot
 * (`PUT /__sim/snapshot`), taken after the changes and before any delivery.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeOnAuditLog } from '../../functions/handlers/on-audit-log.ts';
import { Actor } from '../local/actor.ts';
import { THIRD_VPC } from '../local/demo.ts';
import type { LogEntry } from '../sim/core/audit.ts';
import type { Snapshot } from '../sim/core/sim.ts';
import { seedFrom } from './faults.ts';
import {
  allAcked,
  bootstrapUntilOk,
  control,
  deliver,
  digest,
  duplicates,
  PRINCIPAL,
  runtime,
  startWorld,
  sweepPlan,
  type World,
} from './harness.ts';
import { managedResourceDeleted, newNodePool, peeringAdded } from './scenarios.ts';

const SEED = seedFrom('PEERLINK_ORDER_SEED', Math.floor(Math.random() * 2 ** 31));
const RUNS = 12;
let w: World;
let changed: Snapshot;
let entries: LogEntry[];
let ordered: Record<string, unknown>;

const methodOf = (e: LogEntry) => String((e.protoPayload as { methodName?: string }).methodName);
const recordOf = (e: LogEntry) =>
  (e.operation as { first?: boolean } | undefined)?.first ? 'first' : 'last';

beforeAll(async () => {
  process.stdout.write(
    `[reliability] ordering property seed ${SEED} (replay with PEERLINK_ORDER_SEED=${SEED})\n`,
  );
  w = await startWorld();
  const runs = await bootstrapUntilOk(w, 'bootstrap');
  expect(runs.at(-1)?.ok).toBe(true);
  const mark = (await control.logs(w)).next;
  await newNodePool.change(w);
  await peeringAdded.change(w);
  const consumer = w.t.clusters.find((c) => c.name === w.t.services[0]?.consumers[0]);
  await new Actor(w.running.url, w.t.project).compute(
    'POST',
    `global/networks/${consumer?.network}/removePeering`,
    { name: `${consumer?.network}-to-${THIRD_VPC.name}` },
  );
  await managedResourceDeleted.change(w);
  entries = (await control.logs(w, mark)).entries.filter(
    (e) =>
      (e.protoPayload as { authenticationInfo?: { principalEmail?: string } }).authenticationInfo
        ?.principalEmail !== PRINCIPAL,
  );
  changed = await control.save(w);
  process.stdout.write(`[reliability] ordering: ${entries.length} audit entries\n`);
  const first = await run(entries.map((_, i) => i));
  expect(first.leftover).toEqual([]);
  ordered = first.digest;
}, 120_000);
afterAll(async () => {
  await w?.close();
});

/** Delivers `order` (indexes into the scenario's entries) from the changed state. */
async function run(order: readonly number[]) {
  await control.load(w, changed);
  const mark = (await control.logs(w)).next;
  const stream = order.map((i) => entries[i] as LogEntry);
  const deliveries = await deliver(makeOnAuditLog(runtime(w)), stream);
  expect(allAcked(deliveries)).toBe(true);
  return {
    digest: await digest(w),
    duplicates: duplicates((await control.logs(w, mark)).entries),
    leftover: (await sweepPlan(w)).actions.map((a) => `${a.op} ${a.key}`),
  };
}

/** A permutation of 0..n-1 with up to four entries delivered again at random places. */
const stream = (n: number) =>
  fc
    .record({
      order: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
      again: fc.array(fc.record({ index: fc.nat(n - 1), at: fc.nat(n) }), { maxLength: 4 }),
    })
    .map(({ order, again }) => {
      const s = [...order];
      for (const { index, at } of again) s.splice(Math.min(at, s.length), 0, index);
      return s;
    });

/** Named cases, run before the random ones. */
function examples(): number[][] {
  const n = entries.length;
  const all = entries.map((_, i) => i);
  const swapped = [n - 1, ...all.slice(1, -1), 0];
  // Every operation's last record before its first.
  const lastFirst = [...all].sort((a, b) => {
    const [ea, eb] = [entries[a] as LogEntry, entries[b] as LogEntry];
    const op = (e: LogEntry) => String((e.operation as { id?: string } | undefined)?.id ?? '');
    return op(ea) === op(eb) ? (recordOf(ea) === 'last' ? -1 : 1) : a - b;
  });
  const removeFirst = [
    ...all.filter((i) => methodOf(entries[i] as LogEntry).endsWith('removePeering')),
    ...all.filter((i) => !methodOf(entries[i] as LogEntry).endsWith('removePeering')),
  ];
  return [swapped, lastFirst, removeFirst, [...all].reverse(), [...all, ...all]];
}

it('any reordering or duplication of the entries ends in the ordered stream’s state', async () => {
  expect(entries.map(methodOf).some((m) => m.endsWith('removePeering'))).toBe(true);
  expect(entries.map(methodOf).some((m) => m.endsWith('addPeering'))).toBe(true);
  await fc.assert(
    fc.asyncProperty(stream(entries.length), async (order) => {
      const r = await run(order);
      expect(r.duplicates).toEqual([]);
      expect(r.leftover).toEqual([]);
      expect(r.digest).toEqual(ordered);
    }),
    { seed: SEED, numRuns: RUNS, examples: examples().map((e) => [e]), endOnFailure: true },
  );
}, 300_000);
