/**
 * Autopilot clusters: `autopilot.enabled` in a create
 * (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#Autopilot),
 * what GKE refuses for one, what it sets, and the EgressNATPolicy kind its API server serves.
 */
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import type { CustomResource } from '../kube/custom.ts';
import { egressNatPolicies } from '../kube/egress-nat-policy.ts';
import { invalidArgument } from './errors.ts';
import { type Cluster, obj } from './model.ts';
import { isZone } from './names.ts';

/** Whether a stored cluster or a create's body asks for Autopilot. */
export function isAutopilot(cluster: JsonObject): boolean {
  return obj(cluster.autopilot).enabled === true;
}

/**
 * Checks and completes a new cluster in place when its create's `body` asks for Autopilot.
 * - "GKE Autopilot clusters are always regional clusters"
 *   (https://cloud.google.com/kubernetes-engine/docs/concepts/regional-clusters); a zonal
 *   create is a 400 worded as the API words it ("Autopilot clusters must be regional clusters.",
 *   as reported by users of the API: https://github.com/GoogleCloudPlatform/ai-on-gke/issues/628).
 * - They are VPC-native and always run GKE Dataplane V2
 *   (https://cloud.google.com/kubernetes-engine/docs/concepts/autopilot-overview,
 *   https://cloud.google.com/kubernetes-engine/docs/how-to/dataplane-v2): datapathProvider becomes
 *   ADVANCED_DATAPATH; a routes-based or legacy-datapath request is refused in the simulator's
 *   own words, since GKE documents the rule but not its message.
 * Node pools in the request are kept: `gcloud container clusters create-auto` itself sends a
 * `default-pool` of one node (surface/container/clusters/create_auto.py, `num_nodes: 1`).
 */
export function completeAutopilot(cluster: Cluster, body: JsonObject, location: string): void {
  if (!isAutopilot(body)) return;
  if (isZone(location)) throw invalidArgument('Autopilot clusters must be regional clusters.');
  if (obj(cluster.ipAllocationPolicy).useIpAliases !== true)
    throw invalidArgument(
      'Autopilot clusters are VPC-native: set ipAllocationPolicy.useIpAliases.',
    );
  const net = obj(cluster.networkConfig);
  if (net.datapathProvider === 'LEGACY_DATAPATH')
    throw invalidArgument(
      'Autopilot clusters always run GKE Dataplane V2 (datapathProvider ADVANCED_DATAPATH).',
    );
  cluster.autopilot = { enabled: true };
  cluster.networkConfig = { ...net, datapathProvider: 'ADVANCED_DATAPATH' };
}

/**
 * What an Autopilot cluster's API server serves beyond the built-in kinds: the EgressNATPolicy
 * CRD, with GKE's two policies made from the cluster's ranges. Nothing for a Standard cluster.
 */
export function autopilotKinds(sim: Sim, cluster: Cluster): { custom?: CustomResource[] } {
  if (!isAutopilot(cluster)) return {};
  const subnet = obj(cluster.networkConfig).subnetwork;
  const stored =
    typeof subnet === 'string' ? sim.store.get<JsonObject>('subnetworks', subnet) : undefined;
  return {
    custom: [
      egressNatPolicies({
        hash: String(cluster.id).slice(0, 8),
        nodeRange: String(stored?.ipCidrRange ?? ''),
        podRange: String(cluster.clusterIpv4Cidr),
        servicesRange: String(cluster.servicesIpv4Cidr),
      }),
    ],
  };
}
