import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desire } from '../../../functions/core/desire/desire.ts';
import {
  effectiveMode,
  GKE_NON_MASQUERADE_DEFAULTS,
  IP_MASQ_AGENT_CIDR_LIMIT,
  ipMasqAgentNonMasquerade,
  ipMasqAgentRefusal,
  masqueradeCidrs,
} from '../../../functions/core/desire/masquerade.ts';
import { IP_MASQ_AGENT_CONFIGMAP } from '../../../functions/core/manifests/masquerade.ts';
import type { ClusterFacts, Facts } from '../../../functions/core/model/facts.ts';
import { aggregate, intersect, overlaps, subtract } from '../../../functions/core/net/cidr.ts';
import { ownRanges } from '../../../functions/core/topology/ranges.ts';
import type { Cluster, Topology } from '../../../functions/core/topology/schema.ts';
import { cidrArb } from '../../support/arbitraries.ts';
import { exampleFacts, exampleTopology } from '../../support/topology.ts';

const t = exampleTopology();
const frontend = t.clusters.find((c) => c.name === 'frontend-cluster') as Cluster;
const facts = exampleFacts(t);

function withImports(ranges: string[]) {
  const net = facts.networks['vpc-b'];
  if (!net) throw new Error('fixture');
  return { ...net, importedRanges: ranges };
}

const native = {
  ...frontend,
  mode: 'vpc-native',
  podSecondaryRange: 'pods',
  serviceSecondaryRange: 'services',
  masquerade: 'auto',
} as unknown as Cluster;

const seen = (extra: Partial<ClusterFacts>): ClusterFacts => ({
  name: frontend.name,
  status: 'RUNNING',
  nodePools: [],
  nodeTags: [],
  ...extra,
});

describe("GKE's default non-masquerade destinations", () => {
  it('are RFC 1918 and the reserved ranges, as the concepts page, configure-helper.sh and ip-masq-agent list them', () => {
    expect([...GKE_NON_MASQUERADE_DEFAULTS].sort()).toEqual(
      [
        '10.0.0.0/8',
        '100.64.0.0/10',
        '172.16.0.0/12',
        '192.0.0.0/24',
        '192.0.2.0/24',
        '192.168.0.0/16',
        '192.88.99.0/24',
        '198.18.0.0/15',
        '198.51.100.0/24',
        '203.0.113.0/24',
        '240.0.0.0/4',
      ].sort(),
    );
  });
});

