/** The planner over peerlink's edit of a default EgressNATPolicy (model/egress-nat-policy.ts). */
import { describe, expect, it } from 'vitest';
import { editPolicy } from '../../../functions/core/desire/egress-nat.ts';
import { GKE_DEFAULT_POLICY } from '../../../functions/core/manifests/egress-nat-policy.ts';
import type { EgressNatPolicyEdit, Observed } from '../../../functions/core/model/resources.ts';
import { plan } from '../../../functions/core/plan/diff.ts';
import { renderPlan } from '../../../functions/core/plan/render.ts';

const asFound: EgressNatPolicyEdit = {
  kind: 'egressNatPolicy',
  cluster: 'frontend-cluster',
  name: 'default',
  destinations: [...GKE_DEFAULT_POLICY],
  removed: [],
  added: [],
};
const seen = (r: EgressNatPolicyEdit): Observed => ({ resource: r, owned: true, version: '7' });
const wanted = editPolicy('frontend-cluster', asFound, ['10.193.0.0/16']).edit;

describe('plan of a default EgressNATPolicy', () => {
  it("creates peerlink's share of a policy it has not changed (the adapter lists none)", () => {
    expect(plan([wanted], []).actions).toMatchObject([
      { op: 'create', key: 'egressNatPolicy/frontend-cluster/default', reason: 'does not exist' },
    ]);
  });

  it('updates an edit in place for new targets, every changed field named', () => {
    const next = editPolicy('frontend-cluster', wanted, ['10.193.0.0/16', '172.16.5.0/24']).edit;
    const p = plan([next], [seen(wanted)]);
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({
      op: 'update',
      key: 'egressNatPolicy/frontend-cluster/default',
      reason: 'differs in destinations, removed, added',
    });
    const text = renderPlan(p);
    expect(text).toContain('~ update EgressNATPolicy frontend-cluster:default');
    expect(text).toContain('      - 172.16.0.0/12');
    expect(text).toContain('      + 172.20.0.0/14');
  });

  it('changes nothing once the edit is in place, whatever the order of the destinations', () => {
    const shuffled = { ...wanted, destinations: [...wanted.destinations].reverse() };
    expect(plan([wanted], [seen(shuffled)]).actions).toEqual([]);
  });

  it('undoes an edit no longer wanted', () => {
    expect(plan([], [seen(wanted)]).actions).toMatchObject([
      { op: 'delete', key: 'egressNatPolicy/frontend-cluster/default' },
    ]);
  });
});
