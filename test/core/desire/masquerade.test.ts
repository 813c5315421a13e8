import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IP_MASQ_AGENT_DEFAULTS,
  ipMasqAgentNonMasquerade,
  masqueradeCidrs,
} from '../../../functions/core/desire/masquerade.ts';
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

  it('leaves ranges kubenet already masquerades to kubenet', () => {
    expect(
      masqueradeCidrs(t, frontend, withImports(['172.16.5.0/24', '10.193.0.0/16']), undefined),
    ).toEqual(['10.193.0.0/16']);
  });

  it('targets RFC 1918 peers in ip-masq-agent mode', () => {
    const c: Cluster = { ...frontend, masquerade: 'ip-masq-agent' };
    expect(
      masqueradeCidrs(t, c, withImports(['172.16.5.0/24', '10.193.0.0/16']), undefined),
    ).toEqual(['10.193.0.0/16', '172.16.5.0/24']);
  });

  it('picks ip-masq-agent in auto mode when the cluster runs it', () => {
    const c: Cluster = { ...frontend, masquerade: 'auto' };
    const cf = {
      name: c.name,
      status: 'RUNNING',
      nodePools: [],
      nodeTags: [],
      runsIpMasqAgent: true,
    };
    expect(masqueradeCidrs(t, c, withImports(['192.168.1.0/24']), cf)).toEqual(['192.168.1.0/24']);
    expect(
      masqueradeCidrs(t, c, withImports(['192.168.1.0/24']), { ...cf, runsIpMasqAgent: false }),
    ).toEqual([]);
  });

  it('is empty for VPC-native clusters and for mode none', () => {
    const native = {
      ...frontend,
      mode: 'vpc-native',
      podSecondaryRange: 'pods',
      serviceSecondaryRange: 'services',
    } as unknown as Cluster;
    expect(masqueradeCidrs(t, native, facts.networks['vpc-b'], undefined)).toEqual([]);
    expect(
      masqueradeCidrs(t, { ...frontend, masquerade: 'none' }, facts.networks['vpc-b'], undefined),
    ).toEqual([]);
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
          const base = masquerade === 'agent' ? ['10.0.0.0/8'] : [...IP_MASQ_AGENT_DEFAULTS];
          expect(out).toEqual(subtract(intersect(imported, base), own));
        },
      ),
    );
  });
});

describe('ipMasqAgentNonMasquerade', () => {
  it('is the complement of the targets within the defaults', () => {
    fc.assert(
      fc.property(fc.array(cidrArb, { maxLength: 6 }), (targets) => {
        const c: Cluster = { ...frontend, masquerade: 'ip-masq-agent' };
        const non = ipMasqAgentNonMasquerade(c, targets);
        expect(overlaps(non, targets)).toBe(false);
        expect(aggregate([...non, ...intersect(targets, IP_MASQ_AGENT_DEFAULTS)])).toEqual(
          aggregate(IP_MASQ_AGENT_DEFAULTS),
        );
      }),
    );
  });

  it('splits 10.0.0.0/8 around one peer range', () => {
    const c: Cluster = { ...frontend, masquerade: 'ip-masq-agent' };
    const non = ipMasqAgentNonMasquerade(c, ['10.193.0.0/16']);
    expect(non).toContain('172.16.0.0/12');
    expect(non).toContain('10.192.0.0/16');
    expect(non).toContain('10.194.0.0/15');
    expect(non).not.toContain('10.0.0.0/8');
  });
});
