/**
 * Entries delivered while the cloud is still changing, as Pub/Sub delivers them live: each
 * change's entries are handled before the next change is made. A peering becomes ACTIVE only when
 * its second side is added, and the second side's entries name only the network it was added on.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeOnAuditLog } from '../../functions/handlers/on-audit-log.ts';
import { Actor } from '../local/actor.ts';
import { THIRD_VPC } from '../local/demo.ts';
import type { Snapshot } from '../sim/core/sim.ts';
import {
  allAcked,
  bootstrapUntilOk,
  control,
  deliver,
  digest,
  PRINCIPAL,
  runScenario,
  runtime,
  startWorld,
  sweepPlan,
  type World,
} from './harness.ts';
import { peeringAdded } from './scenarios.ts';

let w: World;
let base: Snapshot;

beforeAll(async () => {
  w = await startWorld();
  expect((await bootstrapUntilOk(w, 'bootstrap')).at(-1)?.ok).toBe(true);
  base = await control.save(w);
}, 60_000);
afterAll(async () => {
  await w?.close();
});

it('a third VPC peered side by side, each side handled before the next, ends where the whole change ends', async () => {
  const ref = await runScenario(w, base, peeringAdded.change);
  await control.load(w, base);
  const consumer = w.t.clusters.find((c) => c.name === w.t.services[0]?.consumers[0]);
  if (!consumer) throw new Error('fixture');
  const actor = new Actor(w.running.url, w.t.project);
  const handler = makeOnAuditLog(runtime(w));
  const net = (n: string) => `projects/${w.t.project}/global/networks/${n}`;
  const steps: (() => Promise<void>)[] = [
    () =>
      actor.compute('POST', 'global/networks', {
        name: THIRD_VPC.name,
        autoCreateSubnetworks: false,
      }),
    () =>
      actor.compute('POST', `regions/${consumer.region}/subnetworks`, {
        name: THIRD_VPC.subnet,
        network: net(THIRD_VPC.name),
        ipCidrRange: THIRD_VPC.range,
      }),
    ...(
      [
        [consumer.network, THIRD_VPC.name],
        [THIRD_VPC.name, consumer.network],
      ] as const
    ).map(
      ([a, b]) =>
        () =>
          actor.compute('POST', `global/networks/${a}/addPeering`, {
            networkPeering: { name: `${a}-to-${b}`, network: net(b), exchangeSubnetRoutes: true },
          }),
    ),
  ];
  const outcomes: string[] = [];
  for (const step of steps) {
    const mark = (await control.logs(w)).next;
    await step();
    const entries = (await control.logs(w, mark)).entries.filter(
      (e) =>
        (e.protoPayload as { authenticationInfo?: { principalEmail?: string } }).authenticationInfo
          ?.principalEmail !== PRINCIPAL,
    );
    const deliveries = await deliver(handler, entries);
    expect(allAcked(deliveries)).toBe(true);
    outcomes.push(deliveries.map((d) => d.outcome).join(','));
  }
  const left = (await sweepPlan(w)).actions.map((a) => `${a.op} ${a.key}`);
  expect(left, outcomes.join(' | ')).toEqual([]);
  expect(await digest(w)).toEqual(ref.digest);
}, 60_000);
