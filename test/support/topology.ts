/** Topology and fact builders shared by the pure-core tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClusterFacts, Facts } from '../../functions/core/model/facts.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { parseTopology } from '../../functions/core/topology/validate.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const exampleTopologyPath = `${repoRoot}infra/topology.example.yaml`;
export const exampleYaml = readFileSync(exampleTopologyPath, 'utf8');

export function exampleTopology(): Topology {
  return parseTopology(exampleYaml, 'infra/topology.example.yaml');
}

export function instanceGroup(project: string, zone: string, name: string): string {
  return `projects/${project}/zones/${zone}/instanceGroups/${name}`;
}

export function clusterFacts(t: Topology, name: string, pools = 1): ClusterFacts {
  const c = t.clusters.find((x) => x.name === name);
  if (!c) throw new Error(`no cluster ${name}`);
  return {
    name,
    status: 'RUNNING',
    nodeTags: [`gke-${name}-1a2b3c4d-node`],
    nodePools: Array.from({ length: pools }, (_, i) => ({
      name: `pool-${i}`,
      instanceGroups: c.nodeLocations.map((z) =>
        instanceGroup(t.project, z, `gke-${name}-pool-${i}-abcd-grp`),
      ),
    })),
  };
}

/** Facts of the example once bootstrapped: the peering is ACTIVE and each side imports the other. */
export function exampleFacts(t: Topology = exampleTopology()): Facts {
  return {
    networks: {
      'vpc-a': {
        name: 'vpc-a',
        peerings: [{ name: 'peerlink-vpc-a-vpc-b', peerNetwork: 'vpc-b', state: 'ACTIVE' }],
        importedRanges: ['10.209.0.0/16'],
      },
      'vpc-b': {
        name: 'vpc-b',
        peerings: [{ name: 'peerlink-vpc-b-vpc-a', peerNetwork: 'vpc-a', state: 'ACTIVE' }],
        importedRanges: ['10.193.0.0/16'],
      },
    },
    clusters: Object.fromEntries(t.clusters.map((c) => [c.name, clusterFacts(t, c.name)])),
  };
}
