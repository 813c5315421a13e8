/**
 * Reconcile over an Autopilot consumer: its default EgressNATPolicy is read whatever desire wants,
 * so that an edit of peerlink's is undone by a sweep once none is wanted (masquerade: none), and
 * left alone by a reconcile scoped to something else.
 */
import { describe, expect, it } from 'vitest';
import { editPolicy } from '../../functions/core/desire/egress-nat.ts';
import {
  EGRESS_NAT_POLICY_KIND,
  GKE_DEFAULT_POLICY,
} from '../../functions/core/manifests/egress-nat-policy.ts';
import type { Facts } from '../../functions/core/model/facts.ts';
import type { ListScope } from '../../functions/core/ports.ts';
import { fullScope } from '../../functions/core/scope.ts';
import type { Cluster, Topology } from '../../functions/core/topology/schema.ts';
import { reconcile } from '../../functions/engine/reconcile.ts';
import { autopilotTopology } from '../support/autopilot.ts';
import { MemoryFacts } from '../support/memory-facts.ts';
import { MemoryPort } from '../support/memory-port.ts';
import { clusterFacts, exampleFacts } from '../support/topology.ts';

const fast = { seed: 'a', apply: { minBackoffMs: 1, maxBackoffMs: 4, retries: 3 } };
const base = autopilotTopology();
const none: Topology = {
  ...base,
  clusters: base.clusters.map((c) =>
    c.name === 'frontend-cluster' ? ({ ...c, masquerade: 'none' } as Cluster) : c,
  ),
};
const asFound = { destinations: [...GKE_DEFAULT_POLICY], removed: [], added: [] };
const edited = editPolicy('frontend-cluster', asFound, ['10.193.0.0/16']).edit;

function facts(t: Topology): Facts {
  const f = exampleFacts(t);
  return {
    ...f,
    clusters: {
      ...f.clusters,
      'frontend-cluster': {
        ...clusterFacts(t, 'frontend-cluster'),
        autopilot: true,
        egressNatPolicy: edited,
      },
    },
  };
}

/** The report's actions on EgressNATPolicies (the rest of the topology is created too). */
const policyActions = (actions: readonly { key: string }[]) =>
  actions.filter((a) => a.key.startsWith('egressNatPolicy/'));

/** A MemoryPort that keeps the scopes it was asked to list. */
class ScopedPort extends MemoryPort {
  readonly scopes: ListScope[] = [];
  override async list(scope: ListScope) {
    this.scopes.push(scope);
    return super.list(scope);
  }
}

describe('reconcile over an Autopilot consumer', () => {
  it('reads its default policy and undoes an edit no longer wanted (masquerade: none)', async () => {
    const port = new ScopedPort();
    port.state.set('egressNatPolicy/frontend-cluster/default', {
      resource: edited,
      owned: true,
      version: '3',
    });
    const report = await reconcile(
      none,
      fullScope(none, 'sweep'),
      { resources: port, facts: new MemoryFacts(facts(none)) },
      fast,
    );
    expect(port.scopes[0]?.kubeNames).toContainEqual(
      expect.objectContaining({ cluster: 'frontend-cluster', kind: EGRESS_NAT_POLICY_KIND }),
    );
    expect(policyActions(report.actions)).toEqual([
      expect.objectContaining({ op: 'delete', key: 'egressNatPolicy/frontend-cluster/default' }),
    ]);
    expect(port.state.has('egressNatPolicy/frontend-cluster/default')).toBe(false);
    expect(report.masquerade['frontend-cluster']).toEqual([]);
  });

  it('keeps the edit in place while it is wanted, and reports what it leaves', async () => {
    const port = new ScopedPort();
    port.state.set('egressNatPolicy/frontend-cluster/default', {
      resource: edited,
      owned: true,
      version: '3',
    });
    const report = await reconcile(
      base,
      fullScope(base, 'sweep'),
      { resources: port, facts: new MemoryFacts(facts(base)) },
      fast,
    );
    expect(policyActions(report.actions)).toEqual([]);
    expect(port.state.get('egressNatPolicy/frontend-cluster/default')?.resource).toEqual(edited);
    expect(report.masquerade['frontend-cluster']).toEqual(['10.193.0.0/16']);
    expect(report.left['frontend-cluster']).toEqual(
      GKE_DEFAULT_POLICY.filter((d) => d !== '10.0.0.0/8'),
    );
  });
});
