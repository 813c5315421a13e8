/** Kubernetes objects as the model's KubeObject, and ownership by the managed-by label. */
import {
  DEFAULT_EGRESS_NAT_POLICY,
  egressNatPolicyFacts,
} from '../core/manifests/egress-nat-policy.ts';
import {
  type EgressNatPolicyEdit,
  type KubeObject,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from '../core/model/resources.ts';
import type { Manifest } from './kube.ts';

interface Meta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  resourceVersion?: string;
}

const metaOf = (m: Manifest): Meta => (m.metadata ?? {}) as Meta;

/** The object as observed: status dropped (server metadata is dropped by normalise). */
export function kubeObjectFromApi(cluster: string, m: Manifest): KubeObject {
  const { status: _status, ...manifest } = m;
  const meta = metaOf(m);
  return {
    kind: 'kube',
    cluster,
    apiVersion: String(m.apiVersion ?? ''),
    objectKind: String(m.kind ?? ''),
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    manifest,
  };
}

export function kubeOwned(m: Manifest): boolean {
  return metaOf(m).labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** An Autopilot cluster's `default` EgressNATPolicy as the model's edit: what it holds now. */
export function egressNatPolicyFromApi(cluster: string, m: Manifest): EgressNatPolicyEdit {
  return {
    kind: 'egressNatPolicy',
    cluster,
    name: metaOf(m).name ?? DEFAULT_EGRESS_NAT_POLICY,
    ...egressNatPolicyFacts(m),
  };
}

export function kubeVersion(m: Manifest): string | undefined {
  return metaOf(m).resourceVersion;
}
