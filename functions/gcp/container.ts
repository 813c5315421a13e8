/**
 * GKE (Container v1) over ClusterManagerClient in REST mode: clusters and node pools, and
 * waiting for Container operations by polling `getOperation` within a deadline.
 */
import type { protos } from '@google-cloud/container';
import {
  AlreadyExistsError,
  type CloudError,
  NotFoundError,
  orNull,
  TerminalError,
  TransientError,
} from '../core/errors.ts';
import type { ClusterResource, NodePoolResource } from '../core/model/resources.ts';
import type { containerClient } from './clients.ts';
import { shortName } from './convert.ts';
import { toCloudError } from './map-error.ts';
import { retryRead } from './read-retry.ts';

export type ApiCluster = protos.google.container.v1.ICluster;
export type ApiNodePool = protos.google.container.v1.INodePool;
export type ApiOperation = protos.google.container.v1.IOperation;

/** Label GKE clusters created by peerlink carry (GKE has labels, so no description marker). */
export const CLUSTER_LABEL = { key: 'managed-by', value: 'peerlink' } as const;

export interface ContainerDeps {
  readonly project: string;
  readonly client: ReturnType<typeof containerClient>;
  /** Deadline for an operation to finish. Default 45 minutes (cluster creation is slow). */
  readonly operationTimeoutMs?: number;
  /** First poll interval; it doubles up to 10 s. Default 1 s. */
  readonly pollMs?: number;
}

export interface Container {
  readonly project: string;
  /** The cluster, or null when it does not exist. */
  getCluster(location: string, name: string): Promise<ApiCluster | null>;
  /** Clusters in a location (`-` for every location). */
  listClusters(location: string): Promise<ApiCluster[]>;
  /** Creates a cluster with its first node pools and waits until the operation is done. */
  createCluster(cluster: ClusterResource, nodePools: readonly NodePoolResource[]): Promise<void>;
  getNodePool(location: string, cluster: string, name: string): Promise<ApiNodePool | null>;
  createNodePool(pool: NodePoolResource): Promise<void>;
  /** GKE operations of a location, running and finished. */
  listOperations(location: string): Promise<ApiOperation[]>;
  /** Used by tests against a real project to clean up; peerlink never deletes clusters. */
  deleteCluster(location: string, name: string): Promise<void>;
}

const MAX_POLLS = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** gRPC codes in `operation.error.code` (google.rpc.Code). */
function operationFailure(what: string, op: ApiOperation): CloudError {
  const code = op.error?.code ?? 0;
  const message = op.error?.message || op.statusMessage || 'operation failed';
  const text = `${what}: operation ${op.name} failed: ${message}`;
  if (code === 6) return new AlreadyExistsError(text);
  if (code === 5) return new NotFoundError(text);
  if ([4, 8, 10, 13, 14].includes(code)) return new TransientError(text);
  return new TerminalError(text);
}

const isDone = (s: unknown) => s === 'DONE' || s === 3;

/**
 * The datapath from `networkConfig.datapathProvider`
 * (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/DatapathProvider; the client
 * may give the enum's number): ADVANCED_DATAPATH (2) is Dataplane V2; LEGACY_DATAPATH (1) or
 * unspecified (0, which the body leaves out) kube-proxy's iptables; MIGRATE_TO_* leave nodes of
 * both kinds, so neither is known.
 */
export function datapathOf(provider: unknown): ClusterResource['datapath'] {
  if (provider === 'ADVANCED_DATAPATH' || provider === 2) return 'dataplane-v2';
  if (typeof provider === 'string' && provider.startsWith('MIGRATE_TO_')) return undefined;
  return 'legacy';
}

/** The model's node pool as GKE's NodePool. */
export function nodePoolToApi(p: NodePoolResource): ApiNodePool {
  return { name: p.name, initialNodeCount: p.nodeCount, config: { machineType: p.machineType } };
}

/**
 * Routes-based: pods from `clusterIpv4Cidr`, services from `servicesIpv4Cidr`, and
 * `ipAllocationPolicy.useRoutes`. VPC-native: alias IPs from the subnet's secondary ranges
 * (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#IPAllocationPolicy).
 */
export function clusterToApi(
  c: ClusterResource,
  nodePools: readonly NodePoolResource[],
): ApiCluster {
  const common: ApiCluster = {
    name: c.name,
    network: c.network,
    subnetwork: c.subnetwork,
    ...(c.autopilot ? {} : { locations: [...c.nodeLocations] }),
    resourceLabels: { [CLUSTER_LABEL.key]: CLUSTER_LABEL.value },
    // NetworkConfig.datapathProvider; left out, GKE takes its default (legacy for Standard).
    ...(c.datapath
      ? {
          networkConfig: {
            datapathProvider:
              c.datapath === 'dataplane-v2' ? 'ADVANCED_DATAPATH' : 'LEGACY_DATAPATH',
          },
        }
      : {}),
    // Autopilot (Cluster.autopilot): GKE places, makes and sizes the nodes; the request carries
    // the pool `gcloud container clusters create-auto` sends, a `default-pool` of one node
    // (surface/container/clusters/create_auto.py, num_nodes 1).
    ...(c.autopilot
      ? { autopilot: { enabled: true }, nodePools: [{ name: 'default-pool', initialNodeCount: 1 }] }
      : { nodePools: nodePools.map(nodePoolToApi) }),
  };
  // A routes-based cluster's services range is GKE's to choose: Cluster.servicesIpv4Cidr is
  // output only ("typically put in the last /16 from the container CIDR"), and
  // IPAllocationPolicy's services fields apply only with IP aliases
  // (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters).
  if (c.mode === 'routes')
    return {
      ...common,
      clusterIpv4Cidr: c.podRange,
      ipAllocationPolicy: { useIpAliases: false, useRoutes: true },
    };
  return {
    ...common,
    ipAllocationPolicy: {
      useIpAliases: true,
      clusterSecondaryRangeName: c.podRange,
      servicesSecondaryRangeName: c.serviceRange,
    },
  };
}

