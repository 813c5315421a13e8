/**
 * What the doctor looks at: the facts peerlink already reads, plus what each hop of the path
 * needs. Every field follows one convention: `undefined` means it was not read (a read that was
 * refused or failed: the hop says `unknown`), `null` means it was read and does not exist.
 */
import type { Facts } from '../model/facts.ts';
import type { FirewallRuleFacts } from '../net/firewall.ts';

/**
 * One side of a peering as `networks.get` reports it; ACTIVE only once both sides are configured
 * (https://cloud.google.com/vpc/docs/vpc-peering).
 */
export interface PeeringSide {
  readonly name: string;
  /** Short name of the peer network. */
  readonly peerNetwork: string;
  readonly state: 'ACTIVE' | 'INACTIVE';
  /** `exchangeSubnetRoutes`: Compute answers true for every peering created today. */
  readonly exchangeSubnetRoutes?: boolean;
}

export interface ForwardingRuleState {
  readonly name: string;
  readonly IPAddress: string;
  readonly ports: readonly string[];
  readonly allowGlobalAccess: boolean;
}

export interface BackendServiceState {
  readonly name: string;
  /** Instance groups as `projects/P/zones/Z/instanceGroups/NAME`. */
  readonly backends: readonly string[];
}

/** `healthStatus[]` of https://cloud.google.com/compute/docs/reference/rest/v1/regionBackendServices/getHealth */
export interface InstanceHealth {
  readonly instance: string;
  readonly healthState: 'HEALTHY' | 'UNHEALTHY' | string;
}

/** A DaemonSet's `status` rollout fields (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/daemon-set-v1/). */
export interface DaemonSetStatus {
  readonly desiredNumberScheduled: number;
  readonly numberReady: number;
  readonly updatedNumberScheduled: number;
}

export interface MasqueradeEvidence {
  /** peerlink's agent CIDR ConfigMap's `data.cidrs`. */
  readonly agentCidrs?: string | null;
  /** peerlink's agent DaemonSet's status. */
  readonly agentDaemonSet?: DaemonSetStatus | null;
  /** GKE's ip-masq-agent ConfigMap's `nonMasqueradeCIDRs`. */
  readonly ipMasqAgentNonMasquerade?: readonly string[] | null;
}

/** A node of a cluster, as the firewall sees it. */
export interface NodeEndpoint {
  readonly address: string;
  readonly tags: readonly string[];
  readonly serviceAccount?: string;
}

/** A firewall rule with its description, which says whether peerlink owns it. */
export type FirewallRule = FirewallRuleFacts & { readonly description?: string };

export interface DoctorSnapshot {
  readonly facts: Facts;
  /** Every firewall rule of a network, peerlink's or not, by network. */
  readonly firewalls: Readonly<Record<string, readonly FirewallRule[] | undefined>>;
  /** Every peering of a network, by network. */
  readonly peerings: Readonly<Record<string, readonly PeeringSide[] | undefined>>;
  /** Ranges imported over peerings (`listPeeringRoutes` INCOMING), by network. */
  readonly importedRoutes: Readonly<Record<string, readonly string[] | undefined>>;
  readonly forwardingRule?: ForwardingRuleState | null;
  readonly backendService?: BackendServiceState | null;
  readonly backendHealth?: readonly InstanceHealth[];
  readonly masquerade: MasqueradeEvidence;
  /** A consumer node and a provider node; absent, one is made up from the subnet and node tags. */
  readonly consumerNode?: NodeEndpoint;
  readonly providerNode?: NodeEndpoint;
  /** The Kubernetes Service's `spec.ports[].nodePort` for the service's port. */
  readonly serviceNodePort?: number | null;
  /** The backend Deployment's `status.readyReplicas` (absent in the status: 0). */
  readonly deploymentReadyReplicas?: number | null;
}
