/**
 * Google clients, loaded and constructed lazily: only on the first call that needs one, and
 * only that one. Compute clients are deep-imported one module at a time because the package
 * index loads every client and all protos (about 1.5 s of cold start against 0.7 s for one
 * client; see PLATFORM.md).
 */

import type { ClusterManagerClient } from '@google-cloud/container/build/src/v1/cluster_manager_client.js';
import type { Auth } from './auth.ts';
import type { Endpoint } from './config.ts';

/** The package's v1 clients, by type only: nothing of it loads here. */
type ComputeV1 = typeof import('@google-cloud/compute/build/src/v1/index.js');

/** A Compute client by its collection's name: `firewalls`, `regionBackendServices`, ... */
export type ComputeClientName = {
  [K in keyof ComputeV1]: K extends `${infer N}Client` ? Uncapitalize<N> : never;
}[keyof ComputeV1];

export type ComputeClientTypes = {
  [N in ComputeClientName]: `${Capitalize<N>}Client` extends infer C extends keyof ComputeV1
    ? ComputeV1[C] extends new (
        ...args: never[]
      ) => infer I
      ? I
      : never
    : never;
};

/** What every generated client's constructor takes (gax `ClientOptions`). */
type ClientOptions = NonNullable<ConstructorParameters<ComputeV1['FirewallsClient']>[0]>;

/**
 * One deep import per client: the module that defines only that client
 * (`regionBackendServices` → `build/src/v1/region_backend_services_client.js`).
 */
async function loadComputeClient(
  name: ComputeClientName,
): Promise<new (o: ClientOptions) => unknown> {
  const file = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const module = (await import(`@google-cloud/compute/build/src/v1/${file}_client.js`)) as Record<
    string,
    new (
      o: ClientOptions,
    ) => unknown
  >;
  const Client = module[`${name[0]?.toUpperCase()}${name.slice(1)}Client`];
  if (!Client) throw new Error(`@google-cloud/compute has no client ${name}`);
  return Client;
}

/** Constructor options for a client: endpoint (when not Google's), REST transport, credentials. */
async function clientOptions(endpoint: Endpoint | undefined, auth: Auth): Promise<ClientOptions> {
  // The auth objects come from the project's google-auth-library, which gax accepts at run
  // time; its declared type may name another copy of the library.
  return { ...(endpoint ?? {}), fallback: true, ...(await auth.options()) } as ClientOptions;
}

/**
 * gax retries idempotent calls on UNAVAILABLE by itself, for up to 600 s (each client's
 * `*_client_config.json`), under peerlink's own read retry (read-retry.ts): two layers that
 * multiply. Its per-method defaults are built in the constructor, so clearing their `retry`
 * leaves one attempt per call, as `{ retry: null }` in a call's options would.
 */
function withoutGaxRetries<C>(client: C): C {
  const defaults = (client as { _defaults?: Record<string, { retry?: unknown }> })._defaults;
  for (const settings of Object.values(defaults ?? {})) settings.retry = null;
  return client;
}

/** Gets Compute clients by name, constructing each on first use. */
export type ComputeClients = <K extends ComputeClientName>(
  name: K,
) => Promise<ComputeClientTypes[K]>;

export function computeClients(endpoint: Endpoint | undefined, auth: Auth): ComputeClients {
  const made = new Map<ComputeClientName, Promise<unknown>>();
  return <K extends ComputeClientName>(name: K): Promise<ComputeClientTypes[K]> => {
    let p = made.get(name);
    if (!p) {
      p = (async () => {
        const [Client, options] = await Promise.all([
          loadComputeClient(name),
          clientOptions(endpoint, auth),
        ]);
        return withoutGaxRetries(new Client(options));
      })();
      // A failed load is not cached, so a later call can try again.
      p.catch(() => made.delete(name));
      made.set(name, p);
    }
    return p as Promise<ComputeClientTypes[K]>;
  };
}

/** The GKE client, constructed on first use; `fallback` selects REST (gRPC otherwise). */
export function containerClient(
  endpoint: Endpoint | undefined,
  auth: Auth,
): () => Promise<ClusterManagerClient> {
  let made: Promise<ClusterManagerClient> | undefined;
  return () => {
    made ??= (async () => {
      const [{ ClusterManagerClient: Client }, options] = await Promise.all([
        import('@google-cloud/container/build/src/v1/cluster_manager_client.js'),
        clientOptions(endpoint, auth),
      ]);
      return withoutGaxRetries(new Client(options));
    })();
    made.catch(() => {
      made = undefined;
    });
    return made;
  };
}
