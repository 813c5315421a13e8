import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desire } from '../../../functions/core/desire/desire.ts';
import {
  editPolicy,
  egressNatTargets,
  originalDestinations,
  podsRoutable,
} from '../../../functions/core/desire/egress-nat.ts';
import { effectiveMode } from '../../../functions/core/desire/masquerade.ts';
import { GKE_DEFAULT_POLICY } from '../../../functions/core/manifests/egress-nat-policy.ts';
import type { EgressNatPolicyFacts } from '../../../functions/core/model/egress-nat-policy.ts';
import type { ClusterFacts, Facts } from '../../../functions/core/model/facts.ts';
import { aggregate, overlaps, subtract } from '../../../functions/core/net/cidr.ts';
import type { Cluster, Topology } from '../../../functions/core/topology/schema.ts';
import { cidrArb } from '../../support/arbitraries.ts';
import { AUTOPILOT_PODS, autopilotTopology } from '../../support/autopilot.ts';
import { clusterFacts, exampleFacts } from '../../support/topology.ts';

const t = autopilotTopology();
const frontend = t.clusters.find((c) => c.name === 'frontend-cluster') as Cluster;
const vpcB = { name: 'vpc-b', peerings: [], importedRanges: ['10.193.0.0/16'] };
const gkeDefault: EgressNatPolicyFacts = {
  destinations: [...GKE_DEFAULT_POLICY],
  removed: [],
  added: [],
};

/** The example's facts with the frontend an Autopilot cluster holding `policy`. */
function factsWith(policy: EgressNatPolicyFacts | null | undefined, topology = t): Facts {
  const base = exampleFacts(topology);
  const frontendFacts: ClusterFacts = {
    ...clusterFacts(topology, 'frontend-cluster'),
    autopilot: true,
    ...(policy !== undefined ? { egressNatPolicy: policy } : {}),
  };
  return { ...base, clusters: { ...base.clusters, 'frontend-cluster': frontendFacts } };
}

describe('egress-nat-policy mode', () => {
  it('is what auto picks for an Autopilot cluster, from the topology or from GKE', () => {
    expect(effectiveMode(frontend, undefined)).toBe('egress-nat-policy');
    const standard = { ...frontend, autopilot: false } as Cluster;
    expect(effectiveMode(standard, { ...clusterFacts(t, frontend.name), autopilot: true })).toBe(
      'egress-nat-policy',
    );
    expect(effectiveMode({ ...frontend, masquerade: 'none' } as Cluster, undefined)).toBe('none');
  });

  it('masquerades peer ranges when peers cannot answer the pods (a privately used public pod range)', () => {
    expect(podsRoutable(t, frontend)).toBe(false);
    expect(egressNatTargets(t, frontend, vpcB, GKE_DEFAULT_POLICY)).toEqual(['10.193.0.0/16']);
  });

  it('masquerades nothing in auto when the pod range is one peering always exchanges', () => {
    const routable = autopilotTopology('10.60.0.0/14');
    const c = routable.clusters.find((x) => x.name === 'frontend-cluster') as Cluster;
    expect(podsRoutable(routable, c)).toBe(true);
    expect(egressNatTargets(routable, c, vpcB, GKE_DEFAULT_POLICY)).toEqual([]);
    // Named in the topology, the mode masquerades whatever the pod range.
    const named = { ...c, masquerade: 'egress-nat-policy' } as Cluster;
    expect(egressNatTargets(routable, named, vpcB, GKE_DEFAULT_POLICY)).toEqual(['10.193.0.0/16']);
  });

  it("targets only what the policy leaves unmasqueraded, never the cluster's own ranges", () => {
    const imports = { ...vpcB, importedRanges: ['10.193.0.0/16', '34.1.0.0/16', '10.209.0.0/24'] };
    // 34.1.0.0/16 is masqueraded anyway (outside every NoSNAT destination); 10.209.0.0/24 is
    // inside the frontend's own subnet.
    expect(egressNatTargets(t, frontend, imports, GKE_DEFAULT_POLICY)).toEqual(['10.193.0.0/16']);
    expect(egressNatTargets(t, frontend, imports, ['172.16.0.0/12'])).toEqual([]);
  });
});

