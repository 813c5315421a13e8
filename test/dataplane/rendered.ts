/**
 * The CIDR file that peerlink renders: the `cidrs` key of the peerlink-masquerade-cidrs ConfigMap
 * that `desire` produces for a consumer cluster, taken from the real pipeline rather than written
 * by hand. By default for infra/topology.example.yaml once bootstrapped.
 */
import { desire } from '../../functions/core/desire/desire.ts';
import { CIDR_CONFIGMAP } from '../../functions/core/manifests/masquerade.ts';
import type { Facts } from '../../functions/core/model/facts.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { exampleFacts, exampleTopology } from '../support/topology.ts';

export function renderedCidrFile(
  cluster = 'frontend-cluster',
  topology: Topology = exampleTopology(),
  facts: Facts = exampleFacts(topology),
): string {
  const cm = desire(topology, facts).resources.find(
    (r) => r.kind === 'kube' && r.cluster === cluster && r.name === CIDR_CONFIGMAP,
  );
  const data = cm?.kind === 'kube' ? cm.manifest.data : undefined;
  const text =
    typeof data === 'object' && data !== null && 'cidrs' in data ? data.cidrs : undefined;
  if (typeof text !== 'string') {
    throw new Error(`desire() rendered no ${CIDR_CONFIGMAP} ConfigMap for ${cluster}`);
  }
  return text;
}
