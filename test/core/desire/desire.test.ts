import { describe, expect, it } from 'vitest';
import { desire } from '../../../functions/core/desire/desire.ts';
import type { Firewall, KubeObject, Resource } from '../../../functions/core/model/resources.ts';
import type { Topology } from '../../../functions/core/topology/schema.ts';
import { clusterFacts, exampleFacts, exampleTopology } from '../../support/topology.ts';

const t = exampleTopology();

function byKind<K extends Resource['kind']>(rs: readonly Resource[], kind: K) {
  return rs.filter((r): r is Extract<Resource, { kind: K }> => r.kind === kind);
}

describe('desire for the example topology', () => {
  const d = desire(t, exampleFacts(t));
  const firewalls = byKind(d.resources, 'firewall');

  it('admits the consumer nodes to the provider nodes on the NodePort only', () => {
    const fw = firewalls.find((f) => f.name.endsWith('-consumers')) as Firewall;
    expect(fw).toMatchObject({
      network: 'vpc-a',
      direction: 'INGRESS',
      sourceRanges: ['10.209.0.0/16'],
      targetTags: ['gke-backend-cluster-1a2b3c4d-node'],
      allowed: [{ IPProtocol: 'tcp', ports: ['32191'] }],
    });
  });

  it('admits Google health checks and allows egress from the consumer network', () => {
    expect(firewalls.find((f) => f.name.endsWith('-health'))?.sourceRanges).toEqual([
      '130.211.0.0/22',
      '35.191.0.0/16',
    ]);
    expect(firewalls.find((f) => f.direction === 'EGRESS')).toMatchObject({
      network: 'vpc-b',
      destinationRanges: ['10.193.0.0/16'],
      targetTags: ['gke-frontend-cluster-1a2b3c4d-node'],
    });
  });

  it('never opens a rule to the whole internet, and names everything with the peerlink prefix', () => {
    for (const f of firewalls) {
      expect(f.sourceRanges).not.toContain('0.0.0.0/0');
      expect(f.name).toMatch(/^peerlink-[a-z0-9-]{1,54}$/);
      expect(f.description).toContain('[managed-by=peerlink]');
    }
  });

  it('builds the ILB over every instance group of the provider', () => {
    expect(byKind(d.resources, 'healthCheck')).toEqual([
      expect.objectContaining({ port: 32191, region: 'europe-west1' }),
    ]);
    expect(byKind(d.resources, 'backendService')[0]?.backends).toEqual([
      'projects/peerlink-demo/zones/europe-west1-c/instanceGroups/gke-backend-cluster-pool-0-abcd-grp',
    ]);
    expect(byKind(d.resources, 'forwardingRule')[0]).toMatchObject({
      network: 'vpc-a',
      subnetwork: 'vpc-a-europe-west1',
      ports: ['32191'],
      allowGlobalAccess: false,
    });
  });

  it('renders the backend and the consumer masquerade config', () => {
    const kube = byKind(d.resources, 'kube').map(
      (k: KubeObject) => `${k.cluster} ${k.objectKind} ${k.namespace}/${k.name}`,
    );
    expect(kube).toEqual([
      'backend-cluster Deployment default/dummy-backend',
      'backend-cluster Service default/dummy-backend',
      'frontend-cluster ConfigMap kube-system/peerlink-masquerade-cidrs',
      'frontend-cluster ConfigMap kube-system/peerlink-masquerade-agent',
      'frontend-cluster DaemonSet kube-system/peerlink-masquerade-agent',
    ]);
    expect(d.masquerade).toEqual({ 'frontend-cluster': ['10.193.0.0/16'] });
    const cm = byKind(d.resources, 'kube').find((k) => k.objectKind === 'ConfigMap');
    expect((cm?.manifest.data as { cidrs: string } | undefined)?.cidrs).toMatch(
      /^#.*\n10\.193\.0\.0\/16\n$/,
    );
  });
});

describe('desire edge cases', () => {
  it('holds back firewall rules until the provider has tagged nodes', () => {
    const facts = exampleFacts(t);
    const d = desire(t, {
      ...facts,
      clusters: {
        ...facts.clusters,
        'backend-cluster': { ...clusterFacts(t, 'backend-cluster'), nodeTags: [] },
      },
    });
    expect(d.resources.filter((r) => r.kind === 'firewall' && r.direction === 'INGRESS')).toEqual(
      [],
    );
    expect(d.pending.join('\n')).toMatch(/no nodes yet/);
  });

  it('admits only consumers whose network is ACTIVE-peered with the provider', () => {
    const facts = exampleFacts(t);
    const vpcA = facts.networks['vpc-a'];
    if (!vpcA) throw new Error('fixture');
    const inactive = {
      ...facts,
      networks: {
        ...facts.networks,
        'vpc-a': {
          ...vpcA,
          peerings: vpcA.peerings.map((p) => ({ ...p, state: 'INACTIVE' as const })),
        },
      },
    };
    const d = desire(t, inactive);
    const names = d.resources.filter((r) => r.kind === 'firewall').map((r) => r.name);
    expect(names.some((n) => n.endsWith('-consumers') || n.includes('-egress-'))).toBe(false);
    expect(names.some((n) => n.endsWith('-health'))).toBe(true);
    expect(d.pending.join('\n')).toMatch(/not peered with vpc-a \(ACTIVE\)/);
  });

  it('turns on global access when a consumer is in another region', () => {
    const far: Topology = {
      ...t,
      networks: t.networks.map((n) =>
        n.name === 'vpc-b'
          ? { ...n, subnets: n.subnets.map((s) => ({ ...s, region: 'us-east1' })) }
          : n,
      ),
      clusters: t.clusters.map((c) =>
        c.name === 'frontend-cluster'
          ? { ...c, location: 'us-east1-b', region: 'us-east1', nodeLocations: ['us-east1-b'] }
          : c,
      ),
    };
    const fr = desire(far, exampleFacts(far)).resources.find((r) => r.kind === 'forwardingRule');
    expect(fr).toMatchObject({ allowGlobalAccess: true });
  });

  it('uses a GKE internal LoadBalancer Service in gke mode, with no hand-built ILB', () => {
    const gke: Topology = {
      ...t,
      services: t.services.map((s) => ({ ...s, ilb: 'gke' as const, globalAccess: true })),
    };
    const d = desire(gke, exampleFacts(gke));
    expect(
      d.resources.some((r) => r.kind === 'forwardingRule' || r.kind === 'backendService'),
    ).toBe(false);
    const svc = d.resources.find(
      (r) => r.kind === 'kube' && r.objectKind === 'Service',
    ) as KubeObject;
    expect(svc.manifest).toMatchObject({
      metadata: {
        annotations: {
          'networking.gke.io/load-balancer-type': 'Internal',
          'networking.gke.io/internal-load-balancer-allow-global-access': 'true',
        },
      },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    });
  });

  it('limits itself to the scope it is given', () => {
    const d = desire(t, exampleFacts(t), {
      services: new Set(),
      clusters: new Set(['frontend-cluster']),
    });
    expect(d.resources.map((r) => r.kind)).toEqual(['kube', 'kube', 'kube']);
  });
});
