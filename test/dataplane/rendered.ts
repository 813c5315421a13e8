/**
 * The CIDR file that peerlink renders for infra/topology.example.yaml: the `cidrs` key of the
 * peerlink-masquerade-cidrs ConfigMap that `desire` produces for the consumer cluster, taken
 * from the real pipeline rather than written by hand.
 */
import { desire } from '../../functions/core/desire/desire.ts';
import { CIDR_CONFIGMAP } from '../../functions/core/manifests/masquerade.ts';
import { exampleFacts, exampleTopology } from '../support/topology.ts';

export function renderedCidrFile(cluster = 'frontend-cluster'): string {
  const cm = desire(exampleTopology(), exampleFacts()).resources.find(
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
