/**
 * Generated topologies for the scale benchmarks: `n` VPCs peered in a ring (VPC i with VPC
 * i+1), each with a provider cluster and a consumer cluster of 4 node pools. Provider i's
 * service is consumed by the consumer cluster of VPC i+1, across their peering. A ring keeps
 * every VPC at two peerings whatever `n` is, as real VPCs are (Google allows 25 peerings a
 * network), so per-resource cost should not depend on `n`.
 */
import { stringify } from 'yaml';

export const POOLS_PER_CLUSTER = 4;

/** Counts of what a generated topology holds. */
export interface TopologyCounts {
  readonly vpcs: number;
  readonly peerings: number;
  readonly clusters: number;
  readonly nodePools: number;
  readonly services: number;
}

/** The topology file (YAML text) for a ring of `n` VPCs (2 ≤ n ≤ 250). */
export function ringTopologyYaml(n: number, project = 'peerlink-bench'): string {
  if (!Number.isInteger(n) || n < 2 || n > 250) throw new Error('n must be an integer 2-250');
  // One /16 of 10/8 per VPC (10.<i+1>.0.0/16): the subnet /20, two service /20s, two pod /18s.
  const octet = (i: number) => i + 1;
  // A fresh list per cluster: a shared object would be written as a YAML alias.
  const pools = () =>
    Array.from({ length: POOLS_PER_CLUSTER }, (_, k) => ({ name: `pool-${k}`, nodeCount: 1 }));
  const networks = Array.from({ length: n }, (_, i) => ({
    name: `vpc-${i}`,
    subnets: [{ name: `vpc-${i}-europe-west1`, range: `10.${octet(i)}.0.0/20` }],
  }));
  const peerings: { networks: [string, string] }[] = [];
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    if (n === 2 && i === 1) break;
    peerings.push({ networks: [`vpc-${i}`, `vpc-${j}`] });
  }
  const clusters = Array.from({ length: n }, (_, i) => [
    {
      name: `c${i}-a`,
      network: `vpc-${i}`,
      subnet: `vpc-${i}-europe-west1`,
      location: 'europe-west1-b',
      mode: 'routes',
      podRange: `10.${octet(i)}.64.0/18`,
      serviceRange: `10.${octet(i)}.16.0/20`,
      nodePools: pools(),
    },
    {
      name: `c${i}-b`,
      network: `vpc-${i}`,
      subnet: `vpc-${i}-europe-west1`,
      location: 'europe-west1-b',
      mode: 'routes',
      podRange: `10.${octet(i)}.128.0/18`,
      serviceRange: `10.${octet(i)}.32.0/20`,
      masquerade: 'agent',
      nodePools: pools(),
    },
  ]).flat();
  const services = Array.from({ length: n }, (_, i) => ({
    name: `svc-${i}`,
    cluster: `c${i}-a`,
    namespace: 'default',
    port: 80,
    nodePort: 30000 + i,
    replicas: 1,
    consumers: [`c${(i + 1) % n}-b`],
    ilb: 'managed',
  }));
  return stringify({ project, region: 'europe-west1', networks, peerings, clusters, services });
}
