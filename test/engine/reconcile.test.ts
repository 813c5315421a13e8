import { describe, expect, it } from 'vitest';
import { desire } from '../../functions/core/desire/desire.ts';
import { resourceName } from '../../functions/core/desire/names.ts';
import { type Firewall, keyOf, OWNER_MARKER } from '../../functions/core/model/resources.ts';
import { fullScope, scopeOf } from '../../functions/core/scope.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { dispositionOf } from '../../functions/engine/disposition.ts';
import { ReconcileRetryableError, reconcile } from '../../functions/engine/reconcile.ts';
import { MemoryFacts } from '../support/memory-facts.ts';
import { MemoryPort } from '../support/memory-port.ts';
import { exampleFacts, exampleTopology, instanceGroup } from '../support/topology.ts';

const t = exampleTopology();
const fast = { seed: 'r', apply: { minBackoffMs: 1, maxBackoffMs: 4, retries: 3 } };

function setup(topology: Topology = t) {
  const resources = new MemoryPort();
  const facts = new MemoryFacts(exampleFacts(topology));
  return { resources, facts, deps: { resources, facts } };
}

function stray(name: string, owned: boolean): Firewall {
  return {
    kind: 'firewall',
    name,
    network: 'vpc-a',
    direction: 'INGRESS',
    priority: 1000,
    sourceRanges: ['10.0.0.0/8'],
    destinationRanges: [],
    targetTags: [],
    allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
    description: owned ? `peerlink: old ${OWNER_MARKER}` : 'hand-made',
  };
}

describe('reconcile', () => {
  it('converges a sweep from nothing, and the next sweep writes nothing', async () => {
    const { resources, deps } = setup();
    const first = await reconcile(t, fullScope(t), deps, fast);
    expect(first.outcome).toBe('converged');
    expect(first.plan.create).toBe(desire(t, exampleFacts(t)).resources.length);
    expect(first.masquerade).toEqual({ 'frontend-cluster': ['10.193.0.0/16'] });
    const writes = resources.writes;
    const second = await reconcile(t, fullScope(t), deps, fast);
    expect(second.outcome).toBe('noop');
    expect(resources.writes).toBe(writes);
  });

  it("adds a new node pool's instance groups on a node-pool trigger", async () => {
    const { resources, facts, deps } = setup();
    await reconcile(t, fullScope(t), deps, fast);
    const backend = facts.facts.clusters['backend-cluster'];
    if (!backend) throw new Error('fixture');
    const group = instanceGroup(t.project, 'europe-west1-c', 'gke-backend-cluster-pool-2-grp');
    facts.facts = {
      ...facts.facts,
      clusters: {
        ...facts.facts.clusters,
        'backend-cluster': {
          ...backend,
          nodePools: [...backend.nodePools, { name: 'pool-2', instanceGroups: [group] }],
        },
      },
    };
    const trigger = {
      action: 'reconcile' as const,
      kind: 'nodePool' as const,
      project: t.project,
      scope: { cluster: 'backend-cluster' },
      operationId: 'op',
      reason: '',
      causedBySelf: false,
      timestamp: null,
      method: null,
    };
    const report = await reconcile(t, scopeOf(t, trigger), deps, fast);
    expect(report.actions).toEqual([
      expect.objectContaining({ op: 'update', key: expect.stringMatching(/-bs$/) }),
    ]);
    const bs = [...resources.state.values()].find((o) => o.resource.kind === 'backendService');
    expect(bs?.resource.kind === 'backendService' && bs.resource.backends).toContain(group);
  });

  it('deletes owned leftovers in a sweep but never touches what it does not own', async () => {
    const { resources, deps } = setup();
    const mine = stray('peerlink-retired-abcdef-consumers', true);
    const theirs = stray('peerlink-retired-abcdef-health', false);
    resources.state.set(keyOf(mine), { resource: mine, owned: true, version: '1' });
    resources.state.set(keyOf(theirs), { resource: theirs, owned: false, version: '1' });
    await reconcile(t, fullScope(t), deps, fast);
    expect(resources.state.has(keyOf(mine))).toBe(false);
    expect(resources.state.get(keyOf(theirs))?.resource).toEqual(theirs);
  });

  it('leaves other services alone in a scoped reconcile', async () => {
    const svc = t.services[0];
    if (!svc) throw new Error('fixture');
    const two: Topology = {
      ...t,
      services: [...t.services, { ...svc, name: 'second', nodePort: 32000 }],
    };
    const { resources, deps } = setup(two);
    await reconcile(two, fullScope(two), deps, fast);
    const before = new Map(resources.state);
    const one: Topology = { ...two, services: [svc] }; // a stale topology that lacks `second`
    const trigger = {
      action: 'reconcile' as const,
      kind: 'firewall' as const,
      project: t.project,
      scope: { resource: resourceName(svc, 'consumers') },
      operationId: 'op',
      reason: '',
      causedBySelf: false,
      timestamp: null,
      method: null,
    };
    await reconcile(one, scopeOf(one, trigger), deps, fast);
    expect(resources.state).toEqual(before);
  });

  it('only plans in read-only mode', async () => {
    const { resources, deps } = setup();
    const report = await reconcile(t, fullScope(t), deps, { ...fast, readOnly: true });
    expect(report.outcome).toBe('planned');
    expect(report.plan.create).toBeGreaterThan(0);
    expect(resources.writes).toBe(0);
  });

  /** A converged world whose backend service must change next, its update failing `stale` times. */
  async function staleBackendService(stale: number) {
    const { resources, facts, deps } = setup();
    await reconcile(t, fullScope(t), deps, fast);
    const backend = facts.facts.clusters['backend-cluster'];
    if (!backend) throw new Error('fixture');
    facts.facts = {
      ...facts.facts,
      clusters: { ...facts.facts.clusters, 'backend-cluster': { ...backend, nodePools: [] } },
    };
    const bsKey = [...resources.state.keys()].find((k) => k.endsWith('-bs')) ?? '';
    resources.faults.set(bsKey, Array(stale).fill('precondition'));
    return deps;
  }

  it('re-observes and re-plans after a stale fingerprint', async () => {
    const deps = await staleBackendService(1);
    const report = await reconcile(t, fullScope(t), deps, fast);
    expect(report).toMatchObject({ outcome: 'converged', cycles: 2 });
  });

  it('is retried when every re-plan meets a stale precondition again', async () => {
    const deps = await staleBackendService(10);
    const error = await reconcile(t, fullScope(t), deps, { ...fast, maxReplans: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReconcileRetryableError);
    expect((error as ReconcileRetryableError).report).toMatchObject({
      outcome: 'stale',
      cycles: 3,
    });
    expect(dispositionOf(error, 'event').action).toBe('retry');
    expect(dispositionOf(error, 'sweep').action).toBe('retry');
  });

  it('throws a retryable error when transient failures outlast the budget', async () => {
    const { resources, deps } = setup();
    const hc = desire(t, exampleFacts(t)).resources.find((r) => r.kind === 'healthCheck');
    if (!hc) throw new Error('fixture');
    resources.faults.set(keyOf(hc), Array(20).fill('transient'));
    await expect(reconcile(t, fullScope(t), deps, fast)).rejects.toBeInstanceOf(
      ReconcileRetryableError,
    );
  });
});
