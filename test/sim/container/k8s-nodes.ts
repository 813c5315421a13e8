import type { KubeStore } from '../kube/store.ts';
import type { NodeFact } from './nodes.ts';
import { freeBlock } from './ranges.ts';

/** What the Node objects of one pool carry. */
export interface PoolNodeSpec {
  project: string;
  pool: string;
  machineType: string;
  version: string;
  /** The cluster's pod range: VPC-native nodes get their /24 from it. */
  podRange: string;
}

const KUBELET = { defaultManager: 'kubelet' };

/**
 * Registers the pool's nodes as Node objects in the cluster's API server, as kubelets do when
 * they join: GKE labels, `spec.podCIDR` (the routed /24, or the next /24 of the pod range for
 * VPC-native clusters), `providerID` and a Ready condition.
 * https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/node-v1/
 */
export function registerNodes(
  kube: KubeStore | undefined,
  spec: PoolNodeSpec,
  facts: readonly NodeFact[],
): void {
  if (!kube) return;
  const node = kube.type('Node');
  const taken = (kube.list(node, undefined, null, null).items as { spec?: { podCIDR?: string } }[])
    .map((n) => n.spec?.podCIDR)
    .filter((c): c is string => typeof c === 'string');
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  for (const f of facts) {
    const podCidr = f.podCidr ?? freeBlock(spec.podRange, 24, taken);
    if (podCidr) taken.push(podCidr);
    kube.create(
      node,
      undefined,
      {
        metadata: {
          name: f.name,
          labels: {
            'cloud.google.com/gke-nodepool': spec.pool,
            'kubernetes.io/hostname': f.name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'node.kubernetes.io/instance-type': spec.machineType,
            'topology.kubernetes.io/zone': f.zone,
            'topology.kubernetes.io/region': f.zone.replace(/-[a-z]$/, ''),
          },
        },
        spec: {
          ...(podCidr ? { podCIDR: podCidr, podCIDRs: [podCidr] } : {}),
          providerID: `gce://${spec.project}/${f.zone}/${f.name}`,
        },
        status: {
          addresses: [
            ...(f.internalIp ? [{ type: 'InternalIP', address: f.internalIp }] : []),
            { type: 'Hostname', address: f.name },
          ],
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          nodeInfo: {
            kubeletVersion: `v${spec.version}`,
            kubeProxyVersion: `v${spec.version}`,
            containerRuntimeVersion: 'containerd://1.7.24',
            osImage: 'Container-Optimized OS from Google',
            operatingSystem: 'linux',
            architecture: 'amd64',
          },
        },
      },
      KUBELET,
    );
  }
}

/** Removes Node objects of deleted instances. */
export function unregisterNodes(kube: KubeStore | undefined, names: readonly string[]): void {
  if (!kube) return;
  const node = kube.type('Node');
  for (const name of names) {
    try {
      kube.delete(node, undefined, name, false);
    } catch {
      // Already gone.
    }
  }
}