describe('masqueradeCidrs', () => {
  it('masquerades the peer VPC for the classic case', () => {
    expect(
      masqueradeCidrs(t, frontend, facts.networks['vpc-b'], facts.clusters[frontend.name]),
    ).toEqual(['10.193.0.0/16']);
  });

  it('grows when a third VPC is peered', () => {
    const cidrs = masqueradeCidrs(
      t,
      frontend,
      withImports(['10.193.0.0/16', '10.77.0.0/16']),
      undefined,
    );
    expect(cidrs).toEqual(['10.77.0.0/16', '10.193.0.0/16']);
  });

  it('agent mode: peers anywhere in RFC 1918 and the reserved ranges, not only in 10.0.0.0/8', () => {
    const imported = ['10.193.0.0/16', '172.20.0.0/16', '192.168.64.0/20', '100.70.0.0/16'];
    expect(masqueradeCidrs(t, frontend, withImports(imported), undefined)).toEqual([
      '10.193.0.0/16',
      '100.70.0.0/16',
      '172.20.0.0/16',
      '192.168.64.0/20',
    ]);
  });

  it('leaves a peer outside the defaults to the node, which masquerades it already', () => {
    expect(
      masqueradeCidrs(t, frontend, withImports(['35.100.0.0/16', '10.193.0.0/16']), undefined),
    ).toEqual(['10.193.0.0/16']);
  });

  it('nonMasqueradeCidrs overrides the defaults for a node configured otherwise', () => {
    const c: Cluster = { ...frontend, nonMasqueradeCidrs: ['10.0.0.0/8'] };
    expect(
      masqueradeCidrs(t, c, withImports(['172.20.0.0/16', '10.193.0.0/16']), undefined),
    ).toEqual(['10.193.0.0/16']);
  });

  it('picks ip-masq-agent in auto mode when the cluster runs it, with the same targets', () => {
    const c: Cluster = { ...frontend, masquerade: 'auto' };
    const cf = seen({ runsIpMasqAgent: true });
    expect(effectiveMode(c, cf)).toBe('ip-masq-agent');
    expect(effectiveMode(c, seen({ runsIpMasqAgent: false }))).toBe('agent');
    expect(masqueradeCidrs(t, c, withImports(['192.168.1.0/24']), cf)).toEqual(['192.168.1.0/24']);
  });

  it('is empty for a VPC-native cluster left to auto, whatever its datapath, and for mode none', () => {
    for (const datapath of ['legacy', 'dataplane-v2'] as const)
      expect(masqueradeCidrs(t, native, facts.networks['vpc-b'], seen({ datapath }))).toEqual([]);
    expect(
      masqueradeCidrs(t, { ...frontend, masquerade: 'none' }, facts.networks['vpc-b'], undefined),
    ).toEqual([]);
  });

  it('targets the peers of a VPC-native cluster whose topology asks for a mode explicitly', () => {
    const c = { ...native, masquerade: 'ip-masq-agent' } as Cluster;
    expect(masqueradeCidrs(t, c, facts.networks['vpc-b'], undefined)).toEqual(['10.193.0.0/16']);
  });

  it("never includes the cluster's own ranges, and covers exactly the peer ranges it must", () => {
    const own = ownRanges(t, frontend);
    fc.assert(
      fc.property(
        fc.array(cidrArb, { maxLength: 8 }),
        fc.constantFrom<Cluster['masquerade']>('agent', 'ip-masq-agent'),
        (imported, masquerade) => {
          const c = { ...frontend, masquerade } as Cluster;
          const out = masqueradeCidrs(t as Topology, c, withImports(imported), undefined);
          expect(overlaps(out, own)).toBe(false);
          expect(aggregate(out)).toEqual(out);
          expect(out).toEqual(subtract(intersect(imported, GKE_NON_MASQUERADE_DEFAULTS), own));
        },
      ),
    );
  });
});

describe('effectiveMode', () => {
  it('Dataplane V2 takes the ip-masq-agent ConfigMap: from the cluster, else from the topology', () => {
    expect(effectiveMode(native, seen({ datapath: 'dataplane-v2' }))).toBe('ip-masq-agent');
    const declared = { ...native, datapath: 'dataplane-v2' } as Cluster;
    expect(effectiveMode(declared, undefined)).toBe('ip-masq-agent');
    // What the cluster runs wins over what the file says.
    expect(effectiveMode(declared, seen({ datapath: 'legacy' }))).toBe('none');
  });

  it('Autopilot takes an egress NAT policy; a VPC-native cluster on the legacy datapath none', () => {
    expect(effectiveMode({ ...native, autopilot: true } as Cluster, undefined)).toBe(
      'egress-nat-policy',
    );
    expect(effectiveMode(native, seen({ datapath: 'legacy' }))).toBe('none');
  });

  it('an explicit mode is kept on any cluster', () => {
    for (const m of ['agent', 'ip-masq-agent', 'none'] as const) {
      expect(effectiveMode({ ...native, masquerade: m } as Cluster, undefined)).toBe(m);
      expect(effectiveMode({ ...frontend, masquerade: m }, seen({ runsIpMasqAgent: true }))).toBe(
        m,
      );
    }
  });
});

