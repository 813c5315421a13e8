/**
 * Observed facts that desired state depends on: what exists in the cloud and clusters that
 * peerlink does not manage but must follow (peerings, imported routes, node pools).
 */
import type { EgressNatPolicyFacts } from './egress-nat-policy.ts';

export interface PeeringFact {
  readonly name: string;
  /** Short name of the peer network. */
  readonly peerNetwork: string;
  readonly state: 'ACTIVE' | 'INACTIVE';
}

export interface NetworkFacts {
  readonly name: string;
  readonly peerings: readonly PeeringFact[];
  /** Destination ranges imported over peerings (`listPeeringRoutes`, direction INCOMING). */
  readonly importedRanges: readonly string[];
}

export interface NodePoolFacts {
  readonly name: string;
  /**
   * Instance groups, normalised to `projects/P/zones/Z/instanceGroups/NAME`: each manager of
   * `instanceGroupUrls` resolved to its `instanceGroup`, managers gone (404) left out.
   */
  readonly instanceGroups: readonly string[];
  /** GKE's NodePool.status (`RUNNING`, `STOPPING`, ...); absent when not observed. */
  readonly status?: string;
  /** A DELETE_NODE_POOL operation of this pool is running. */
  readonly deleting?: boolean;
  /** Groups of `instanceGroups` a running blue-green upgrade is about to delete. */
  readonly leavingGroups?: readonly string[];
}

export interface ClusterFacts {
  readonly name: string;
  readonly status: string;
  readonly nodePools: readonly NodePoolFacts[];
  /** Network tags GKE puts on the cluster's nodes (`gke-<cluster>-<hash>-node`). */
  readonly nodeTags: readonly string[];
  /** Whether GKE's ip-masq-agent runs in the cluster; undefined when not observed. */
  readonly runsIpMasqAgent?: boolean;
  /**
   * The services range GKE reports (`servicesIpv4Cidr`), which it chooses itself for a
   * routes-based cluster; absent when not reported.
   */
  readonly serviceRange?: string;
  /** GKE's `autopilot.enabled`: an Autopilot cluster. */
  readonly autopilot?: boolean;
  /**
   * An Autopilot cluster's `default` EgressNATPolicy: null when it has none, undefined when it
   * was not read (a Standard cluster, or an API not reachable yet).
   */
  readonly egressNatPolicy?: EgressNatPolicyFacts | null;
  /**
   * `networkConfig.datapathProvider`: ADVANCED_DATAPATH is `dataplane-v2`, LEGACY_DATAPATH or
   * none `legacy`; undefined while the cluster migrates between the two.
   */
  readonly datapath?: 'legacy' | 'dataplane-v2';
  /** A DELETE_CLUSTER operation of this cluster is running. */
  readonly deleting?: boolean;
  /**
   * Instance groups GKE's own load balancers made (`k8s-ig--...`) in the cluster's zones that
   * hold some of its nodes; a VM can be in only one load-balanced group. Absent: not observed.
   */
  readonly gkeLoadBalancedGroups?: readonly string[];
}

export interface Facts {
  readonly networks: Readonly<Record<string, NetworkFacts>>;
  readonly clusters: Readonly<Record<string, ClusterFacts>>;
}
