/**
 * ResourcePort over Compute, GKE and the clusters' Kubernetes APIs. `list` reads every
 * peerlink-named Compute resource and owned Kubernetes object in scope (owned or not, so the
 * planner sees conflicts); writes send the caller's requestId and wait for completion.
 */

import { orNull, TerminalError } from '../core/errors.ts';
import {
  type ClusterResource,
  type InfraResource,
  type KubeObject,
  NAME_PREFIX,
  type NodePoolResource,
  type Observed,
  type Resource,
} from '../core/model/resources.ts';
import { canonicalJson, normalise } from '../core/plan/normalise.ts';
import type { ListScope, ResourcePort } from '../core/ports.ts';
import { stepRequestId } from '../core/request-id.ts';
import type { Compute } from './compute.ts';
import { PEERLINK_NAME_FILTER } from './compute.ts';
import type { Container } from './container.ts';
import { CLUSTER_LABEL, clusterFromApi, nodePoolFromApi } from './container.ts';
import {
  backendServiceFromApi,
  backendServiceToApi,
  firewallFromApi,
  firewallToApi,
  forwardingRuleFromApi,
  forwardingRuleToApi,
  hasOwnerMarker,
  healthCheckFromApi,
  healthCheckToApi,
  networkFromApi,
  networkToApi,
  ownedByPeerlink,
  peeringFromApi,
  peeringToApi,
  subnetworkFromApi,
  subnetworkToApi,
} from './convert.ts';
import type { Kube, KubeRef } from './kube.ts';
import { kubeObjectFromApi, kubeOwned, kubeVersion } from './kube-model.ts';

export interface ResourcePortDeps {
  readonly compute: Compute;
  readonly container: Container;
  readonly kube: Kube;
  /**
   * Node pools a new cluster is created with (GKE needs at least one). Bootstrap passes the
   * topology's pools; the default is GKE's own default: one `default-pool` node, e2-medium.
   */
  readonly initialNodePools?: (cluster: ClusterResource) => readonly NodePoolResource[];
}

const DEFAULT_POOL = (c: ClusterResource): NodePoolResource[] => [
  {
    kind: 'nodePool',
    name: 'default-pool',
    cluster: c.name,
    location: c.location,
    nodeCount: 1,
    machineType: 'e2-medium',
  },
];

const observed = <R extends Resource>(
  resource: R,
  owned: boolean,
  version?: string | null,
): Observed => (version ? { resource, owned, version } : { resource, owned });

const peerlinkNamed = (name: string | null | undefined) => (name ?? '').startsWith(NAME_PREFIX);

const kubeRefOf = (o: KubeObject): KubeRef => ({
  apiVersion: o.apiVersion,
  kind: o.objectKind,
  namespace: o.namespace,
  name: o.name,
});

