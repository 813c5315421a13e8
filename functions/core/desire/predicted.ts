/**
 * Facts predicted from the topology alone, for rendering without cloud access: each network
 * imports the subnet ranges of the networks it peers with, as `listPeeringRoutes` reports them
 * with the default exchange settings. Clusters are taken to exist, their nodes unknown.
 */
import { GKE_DEFAULT_POLICY } from '../manifests/egress-nat-policy.ts';
import type { Facts, NetworkFacts } from '../model/facts.ts';
import type { Topology } from '../topology/schema.ts';
import { peeringName } from './infra.ts';

export function predictedFacts(t: Topology): Facts {
  const networks: Record<string, NetworkFacts> = {};
  for (const n of t.networks) {
    const peers = t.peerings.flatMap((p) =>
      p.networks[0] === n.name ? [p.networks[1]] : p.networks[1] === n.name ? [p.networks[0]] : [],
    );
    networks[n.name] = {
      name: n.name,
      peerings: peers.map((peer) => ({
        name: peeringName(n.name, peer),
        peerNetwork: peer,
        state: 'ACTIVE',
      })),
      importedRanges: t.networks
        .filter((m) => peers.includes(m.name))
        .flatMap((m) =>
          m.subnets.flatMap((s) => [s.range, ...s.secondaryRanges.map((r) => r.range)]),
        ),
    };
  }
  // Clusters are assumed to exist, with nothing known about their nodes; an Autopilot one with
  // the default EgressNATPolicy GKE creates.
  const clusters = Object.fromEntries(
    t.clusters.map((c) => [
      c.name,
      {
        name: c.name,
        status: 'UNKNOWN',
        nodePools: [],
        nodeTags: [],
        ...(c.autopilot
          ? {
              autopilot: true,
              egressNatPolicy: { destinations: [...GKE_DEFAULT_POLICY], removed: [], added: [] },
            }
          : {}),
      },
    ]),
  );
  return { networks, clusters };
}
