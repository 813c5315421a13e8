import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desire } from '../../../functions/core/desire/desire.ts';
import type { Facts } from '../../../functions/core/model/facts.ts';
import type { Observed, Resource } from '../../../functions/core/model/resources.ts';
import { phaseOf, plan, summary } from '../../../functions/core/plan/diff.ts';
import { normalise } from '../../../functions/core/plan/normalise.ts';
import { planJson, renderPlan } from '../../../functions/core/plan/render.ts';
import { factsArb } from '../../support/arbitraries.ts';
import { exampleFacts, exampleTopology, instanceGroup } from '../../support/topology.ts';

const t = exampleTopology();
const owned = (rs: readonly Resource[]): Observed[] =>
  rs.map((resource) => ({ resource, owned: true }));

/** The same resource as an API would echo it: lists reordered, protocol upper-cased. */
function echoed(r: Resource): Resource {
  switch (r.kind) {
    case 'firewall':
      return {
        ...r,
        sourceRanges: [...r.sourceRanges].reverse(),
        targetTags: [...r.targetTags].reverse(),
        allowed: [...r.allowed]
          .reverse()
          .map((a) => ({ ...a, IPProtocol: a.IPProtocol.toUpperCase() })),
      };
    case 'backendService':
      return { ...r, backends: [...r.backends].reverse() };
    case 'kube':
      return {
        ...r,
        manifest: {
          ...r.manifest,
          metadata: { ...(r.manifest.metadata as object), uid: 'u-1', resourceVersion: '42' },
          status: { observedGeneration: 1 },
        },
      };
    default:
      return r;
  }
}

describe('normalise', () => {
  it('is idempotent', () => {
    fc.assert(
      fc.property(factsArb(t), (facts) => {
        for (const r of desire(t, facts).resources.map(echoed)) {
          const once = normalise(r);
          expect(normalise(once)).toEqual(once);
        }
      }),
    );
  });
});

describe('plan', () => {
  it('is empty when observed equals desired, however the API echoes it', () => {
    fc.assert(
      fc.property(factsArb(t), (facts) => {
        const d = desire(t, facts).resources;
        expect(plan(d, owned(d)).actions).toEqual([]);
        expect(plan(d, owned(d.map(echoed))).actions).toEqual([]);
      }),
    );
  });

  it('turns a new node pool into exactly one backend-service update that adds its groups', () => {
    fc.assert(
      fc.property(factsArb(t), fc.constantFrom('x', 'y'), (facts, id) => {
        const before = desire(t, facts).resources;
        const backend = facts.clusters['backend-cluster'];
        if (!backend) throw new Error('fixture');
        const group = instanceGroup(
          t.project,
          'europe-west1-c',
          `gke-backend-cluster-new-${id}-grp`,
        );
        const after: Facts = {
          ...facts,
          clusters: {
            ...facts.clusters,
            'backend-cluster': {
              ...backend,
              nodePools: [...backend.nodePools, { name: `new-${id}`, instanceGroups: [group] }],
            },
          },
        };
        const p = plan(desire(t, after).resources, owned(before));
        expect(p.actions).toHaveLength(1);
        const [action] = p.actions;
        expect(action?.op).toBe('update');
        if (action?.op !== 'update') return;
        expect(action.desired.kind).toBe('backendService');
        expect(action.changes.map((c) => c.field)).toEqual(['backends']);
        const [change] = action.changes;
        const old = (change?.before ?? []) as string[];
        const added = ((change?.after ?? []) as string[]).filter((g) => !old.includes(g));
        expect(added).toEqual([group]);
      }),
    );
  });

  it('creates in dependency order from nothing', () => {
    const p = plan(desire(t, exampleFacts(t)).resources, []);
    expect(p.actions.every((a) => a.op === 'create')).toBe(true);
    const kinds = p.actions.map((a) => (a.op === 'create' ? a.desired.kind : ''));
    expect(kinds.indexOf('healthCheck')).toBeLessThan(kinds.indexOf('backendService'));
    expect(kinds.indexOf('backendService')).toBeLessThan(kinds.indexOf('forwardingRule'));
  });

  it('reports a same-named resource it does not own as a conflict and never touches it', () => {
    const d = desire(t, exampleFacts(t)).resources;
    const fw = d.find((r) => r.kind === 'firewall');
    if (fw?.kind !== 'firewall') throw new Error('fixture');
    const foreign: Observed = {
      resource: { ...fw, sourceRanges: ['0.0.0.0/0'], description: 'hand-made' },
      owned: false,
    };
    const stray: Observed = { resource: { ...fw, name: 'peerlink-lookalike' }, owned: false };
    const p = plan(d, [...owned(d.filter((r) => r !== fw)), foreign, stray]);
    expect(p.actions).toEqual([
      expect.objectContaining({ op: 'conflict', key: `firewall/${fw.name}` }),
    ]);
  });

  it('deletes owned resources that are no longer desired, in reverse dependency order', () => {
    const d = desire(t, exampleFacts(t)).resources;
    const p = plan([], owned(d));
    expect(p.actions.every((a) => a.op === 'delete')).toBe(true);
    const kinds = p.actions.map((a) => (a.op === 'delete' ? a.observed.resource.kind : ''));
    expect(kinds.indexOf('forwardingRule')).toBeLessThan(kinds.indexOf('backendService'));
    expect(kinds.indexOf('backendService')).toBeLessThan(kinds.indexOf('healthCheck'));
  });

  it('treats extra server-side fields of Kubernetes objects as no difference, but a changed field as one', () => {
    const d = desire(t, exampleFacts(t)).resources;
    const cm = d.find((r) => r.kind === 'kube' && r.objectKind === 'ConfigMap');
    if (cm?.kind !== 'kube') throw new Error('fixture');
    const served = {
      ...cm,
      manifest: {
        ...cm.manifest,
        metadata: { ...(cm.manifest.metadata as object), uid: 'x' },
        extra: 1,
      },
    };
    expect(plan([cm], owned([served])).actions).toEqual([]);
    const stale = { ...cm, manifest: { ...cm.manifest, data: { cidrs: '10.1.0.0/16\n' } } };
    expect(plan([cm], owned([stale])).actions).toEqual([
      expect.objectContaining({ op: 'update', reason: 'differs in data' }),
    ]);
  });
});