export function createResourcePort(deps: ResourcePortDeps): ResourcePort {
  const { compute, container, kube } = deps;
  const project = compute.project;

  const listCompute = async (scope: ListScope): Promise<Observed[]> => {
    const networks = new Set(scope.networks);
    const [firewalls, regional] = await Promise.all([
      networks.size === 0 ? [] : compute.firewalls.list(PEERLINK_NAME_FILTER),
      Promise.all(
        scope.regions.map(async (region) => {
          const [hcs, bss, frs] = await Promise.all([
            compute.healthChecks.list(region, PEERLINK_NAME_FILTER),
            compute.backendServices.list(region, PEERLINK_NAME_FILTER),
            compute.forwardingRules.list(region, PEERLINK_NAME_FILTER),
          ]);
          return [
            ...hcs
              .filter((h) => peerlinkNamed(h.name))
              .map((h) =>
                observed(healthCheckFromApi(region, h), ownedByPeerlink(h.name, h.description)),
              ),
            ...bss
              .filter((b) => peerlinkNamed(b.name))
              .map((b) =>
                observed(
                  backendServiceFromApi(region, b),
                  ownedByPeerlink(b.name, b.description),
                  b.fingerprint,
                ),
              ),
            ...frs
              .filter((r) => peerlinkNamed(r.name))
              .map((r) =>
                observed(
                  forwardingRuleFromApi(region, r),
                  ownedByPeerlink(r.name, r.description),
                  r.fingerprint,
                ),
              ),
          ];
        }),
      ),
    ]);
    return [
      ...firewalls
        .filter((f) => peerlinkNamed(f.name))
        .map((f) => firewallFromApi(f))
        .filter((f) => networks.has(f.network))
        .map((f) => observed(f, ownedByPeerlink(f.name, f.description))),
      ...regional.flat(),
    ];
  };

  const listKube = async (scope: ListScope): Promise<Observed[]> => {
    const clusters = [
      ...new Set([...scope.clusters.map((c) => c.name), ...scope.kubeNames.map((k) => k.cluster)]),
    ];
    const perCluster = await Promise.all(
      clusters.map(async (cluster) => {
        // The labelled list and the reads by name do not depend on each other: one round trip.
        const [listed, byName] = await Promise.all([
          scope.clusters.some((c) => c.name === cluster) ? orNull(kube.listManaged(cluster)) : [],
          Promise.all(
            scope.kubeNames
              .filter((k) => k.cluster === cluster)
              .map((k) =>
                orNull(
                  kube.get(cluster, {
                    apiVersion: k.apiVersion,
                    kind: k.kind,
                    namespace: k.namespace,
                    name: k.name,
                  }),
                ),
              ),
          ),
        ]);
        const out = new Map<string, Observed>();
        for (const m of [...(listed ?? []), ...byName]) {
          if (!m) continue;
          const o = kubeObjectFromApi(cluster, m);
          out.set(
            `${o.objectKind}/${o.namespace}/${o.name}`,
            observed(o, kubeOwned(m), kubeVersion(m)),
          );
        }
        return [...out.values()];
      }),
    );
    return perCluster.flat();
  };

  const readInfra = async (ref: InfraResource): Promise<Observed | null> => {
    switch (ref.kind) {
      case 'network': {
        const n = await orNull(compute.networks.get(ref.name));
        return n && observed(networkFromApi(n), hasOwnerMarker(n.description));
      }
      case 'subnetwork': {
        const s = await orNull(compute.subnetworks.get(ref.region, ref.name));
        return s && observed(subnetworkFromApi(s), hasOwnerMarker(s.description), s.fingerprint);
      }
      case 'peering': {
        const n = await orNull(compute.networks.get(ref.network));
        const p = n?.peerings?.find((x) => x.name === ref.name);
        return p ? observed(peeringFromApi(ref.network, p), peerlinkNamed(p.name)) : null;
      }
      case 'cluster': {
        const c = await container.getCluster(ref.location, ref.name);
        return (
          c &&
          observed(
            clusterFromApi(ref.location, c),
            c.resourceLabels?.[CLUSTER_LABEL.key] === CLUSTER_LABEL.value,
          )
        );
      }
      case 'nodePool': {
        const [c, p] = await Promise.all([
          container.getCluster(ref.location, ref.cluster),
          container.getNodePool(ref.location, ref.cluster, ref.name),
        ]);
        return (
          p &&
          observed(
            nodePoolFromApi(ref.location, ref.cluster, p),
            c?.resourceLabels?.[CLUSTER_LABEL.key] === CLUSTER_LABEL.value,
          )
        );
      }
    }
  };

  const updateFirewall = async (
    r: Extract<Resource, { kind: 'firewall' }>,
    o: Observed,
    requestId: string,
  ) => {
    const before = o.resource.kind === 'firewall' ? o.resource : undefined;
    // A merge patch cannot carry an empty list (the client drops it), so clearing a list
    // needs the full replacement.
    const clears =
      before !== undefined &&
      (['sourceRanges', 'destinationRanges', 'targetTags'] as const).some(
        (k) => r[k].length === 0 && before[k].length > 0,
      );
    const body = firewallToApi(project, r);
    if (clears) await compute.firewalls.update(r.name, body, requestId);
    else await compute.firewalls.patch(r.name, body, requestId);
  };

  return {
    async list(scope) {
      const [c, k, infra] = await Promise.all([
        listCompute(scope),
        listKube(scope),
        Promise.all((scope.infra ?? []).map(readInfra)),
      ]);
      return [...c, ...k, ...infra.filter((x): x is Observed => x !== null)];
    },

    async create(r, requestId) {
      switch (r.kind) {
        case 'firewall':
          return compute.firewalls.insert(firewallToApi(project, r), requestId);
        case 'healthCheck':
          return compute.healthChecks.insert(r.region, healthCheckToApi(r), requestId);
        case 'backendService':
          return compute.backendServices.insert(
            r.region,
            backendServiceToApi(project, r),
            requestId,
          );
        case 'forwardingRule':
          return compute.forwardingRules.insert(
            r.region,
            forwardingRuleToApi(project, r),
            requestId,
          );
        case 'kube':
          // Never forced: a same-named object of another manager fails as a conflict.
          await kube.apply(r.cluster, { ...r.manifest }, false);
          return;
        case 'network':
          return compute.networks.insert(networkToApi(r), requestId);
        case 'subnetwork':
          return compute.subnetworks.insert(r.region, subnetworkToApi(project, r), requestId);
        case 'peering':
          return compute.networks.addPeering(r.network, peeringToApi(project, r), requestId);
        case 'cluster':
          return container.createCluster(r, (deps.initialNodePools ?? DEFAULT_POOL)(r));
        case 'nodePool':
          return container.createNodePool(r);
      }
    },

    async update(r, o, requestId) {
      if (!o.owned)
        throw new TerminalError(
          `update ${r.kind} ${('name' in r && r.name) || ''}: not owned by peerlink`,
        );
      switch (r.kind) {
        case 'firewall':
          return updateFirewall(r, o, requestId);
        case 'healthCheck':
          return compute.healthChecks.patch(r.region, r.name, healthCheckToApi(r), requestId);
        case 'backendService': {
          const fingerprint =
            o.version ?? (await compute.backendServices.get(r.region, r.name)).fingerprint ?? '';
          return compute.backendServices.patch(
            r.region,
            r.name,
            backendServiceToApi(project, r),
            fingerprint,
            requestId,
          );
        }
        case 'forwardingRule': {
          const before = o.resource.kind === 'forwardingRule' ? o.resource : undefined;
          const canon = (x: Resource) => JSON.stringify(canonicalJson(normalise(x)));
          const onlyGlobalAccess =
            before !== undefined &&
            canon({ ...before, allowGlobalAccess: r.allowGlobalAccess }) === canon(r);
          // Only allowGlobalAccess can be patched on an internal forwarding rule
          // (https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules/patch);
          // anything else means a new rule.
          if (onlyGlobalAccess)
            return compute.forwardingRules.patch(
              r.region,
              r.name,
              { allowGlobalAccess: r.allowGlobalAccess },
              requestId,
            );
          await orNull(
            compute.forwardingRules.delete(r.region, r.name, stepRequestId(requestId, 'delete')),
          );
          return compute.forwardingRules.insert(
            r.region,
            forwardingRuleToApi(project, r),
            stepRequestId(requestId, 'insert'),
          );
        }
        case 'kube':
          await kube.apply(r.cluster, { ...r.manifest }, true);
          return;
        default:
          throw new TerminalError(`peerlink does not update infrastructure (${r.kind} ${r.name})`);
      }
    },

    async delete(o, requestId) {
      const r = o.resource;
      if (!o.owned) throw new TerminalError(`delete ${r.kind}: not owned by peerlink; refused`);
      switch (r.kind) {
        case 'firewall':
          return compute.firewalls.delete(r.name, requestId);
        case 'healthCheck':
          return compute.healthChecks.delete(r.region, r.name, requestId);
        case 'backendService':
          return compute.backendServices.delete(r.region, r.name, requestId);
        case 'forwardingRule':
          return compute.forwardingRules.delete(r.region, r.name, requestId);
        case 'kube':
          return kube.delete(r.cluster, kubeRefOf(r));
        default:
          throw new TerminalError(`peerlink does not delete infrastructure (${r.kind} ${r.name})`);
      }
    },
  };
}
