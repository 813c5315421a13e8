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

/**
 * Ranges a routes-based cluster adds to its network (VPC-native ones live in the subnet). GKE
 * puts a routes-based cluster's services "in the last /16 from the container CIDR"
 * (Cluster.servicesIpv4Cidr, https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters):
 * a service range inside the pod range takes nothing more.
 */
export function clusterRanges(cluster: Cluster): NamedRange[] {
  if (cluster.mode !== 'routes') return [];
  const pods = { path: 'podRange', range: cluster.podRange };
  return contains(cluster.podRange, cluster.serviceRange)
    ? [pods]
    : [pods, { path: 'serviceRange', range: cluster.serviceRange }];
}

/** Whether the valid CIDR `inner` lies inside the valid CIDR `outer`. */
function contains(outer: string, inner: string): boolean {
  const o = spanOf(outer);
  const i = spanOf(inner);
  return o.start <= i.start && i.end <= o.end;
}

/**
 * The node, pod and service ranges of a cluster, as the topology declares them; `serviceRange`,
 * when observed, is the one GKE chose for a routes-based cluster.
 */
export function ownRanges(topology: Topology, cluster: Cluster, serviceRange?: string): string[] {
  const subnet = topology.networks
    .find((n) => n.name === cluster.network)
    ?.subnets.find((s) => s.name === cluster.subnet);
  if (!subnet) return [];
  if (cluster.mode === 'routes')
    return [subnet.range, cluster.podRange, serviceRange ?? cluster.serviceRange];
  const secondary = (name: string) => subnet.secondaryRanges.find((r) => r.name === name)?.range;
  return [
    subnet.range,
    secondary(cluster.podSecondaryRange),
    secondary(cluster.serviceSecondaryRange),
  ].filter((r): r is string => r !== undefined);
}

/** First and last address of a range, as numbers. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** The span of a valid IPv4 CIDR. */
export function spanOf(cidr: string): Span {
  const [ip = '', bits = '32'] = cidr.split('/');
  const start = ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  return { start, end: start + 2 ** (32 - Number(bits)) - 1 };
}

/**
 * The pairs of overlapping CIDR spans on different sides (`sideOf`), as indices into `spans`
 * (the lower one first, in order), at most `limit` of them; `more` when some were left out.
 * Two CIDR blocks overlap only when one contains the other, so one sweep by start address that
 * keeps the blocks containing the current one finds every pair without comparing each span with
 * every other, and only pairs that count are visited.
 */
export function overlappingPairs(
  spans: readonly Span[],
  sideOf: (i: number) => number,
  limit: number,
): { pairs: [number, number][]; more: boolean } {
  const n = spans.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const sides = new Float64Array(n);
  spans.forEach((span, i) => {
    starts[i] = span.start;
    ends[i] = span.end;
    sides[i] = sideOf(i);
  });
  const start = (i: number) => starts[i] ?? 0;
  const end = (i: number) => ends[i] ?? 0;
  const side = (i: number) => sides[i] ?? 0;
  // By start, wider first; equal spans side by side, by side and index.
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => start(x) - start(y) || end(y) - end(x) || side(x) - side(y) || x - y,
  );
  /** A block: equal spans, as runs of one side each. */
  interface Block {
    readonly end: number;
    readonly runs: { side: number; members: number[] }[];
  }
  const pairs: [number, number][] = [];
  let more = false;
  const join = (a: readonly number[], b: readonly number[]): boolean => {
    for (const x of a)
      for (const y of b) {
        if (pairs.length >= limit) {
          more = true;
          return false;
        }
        pairs.push(x < y ? [x, y] : [y, x]);
      }
    return true;
  };
  const open: Block[] = [];
  for (let k = 0; k < order.length && !more; ) {
    const head = order[k] ?? 0;
    const runs: Block['runs'] = [];
    for (; k < order.length; k++) {
      const i = order[k] ?? 0;
      if (start(i) !== start(head) || end(i) !== end(head)) break;
      const run = runs[runs.length - 1];
      if (run?.side === side(i)) run.members.push(i);
      else runs.push({ side: side(i), members: [i] });
    }
    while (open.length > 0 && (open[open.length - 1]?.end ?? 0) < start(head)) open.pop();
    runs.forEach((run, r) => {
      for (const other of runs.slice(r + 1)) if (!more) join(run.members, other.members);
      for (const outer of open)
        for (const o of outer.runs) if (!more && o.side !== run.side) join(o.members, run.members);
    });
    open.push({ end: end(head), runs });
  }
  return { pairs: pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]), more };
}