describe('rendering', () => {
  it('shows each kind of action with its sign and reason', () => {
    const d = desire(t, exampleFacts(t)).resources;
    const [first, second, ...rest] = d;
    if (!first || !second) throw new Error('fixture');
    const bs = rest.find((r) => r.kind === 'backendService');
    if (bs?.kind !== 'backendService') throw new Error('fixture');
    const observed: Observed[] = [
      { resource: second, owned: false },
      { resource: { ...bs, backends: [] }, owned: true },
      { resource: { ...bs, name: 'peerlink-old-bs' }, owned: true },
    ];
    const p = plan([first, second, bs], observed);
    const text = renderPlan(p);
    expect(text).toMatch(
      /^\+ create Deployment backend-cluster:default\/dummy-backend {2}\(does not exist\)/,
    );
    expect(text).toMatch(/\n! conflict Service backend-cluster:default\/dummy-backend/);
    expect(text).toMatch(
      /\n~ update backendService\/europe-west1\/peerlink-dummy-backend-[0-9a-f]{6}-bs {2}\(differs in backends\)\n {4}backends:\n {6}\+ projects\//,
    );
    expect(text).toMatch(/\n- delete backendService\/europe-west1\/peerlink-old-bs/);
    expect(text).toMatch(/Plan: 1 to create, 1 to update, 1 to delete, 1 conflicts\.$/);
    expect(planJson(p)).toMatchObject({ summary: summary(p) });
    expect(renderPlan({ actions: [] })).toBe('No changes. Everything matches the topology.');
  });
});

describe('infrastructure', () => {
  it('creates networks before subnets before peerings before clusters before node pools', async () => {
    const { desireInfra } = await import('../../../functions/core/desire/infra.ts');
    const p = plan(desireInfra(t), []);
    const kinds = p.actions.map((a) => (a.op === 'create' ? a.desired.kind : ''));
    expect([...new Set(kinds)]).toEqual([
      'network',
      'subnetwork',
      'peering',
      'cluster',
      'nodePool',
    ]);
    expect(new Set(p.actions.map(phaseOf)).size).toBe(5);
  });

  it('never updates or deletes infrastructure, and reports a difference as a conflict', async () => {
    const { desireInfra } = await import('../../../functions/core/desire/infra.ts');
    const infra = desireInfra(t);
    const subnet = infra.find((r) => r.kind === 'subnetwork');
    if (subnet?.kind !== 'subnetwork') throw new Error('fixture');
    const observed: Observed[] = [
      ...infra.filter((r) => r !== subnet).map((resource) => ({ resource, owned: true })),
      { resource: { ...subnet, range: '10.193.0.0/20' }, owned: true },
    ];
    expect(plan(infra, observed).actions).toEqual([
      expect.objectContaining({
        op: 'conflict',
        reason: expect.stringMatching(
          /exists with other range; peerlink does not change infrastructure/,
        ),
      }),
    ]);
    expect(plan([], observed).actions).toEqual([]);
  });
});
