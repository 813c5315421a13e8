/**
 * FactsPort over Compute, GKE and the Kubernetes API: peerings and the ranges a network imports
 * over them, and a cluster's node pools, instance groups, node tags, datapath and ip-masq-agent.
 */

import { orNull } from '../core/errors.ts';
import {
  DEFAULT_EGRESS_NAT_POLICY,
  EGRESS_NAT_POLICY_API_VERSION,
  EGRESS_NAT_POLICY_KIND,
  egressNatPolicyFacts,
} from '../core/manifests/egress-nat-policy.ts';
import type { EgressNatPolicyFacts } from '../core/model/egress-nat-policy.ts';
import type { ClusterFacts, NetworkFacts, PeeringFact } from '../core/model/facts.ts';
import type { FactsPort } from '../core/ports.ts';
import type { Compute } from './compute.ts';
import { type ApiCluster, type Container, datapathOf } from './container.ts';
import { instanceGroupParts, shortName } from './convert.ts';
import type { Kube } from './kube.ts';
import {
  blueGreenLeaving,
  gkeLoadBalancedGroups,
  resolveManagers,
  runningDeletes,
} from './node-groups.ts';

export interface FactsPortDeps {
  readonly compute: Compute;
  readonly container: Container;
  readonly kube: Kube;
}

/** GKE's node tag: `gke-<cluster>-<hash>-node` (https://cloud.google.com/kubernetes-engine/docs/concepts/firewall-rules). */
const NODE_TAG = /^gke-.+-node$/;

/** NodePool.Status by the enum's number, as the client may give it (cluster_service.proto). */
const POOL_STATUS = [
  'STATUS_UNSPECIFIED',
  'PROVISIONING',
  'RUNNING',
  'RUNNING_WITH_ERROR',
  'RECONCILING',
  'STOPPING',
  'ERROR',
];
const poolStatus = (s: unknown): string | undefined =>
  typeof s === 'number' ? POOL_STATUS[s] : typeof s === 'string' && s !== '' ? s : undefined;
/** Cluster.Status likewise. */
const CLUSTER_STATUS = [
  'STATUS_UNSPECIFIED',
  'PROVISIONING',
  'RUNNING',
  'RECONCILING',
  'STOPPING',
  'ERROR',
  'DEGRADED',
];

/** Regions of a network's subnets, from the subnetwork URLs the network lists. */
function subnetRegions(subnetworks: readonly string[]): string[] {
  const regions = subnetworks.flatMap(
    (u) => /\/regions\/([^/]+)\/subnetworks\//.exec(u)?.[1] ?? [],
  );
  return [...new Set(regions)].sort();
}