export function clusterFromApi(location: string, c: ApiCluster): ClusterResource {
  const vpcNative = c.ipAllocationPolicy?.useIpAliases === true;
  const policy = c.ipAllocationPolicy ?? {};
  const datapath = datapathOf(c.networkConfig?.datapathProvider);
  return {
    kind: 'cluster',
    name: c.name ?? '',
    location: c.location || location,
    network: shortName(c.network),
    subnetwork: shortName(c.subnetwork),
    mode: vpcNative ? 'vpc-native' : 'routes',
    podRange: vpcNative ? (policy.clusterSecondaryRangeName ?? '') : (c.clusterIpv4Cidr ?? ''),
    serviceRange: vpcNative
      ? (policy.servicesSecondaryRangeName ?? '')
      : (c.servicesIpv4Cidr ?? ''),
    nodeLocations: [...(c.locations ?? [])],
    ...(datapath ? { datapath } : {}),
    ...(c.autopilot?.enabled === true ? { autopilot: true } : {}),
  };
}

export function nodePoolFromApi(
  location: string,
  cluster: string,
  p: ApiNodePool,
): NodePoolResource {
  return {
    kind: 'nodePool',
    name: p.name ?? '',
    cluster,
    location,
    nodeCount: p.initialNodeCount ?? 0,
    machineType: p.config?.machineType ?? '',
  };
}

/** Builds the GKE adapter. The client is loaded on the first call. */
export function createContainer(deps: ContainerDeps): Container {
  const { project } = deps;
  const parent = (location: string) => `projects/${project}/locations/${location}`;
  const clusterPath = (location: string, name: string) => `${parent(location)}/clusters/${name}`;

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toCloudError(e, what);
    }
  };
  /** A read: mapped like any call, and retried when transient. */
  const read = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    retryRead(() => call(what, fn));

  /** Polls the operation until DONE, then throws its mapped error if any. */
  const wait = async (location: string, op: ApiOperation, what: string): Promise<void> => {
    const deadline = Date.now() + (deps.operationTimeoutMs ?? 45 * 60_000);
    let pause = deps.pollMs ?? 1000;
    let current = op;
    for (let i = 0; !isDone(current.status); i++) {
      if (i >= MAX_POLLS || Date.now() >= deadline)
        throw new TransientError(`${what}: operation ${op.name} not done in time`);
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
      pause = Math.min(pause * 2, 10_000);
      current = await read(`${what}: getOperation`, async () => {
        const [o] = await (await deps.client()).getOperation({
          name: `${parent(location)}/operations/${op.name}`,
        });
        return o;
      });
    }
    if (current.error && (current.error.code ?? 0) !== 0) throw operationFailure(what, current);
  };

  return {
    project,
    getCluster: (location, name) =>
      orNull(
        read(`clusters.get ${location}/${name}`, async () => {
          const [c] = await (await deps.client()).getCluster({ name: clusterPath(location, name) });
          return c;
        }),
      ),
    listClusters: (location) =>
      read(`clusters.list ${location}`, async () => {
        const [r] = await (await deps.client()).listClusters({ parent: parent(location) });
        return r.clusters ?? [];
      }),
    createCluster: async (cluster, nodePools) => {
      const what = `clusters.create ${cluster.location}/${cluster.name}`;
      const op = await call(what, async () => {
        const [o] = await (await deps.client()).createCluster({
          parent: parent(cluster.location),
          cluster: clusterToApi(cluster, nodePools),
        });
        return o;
      });
      await wait(cluster.location, op, what);
    },
    getNodePool: (location, cluster, name) =>
      orNull(
        read(`nodePools.get ${location}/${cluster}/${name}`, async () => {
          const [p] = await (await deps.client()).getNodePool({
            name: `${clusterPath(location, cluster)}/nodePools/${name}`,
          });
          return p;
        }),
      ),
    createNodePool: async (pool) => {
      const what = `nodePools.create ${pool.location}/${pool.cluster}/${pool.name}`;
      const op = await call(what, async () => {
        const [o] = await (await deps.client()).createNodePool({
          parent: clusterPath(pool.location, pool.cluster),
          nodePool: nodePoolToApi(pool),
        });
        return o;
      });
      await wait(pool.location, op, what);
    },
    // https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.operations/list
    listOperations: (location) =>
      read(`operations.list ${location}`, async () => {
        const [r] = await (await deps.client()).listOperations({ parent: parent(location) });
        return r.operations ?? [];
      }),
    deleteCluster: async (location, name) => {
      const what = `clusters.delete ${location}/${name}`;
      const op = await call(what, async () => {
        const [o] = await (await deps.client()).deleteCluster({
          name: clusterPath(location, name),
        });
        return o;
      });
      await wait(location, op, what);
    },
  };
}