describe('ipMasqAgentNonMasquerade', () => {
  const c: Cluster = { ...frontend, masquerade: 'ip-masq-agent' };

  it("is the complement of the targets within GKE's defaults", () => {
    fc.assert(
      fc.property(fc.array(cidrArb, { maxLength: 6 }), (targets) => {
        const non = ipMasqAgentNonMasquerade(c, targets);
        expect(overlaps(non, targets)).toBe(false);
        expect(aggregate([...non, ...intersect(targets, GKE_NON_MASQUERADE_DEFAULTS)])).toEqual(
          aggregate(GKE_NON_MASQUERADE_DEFAULTS),
        );
      }),
    );
  });

  it('keeps the reserved ranges GKE leaves alone and splits only what the peers take', () => {
    const non = ipMasqAgentNonMasquerade(c, ['10.193.0.0/16', '172.20.0.0/16', '192.168.64.0/20']);
    for (const reserved of GKE_NON_MASQUERADE_DEFAULTS.slice(3)) expect(non).toContain(reserved);
    expect(non).toContain('10.192.0.0/16');
    expect(non).toContain('10.194.0.0/15');
    expect(non).not.toContain('10.0.0.0/8');
    expect(non).not.toContain('172.16.0.0/12');
    expect(overlaps(non, ['172.20.0.0/16', '192.168.64.0/20'])).toBe(false);
    expect(non.length).toBeLessThanOrEqual(IP_MASQ_AGENT_CIDR_LIMIT);
    expect(ipMasqAgentRefusal(non)).toBeNull();
  });

  it('is refused past 64 entries, with the reason', () => {
    // Every other /16 of 10.0.0.0/8: no aggregation can join what is left between them.
    const peers = Array.from({ length: 60 }, (_, i) => `10.${2 * i + 1}.0.0/16`);
    const non = ipMasqAgentNonMasquerade(c, peers);
    expect(non.length).toBeGreaterThan(IP_MASQ_AGENT_CIDR_LIMIT);
    expect(ipMasqAgentRefusal(non)).toMatch(/more than the 64 ip-masq-agent accepts \(cidrLimit\)/);
  });
});

describe('desire in ip-masq-agent mode', () => {
  const imaFacts = (imported: string[], extra: Partial<ClusterFacts> = {}): Facts => ({
    ...facts,
    networks: { ...facts.networks, 'vpc-b': withImports(imported) },
    clusters: {
      ...facts.clusters,
      [frontend.name]: { ...(facts.clusters[frontend.name] as ClusterFacts), ...extra },
    },
  });
  const ima: Topology = {
    ...t,
    clusters: t.clusters.map((c) =>
      c.name === frontend.name ? { ...c, masquerade: 'ip-masq-agent' } : c,
    ),
  };
  const configKey = `kube/${frontend.name}/ConfigMap/kube-system/${IP_MASQ_AGENT_CONFIGMAP}`;

  it('writes the ConfigMap and no conflict while the list fits', () => {
    const d = desire(ima, imaFacts(['10.193.0.0/16']));
    const names = d.resources.flatMap((r) =>
      r.kind === 'kube' && r.cluster === frontend.name ? [r.name] : [],
    );
    expect(names).toEqual([IP_MASQ_AGENT_CONFIGMAP]);
    expect(d.conflicts).toEqual([]);
  });

  it('reports a list ip-masq-agent would refuse as a conflict on the ConfigMap', () => {
    const peers = Array.from({ length: 60 }, (_, i) => `10.${2 * i + 1}.0.0/16`);
    const d = desire(ima, imaFacts(peers));
    expect(d.conflicts.map((c) => c.key)).toContain(configKey);
    expect(d.conflicts.find((c) => c.key === configKey)?.reason).toMatch(/cidrLimit/);
  });

  it('says so when nothing in the cluster reads the ConfigMap', () => {
    const d = desire(
      ima,
      imaFacts(['10.193.0.0/16'], { runsIpMasqAgent: false, datapath: 'legacy' }),
    );
    expect(d.pending.join('\n')).toMatch(/neither GKE's ip-masq-agent DaemonSet nor Dataplane V2/);
    const running = desire(
      ima,
      imaFacts(['10.193.0.0/16'], { runsIpMasqAgent: true, datapath: 'legacy' }),
    );
    expect(running.pending.join('\n')).not.toMatch(/ip-masq-agent DaemonSet/);
  });

  it('writes nothing for a Dataplane V2 cluster left to auto: VPC-native, it needs no masquerade', () => {
    const dpv2: Topology = {
      ...t,
      clusters: t.clusters.map((c) => (c.name === frontend.name ? native : c)),
    };
    const d = desire(dpv2, imaFacts(['10.193.0.0/16'], { datapath: 'dataplane-v2' }));
    expect(d.resources.filter((r) => r.kind === 'kube' && r.cluster === frontend.name)).toEqual([]);
    expect(d.masquerade[frontend.name]).toEqual([]);
  });
});
