/**
 * The ILB's reserved address (functions/core/model/address.ts) and the forwarding rule that
 * uses it: what desire asks for, what counts as a difference, and the order the planner puts
 * creates, replacements and deletes in.
 */
import { describe, expect, it } from 'vitest';
import { desire } from '../../../functions/core/desire/desire.ts';
import { resourceName } from '../../../functions/core/desire/names.ts';
import { addressKind } from '../../../functions/core/model/address.ts';
import { forwardingRuleKind } from '../../../functions/core/model/forwarding-rule.ts';
import {
  type Address,
  type ForwardingRule,
  keyOf,
  type Observed,
  OWNER_MARKER,
  type Resource,
} from '../../../functions/core/model/resources.ts';
import { type Action, phaseOf, plan } from '../../../functions/core/plan/diff.ts';
import { normalise } from '../../../functions/core/plan/normalise.ts';
import type { Topology } from '../../../functions/core/topology/schema.ts';
import { exampleFacts, exampleTopology } from '../../support/topology.ts';

const t = exampleTopology();
const svc = t.services[0];
if (!svc) throw new Error('the example topology has a service');

/** The example with its service's address pinned to `address`. */
function pinned(address: string): Topology {
  return { ...t, services: t.services.map((s, i) => (i === 0 ? { ...s, address } : s)) };
}

function ilb(topology: Topology) {
  const resources = desire(topology, exampleFacts(topology)).resources;
  const address = resources.find((r): r is Address => r.kind === 'address');
  const rule = resources.find((r): r is ForwardingRule => r.kind === 'forwardingRule');
  if (!address || !rule) throw new Error('desire made no address or forwarding rule');
  return { resources, address, rule };
}

const owned = (resource: Resource): Observed => ({ resource, owned: true });
/** What Compute gives back for a desired address: the one it allocated, or the pinned one. */
const reserved = (a: Address, ip = '10.193.0.7'): Address => ({ ...a, address: a.address || ip });
/** The rule as listed: on the reserved address, with its IP number. */
const serving = (r: ForwardingRule, ip: string): ForwardingRule => ({ ...r, IPAddress: ip });
const steps = (actions: readonly Action[]) => actions.map((a) => [a.op, a.key]);

describe('desire', () => {
  it("reserves the ILB's address in the provider's subnet and points the rule at it", () => {
    const { address, rule } = ilb(t);
    expect(address).toEqual({
      kind: 'address',
      name: resourceName(svc, 'ip'),
      region: 'europe-west1',
      subnetwork: 'vpc-a-europe-west1',
      address: '',
      description: expect.stringContaining(OWNER_MARKER),
    });
    expect(address.name).toMatch(/^peerlink-[a-z0-9-]{1,60}$/);
    expect(rule).toMatchObject({ address: address.name, IPAddress: '' });
  });

  it('pins the address, and the rule to it, when the topology sets services[].address', () => {
    const { address, rule } = ilb(pinned('10.193.0.50'));
    expect(address.address).toBe('10.193.0.50');
    expect(rule).toMatchObject({ address: address.name, IPAddress: '10.193.0.50' });
  });
});

describe('what differs', () => {
  const { address, rule } = ilb(t);

  it('normalise is stable', () => {
    for (const r of [address, rule, reserved(address), serving(rule, '10.193.0.7')]) {
      expect(normalise(normalise(r))).toEqual(normalise(r));
    }
  });

  it('an unpinned address takes whatever Compute allocated; a pinned one must match', () => {
    expect(addressKind.changes(address, reserved(address))).toEqual([]);
    expect(addressKind.changes({ ...address, address: '10.193.0.7' }, reserved(address))).toEqual(
      [],
    );
    expect(addressKind.changes({ ...address, address: '10.193.0.8' }, reserved(address))).toEqual([
      { field: 'address', before: '10.193.0.7', after: '10.193.0.8' },
    ]);
  });

  it('another subnet is a difference; another wording of the description is not', () => {
    const have = reserved(address);
    expect(addressKind.changes({ ...address, subnetwork: 'other' }, have)).toEqual([
      { field: 'subnetwork', before: 'vpc-a-europe-west1', after: 'other' },
    ]);
    expect(addressKind.changes(address, { ...have, description: `old ${OWNER_MARKER}` })).toEqual(
      [],
    );
  });

  it("a rule on another IP, or on none of peerlink's addresses, differs", () => {
    const have = serving(rule, '10.193.0.7');
    expect(forwardingRuleKind.changes(rule, have)).toEqual([]);
    expect(forwardingRuleKind.changes({ ...rule, IPAddress: '10.193.0.8' }, have)).toEqual([
      { field: 'IPAddress', before: '10.193.0.7', after: '10.193.0.8' },
    ]);
    // An ephemeral IP: no reserved address lists the rule as its user.
    expect(forwardingRuleKind.changes(rule, { ...have, address: '' })).toEqual([
      { field: 'address', before: '', after: address.name },
    ]);
  });

  it('the rule depends on its address, so that a foreign one holds it back', () => {
    expect(forwardingRuleKind.dependencies(rule)).toContain(keyOf(address));
  });
});

