/**
 * Kubernetes API access to GKE clusters, built as GKE does it: the cluster's endpoint
 * (`https://<endpoint>`), its CA (`masterAuth.clusterCaCertificate`) and the caller's Google
 * OAuth access token as the bearer token. One client per cluster, cached, rebuilt when the
 * token or endpoint changes. Writes are server-side apply with field manager `peerlink`.
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import {
  AlreadyExistsError,
  CloudError,
  NotFoundError,
  orNull,
  PreconditionFailedError,
  TerminalError,
  TransientError,
} from '../core/errors.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../core/model/resources.ts';
import { retryRead } from './read-retry.ts';

/** How to reach one cluster's API server. */
export interface ClusterAccess {
  /** GKE's `endpoint`: an IP or host[:port], without scheme. */
  readonly endpoint: string;
  /** base64 PEM, as `masterAuth.clusterCaCertificate`. */
  readonly caBase64: string;
}

export interface KubeDeps {
  /** A current OAuth access token (the same one the Google clients send). */
  readonly token: () => Promise<string>;
  /** Finds a cluster's endpoint and CA; throws NotFoundError when it has none. */
  readonly access: (cluster: string) => Promise<ClusterAccess>;
}

/** Identifies one object. */
export interface KubeRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** A Kubernetes object as plain JSON. */
export type Manifest = Record<string, unknown>;

/** The kinds peerlink manages, listed by their managed-by label. */
export const MANAGED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
];

export const FIELD_MANAGER = 'peerlink';
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

export interface Kube {
  /** The object, or null when it does not exist. */
  get(cluster: string, ref: KubeRef): Promise<Manifest | null>;
  /** Every object of the managed kinds labelled as peerlink's, in all namespaces. */
  listManaged(cluster: string): Promise<Manifest[]>;
  /**
   * Server-side apply. `force` takes over fields other managers own; peerlink only forces on
   * objects it owns, so a foreign same-named object fails with PreconditionFailedError.
   */
  apply(cluster: string, manifest: Manifest, force: boolean): Promise<Manifest>;
  /**
   * JSON merge patch (RFC 7396) of an object someone else owns, changing only what `patch` names;
   * a `metadata.resourceVersion` in it is a precondition (stale: PreconditionFailedError).
   */
  mergePatch(cluster: string, patch: Manifest): Promise<Manifest>;
  /** Deletes; NotFoundError when already gone. */
  delete(cluster: string, ref: KubeRef): Promise<void>;
}

interface Status {
  reason?: string;
  message?: string;
}

function statusOf(body: unknown): Status {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as Status;
    } catch {
      return { message: body };
    }
  }
  return body !== null && typeof body === 'object' ? (body as Status) : {};
}

/**
 * Maps @kubernetes/client-node failures: ApiException `code` is the HTTP status and `body` a
 * Status (https://kubernetes.io/docs/reference/using-api/api-concepts/#response-status-kind).
 */
export function kubeError(e: unknown, what: string): CloudError {
  if (e instanceof CloudError) return e;
  if (e !== null && typeof e === 'object' && 'code' in e && 'body' in e) {
    const code = (e as { code: unknown }).code;
    if (typeof code === 'number') {
      const s = statusOf((e as { body: unknown }).body);
      const text = `${what}: ${code} ${s.reason ?? ''}: ${s.message ?? ''}`;
      const opts = { cause: e, status: code };
      if (code === 404) return new NotFoundError(text, opts);
      if (code === 409 && s.reason === 'AlreadyExists') return new AlreadyExistsError(text, opts);
      if (code === 409) return new PreconditionFailedError(text, opts);
      if (code === 429 || code >= 500) return new TransientError(text, opts);
      return new TerminalError(text, opts);
    }
  }
  const codeName = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof codeName === 'string' && /^(ECONN|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR)/.test(codeName))
    return new TransientError(`${what}: ${message}`, { cause: e });
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up/.test(message))
    return new TransientError(`${what}: ${message}`, { cause: e });
  return new TerminalError(`${what}: ${message}`, { cause: e });
}

