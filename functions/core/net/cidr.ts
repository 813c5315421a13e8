/**
 * IPv4 CIDR helpers over cidr-tools. All set arithmetic goes through the library; this module
 * only fixes the textual form (cidr-tools prints a /32 without its prefix) and parses strictly.
 */
import { excludeCidr, mergeCidr, overlapCidr, parseCidr } from 'cidr-tools';

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const STRICT_CIDR = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/(3[0-2]|[12]?\\d)$`);

export type CidrProblem = { kind: 'syntax' } | { kind: 'hostBits'; suggestion: string };

/** Checks that `text` is a strict IPv4 CIDR with no host bits set; null when it is. */
export function cidrProblem(text: string): CidrProblem | null {
  if (!STRICT_CIDR.test(text)) return { kind: 'syntax' };
  const parsed = parseCidr(text);
  const prefix = Number(parsed.prefix);
  const base = withPrefix(mergeCidr([text])[0] ?? text, prefix);
  return base === text ? null : { kind: 'hostBits', suggestion: base };
}

function withPrefix(net: string, prefix: number): string {
  return net.includes('/') ? net : `${net}/${prefix}`;
}

function canonical(nets: string[]): string[] {
  return nets.map((n) => withPrefix(n, 32)).sort(compareCidr);
}

/** Orders CIDRs by start address, then by prefix length (wider first). */
export function compareCidr(a: string, b: string): number {
  const pa = parseCidr(a);
  const pb = parseCidr(b);
  if (pa.start !== pb.start) return pa.start < pb.start ? -1 : 1;
  return Number(pa.prefix) - Number(pb.prefix);
}

/** The smallest list of CIDRs covering exactly the union of `nets`, sorted. */
export function aggregate(nets: readonly string[]): string[] {
  return nets.length === 0 ? [] : canonical(mergeCidr([...nets]));
}

/** The addresses of `base` that are not in `minus`, as an aggregated sorted list. */
export function subtract(base: readonly string[], minus: readonly string[]): string[] {
  if (base.length === 0) return [];
  if (minus.length === 0) return aggregate(base);
  return canonical(excludeCidr([...base], [...minus]));
}

/** The addresses in both `a` and `b`, aggregated. */
export function intersect(a: readonly string[], b: readonly string[]): string[] {
  if (a.length === 0 || b.length === 0) return [];
  // a ∩ b = a − (a − b)
  return subtract(a, subtract(a, b));
}

export function overlaps(a: readonly string[], b: readonly string[]): boolean {
  return a.length > 0 && b.length > 0 && overlapCidr([...a], [...b]);
}

/** Number of addresses covered by an aggregated list (for properties and reports). */
export function addressCount(nets: readonly string[]): bigint {
  return aggregate(nets).reduce((sum, n) => {
    const p = parseCidr(n);
    return sum + (p.end - p.start + 1n);
  }, 0n);
}

/**
 * Why `address` cannot be given to a resource in a subnet whose primary range is `range`, or
 * null: it must lie in the range and not be one of the four addresses Google keeps in every
 * primary range, the first two (network, default gateway) and the last two (reserved, broadcast)
 * (https://cloud.google.com/vpc/docs/subnets#unusable-ip-addresses-in-every-subnet).
 */
export function unusableAddressProblem(address: string, range: string): string | null {
  const at = parseCidr(`${address}/32`).start;
  const { start, end } = parseCidr(range);
  if (at < start || at > end) return `${address} is not in ${range}`;
  if (at === start) return `${address} is the network address of ${range}`;
  if (at === start + 1n) return `${address} is the default gateway of ${range}`;
  if (at === end - 1n)
    return `${address} is the second-to-last address of ${range}, which Google reserves`;
  if (at === end) return `${address} is the broadcast address of ${range}`;
  return null;
}
