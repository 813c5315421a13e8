/**
 * Observed facts that desired state depends on: what exists in the cloud and clusters that
 * peerlink does not manage but must follow (peerings, imported routes, node pools).
 */

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
  /** Instance groups, normalised to `projects/P/zones/Z/instanceGroups/NAME`. */
  readonly instanceGroups: readonly string[];
}

export interface ClusterFacts {
  readonly name: string;
  readonly status: string;
  readonly nodePools: readonly NodePoolFacts[];
  /** Network tags GKE puts on the cluster's nodes (`gke-<cluster>-<hash>-node`). */
  readonly nodeTags: readonly string[];
  /** Whether GKE's ip-masq-agent runs in the cluster; undefined when not observed. */
  readonly runsIpMasqAgent?: boolean;
}

export interface Facts {
  readonly networks: Readonly<Record<string, NetworkFacts>>;
  readonly clusters: Readonly<Record<string, ClusterFacts>>;
}
