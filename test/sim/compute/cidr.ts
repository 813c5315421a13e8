import { containsCidr, normalizeCidr, overlapCidr, parseCidr } from 'cidr-tools';
import { invalid } from '../core/errors.ts';

/**
 * Validates an IPv4 subnet range as Compute does: CIDR notation, prefix /8../29, the address is
 * the network address (https://cloud.google.com/vpc/docs/subnets#valid-ranges).
 */
export function checkRange(range: unknown, field: string): string {
  if (typeof range !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(range)) {
    throw invalid(
      `Invalid value for field '${field}': '${String(range)}'. Must be a valid IPv4 CIDR range.`,
    );
  }
  const p = parseCidr(range);
  const prefix = Number(p.prefix);
  if (prefix < 8 || prefix > 29) {
    throw invalid(
      `Invalid value for field '${field}': '${range}'. The prefix length must be between /8 and /29.`,
    );
  }
  if (normalizeCidr(range) !== range) {
    throw invalid(
      `Invalid value for field '${field}': '${range}'. Must be a CIDR address range whose address is the network address ('${normalizeCidr(range)}').`,
    );
  }
  return range;
}

/** True when the two ranges share an address. */
export function overlaps(a: string, b: string): boolean {
  return overlapCidr(a, b);
}

/** True when `outer` contains all of `inner`. */
export function contains(outer: string, inner: string): boolean {
  return containsCidr(outer, inner);
}

/** Prefix length of a CIDR. */
export function prefixOf(range: string): number {
  return Number(parseCidr(range).prefix);
}

/** Dotted IPv4 of a 32-bit number. */
export function ipOf(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

/** First and last address of a range as numbers. */
export function bounds(range: string): { start: bigint; end: bigint } {
  const p = parseCidr(range);
  return { start: p.start, end: p.end };
}

/**
 * Internal ranges VPC peering always exchanges; other (privately used public) ranges follow the
 * export/importSubnetRoutesWithPublicIp flags
 * (https://cloud.google.com/vpc/docs/vpc-peering#importing-exporting-routes and
 * https://cloud.google.com/vpc/docs/subnets#valid-ranges).
 */
const PRIVATE = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
];

/** True for a range inside the private/reserved set above. */
export function isPrivateRange(range: string): boolean {
  return PRIVATE.some((p) => containsCidr(p, range));
}