describe('editPolicy', () => {
  const edited = editPolicy('frontend-cluster', gkeDefault, ['10.193.0.0/16']);

  it('replaces the destination that covers a target by what remains of it, and records both', () => {
    expect(edited.edit.removed).toEqual(['10.0.0.0/8']);
    expect(edited.edit.added).toEqual(subtract(['10.0.0.0/8'], ['10.193.0.0/16']));
    expect(edited.edit.destinations).not.toContain('10.0.0.0/8');
    expect(overlaps(edited.edit.destinations, ['10.193.0.0/16'])).toBe(false);
    // Everything else the policy left unmasqueraded stays so.
    expect(aggregate(edited.edit.destinations)).toEqual(
      subtract(GKE_DEFAULT_POLICY, ['10.193.0.0/16']),
    );
  });

  it('leaves every destination that covers no target, and says so', () => {
    expect(edited.left).toEqual(GKE_DEFAULT_POLICY.filter((d) => d !== '10.0.0.0/8'));
    expect(edited.edit.destinations.slice(0, edited.left.length)).toEqual(edited.left);
  });

  it('is stable: the edited policy read back gives the same edit', () => {
    const again = editPolicy('frontend-cluster', edited.edit, ['10.193.0.0/16']);
    expect(again.edit).toEqual(edited.edit);
  });

  it('puts the policy back as it found it when nothing is to be masqueraded', () => {
    const undone = editPolicy('frontend-cluster', edited.edit, []);
    expect(undone.edit).toMatchObject({ removed: [], added: [] });
    expect([...undone.edit.destinations].sort()).toEqual([...GKE_DEFAULT_POLICY].sort());
    expect(originalDestinations(edited.edit).sort()).toEqual([...GKE_DEFAULT_POLICY].sort());
  });

  it("follows a changed target without touching what it did not change, and keeps others' edits", () => {
    // Someone removed 172.16.0.0/12 and added 10.193.7.0/24 and a name that is no CIDR.
    const handEdited: EgressNatPolicyFacts = {
      ...edited.edit,
      destinations: [
        ...edited.edit.destinations.filter((d) => d !== '172.16.0.0/12'),
        '10.193.7.0/24',
        'not-a-cidr',
      ],
    };
    const next = editPolicy('frontend-cluster', handEdited, ['10.193.0.0/16', '192.168.5.0/24']);
    expect(next.edit.destinations).not.toContain('172.16.0.0/12');
    expect(next.edit.destinations).toContain('not-a-cidr');
    // 10.193.7.0/24 and 192.168.0.0/16 cover targets now: removed, recorded, the latter split.
    expect([...next.edit.removed].sort()).toEqual([
      '10.0.0.0/8',
      '10.193.7.0/24',
      '192.168.0.0/16',
    ]);
    expect(
      overlaps(
        next.edit.destinations.filter((d) => d !== 'not-a-cidr'),
        ['10.193.0.0/16'],
      ),
    ).toBe(false);
    // Undone, the policy is the hand-edited one without peerlink's part.
    const undone = editPolicy('frontend-cluster', next.edit, []);
    expect([...undone.edit.destinations].sort()).toEqual(
      [
        ...GKE_DEFAULT_POLICY.filter((d) => d !== '172.16.0.0/12'),
        '10.193.7.0/24',
        'not-a-cidr',
      ].sort(),
    );
  });

  it('never leaves a target unmasqueraded, keeps the rest, and undoes exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.array(cidrArb, { minLength: 1, maxLength: 8 }),
        fc.array(cidrArb, { maxLength: 4 }),
        (destinations, rawTargets) => {
          const targets = aggregate(rawTargets);
          const policy = { destinations: [...new Set(destinations)], removed: [], added: [] };
          const { edit } = editPolicy('c', policy, targets);
          expect(overlaps(edit.destinations, targets)).toBe(false);
          expect(aggregate(edit.destinations)).toEqual(subtract(policy.destinations, targets));
          const undone = editPolicy('c', edit, []).edit;
          expect(new Set(undone.destinations)).toEqual(new Set(policy.destinations));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('desire for an Autopilot consumer', () => {
  it('wants the edited default policy, reports the targets as masqueraded and what it leaves', () => {
    const d = desire(t, factsWith(gkeDefault));
    const edits = d.resources.filter((r) => r.kind === 'egressNatPolicy');
    expect(edits).toEqual([editPolicy('frontend-cluster', gkeDefault, ['10.193.0.0/16']).edit]);
    expect(d.masquerade['frontend-cluster']).toEqual(['10.193.0.0/16']);
    expect(d.left['frontend-cluster']).toEqual(
      GKE_DEFAULT_POLICY.filter((x) => x !== '10.0.0.0/8'),
    );
    // No agent, no ConfigMap: Autopilot admits neither.
    expect(
      d.resources.filter((r) => r.kind === 'kube' && r.cluster === 'frontend-cluster'),
    ).toEqual([]);
  });

  it('waits while the policy cannot be read, and creates none that is missing', () => {
    const unread = desire(t, factsWith(undefined));
    expect(unread.resources.some((r) => r.kind === 'egressNatPolicy')).toBe(false);
    expect(unread.pending).toContain(
      'cluster frontend-cluster: its default EgressNATPolicy cannot be read yet',
    );
    const missing = desire(t, factsWith(null));
    expect(missing.resources.some((r) => r.kind === 'egressNatPolicy')).toBe(false);
    expect(missing.pending).toContain(
      'cluster frontend-cluster has no default EgressNATPolicy; peerlink does not create it',
    );
  });

  it('in none mode, wants no edit, so that a sweep undoes the one in place', () => {
    const none: Topology = {
      ...t,
      clusters: t.clusters.map((c) =>
        c.name === 'frontend-cluster' ? ({ ...c, masquerade: 'none' } as Cluster) : c,
      ),
    };
    const edited = editPolicy('frontend-cluster', gkeDefault, ['10.193.0.0/16']).edit;
    const d = desire(none, factsWith(edited, none));
    expect(d.resources.filter((r) => r.kind === 'egressNatPolicy')).toEqual([]);
    expect(d.masquerade['frontend-cluster']).toEqual([]);
    expect([...(d.left['frontend-cluster'] ?? [])].sort()).toEqual([...GKE_DEFAULT_POLICY].sort());
  });

  it('masquerades nothing for pods peers can answer, and changes nothing then', () => {
    const routable = autopilotTopology('10.60.0.0/14');
    const d = desire(routable, factsWith(gkeDefault, routable));
    expect(d.resources.filter((r) => r.kind === 'egressNatPolicy')).toEqual([]);
    expect(d.masquerade['frontend-cluster']).toEqual([]);
    expect(d.left['frontend-cluster']).toEqual([...GKE_DEFAULT_POLICY]);
    expect(podsRoutable(t, frontend)).toBe(false);
    expect(AUTOPILOT_PODS).toBe('45.10.0.0/16');
  });
});
