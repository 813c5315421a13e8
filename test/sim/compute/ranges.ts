import { computeLink, lastSegment, refPath } from '../core/links.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import type { Resource } from './common.ts';

/** One IP range of a subnetwork (primary or a secondary range). */
export interface NetRange {
  range: string;
  subnetKey: string;
  subnetName: string;
  region: string;
  /** Secondary range name; undefined for the primary range. */
  rangeName?: string;
}

/** A subnetwork as stored. */
export type Subnetwork = Resource & {
  network: string;
  ipCidrRange: string;
  region: string;
  secondaryIpRanges?: { rangeName: string; ipCidrRange: string }[];
};

/** Subnetworks of a network (by network store key). */
export function subnetsOf(sim: Sim, netKey: string): Subnetwork[] {
  const url = computeLink(netKey);
  return sim.store.list<Subnetwork>('subnetworks').filter((s) => s.network === url);
}

/** Primary and secondary ranges of every subnetwork of a network. */
export function rangesOf(sim: Sim, netKey: string): NetRange[] {
  return subnetsOf(sim, netKey).flatMap((s) => {
    const subnetKey = refPath(s.selfLink, '');
    const region = lastSegment(s.region);
    const base = { subnetKey, subnetName: s.name, region };
    return [
      { ...base, range: s.ipCidrRange },
      ...(s.secondaryIpRanges ?? []).map((r) => ({
        ...base,
        range: r.ipCidrRange,
        rangeName: r.rangeName,
      })),
    ];
  });
}

/** Peering entries of a stored network. */
export function peeringsOf(net: JsonObject): JsonObject[] {
  return (net.peerings as JsonObject[] | undefined) ?? [];
}
