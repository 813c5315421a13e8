/** Masquerade configuration objects: peerlink's agent ConfigMap, or GKE's ip-masq-agent one. */
import { stringify } from 'yaml';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../model/resources.ts';
import type { Manifest } from './backend.ts';

export const AGENT_NAMESPACE = 'kube-system';
export const CIDR_CONFIGMAP = 'peerlink-masquerade-cidrs';
export const IP_MASQ_AGENT_CONFIGMAP = 'ip-masq-agent';
export const IP_MASQ_RESYNC = '60s';

const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };

/** The agent's CIDR file: one CIDR a line, in the order given (already aggregated and sorted). */
export function renderCidrFile(cidrs: readonly string[]): string {
  const header = "# Rendered by peerlink: destinations this cluster's nodes masquerade.\n";
  return header + cidrs.map((c) => `${c}\n`).join('');
}

/** The ConfigMap the masquerade agent reads, mounted at /etc/peerlink. */
export function masqueradeConfigMap(cidrs: readonly string[]): Manifest[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CIDR_CONFIGMAP, namespace: AGENT_NAMESPACE, labels },
      data: { cidrs: renderCidrFile(cidrs) },
    },
  ];
}

/** GKE ip-masq-agent's ConfigMap; see https://cloud.google.com/kubernetes-engine/docs/how-to/ip-masquerade-agent */
export function ipMasqAgentConfigMap(nonMasqueradeCidrs: readonly string[]): Manifest {
  const config = stringify({
    nonMasqueradeCIDRs: [...nonMasqueradeCidrs],
    masqLinkLocal: false,
    resyncInterval: IP_MASQ_RESYNC,
  });
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: IP_MASQ_AGENT_CONFIGMAP, namespace: AGENT_NAMESPACE, labels },
    data: { config },
  };
}
