/**
 * Conversions between Compute REST objects and the model's value objects. Decoded objects
 * carry synthetic keys (`_name`, `_IPProtocol`) and empty lists for absent fields; only the
 * model's fields are read, so neither reaches the planner. References become short names, and
 * instance groups `projects/P/zones/Z/instanceGroups/N`.
 */
import {
  type Address,
  type BackendService,
  type Firewall,
  type ForwardingRule,
  type HealthCheck,
  NAME_PREFIX,
  type NetworkResource,
  OWNER_MARKER,
  type PeeringResource,
  type SubnetworkResource,
} from '../core/model/resources.ts';
import type {
  ApiAddress,
  ApiBackendService,
  ApiFirewall,
  ApiForwardingRule,
  ApiHealthCheck,
  ApiNetwork,
  ApiNetworkPeering,
  ApiSubnetwork,
} from './compute.ts';

/** Compute's canonical URL prefix, as selfLinks and references carry it. */
export const COMPUTE_URL = 'https://www.googleapis.com/compute/v1/';

/** Last path segment of a URL or path (`.../global/networks/vpc-a` → `vpc-a`). */
export function shortName(ref: string | null | undefined): string {
  return (ref ?? '').split('/').filter(Boolean).pop() ?? '';
}

/**
 * An instance group or instance group manager URL (or path) as
 * `projects/P/zones/Z/instanceGroups/N`. GKE's `instanceGroupUrls` name the managers; each
 * manager's instance group has the same name.
 */
export function instanceGroupPath(ref: string): string {
  const m =
    /projects\/([^/]+)\/zones\/([^/]+)\/(?:instanceGroups|instanceGroupManagers)\/([^/?]+)/.exec(
      ref,
    );
  if (!m) throw new Error(`not an instance group reference: ${ref}`);
  return `projects/${m[1]}/zones/${m[2]}/instanceGroups/${m[3]}`;
}

/** Zone and name of an instance group path. */
export function instanceGroupParts(ref: string): { zone: string; name: string } {
  const path = instanceGroupPath(ref);
  const parts = path.split('/');
  return { zone: parts[3] ?? '', name: parts[5] ?? '' };
}

/** Whether a description carries peerlink's ownership marker. */
export function hasOwnerMarker(description: string | null | undefined): boolean {
  return (description ?? '').includes(OWNER_MARKER);
}

/** Whether a name carries peerlink's prefix (owned or not: a look-alike is a conflict). */
export const peerlinkNamed = (name: string | null | undefined): boolean =>
  (name ?? '').startsWith(NAME_PREFIX);

/** peerlink owns a Compute resource when it has the name prefix and the description marker. */
export function ownedByPeerlink(name: string | null | undefined, description?: string | null) {
  return (name ?? '').startsWith(NAME_PREFIX) && hasOwnerMarker(description);
}

const list = <T>(v: readonly T[] | null | undefined): T[] => [...(v ?? [])];
const str = (v: string | null | undefined): string => v ?? '';

/** References sent to Compute, as full URLs. */
export const refs = {
  network: (project: string, name: string) =>
    `${COMPUTE_URL}projects/${project}/global/networks/${name}`,
  subnetwork: (project: string, region: string, name: string) =>
    `${COMPUTE_URL}projects/${project}/regions/${region}/subnetworks/${name}`,
  healthCheck: (project: string, region: string, name: string) =>
    `${COMPUTE_URL}projects/${project}/regions/${region}/healthChecks/${name}`,
  backendService: (project: string, region: string, name: string) =>
    `${COMPUTE_URL}projects/${project}/regions/${region}/backendServices/${name}`,
  address: (project: string, region: string, name: string) =>
    `${COMPUTE_URL}projects/${project}/regions/${region}/addresses/${name}`,
  instanceGroup: (path: string) => `${COMPUTE_URL}${instanceGroupPath(path)}`,
};