describe('plan', () => {
  it('creates the address before the forwarding rule', () => {
    const { resources, address, rule } = ilb(t);
    const p = plan(resources, []);
    const phase = (key: string) => phaseOf(p.actions.find((a) => a.key === key) as Action);
    expect(phase(keyOf(address))).toBeLessThan(phase(keyOf(rule)));
  });

  it('deletes the forwarding rule before its address when the service goes', () => {
    const { address, rule } = ilb(t);
    const p = plan([], [owned(reserved(address)), owned(serving(rule, '10.193.0.7'))]);
    expect(steps(p.actions)).toEqual([
      ['delete', keyOf(rule)],
      ['delete', keyOf(address)],
    ]);
    expect(phaseOf(p.actions[0] as Action)).toBeLessThan(phaseOf(p.actions[1] as Action));
  });

  it('changes nothing when the rule serves the reserved address', () => {
    const { resources } = ilb(t);
    const observed = resources.map((r) =>
      owned(
        r.kind === 'address'
          ? reserved(r)
          : r.kind === 'forwardingRule'
            ? serving(r, '10.193.0.7')
            : r,
      ),
    );
    expect(plan(resources, observed).actions).toEqual([]);
  });

  it('a rule found on an ephemeral IP is replaced onto the reservation', () => {
    const { resources, rule } = ilb(t);
    const observed = resources.map((r) =>
      owned(
        r.kind === 'address'
          ? reserved(r)
          : r.kind === 'forwardingRule'
            ? { ...serving(r, '10.193.0.9'), address: '' }
            : r,
      ),
    );
    expect(steps(plan(resources, observed).actions)).toEqual([['update', keyOf(rule)]]);
  });

  it('a changed pinned address replaces the address, then the rule that used it', () => {
    const before = ilb(pinned('10.193.0.50'));
    const after = ilb(pinned('10.193.0.60'));
    const observed = before.resources.map((r) =>
      owned(r.kind === 'forwardingRule' ? serving(r, '10.193.0.50') : r),
    );
    const p = plan(after.resources, observed);
    expect(steps(p.actions)).toEqual([
      ['update', keyOf(after.address)],
      ['update', keyOf(after.rule)],
    ]);
    const [replaceAddress, replaceRule] = p.actions as [Action, Action];
    expect(phaseOf(replaceAddress)).toBeLessThan(phaseOf(replaceRule));
    expect(replaceRule.op === 'update' && replaceRule.changes).toEqual([
      { field: 'IPAddress', before: '10.193.0.50', after: '10.193.0.60' },
    ]);
  });

  it('a same-named address peerlink does not own is a conflict and holds the rule back', () => {
    const { resources, address, rule } = ilb(t);
    const foreign: Observed = {
      resource: { ...reserved(address), description: 'made by hand' },
      owned: false,
    };
    const p = plan(resources, [foreign]);
    expect(p.actions.find((a) => a.key === keyOf(address))?.op).toBe('conflict');
    expect(p.actions.find((a) => a.key === keyOf(rule))).toMatchObject({
      op: 'conflict',
      reason: expect.stringContaining(keyOf(address)),
    });
  });
});
