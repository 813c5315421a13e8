/**
 * Google clients, loaded and constructed lazily: only on the first call that needs one, and
 * only that one. Compute clients are deep-imported one module at a time because the package
 * index loads every client and all protos (about 1.5 s of cold start against 0.7 s for one
 * client; see PLATFORM.md).
 */

import type { FirewallsClient } from '@google-cloud/compute/build/src/v1/firewalls_client.js';
import type { ForwardingRulesClient } from '@google-cloud/compute/build/src/v1/forwarding_rules_client.js';
import type { GlobalOperationsClient } from '@google-cloud/compute/build/src/v1/global_operations_client.js';
import type { InstanceGroupsClient } from '@google-cloud/compute/build/src/v1/instance_groups_client.js';
import type { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client.js';
import type { NetworksClient } from '@google-cloud/compute/build/src/v1/networks_client.js';
import type { RegionBackendServicesClient } from '@google-cloud/compute/build/src/v1/region_backend_services_client.js';
import type { RegionHealthChecksClient } from '@google-cloud/compute/build/src/v1/region_health_checks_client.js';
import type { RegionOperationsClient } from '@google-cloud/compute/build/src/v1/region_operations_client.js';
import type { SubnetworksClient } from '@google-cloud/compute/build/src/v1/subnetworks_client.js';
import type { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client.js';
import type { ClusterManagerClient } from '@google-cloud/container/build/src/v1/cluster_manager_client.js';
import type { Auth } from './auth.ts';
import type { Endpoint } from './config.ts';

export interface ComputeClientTypes {
  firewalls: FirewallsClient;
  healthChecks: RegionHealthChecksClient;
  backendServices: RegionBackendServicesClient;
  forwardingRules: ForwardingRulesClient;
  networks: NetworksClient;
  subnetworks: SubnetworksClient;
  instanceGroups: InstanceGroupsClient;
  instances: InstancesClient;
  globalOperations: GlobalOperationsClient;
  regionOperations: RegionOperationsClient;
  zoneOperations: ZoneOperationsClient;
}

export type ComputeClientName = keyof ComputeClientTypes;

/** What every generated client's constructor takes (gax `ClientOptions`). */
type ClientOptions = NonNullable<ConstructorParameters<typeof FirewallsClient>[0]>;

type Ctor<T> = new (options: ClientOptions) => T;

// One deep import per client: `import()` of the module that defines only that client.
const COMPUTE_LOADERS: { [K in ComputeClientName]: () => Promise<Ctor<ComputeClientTypes[K]>> } = {
  firewalls: async () =>
    (await import('@google-cloud/compute/build/src/v1/firewalls_client.js')).FirewallsClient,
  healthChecks: async () =>
    (await import('@google-cloud/compute/build/src/v1/region_health_checks_client.js'))
      .RegionHealthChecksClient,
  backendServices: async () =>
    (await import('@google-cloud/compute/build/src/v1/region_backend_services_client.js'))
      .RegionBackendServicesClient,
  forwardingRules: async () =>
    (await import('@google-cloud/compute/build/src/v1/forwarding_rules_client.js'))
      .ForwardingRulesClient,
  networks: async () =>
    (await import('@google-cloud/compute/build/src/v1/networks_client.js')).NetworksClient,
  subnetworks: async () =>
    (await import('@google-cloud/compute/build/src/v1/subnetworks_client.js')).SubnetworksClient,
  instanceGroups: async () =>
    (await import('@google-cloud/compute/build/src/v1/instance_groups_client.js'))
      .InstanceGroupsClient,
  instances: async () =>
    (await import('@google-cloud/compute/build/src/v1/instances_client.js')).InstancesClient,
  globalOperations: async () =>
    (await import('@google-cloud/compute/build/src/v1/global_operations_client.js'))
      .GlobalOperationsClient,
  regionOperations: async () =>
    (await import('@google-cloud/compute/build/src/v1/region_operations_client.js'))
      .RegionOperationsClient,
  zoneOperations: async () =>
    (await import('@google-cloud/compute/build/src/v1/zone_operations_client.js'))
      .ZoneOperationsClient,
};

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
          COMPUTE_LOADERS[name](),
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
