/** Backend manifests rendered from the topology: Deployment, NodePort or internal LB Service. */
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../model/resources.ts';
import type { Service } from '../topology/schema.ts';

export type Manifest = Record<string, unknown>;

const ILB_ANNOTATION = 'networking.gke.io/load-balancer-type';
const GLOBAL_ACCESS_ANNOTATION = 'networking.gke.io/internal-load-balancer-allow-global-access';

function labels(s: Service): Record<string, string> {
  return { 'app.kubernetes.io/name': s.name, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

export function backendDeployment(s: Service): Manifest {
  const selector = { 'app.kubernetes.io/name': s.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: s.name, namespace: s.namespace, labels: labels(s) },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labels(s) },
        spec: {
          containers: [
            {
              name: s.name,
              image: s.image,
              ports: [{ name: 'http', containerPort: s.targetPort ?? s.port, protocol: 'TCP' }],
            },
          ],
        },
      },
    },
  };
}

/**
 * `managed`: a NodePort Service that the hand-built ILB forwards to. `gke`: a LoadBalancer
 * Service that GKE turns into an internal passthrough load balancer.
 */
export function backendService(s: Service, nodePort: number, globalAccess: boolean): Manifest {
  const port = { name: 'http', port: s.port, targetPort: s.targetPort ?? s.port, protocol: 'TCP' };
  const metadata: Manifest = { name: s.name, namespace: s.namespace, labels: labels(s) };
  if (s.ilb === 'gke') {
    metadata.annotations = {
      [ILB_ANNOTATION]: 'Internal',
      ...(globalAccess ? { [GLOBAL_ACCESS_ANNOTATION]: 'true' } : {}),
    };
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: s.ilb === 'gke' ? 'LoadBalancer' : 'NodePort',
      selector: { 'app.kubernetes.io/name': s.name },
      ports: [s.ilb === 'gke' ? port : { ...port, nodePort }],
    },
  };
}
