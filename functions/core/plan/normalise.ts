/**
 * Puts resources into a canonical form so that echoed fields, defaults and list order never
 * show up as differences. normalise(normalise(x)) equals normalise(x).
 */
import type { Allowed, Resource } from '../model/resources.ts';

const sorted = (list: readonly string[]): string[] => [...new Set(list)].sort();

function allowed(list: readonly Allowed[]): Allowed[] {
  return list
    .map((a) => ({ IPProtocol: a.IPProtocol.toLowerCase(), ports: sorted(a.ports) }))
    .sort((x, y) =>
      `${x.IPProtocol}:${x.ports.join(',')}`.localeCompare(`${y.IPProtocol}:${y.ports.join(',')}`),
    );
}

/** Metadata the API server writes; never part of what peerlink compares. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
];
const SERVER_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
];

/** Deep copy with object keys in order, dropping undefined values. */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonicalJson(v);
    }
    return out;
  }
  return value;
}

function kubeManifest(manifest: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { status: _status, ...rest } = manifest;
  const metadata = { ...((rest.metadata as Record<string, unknown> | undefined) ?? {}) };
  for (const key of SERVER_METADATA) delete metadata[key];
  const annotations = { ...((metadata.annotations as Record<string, string> | undefined) ?? {}) };
  for (const key of SERVER_ANNOTATIONS) delete annotations[key];
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return canonicalJson({ ...rest, metadata }) as Record<string, unknown>;
}

export function normalise<R extends Resource>(r: R): R {
  switch (r.kind) {
    case 'firewall':
      return {
        ...r,
        priority: r.priority ?? 1000,
        sourceRanges: sorted(r.sourceRanges),
        destinationRanges: sorted(r.destinationRanges),
        targetTags: sorted(r.targetTags),
        allowed: allowed(r.allowed),
      };
    case 'healthCheck':
      return { ...r };
    case 'backendService':
      return { ...r, backends: sorted(r.backends) };
    case 'forwardingRule':
      return { ...r, ports: sorted(r.ports), allowGlobalAccess: r.allowGlobalAccess ?? false };
    case 'kube':
      return { ...r, manifest: kubeManifest(r.manifest) };
    case 'subnetwork':
      return {
        ...r,
        secondaryRanges: [...r.secondaryRanges].sort((a, b) => a.name.localeCompare(b.name)),
      };
    case 'cluster':
      return { ...r, nodeLocations: sorted(r.nodeLocations) };
    case 'network':
    case 'peering':
    case 'nodePool':
      return { ...r };
  }
}