export function createFactsPort(deps: FactsPortDeps): FactsPort {
  const { compute, container, kube } = deps;

  /** Tags of one node of the cluster: GKE tags every node of a cluster alike. */
  const nodeTags = async (groups: readonly string[]): Promise<string[]> => {
    for (const group of groups) {
      const { zone, name } = instanceGroupParts(group);
      const instances = await orNull(compute.instanceGroups.listInstances(zone, name));
      const first = instances?.[0];
      if (!first) continue;
      const zoneOf = /\/zones\/([^/]+)\/instances\//.exec(first)?.[1] ?? zone;
      const instance = await orNull(compute.instances.get(zoneOf, shortName(first)));
      if (!instance) continue;
      return (instance.tags?.items ?? []).filter((t) => NODE_TAG.test(t)).sort();
    }
    return [];
  };

  /** Whether GKE's ip-masq-agent DaemonSet exists; undefined when the API is not reachable yet. */
  const ipMasqAgent = async (name: string, c: ApiCluster): Promise<boolean | undefined> => {
    const running = c.status === 'RUNNING' || c.status === 2;
    if (!running || !c.endpoint || !c.masterAuth?.clusterCaCertificate) return undefined;
    const ds = await kube.get(name, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      namespace: 'kube-system',
      name: 'ip-masq-agent',
    });
    return ds !== null;
  };

  /** An Autopilot cluster's default EgressNATPolicy (null: none); undefined when not read. */
  const egressNatPolicy = async (
    name: string,
    c: ApiCluster,
  ): Promise<EgressNatPolicyFacts | null | undefined> => {
    // RECONCILING (an upgrade, a change) keeps the API serving: the policy is still read then,
    // so that an edit in place is not taken for one no longer wanted.
    const serving = ['RUNNING', 2, 'RECONCILING', 3].includes(c.status ?? '');
    if (c.autopilot?.enabled !== true || !serving || !c.endpoint) return undefined;
    const m = await kube.get(name, {
      apiVersion: EGRESS_NAT_POLICY_API_VERSION,
      kind: EGRESS_NAT_POLICY_KIND,
      namespace: '',
      name: DEFAULT_EGRESS_NAT_POLICY,
    });
    return m && egressNatPolicyFacts(m);
  };

  return {
    async network(name): Promise<NetworkFacts | null> {
      const n = await orNull(compute.networks.get(name));
      if (!n) return null;
      const peerings: PeeringFact[] = (n.peerings ?? []).map((p) => ({
        name: p.name ?? '',
        peerNetwork: shortName(p.network),
        state: p.state === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE',
      }));
      // Imported routes are listed per region; the network's own subnet regions are where
      // its workloads use them. Only an ACTIVE peering imports anything.
      const regions = subnetRegions(n.subnetworks ?? []);
      const routes = await Promise.all(
        peerings
          .filter((p) => p.state === 'ACTIVE')
          .flatMap((p) =>
            regions.map((region) =>
              compute.networks.listPeeringRoutes(name, p.name, region, 'INCOMING'),
            ),
          ),
      );
      const importedRanges = [
        ...new Set(routes.flat().flatMap((r) => (r.destRange ? [r.destRange] : []))),
      ].sort();
      return { name: n.name ?? name, peerings, importedRanges };
    },

    async cluster(location, name): Promise<ClusterFacts | null> {
      const c = await container.getCluster(location, name);
      if (!c) return null;
      // Read alongside the rest; awaited below, so a failure is not left unhandled meanwhile.
      const policy = egressNatPolicy(name, c);
      policy.catch(() => undefined);
      const [pools, operations] = await Promise.all([
        Promise.all(
          (c.nodePools ?? []).map(async (p) => ({
            p,
            groups: await resolveManagers(compute, p.instanceGroupUrls ?? []),
            leavingGroups: await resolveManagers(
              compute,
              blueGreenLeaving(p.updateInfo?.blueGreenInfo),
            ),
          })),
        ),
        container.listOperations(location),
      ]);
      const deletes = runningDeletes(operations, c.name ?? name);
      const nodePools = pools.map(({ p, groups, leavingGroups }) => {
        const status = poolStatus(p.status);
        return {
          name: p.name ?? '',
          instanceGroups: groups,
          ...(status ? { status } : {}),
          ...(leavingGroups.length > 0 ? { leavingGroups } : {}),
          ...(deletes.pools.has(p.name ?? '') ? { deleting: true } : {}),
        };
      });
      const groups = nodePools.flatMap((p) => p.instanceGroups);
      const [tags, runsIpMasqAgent, gkeGroups] = await Promise.all([
        nodeTags(groups),
        ipMasqAgent(name, c),
        gkeLoadBalancedGroups(compute, groups),
      ]);
      const datapath = datapathOf(c.networkConfig?.datapathProvider);
      const egress = await policy;
      const facts: ClusterFacts = {
        name: c.name ?? name,
        status:
          typeof c.status === 'number'
            ? (CLUSTER_STATUS[c.status] ?? String(c.status))
            : String(c.status ?? 'STATUS_UNSPECIFIED'),
        nodePools,
        nodeTags: tags,
        gkeLoadBalancedGroups: gkeGroups,
        ...(deletes.cluster ? { deleting: true } : {}),
        ...(datapath ? { datapath } : {}),
        ...(c.servicesIpv4Cidr ? { serviceRange: c.servicesIpv4Cidr } : {}),
        // GKE's Cluster.autopilot.enabled.
        ...(c.autopilot?.enabled === true ? { autopilot: true } : {}),
        ...(egress !== undefined ? { egressNatPolicy: egress } : {}),
      };
      return runsIpMasqAgent === undefined ? facts : { ...facts, runsIpMasqAgent };
    },
  };
}