const header = (ref: KubeRef) => ({
  apiVersion: ref.apiVersion,
  kind: ref.kind,
  metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name },
});

const label = (cluster: string, ref: KubeRef) =>
  `${cluster}:${ref.kind} ${ref.namespace}/${ref.name}`;

/** Builds the Kubernetes adapter. @kubernetes/client-node loads on first use. */
export function createKube(deps: KubeDeps): Kube {
  const cache = new Map<string, { key: string; api: KubernetesObjectApi }>();

  const api = async (cluster: string): Promise<KubernetesObjectApi> => {
    const [access, token] = await Promise.all([deps.access(cluster), deps.token()]);
    const key = `${access.endpoint}\n${access.caBase64}\n${token}`;
    const hit = cache.get(cluster);
    if (hit?.key === key) return hit.api;
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromClusterAndUser(
      {
        name: cluster,
        server: `https://${access.endpoint}`,
        caData: access.caBase64,
        skipTLSVerify: false,
      },
      { name: 'peerlink', token },
    );
    const made = k8s.KubernetesObjectApi.makeApiClient(kc);
    cache.set(cluster, { key, api: made });
    return made;
  };

  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw kubeError(e, what);
    }
  };

  /** A read: retried on its own (read-retry.ts), the only place reads are retried. */
  const read = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    retryRead(() => run(what, fn));

  return {
    get: (cluster, ref) =>
      orNull(
        read(`get ${label(cluster, ref)}`, async () => {
          const obj = await (await api(cluster)).read(header(ref));
          return obj as unknown as Manifest;
        }),
      ),
    listManaged: async (cluster) => {
      const client = await run(`connect ${cluster}`, () => api(cluster));
      const lists = await Promise.all(
        MANAGED_KINDS.map((k) =>
          read(`list ${cluster}:${k.kind}`, async () => {
            const list = await client.list(
              k.apiVersion,
              k.kind,
              undefined,
              undefined,
              undefined,
              undefined,
              undefined,
              MANAGED_SELECTOR,
            );
            // List items carry no apiVersion/kind of their own.
            return list.items.map((item) => ({ ...item, apiVersion: k.apiVersion, kind: k.kind }));
          }),
        ),
      );
      return lists.flat() as unknown as Manifest[];
    },
    apply: (cluster, manifest, force) => {
      const meta = (manifest.metadata ?? {}) as { name?: string; namespace?: string };
      const ref: KubeRef = {
        apiVersion: String(manifest.apiVersion),
        kind: String(manifest.kind),
        namespace: meta.namespace ?? '',
        name: meta.name ?? '',
      };
      return run(`apply ${label(cluster, ref)}`, async () => {
        const k8s = await import('@kubernetes/client-node');
        const out = await (await api(cluster)).patch(
          manifest as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          force,
          k8s.PatchStrategy.ServerSideApply,
        );
        return out as unknown as Manifest;
      });
    },
    mergePatch: (cluster, patch) => {
      const meta = (patch.metadata ?? {}) as { name?: string; namespace?: string };
      const ref: KubeRef = {
        apiVersion: String(patch.apiVersion),
        kind: String(patch.kind),
        namespace: meta.namespace ?? '',
        name: meta.name ?? '',
      };
      return run(`patch ${label(cluster, ref)}`, async () => {
        const k8s = await import('@kubernetes/client-node');
        const out = await (await api(cluster)).patch(
          patch as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          undefined,
          k8s.PatchStrategy.MergePatch,
        );
        return out as unknown as Manifest;
      });
    },
    delete: (cluster, ref) =>
      run(`delete ${label(cluster, ref)}`, async () => {
        await (await api(cluster)).delete(header(ref) as KubernetesObject);
      }),
  };
}