export function firewallFromApi(f: ApiFirewall): Firewall {
  return {
    kind: 'firewall',
    name: str(f.name),
    network: shortName(f.network),
    direction: f.direction === 'EGRESS' ? 'EGRESS' : 'INGRESS',
    priority: f.priority ?? 1000,
    sourceRanges: list(f.sourceRanges),
    destinationRanges: list(f.destinationRanges),
    targetTags: list(f.targetTags),
    allowed: list(f.allowed).map((a) => ({ IPProtocol: str(a.IPProtocol), ports: list(a.ports) })),
    description: str(f.description),
  };
}

export function firewallToApi(project: string, f: Firewall): ApiFirewall {
  return {
    name: f.name,
    network: refs.network(project, f.network),
    direction: f.direction,
    priority: f.priority,
    sourceRanges: [...f.sourceRanges],
    destinationRanges: [...f.destinationRanges],
    targetTags: [...f.targetTags],
    allowed: f.allowed.map((a) => ({ IPProtocol: a.IPProtocol, ports: [...a.ports] })),
    description: f.description,
  };
}

export function healthCheckFromApi(region: string, h: ApiHealthCheck): HealthCheck {
  return {
    kind: 'healthCheck',
    name: str(h.name),
    region: h.region ? shortName(h.region) : region,
    port: h.tcpHealthCheck?.port ?? 0,
    description: str(h.description),
  };
}

/** A TCP health check on the node port (https://cloud.google.com/load-balancing/docs/health-checks). */
export function healthCheckToApi(h: HealthCheck): ApiHealthCheck {
  return {
    name: h.name,
    description: h.description,
    type: 'TCP',
    tcpHealthCheck: { port: h.port },
  };
}

export function backendServiceFromApi(region: string, b: ApiBackendService): BackendService {
  return {
    kind: 'backendService',
    name: str(b.name),
    region: b.region ? shortName(b.region) : region,
    network: shortName(b.network),
    healthCheck: shortName(list(b.healthChecks)[0]),
    backends: list(b.backends).flatMap((x) => (x.group ? [instanceGroupPath(x.group)] : [])),
    description: str(b.description),
  };
}

/**
 * An internal passthrough backend service: INTERNAL scheme, TCP, one health check, one backend
 * per instance group in CONNECTION mode
 * (https://cloud.google.com/load-balancing/docs/internal/setting-up-internal).
 */
export function backendServiceToApi(project: string, b: BackendService): ApiBackendService {
  return {
    name: b.name,
    description: b.description,
    loadBalancingScheme: 'INTERNAL',
    protocol: 'TCP',
    network: refs.network(project, b.network),
    healthChecks: [refs.healthCheck(project, b.region, b.healthCheck)],
    backends: b.backends.map((g) => ({
      group: refs.instanceGroup(g),
      balancingMode: 'CONNECTION',
    })),
  };
}

/**
 * `addresses` are the region's reserved addresses: the rule's is the one that lists the rule
 * among its `users` ("The URLs of the resources that are using this address",
 * https://cloud.google.com/compute/docs/reference/rest/v1/addresses), since the rule itself
 * reads back only the IP number.
 */
export function forwardingRuleFromApi(
  region: string,
  r: ApiForwardingRule,
  addresses: readonly ApiAddress[] = [],
): ForwardingRule {
  // Compared as paths: a URL's host and version may differ between the two.
  const path = (url: string) => url.slice(Math.max(0, url.indexOf('projects/')));
  const rule = r.selfLink ? path(r.selfLink) : undefined;
  const reserved = addresses.find((a) => list(a.users).some((u) => path(u) === rule));
  return {
    kind: 'forwardingRule',
    name: str(r.name),
    region: r.region ? shortName(r.region) : region,
    network: shortName(r.network),
    subnetwork: shortName(r.subnetwork),
    backendService: shortName(r.backendService),
    ports: list(r.ports),
    allowGlobalAccess: r.allowGlobalAccess ?? false,
    address: reserved ? str(reserved.name) : '',
    IPAddress: str(r.IPAddress),
    description: str(r.description),
  };
}

