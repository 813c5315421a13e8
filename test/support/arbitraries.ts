/** fast-check arbitraries over the example topology's facts. */
import fc from 'fast-check';
import type { Facts } from '../../functions/core/model/facts.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { exampleFacts, instanceGroup } from './topology.ts';

/** Any IPv4 CIDR, host bits cleared. */
export const cidrArb = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 4, max: 32 }))
  .map(([raw, prefix]) => {
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    const addr = (raw & mask) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (addr >>> s) & 255).join('.')}/${prefix}`;
  });

const poolsArb = (t: Topology, cluster: string) =>
  fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 4 }).map((ids) => {
    const zones = t.clusters.find((c) => c.name === cluster)?.nodeLocations ?? [];
    return [...new Set(ids)].map((id) => ({
      name: `pool-${id}`,
      instanceGroups: zones.map((z) =>
        instanceGroup(t.project, z, `gke-${cluster}-pool-${id}-grp`),
      ),
    }));
  });

/** Facts with random node pools, node tags and imported ranges. */
export function factsArb(t: Topology): fc.Arbitrary<Facts> {
  const base = exampleFacts(t);
  return fc
    .record({
      backendPools: poolsArb(t, 'backend-cluster'),
      frontendPools: poolsArb(t, 'frontend-cluster'),
      importedB: fc.array(cidrArb, { maxLength: 5 }),
      tagged: fc.boolean(),
    })
    .map(({ backendPools, frontendPools, importedB, tagged }) => {
      const vpcB = base.networks['vpc-b'];
      const cluster = (name: string, nodePools: typeof backendPools) => ({
        name,
        status: 'RUNNING',
        nodePools,
        nodeTags: tagged ? [`gke-${name}-9f8e7d6c-node`] : [],
      });
      return {
        networks: {
          ...base.networks,
          ...(vpcB
            ? { 'vpc-b': { ...vpcB, importedRanges: [...vpcB.importedRanges, ...importedB] } }
            : {}),
        },
        clusters: {
          'backend-cluster': cluster('backend-cluster', backendPools),
          'frontend-cluster': cluster('frontend-cluster', frontendPools),
        },
      };
    });
}
