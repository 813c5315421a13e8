import { invalid } from '../core/errors.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { bounds, ipOf } from './cidr.ts';
import type { Resource } from './common.ts';
import type { Subnetwork } from './ranges.ts';

/** Internal addresses in use in a subnetwork: forwarding rules and instance NICs. */
function usedIn(sim: Sim, sub: Subnetwork): Set<string> {
  const used = new Set<string>();
  for (const f of sim.store.list<Resource>('forwardingRules')) {
    if (f.subnetwork === sub.selfLink && typeof f.IPAddress === 'string') used.add(f.IPAddress);
  }
  for (const i of sim.store.list<Resource>('instances')) {
    for (const n of (i.networkInterfaces as JsonObject[] | undefined) ?? []) {
      if (n.subnetwork === sub.selfLink && typeof n.networkIP === 'string') used.add(n.networkIP);
    }
  }
  return used;
}

/**
 * The first free internal address of a subnet's primary range. Skips what GCP reserves in
 * every subnet: the network address, the gateway (second), the second-to-last and the
 * broadcast address (https://cloud.google.com/vpc/docs/subnets#unusable-ip-addresses-in-every-subnet).
 * Throws 400 when the range is full.
 */
export function allocateAddress(sim: Sim, sub: Subnetwork): string {
  const { start, end } = bounds(sub.ipCidrRange);
  const used = usedIn(sim, sub);
  for (let n = start + 2n; n <= end - 2n; n++) {
    const ip = ipOf(n);
    if (!used.has(ip)) return ip;
  }
  throw invalid(`IP space of '${sub.selfLink}' is exhausted.`);
}

/**
 * Checks a requested internal address: inside the primary range, not reserved, not in use.
 * "Invalid value for field 'resource.IPAddress': '...'. Specified IP address is in-use and would
 * result in a conflict." is Compute's wording for the last case.
 */
export function checkAddress(sim: Sim, sub: Subnetwork, ip: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m)
    throw invalid(
      `Invalid value for field 'resource.IPAddress': '${ip}'. Must be an IPv4 address.`,
    );
  const n = m.slice(1).reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n);
  const { start, end } = bounds(sub.ipCidrRange);
  if (n < start + 2n || n > end - 2n) {
    throw invalid(
      `Invalid value for field 'resource.IPAddress': '${ip}'. The specified IP address is not in the subnetwork's usable range ${sub.ipCidrRange}.`,
    );
  }
  if (usedIn(sim, sub).has(ip)) {
    throw invalid(
      `Invalid value for field 'resource.IPAddress': '${ip}'. Specified IP address is in-use and would result in a conflict.`,
    );
  }
  return ip;
}
