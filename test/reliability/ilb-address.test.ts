/**
 * The ILB keeps its IP: after bootstrap the forwarding rule serves the reserved address, and a
 * rule that is deleted, or replaced by hand with a drifted one, comes back on the same IP, by a
 * sweep and by the audit entries alone. Through the real adapters against the simulator, each
 * function as its deploy role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '../../functions/core/desire/names.ts';
import { fullScope } from '../../functions/core/scope.ts';
import { reconcile } from '../../functions/engine/reconcile.ts';
import { makeOnAuditLog } from '../../functions/handlers/on-audit-log.ts';
import { Actor } from '../local/actor.ts';
import {
  allAcked,
  bootstrapUntilOk,
  control,
  deliver,
  deps,
  runtime,
  startWorld,
  sweepPlan,
  type World,
} from './harness.ts';

let w: World;
let actor: Actor;
let paths: { address: string; rule: string };
/** The address bootstrap reserved. */
let reserved: string;

const get = async (path: string) => {
  const r = await actor.get(path);
  if (!r) throw new Error(`${path} is missing`);
  return r;
};
const ruleIp = async () => String((await get(paths.rule)).IPAddress);

beforeAll(async () => {
  w = await startWorld();
  const runs = await bootstrapUntilOk(w, 'ilb-address');
  expect(runs.at(-1)?.ok, JSON.stringify(runs)).toBe(true);
  actor = new Actor(w.running.url, w.t.project);
  const svc = w.t.services[0];
  const provider = w.t.clusters.find((c) => c.name === svc?.cluster);
  if (!svc || !provider) throw new Error('the example topology has a service on a cluster');
  paths = {
    address: `regions/${provider.region}/addresses/${resourceName(svc, 'ip')}`,
    rule: `regions/${provider.region}/forwardingRules/${resourceName(svc, 'fr')}`,
  };
  reserved = String((await get(paths.address)).address);
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe("the ILB's reserved address", () => {
  it('is what the forwarding rule serves after bootstrap, IN_USE by that rule', async () => {
    expect(reserved).toMatch(/^10\.193\.\d+\.\d+$/);
    expect(await ruleIp()).toBe(reserved);
    const address = await get(paths.address);
    expect(address.status).toBe('IN_USE');
    expect(address.users).toEqual([(await get(paths.rule)).selfLink]);
    expect((await sweepPlan(w)).actions).toEqual([]);
  });

  it('a drifted rule made again by hand, on another IP, is replaced by the sweep onto the same IP', async () => {
    const rule = await get(paths.rule);
    await actor.compute('DELETE', paths.rule);
    const region = paths.rule.split('/forwardingRules/')[0];
    // Same name and description, another port, no IPAddress: Compute gives it an ephemeral IP.
    await actor.compute('POST', `${region}/forwardingRules`, {
      name: rule.name,
      description: rule.description,
      loadBalancingScheme: 'INTERNAL',
      IPProtocol: 'TCP',
      ports: ['8080'],
      subnetwork: rule.subnetwork,
      backendService: rule.backendService,
    });
    expect(await ruleIp()).not.toBe(reserved);
    const report = await reconcile(w.t, fullScope(w.t), deps(w), { seed: 'ilb-sweep' });
    expect(report.outcome).toBe('converged');
    expect(report.actions.map((a) => [a.op, a.key.split('/')[0]])).toEqual([
      ['update', 'forwardingRule'],
    ]);
    expect(await ruleIp()).toBe(reserved);
    expect((await get(paths.rule)).ports).toEqual(rule.ports);
    expect((await sweepPlan(w)).actions).toEqual([]);
  });

  it('a rule deleted by hand comes back on the same IP from its audit entries alone', async () => {
    const since = (await control.logs(w)).next;
    await actor.compute('DELETE', paths.rule);
    const { entries } = await control.logs(w, since);
    const deliveries = await deliver(makeOnAuditLog(runtime(w)), entries);
    expect(allAcked(deliveries)).toBe(true);
    expect(await ruleIp()).toBe(reserved);
    expect((await sweepPlan(w)).actions).toEqual([]);
  });
});