/**
 * An INTERNAL TCP forwarding rule. Its IP is the reserved address's, sent as the address's URL,
 * one of the forms IPAddress takes; without one, an ephemeral IP from the subnet
 * (https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules, IPAddress).
 */
export function forwardingRuleToApi(project: string, r: ForwardingRule): ApiForwardingRule {
  const ip = r.address ? refs.address(project, r.region, r.address) : r.IPAddress;
  return {
    name: r.name,
    description: r.description,
    loadBalancingScheme: 'INTERNAL',
    IPProtocol: 'TCP',
    ports: [...r.ports],
    network: refs.network(project, r.network),
    subnetwork: refs.subnetwork(project, r.region, r.subnetwork),
    backendService: refs.backendService(project, r.region, r.backendService),
    allowGlobalAccess: r.allowGlobalAccess,
    ...(ip ? { IPAddress: ip } : {}),
  };
}

export function addressFromApi(region: string, a: ApiAddress): Address {
  return {
    kind: 'address',
    name: str(a.name),
    region: a.region ? shortName(a.region) : region,
    subnetwork: shortName(a.subnetwork),
    address: str(a.address),
    description: str(a.description),
  };
}

/**
 * An internal address for a forwarding rule: addressType INTERNAL in the rule's subnet, purpose
 * GCE_ENDPOINT (one user); without `address` Compute allocates a free one from the subnet
 * (https://cloud.google.com/compute/docs/reference/rest/v1/addresses).
 */
export function addressToApi(project: string, a: Address): ApiAddress {
  return {
    name: a.name,
    description: a.description,
    addressType: 'INTERNAL',
    purpose: 'GCE_ENDPOINT',
    subnetwork: refs.subnetwork(project, a.region, a.subnetwork),
    ...(a.address ? { address: a.address } : {}),
  };
}

export function networkFromApi(n: ApiNetwork): NetworkResource {
  return { kind: 'network', name: str(n.name), description: str(n.description) };
}

/** A custom-mode VPC: subnets are created explicitly. */
export function networkToApi(n: NetworkResource): ApiNetwork {
  return {
    name: n.name,
    description: n.description,
    autoCreateSubnetworks: false,
    routingConfig: { routingMode: 'REGIONAL' },
  };
}

export function subnetworkFromApi(s: ApiSubnetwork): SubnetworkResource {
  return {
    kind: 'subnetwork',
    name: str(s.name),
    network: shortName(s.network),
    region: shortName(s.region),
    range: str(s.ipCidrRange),
    secondaryRanges: list(s.secondaryIpRanges).map((r) => ({
      name: str(r.rangeName),
      range: str(r.ipCidrRange),
    })),
    description: str(s.description),
  };
}

export function subnetworkToApi(project: string, s: SubnetworkResource): ApiSubnetwork {
  return {
    name: s.name,
    description: s.description,
    network: refs.network(project, s.network),
    ipCidrRange: s.range,
    secondaryIpRanges: s.secondaryRanges.map((r) => ({ rangeName: r.name, ipCidrRange: r.range })),
  };
}

export function peeringFromApi(network: string, p: ApiNetworkPeering): PeeringResource {
  return {
    kind: 'peering',
    name: str(p.name),
    network,
    peerNetwork: shortName(p.network),
    exportCustomRoutes: p.exportCustomRoutes ?? false,
    importCustomRoutes: p.importCustomRoutes ?? false,
  };
}

export function peeringToApi(project: string, p: PeeringResource): ApiNetworkPeering {
  return {
    name: p.name,
    network: refs.network(project, p.peerNetwork),
    exchangeSubnetRoutes: true,
    exportCustomRoutes: p.exportCustomRoutes,
    importCustomRoutes: p.importCustomRoutes,
  };
}
