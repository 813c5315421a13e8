/** Derived facts about topology items: regions, and the address ranges each one occupies. */
import type { Cluster, Network, Topology } from './schema.ts';

/** `europe-west1-b` -> `europe-west1`; a region maps to itself. */
export function regionOf(location: string): string {
  return location.replace(/^([a-z]+-[a-z]+\d+)-[a-z]$/, '$1');
}

export interface NamedRange {
  readonly path: string;
  readonly range: string;
}

export function subnetRanges(network: Network): NamedRange[] {
  return network.subnets.flatMap((s, j) => [
    { path: `subnets[${j}].range`, range: s.range },
    ...s.secondaryRanges.map((r, k) => ({
      path: `subnets[${j}].secondaryRanges[${k}].range`,
      range: r.range,
    })),
  ]);
}

/** Ranges a routes-based cluster adds to its network (VPC-native ones live in the subnet). */
export function clusterRanges(cluster: Cluster): NamedRange[] {
  return cluster.mode === 'routes'
    ? [
        { path: 'podRange', range: cluster.podRange },
        { path: 'serviceRange', range: cluster.serviceRange },
      ]
    : [];
}

/** The node, pod and service ranges of a cluster, as the topology declares them. */
export function ownRanges(topology: Topology, cluster: Cluster): string[] {
  const subnet = topology.networks
    .find((n) => n.name === cluster.network)
    ?.subnets.find((s) => s.name === cluster.subnet);
  if (!subnet) return [];
  if (cluster.mode === 'routes') return [subnet.range, cluster.podRange, cluster.serviceRange];
  const secondary = (name: string) => subnet.secondaryRanges.find((r) => r.name === name)?.range;
  return [
    subnet.range,
    secondary(cluster.podSecondaryRange),
    secondary(cluster.serviceSecondaryRange),
  ].filter((r): r is string => r !== undefined);
}

/** First and last address of a valid IPv4 CIDR, as numbers. */
function span(cidr: string): { start: number; end: number } {
  const [ip = '', bits = '32'] = cidr.split('/');
  const start = ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  return { start, end: start + 2 ** (32 - Number(bits)) - 1 };
}

/** A range and the side it is on; only ranges on different sides are paired. */
export interface Sided {
  readonly range: string;
  readonly side: string;
}

/**
 * The pairs of overlapping ranges on different sides, as indices into `ranges` (the lower one
 * first), at most `limit` of them; `more` when some were left out. Two CIDR blocks overlap only
 * when one contains the other, so one sweep by start address that keeps the blocks containing
 * the current one finds every pair without comparing each range with every other.
 */
export function overlappingPairs(
  ranges: readonly Sided[],
  limit: number,
): { pairs: [number, number][]; more: boolean } {
  interface Block {
    start: number;
    end: number;
    sides: Map<string, number[]>;
  }
  const blocks = new Map<string, Block>();
  ranges.forEach((r, i) => {
    const block = blocks.get(r.range) ?? { ...span(r.range), sides: new Map() };
    blocks.set(r.range, block);
    block.sides.set(r.side, [...(block.sides.get(r.side) ?? []), i]);
  });
  const sorted = [...blocks.values()].sort((a, b) => a.start - b.start || b.end - a.end);
  const pairs: [number, number][] = [];
  let more = false;
  // Every pair of one index from `a` and one from `b`, while the limit allows.
  const join = (a: readonly number[], b: readonly number[]) => {
    for (const x of a)
      for (const y of b) {
        if (pairs.length >= limit) {
          more = true;
          return;
        }
        pairs.push(x < y ? [x, y] : [y, x]);
      }
  };
  const open: Block[] = [];
  for (const block of sorted) {
    while (open.length > 0 && (open[open.length - 1]?.end ?? 0) < block.start) open.pop();
    const sides = [...block.sides];
    sides.forEach(([side, a], k) => {
      for (const [other, b] of sides.slice(k + 1)) if (other !== side) join(a, b);
      for (const outer of open)
        for (const [other, b] of outer.sides) if (other !== side) join(a, b);
    });
    if (more) break;
    open.push(block);
  }
  return { pairs: pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]), more };
}
