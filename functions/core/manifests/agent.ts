/**
 * The masquerade agent's manifests. manifests/masquerade-agent/agent.sh is the single source of
 * the script: the ConfigMap that ships it is generated from that file, never edited by hand.
 *
 * Regenerate manifests/masquerade-agent/agent-configmap.yaml after changing the script:
 *   node functions/core/manifests/agent.ts --write
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../model/resources.ts';
import type { Manifest } from './backend.ts';

export const AGENT_SCRIPT_CONFIGMAP = 'peerlink-masquerade-agent';
export const AGENT_SCRIPT_KEY = 'agent.sh';

const dir = new URL('../../../manifests/masquerade-agent/', import.meta.url);
export const AGENT_SCRIPT_PATH = fileURLToPath(new URL('agent.sh', dir));
export const AGENT_CONFIGMAP_PATH = fileURLToPath(new URL('agent-configmap.yaml', dir));
export const AGENT_DAEMONSET_PATH = fileURLToPath(new URL('daemonset.yaml', dir));

const HEADER =
  '# Generated from agent.sh by functions/core/manifests/agent.ts; do not edit.\n' +
  '# Regenerate with: node functions/core/manifests/agent.ts --write\n';

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
 * The agent's static objects as peerlink applies them: the script ConfigMap (from agent.sh) and
 * the DaemonSet (from daemonset.yaml). The CIDR ConfigMap is rendered per cluster elsewhere.
 * Throws if the files are missing, which is a packaging error, not a retryable one.
 */
export function agentManifests(): Manifest[] {
  const script = readFileSync(AGENT_SCRIPT_PATH, 'utf8');
  const daemonSet = parse(readFileSync(AGENT_DAEMONSET_PATH, 'utf8')) as Manifest;
  return [agentScriptConfigMap(script), daemonSet];
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--write') {
  writeFileSync(
    AGENT_CONFIGMAP_PATH,
    renderAgentConfigMapYaml(readFileSync(AGENT_SCRIPT_PATH, 'utf8')),
  );
  console.log(`wrote ${AGENT_CONFIGMAP_PATH}`);
}
