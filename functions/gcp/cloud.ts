/**
 * Wires the adapters together from a CloudConfig. Nothing is loaded or connected here: each
 * client is imported and built on the first call that needs it.
 */

import { NotFoundError } from '../core/errors.ts';
import type { ClusterResource, NodePoolResource } from '../core/model/resources.ts';
import type { FactsPort, ResourcePort } from '../core/ports.ts';
import { type Auth, createAuth } from './auth.ts';
import { computeClients, containerClient } from './clients.ts';
import { type Compute, createCompute } from './compute.ts';
import type { CloudConfig } from './config.ts';
import { type ApiCluster, type Container, createContainer } from './container.ts';
import { createFactsPort } from './facts.ts';
import { type ClusterAccess, createKube, type Kube } from './kube.ts';
import { createResourcePort } from './resources.ts';

export interface CloudOptions {
  /** Deadline for one Compute operation. Default 10 minutes. */
  readonly computeOperationTimeoutMs?: number;
  /** Deadline for one GKE operation. Default 45 minutes. */
  readonly containerOperationTimeoutMs?: number;
  /** First GKE operation poll interval. Default 1 s. */
  readonly containerPollMs?: number;
  /** How long a cluster's endpoint and CA are reused before being read again. Default 60 s. */
  readonly clusterAccessTtlMs?: number;
  /** Node pools new clusters are created with (bootstrap passes the topology's). */
  readonly initialNodePools?: (cluster: ClusterResource) => readonly NodePoolResource[];
}

export interface Cloud {
  readonly config: CloudConfig;
  readonly auth: Auth;
  readonly compute: Compute;
  readonly container: Container;
  readonly kube: Kube;
  readonly resources: ResourcePort;
  readonly facts: FactsPort;
}

/**
 * Finds a cluster's endpoint and CA by name: in the location last seen for it, or across all
 * locations (`-`). Results are kept for `ttlMs`.
 */
export function clusterDirectory(container: Container, ttlMs: number) {
  const locations = new Map<string, string>();
  const cache = new Map<string, { access: ClusterAccess; until: number }>();
  return {
    /** Records where a cluster lives, saving a list over all locations. */
    hint(name: string, location: string): void {
      locations.set(name, location);
    },
    /**
     * Keeps the endpoint and CA of a cluster read for another reason (its facts), so the
     * Kubernetes call that follows does not read the cluster a second time: one round trip
     * less on every reconcile (BENCHMARKS.md, event to converged).
     */
    remember(name: string, cluster: ApiCluster | null): void {
      const endpoint = cluster?.endpoint;
      const caBase64 = cluster?.masterAuth?.clusterCaCertificate;
      if (endpoint && caBase64)
        cache.set(name, { access: { endpoint, caBase64 }, until: Date.now() + ttlMs });
    },
    async access(name: string): Promise<ClusterAccess> {
      const hit = cache.get(name);
      if (hit && hit.until > Date.now()) return hit.access;
      const location = locations.get(name);
      const cluster = location
        ? await container.getCluster(location, name)
        : (await container.listClusters('-')).find((c) => c.name === name);
      const endpoint = cluster?.endpoint;
      const caBase64 = cluster?.masterAuth?.clusterCaCertificate;
      if (!endpoint || !caBase64)
        throw new NotFoundError(`cluster ${name}: no Kubernetes endpoint (missing or not ready)`);
      const access = { endpoint, caBase64 };
      cache.set(name, { access, until: Date.now() + ttlMs });
      return access;
    },
  };
}

/** Builds every adapter and both ports over one set of credentials. */
export function createCloud(config: CloudConfig, options: CloudOptions = {}): Cloud {
  const auth = createAuth(config);
  const compute = createCompute({
    project: config.project,
    clients: computeClients(config.compute, auth),
    wait: { timeoutMs: options.computeOperationTimeoutMs },
  });
  const container = createContainer({
    project: config.project,
    client: containerClient(config.container, auth),
    operationTimeoutMs: options.containerOperationTimeoutMs,
    pollMs: options.containerPollMs,
  });
  // The facts read and the Kubernetes calls run at the same time and both need the cluster:
  // concurrent reads of one cluster share a single call.
  const inFlight = new Map<string, ReturnType<Container['getCluster']>>();
  const getCluster: Container['getCluster'] = (location, name) => {
    const key = `${location}/${name}`;
    let read = inFlight.get(key);
    if (!read) {
      read = container.getCluster(location, name).finally(() => inFlight.delete(key));
      inFlight.set(key, read);
    }
    return read;
  };
  const directory = clusterDirectory(
    { ...container, getCluster },
    options.clusterAccessTtlMs ?? 60_000,
  );
  const kube = createKube({ token: () => auth.token(), access: (name) => directory.access(name) });
  const port = createResourcePort({
    compute,
    container,
    kube,
    initialNodePools: options.initialNodePools,
  });
  const facts = createFactsPort({
    compute,
    container: {
      ...container,
      getCluster: async (location, name) => {
        const c = await getCluster(location, name);
        directory.remember(name, c);
        return c;
      },
    },
    kube,
  });
  return {
    config,
    auth,
    compute,
    container,
    kube,
    resources: {
      ...port,
      list: (scope) => {
        for (const c of scope.clusters) directory.hint(c.name, c.location);
        return port.list(scope);
      },
    },
    facts: {
      ...facts,
      cluster: (location, name) => {
        directory.hint(name, location);
        return facts.cluster(location, name);
      },
    },
  };
}
