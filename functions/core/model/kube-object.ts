/** A Kubernetes object in one cluster, written by server-side apply. */
import { type Change, canonicalJson, type Kind } from './kind.ts';

/** A Kubernetes object in one cluster. `manifest` is what peerlink applies (no status). */
export interface KubeObject {
  readonly kind: 'kube';
  readonly cluster: string;
  readonly apiVersion: string;
  readonly objectKind: string;
  readonly namespace: string;
  readonly name: string;
  readonly manifest: Readonly<Record<string, unknown>>;
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

/** True when every field `want` sets has the same value in `have` (extra fields are the server's). */
export function covers(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) {
    return (
      Array.isArray(have) && have.length === want.length && want.every((w, i) => covers(have[i], w))
    );
  }
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    const h = have as Record<string, unknown>;
    return Object.entries(want).every(([k, v]) => covers(h[k], v));
  }
  return have === want;
}

export const kubeObjectKind: Kind<KubeObject, 'managed'> = {
  kind: 'kube',
  lifecycle: 'managed',
  phase: 5,
  ownership: 'the label `app.kubernetes.io/managed-by: peerlink`',
  steps: ['backend workloads', 'masquerade configuration'],
  key: (r) => `kube/${r.cluster}/${r.objectKind}/${r.namespace}/${r.name}`,
  label: (r) => `${r.objectKind} ${r.cluster}:${r.namespace}/${r.name}`,
  normalise: (r) => ({ ...r, manifest: kubeManifest(r.manifest) }),
  // The API server fills defaults into what it stores: compare only the fields peerlink sets,
  // top-level field by top-level field.
  changes: (want, have): Change[] => {
    const w = want.manifest as Record<string, unknown>;
    const h = have.manifest as Record<string, unknown>;
    return Object.keys(w)
      .filter((k) => !covers(h[k], w[k]))
      .map((field) => ({ field, before: h[field], after: w[field] }));
  },
  dependencies: () => [],
};
