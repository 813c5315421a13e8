import type { JsonObject } from './json.ts';
import { apiVersionOf, RESOURCE_TYPES, type ResourceType, VERBS } from './resources.ts';

/**
 * Legacy (unaggregated) discovery documents. Clients that ask for aggregated discovery
 * (`application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`) fall back to these
 * when the response's Content-Type is plain `application/json`.
 * https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api
 */
const ALL_CATEGORY = new Set(['Service', 'DaemonSet', 'Deployment']);

/** `GET /api`: the core group's versions and this server's address. */
export function coreVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

// `types`: what this server serves, its custom kinds included (custom.ts).
function groups(types: readonly ResourceType[]): string[] {
  return [...new Set(types.map((r) => r.group).filter((g) => g !== ''))];
}

function groupDoc(group: string): JsonObject {
  const gv = { groupVersion: `${group}/v1`, version: 'v1' };
  return { name: group, versions: [gv], preferredVersion: gv };
}

/** `GET /apis`: the named groups served (apps). */
export function groupList(types: readonly ResourceType[] = RESOURCE_TYPES): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups(types).map(groupDoc) };
}

/** `/apis/<group>`, or undefined for a group that is not served. */
export function group(
  name: string,
  types: readonly ResourceType[] = RESOURCE_TYPES,
): JsonObject | undefined {
  return groups(types).includes(name)
    ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(name) }
    : undefined;
}

/** `/api/v1` or `/apis/<group>/<version>`, or undefined when not served. */
export function resourceList(
  groupName: string,
  version: string,
  served: readonly ResourceType[] = RESOURCE_TYPES,
): JsonObject | undefined {
  const types = served.filter((r) => r.group === groupName && r.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(types[0] as (typeof types)[number]),
    resources: types.map((r) => ({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...VERBS],
      ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
      // `kubectl get all` lists the kinds in category "all", as real discovery marks them.
      ...(ALL_CATEGORY.has(r.kind) ? { categories: ['all'] } : {}),
    })),
  };
}

/** `/version`: a GKE-style build of the Kubernetes version the simulator stands in for. */
export function version(): JsonObject {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.4-gke.1000',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.8',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
