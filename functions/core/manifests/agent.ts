/**
 * The masquerade agent's objects. manifests/masquerade-agent/agent.sh and daemonset.yaml are the
 * sources; manifests/generate.ts compiles them into agent-files.ts (so the deployed build carries
 * them and desire reads no file) and renders agent-configmap.yaml for kubectl users.
 */
import { stringify } from 'yaml';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../model/resources.ts';
import type { Manifest } from './backend.ts';

export const AGENT_SCRIPT_CONFIGMAP = 'peerlink-masquerade-agent';
export const AGENT_SCRIPT_KEY = 'agent.sh';

/** The agent's shipped files, as data: the script text and the parsed DaemonSet. */
export interface AgentFiles {
  readonly script: string;
  readonly daemonSet: Manifest;
}

const HEADER =
  '# Generated from agent.sh by manifests/generate.ts; do not edit.\n' +
  '# Regenerate with: node manifests/generate.ts\n';

/** The ConfigMap that ships the agent script, mounted at /opt/peerlink by the DaemonSet. */
export function agentScriptConfigMap(script: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: AGENT_SCRIPT_CONFIGMAP,
      namespace: 'kube-system',
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    },
    data: { [AGENT_SCRIPT_KEY]: script },
  };
}

/** agent-configmap.yaml's exact text for `script` (the script as a YAML block literal). */
export function renderAgentConfigMapYaml(script: string): string {
  return HEADER + stringify(agentScriptConfigMap(script), { lineWidth: 0, blockQuote: 'literal' });
}

/**
 * The agent's static objects as peerlink applies them: the script ConfigMap and the DaemonSet.
 * The CIDR ConfigMap is rendered per cluster elsewhere.
 */
export function agentManifests(files: AgentFiles): Manifest[] {
  return [agentScriptConfigMap(files.script), structuredClone(files.daemonSet)];
}
