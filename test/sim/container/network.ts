import { overlapCidr } from 'cidr-tools';
import { computeLink, lastSegment, refPath } from '../core/links.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { invalidArgument } from './errors.ts';
import { obj } from './model.ts';
import { regionOf } from './names.ts';
import { takenRanges } from './nodes.ts';
import { blockPrefix, freeBlock, normalizedCidr, servicesRangeOf } from './ranges.ts';

/** Where a cluster's nodes, pods and services get their addresses. */
export interface Networking {
  networkPath: string;
  subnetPath: string | undefined;
  clusterCidr: string;
  servicesCidr: string;
  vpcNative: boolean;
  policy: JsonObject;
}

/**
 * Pod and service ranges. VPC-native (useIpAliases): the subnet's secondary ranges named in
 * the policy, or new ones GKE adds to the subnet (`gke-<cluster>-pods-<hash>`) when none is named
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips). Routes-based: the given
 * clusterIpv4Cidr or a free /14 of 10.0.0.0/8, services in its last /20.
 */
export function networking(
  sim: Sim,
  project: string,
  location: string,
  body: JsonObject,
  hash: string,
): Networking {
  const networkPath = refPath(
    String(body.network ?? 'default').includes('/')
      ? String(body.network)
      : `global/networks/${String(body.network ?? 'default')}`,
    project,
  );
  const networkUrl = computeLink(networkPath);
  if (!sim.store.get('networks', networkPath)) {
    throw invalidArgument(`Network "${lastSegment(networkPath)}" does not exist.`);
  }
  const region = regionOf(location);
  let subnetPath: string | undefined;
  if (typeof body.subnetwork === 'string' && body.subnetwork !== '') {
    subnetPath = refPath(
      body.subnetwork.includes('/')
        ? body.subnetwork
        : `regions/${region}/subnetworks/${body.subnetwork}`,
      project,
    );
    if (!sim.store.get('subnetworks', subnetPath)) {
      throw invalidArgument(`Subnetwork "${lastSegment(subnetPath)}" does not exist.`);
    }
  } else {
    const found = sim.store
      .list<JsonObject>('subnetworks', `projects/${project}/regions/${region}/subnetworks/`)
      .find((s) => s.network === networkUrl);
    if (found) subnetPath = refPath(String(found.selfLink), project);
  }
  const policy = obj(body.ipAllocationPolicy);
  const vpcNative = policy.useIpAliases === true;
  if (vpcNative) {
    if (!subnetPath)
      throw invalidArgument('VPC-native clusters need a subnetwork in the cluster region.');
    const subnet = sim.store.get<JsonObject>('subnetworks', subnetPath) ?? {};
    const secondary = (subnet.secondaryIpRanges as JsonObject[] | undefined) ?? [];
    const rangeFor = (
      nameField: string,
      blockField: string,
      fallbackPrefix: number,
      kind: string,
    ): string => {
      const wanted = policy[nameField];
      if (typeof wanted === 'string' && wanted !== '') {
        const r = secondary.find((s) => s.rangeName === wanted);
        if (!r)
          throw invalidArgument(
            `Secondary range "${wanted}" does not exist in subnetwork "${lastSegment(subnetPath ?? '')}".`,
          );
        return String(r.ipCidrRange);
      }
      const taken = takenRanges(sim, networkUrl);
      const given =
        typeof policy[blockField] === 'string'
          ? normalizedCidr(String(policy[blockField]))
          : undefined;
      const range =
        given ?? freeBlock('10.0.0.0/8', blockPrefix(policy[blockField], fallbackPrefix), taken);
      if (!range) throw invalidArgument(`no free ${kind} range in 10.0.0.0/8`);
      const rangeName = `gke-${String(body.name)}-${kind}-${hash}`;
      subnet.secondaryIpRanges = [...secondary, { rangeName, ipCidrRange: range }];
      secondary.push({ rangeName, ipCidrRange: range });
      policy[nameField] = rangeName;
      return range;
    };
    const clusterCidr = rangeFor('clusterSecondaryRangeName', 'clusterIpv4CidrBlock', 14, 'pods');
    const servicesCidr = rangeFor(
      'servicesSecondaryRangeName',
      'servicesIpv4CidrBlock',
      20,
      'services',
    );
    return {
      networkPath,
      subnetPath,
      clusterCidr,
      servicesCidr,
      vpcNative,
      policy: {
        useIpAliases: true,
        clusterSecondaryRangeName: policy.clusterSecondaryRangeName ?? null,
        servicesSecondaryRangeName: policy.servicesSecondaryRangeName ?? null,
        clusterIpv4Cidr: clusterCidr,
        clusterIpv4CidrBlock: clusterCidr,
        servicesIpv4Cidr: servicesCidr,
        servicesIpv4CidrBlock: servicesCidr,
        stackType: 'IPV4',
      },
    };
  }
  let clusterCidr: string | undefined;
  if (typeof body.clusterIpv4Cidr === 'string' && body.clusterIpv4Cidr !== '') {
    clusterCidr = normalizedCidr(body.clusterIpv4Cidr);
    if (!clusterCidr)
      throw invalidArgument(
        `Invalid value for field "cluster.clusterIpv4Cidr": "${body.clusterIpv4Cidr}".`,
      );
    const wanted = clusterCidr;
    const clash = takenRanges(sim, networkUrl).find((r) => overlapCidr(wanted, r));
    if (clash)
      throw invalidArgument(
        `Requested CIDR ${clusterCidr} overlaps with ${clash} in network "${lastSegment(networkPath)}".`,
      );
  } else {
    clusterCidr = freeBlock('10.0.0.0/8', 14, takenRanges(sim, networkUrl));
    if (!clusterCidr) throw invalidArgument('no free /14 in 10.0.0.0/8 for the cluster');
  }
  // The services range is GKE's: Cluster.servicesIpv4Cidr is "Output only" and "typically put
  // in the last /16 from the container CIDR", so one sent is ignored, as an output-only field in
  // a request must be ("the server must ignore it and must not throw an error",
  // google.api.FieldBehavior OUTPUT_ONLY); IPAllocationPolicy's servicesIpv4CidrBlock is "only
  // applicable when use_ip_aliases is true"
  // (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters).
  return {
    networkPath,
    subnetPath,
    clusterCidr,
    servicesCidr: servicesRangeOf(clusterCidr),
    vpcNative: false,
    policy: {},
  };
}

/**
 * Removes the secondary ranges GKE added for a VPC-native cluster
 * (`gke-<cluster>-pods|services-<hash>`), as deleting the cluster does.
 * https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips#cluster_sizing_secondary_range_pods
 */
export function removeManagedRanges(sim: Sim, cluster: JsonObject): void {
  const subnet = obj(cluster.networkConfig).subnetwork;
  if (typeof subnet !== 'string') return;
  const stored = sim.store.get<JsonObject>('subnetworks', subnet);
  const ranges = stored?.secondaryIpRanges;
  if (!stored || !Array.isArray(ranges)) return;
  const managed = new RegExp(
    `^gke-${String(cluster.name)}-(pods|services)-${String(cluster.id).slice(0, 8)}$`,
  );
  stored.secondaryIpRanges = ranges.filter((r) => !managed.test(String(obj(r).rangeName)));
}
