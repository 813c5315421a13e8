/**
 * The managed ILB's backends and what keeps them from GKE's way: pools and clusters being
 * deleted leave the backend service (their delete fails while it lists them), and a cluster
 * whose nodes GKE's own load balancers use gets a conflict instead of a write.
 */
import { describe, expect, it } from 'vitest';
import { desire } from '../../../functions/core/desire/desire.ts';
import type { ClusterFacts, Facts } from '../../../functions/core/model/facts.ts';
import { type BackendService, keyOf } from '../../../functions/core/model/resources.ts';
import { plan } from '../../../functions/core/plan/diff.ts';
import { renderPlan } from '../../../functions/core/plan/render.ts';
import type { Topology } from '../../../functions/core/topology/schema.ts';
import { clusterFacts, exampleFacts, exampleTopology } from '../../support/topology.ts';

const t = exampleTopology();
const PROVIDER = 'backend-cluster';

function withProvider(change: (c: ClusterFacts) => ClusterFacts): Facts {
  const facts = exampleFacts(t);
  const c = facts.clusters[PROVIDER];
  if (!c) throw new Error('example facts lack the provider');
  return { ...facts, clusters: { ...facts.clusters, [PROVIDER]: change(c) } };
}

function backendService(facts: Facts, topology: Topology = t): BackendService {
  const bs = desire(topology, facts).resources.find((r) => r.kind === 'backendService');
  if (bs?.kind !== 'backendService') throw new Error('no backend service desired');
  return bs;
}

const twoPools = (): ClusterFacts => clusterFacts(t, PROVIDER, 2);
const groupsOf = (c: ClusterFacts, pool: string): readonly string[] =>
  c.nodePools.find((p) => p.name === pool)?.instanceGroups ?? [];

describe('backends while GKE deletes', () => {
  it('lists every pool of a running cluster', () => {
    const c = twoPools();
    expect(backendService(withProvider(() => c)).backends).toEqual(
      [...groupsOf(c, 'pool-0'), ...groupsOf(c, 'pool-1')].sort(),
    );
  });

  it.each([
    ['STOPPING', { status: 'STOPPING' }],
    ['with its delete operation running', { status: 'RUNNING', deleting: true }],
  ])('leaves out a pool that is %s', (_what, state) => {
    const c = twoPools();
    const facts = withProvider(() => ({
      ...c,
      nodePools: c.nodePools.map((p) => (p.name === 'pool-1' ? { ...p, ...state } : p)),
    }));
    expect(backendService(facts).backends).toEqual(groupsOf(c, 'pool-0'));
    expect(desire(t, facts).pending).toContainEqual(
      expect.stringMatching(/node pool pool-1 of backend-cluster is being deleted/),
    );
  });

  it.each([
    ['STOPPING', { status: 'STOPPING' }],
    ['with its delete operation running', { deleting: true }],
  ])('has no backends for a cluster that is %s', (_what, state) => {
    const facts = withProvider((c) => ({ ...c, ...state }));
    expect(backendService(facts).backends).toEqual([]);
    expect(desire(t, facts).pending).toContainEqual(
      expect.stringMatching(/cluster backend-cluster is being deleted; no backends/),
    );
  });

  it('plans the groups out of an existing backend service as soon as the delete starts', () => {
    const c = twoPools();
    const before = desire(
      t,
      withProvider(() => c),
    );
    const after = desire(
      t,
      withProvider(() => ({
        ...c,
        nodePools: c.nodePools.map((p) => (p.name === 'pool-0' ? { ...p, status: 'STOPPING' } : p)),
      })),
    );
    const observed = before.resources.map((resource) => ({ resource, owned: true }));
    const update = plan(after.resources, observed).actions.find(
      (a) => a.op === 'update' && a.desired.kind === 'backendService',
    );
    expect(update?.op === 'update' && update.changes).toEqual([
      {
        field: 'backends',
        before: [...groupsOf(c, 'pool-0'), ...groupsOf(c, 'pool-1')].sort(),
        after: groupsOf(c, 'pool-1'),
      },
    ]);
  });

  it('takes the groups back when the pool runs again (a failed delete)', () => {
    const c = twoPools();
    const stopping = withProvider(() => ({
      ...c,
      nodePools: c.nodePools.map((p) => (p.name === 'pool-0' ? { ...p, status: 'STOPPING' } : p)),
    }));
    const running = withProvider(() => c);
    expect(backendService(stopping).backends).toEqual(groupsOf(c, 'pool-1'));
    expect(backendService(running).backends).toHaveLength(2);
  });
});

