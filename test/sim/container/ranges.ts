import { overlapCidr, parseCidr } from 'cidr-tools';

/** Parsed IPv4 CIDR: first address and prefix length. */
function parse(cidr: string): { start: bigint; prefix: number } {
  const p = parseCidr(cidr);
  return { start: p.start, prefix: Number(p.prefix) };
}

function ipOf(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

function cidrOf(start: bigint, prefix: number): string {
  return `${ipOf(start)}/${prefix}`;
}

/**
 * The first block of size `/prefix` inside `within` that overlaps none of `taken`.
 * GKE picks a free /14 in 10.0.0.0/8 for a routes-based cluster when none is given
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/routes-based-cluster).
 */
export function freeBlock(
  within: string,
  prefix: number,
  taken: readonly string[],
): string | undefined {
  const outer = parse(within);
  const size = 1n << BigInt(32 - prefix);
  const count = 1n << BigInt(prefix - outer.prefix);
  for (let i = 0n; i < count; i++) {
    const candidate = cidrOf(outer.start + i * size, prefix);
    if (!taken.some((t) => overlapCidr(candidate, t))) return candidate;
  }
  return undefined;
}

/**
 * Routes-based clusters: the services range is the last /20 of the cluster's pod range
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/routes-based-cluster#cluster_sizing),
 * inside "the last /16 from the container CIDR" where Cluster.servicesIpv4Cidr says GKE puts it
 * (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters).
 */
export function servicesRangeOf(clusterCidr: string): string {
  const { start, prefix } = parse(clusterCidr);
  const end = start + (1n << BigInt(32 - prefix));
  return cidrOf(end - (1n << 12n), 20);
}

/** A valid IPv4 CIDR with the network address, or undefined. */
export function normalizedCidr(value: string): string | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value)) return undefined;
  const { start, prefix } = parse(value);
  return cidrOf(start, prefix) === value ? value : undefined;
}

/** GKE's `/14`-style shorthand for a block size (`clusterIpv4CidrBlock: "/14"`), or a full CIDR. */
export function blockPrefix(value: unknown, fallback: number): number {
  if (typeof value === 'string' && /^\/\d{1,2}$/.test(value)) return Number(value.slice(1));
  return fallback;
}
