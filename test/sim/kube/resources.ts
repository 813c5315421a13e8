/** A resource type the simulated API server serves. */
export interface ResourceType {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** Kinds whose spec changes bump metadata.generation (workloads). */
  readonly tracksGeneration: boolean;
  /** Kinds with a status subresource: status is not writable through the main resource. */
  readonly hasStatus: boolean;
}

/**
 * The kinds peerlink uses (plus Namespace, Node and Secret), with names and scopes as in the real
 * discovery documents. https://kubernetes.io/docs/reference/kubernetes-api/
 */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  core('Namespace', 'namespaces', false, ['ns'], true),
  core('Node', 'nodes', false, ['no'], true),
  core('ConfigMap', 'configmaps', true, ['cm'], false),
  core('Secret', 'secrets', true, [], false),
  core('Service', 'services', true, ['svc'], true),
  core('ServiceAccount', 'serviceaccounts', true, ['sa'], false),
  apps('DaemonSet', 'daemonsets', ['ds']),
  apps('Deployment', 'deployments', ['deploy']),
];

function core(
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  hasStatus: boolean,
): ResourceType {
  return {
    group: '',
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    tracksGeneration: false,
    hasStatus,
  };
}

function apps(kind: string, plural: string, shortNames: string[]): ResourceType {
  return {
    group: 'apps',
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames,
    tracksGeneration: true,
    hasStatus: true,
  };
}

/** `v1` or `<group>/<version>`. */
export function apiVersionOf(rt: ResourceType): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

/** The served type for a URL's group, version and plural, if any. */
export function findResource(
  group: string,
  version: string,
  plural: string,
  types: readonly ResourceType[] = RESOURCE_TYPES,
): ResourceType | undefined {
  return types.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Verbs served; watch and deletecollection are not simulated, so they are not advertised. */
export const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update'] as const;