describe('one load-balanced instance group per VM', () => {
  const withGkeService = (): Topology => {
    const first = t.services[0];
    if (!first) throw new Error('example has no service');
    return {
      ...t,
      services: [...t.services, { ...first, name: 'gke-lb', ilb: 'gke' }],
    };
  };

  it('a gke-mode service in the same provider cluster makes the managed backend service a conflict', () => {
    const topology = withGkeService();
    const d = desire(topology, exampleFacts(topology));
    const bs = backendService(exampleFacts(topology), topology);
    expect(d.conflicts).toEqual([
      {
        key: keyOf(bs),
        reason: expect.stringMatching(
          /backend-cluster also serves backend-cluster\/default\/gke-lb with GKE's own load balancer \(ilb: gke\).*only one load-balanced instance group/,
        ),
      },
    ]);
  });

  it('the plan reports it, holds back the forwarding rule, and writes the rest', () => {
    const topology = withGkeService();
    const d = desire(topology, exampleFacts(topology));
    const p = plan(d.resources, [], d.conflicts);
    const ops = (kind: string) =>
      p.actions
        .filter((a) => a.op !== 'delete' && a.desired.kind === kind)
        .map((a) => [a.op, a.reason]);
    expect(ops('backendService')).toEqual([
      ['conflict', expect.stringMatching(/only one load-balanced/)],
    ]);
    expect(ops('forwardingRule')).toEqual([
      [
        'conflict',
        expect.stringMatching(/^refers to backendService\/.*, which is in conflict; held back$/),
      ],
    ]);
    expect(ops('healthCheck')).toEqual([['create', 'does not exist']]);
    // The gke-mode service proceeds: its Kubernetes Service is created.
    expect(
      p.actions.some(
        (a) => a.op === 'create' && a.desired.kind === 'kube' && a.desired.name === 'gke-lb',
      ),
    ).toBe(true);
  });

  it('an existing backend service in conflict is neither updated nor deleted', () => {
    const facts = withProvider((c) => ({
      ...c,
      gkeLoadBalancedGroups: [
        'projects/peerlink-demo/zones/europe-west1-c/instanceGroups/k8s-ig--0123456789abcdef',
      ],
    }));
    const d = desire(t, facts);
    const bs = backendService(facts);
    const stale = { ...bs, backends: [] };
    const p = plan(d.resources, [{ resource: stale, owned: true }], d.conflicts);
    expect(p.actions.filter((a) => a.key === keyOf(bs))).toEqual([
      expect.objectContaining({
        op: 'conflict',
        reason: expect.stringMatching(
          /GKE's load-balanced instance groups .*k8s-ig--0123456789abcdef hold nodes of cluster backend-cluster/,
        ),
      }),
    ]);
  });

  it('without GKE load balancers there is no conflict', () => {
    expect(desire(t, exampleFacts(t)).conflicts).toEqual([]);
    expect(
      desire(
        t,
        withProvider((c) => ({ ...c, gkeLoadBalancedGroups: [] })),
      ).conflicts,
    ).toEqual([]);
  });

  it('other services proceed: a second managed service in another cluster has no conflict', () => {
    const topology = withGkeService();
    const consumerService = {
      ...(t.services[0] as Topology['services'][number]),
      name: 'other',
      cluster: 'frontend-cluster',
      consumers: ['backend-cluster'],
    };
    const both: Topology = { ...topology, services: [...topology.services, consumerService] };
    const d = desire(both, exampleFacts(both));
    expect(d.conflicts).toHaveLength(1);
    expect(d.conflicts[0]?.key).toContain('peerlink-dummy-backend');
  });
});

describe('the conflict as `peerlink plan` prints it', () => {
  it('is a `! conflict` line with the reason, the other parts planned as usual', () => {
    const facts = withProvider((c) => ({
      ...c,
      gkeLoadBalancedGroups: [
        'projects/peerlink-demo/zones/europe-west1-c/instanceGroups/k8s-ig--0123456789abcdef',
      ],
    }));
    const d = desire(t, facts);
    const text = renderPlan(plan(d.resources, [], d.conflicts));
    expect(text).toMatch(
      /^! conflict backendService\/\S*peerlink-dummy-backend-[0-9a-f]+-bs {2}\(GKE's load-balanced instance groups .*k8s-ig--0123456789abcdef hold nodes of cluster backend-cluster/m,
    );
    expect(text).toMatch(
      /^! conflict forwardingRule\/\S+ {2}\(refers to backendService\/.*, which is in conflict; held back\)$/m,
    );
    expect(text).toMatch(/^\+ create healthCheck\//m);
    expect(text).toMatch(/2 conflicts\.$/);
  });
});

describe('backends during a blue-green upgrade', () => {
  it('leave out the groups the upgrade is about to delete, and keep the others', () => {
    const c = twoPools();
    const [blue] = groupsOf(c, 'pool-1');
    const green = 'projects/peerlink-demo/zones/europe-west1-c/instanceGroups/gke-green-grp';
    if (!blue) throw new Error('no group');
    const facts = withProvider(() => ({
      ...c,
      nodePools: c.nodePools.map((p) =>
        p.name === 'pool-1' ? { ...p, instanceGroups: [blue, green], leavingGroups: [blue] } : p,
      ),
    }));
    expect(backendService(facts).backends).toEqual([...groupsOf(c, 'pool-0'), green].sort());
  });
});
