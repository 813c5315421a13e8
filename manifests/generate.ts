/**
 * Compiles the masquerade agent's files into the build: agent.sh and daemonset.yaml become
 * functions/core/manifests/agent-files.ts, and agent.sh also becomes agent-configmap.yaml. A test
 * fails when either output is stale. Run after changing agent.sh or daemonset.yaml:
 *   node manifests/generate.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type AgentFiles, renderAgentConfigMapYaml } from '../functions/core/manifests/agent.ts';

const dir = new URL('./masquerade-agent/', import.meta.url);
export const AGENT_SCRIPT_PATH = fileURLToPath(new URL('agent.sh', dir));
export const AGENT_CONFIGMAP_PATH = fileURLToPath(new URL('agent-configmap.yaml', dir));
export const AGENT_DAEMONSET_PATH = fileURLToPath(new URL('daemonset.yaml', dir));
export const AGENT_FILES_MODULE_PATH = fileURLToPath(
  new URL('../functions/core/manifests/agent-files.ts', import.meta.url),
);

/**
 * Reads the sources. The DaemonSet is parsed as YAML 1.1, as kubectl reads it (go-yaml v2), so
 * that what peerlink applies is what `kubectl apply -f` would.
 */
export function readAgentFiles(): AgentFiles {
  return {
    script: readFileSync(AGENT_SCRIPT_PATH, 'utf8'),
    daemonSet: parse(readFileSync(AGENT_DAEMONSET_PATH, 'utf8'), { version: '1.1' }) as Record<
      string,
      unknown
    >,
  };
}

/** agent-files.ts's exact text for `files`. */
export function renderAgentFilesModule(files: AgentFiles): string {
  return [
    '// Generated from manifests/masquerade-agent/agent.sh and daemonset.yaml by',
    '// manifests/generate.ts; do not edit. Regenerate with: node manifests/generate.ts',
    "import type { AgentFiles } from './agent.ts';",
    '',
    `export const AGENT_FILES: AgentFiles = ${JSON.stringify(files, null, 2)};`,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = readAgentFiles();
  writeFileSync(AGENT_FILES_MODULE_PATH, renderAgentFilesModule(files));
  writeFileSync(AGENT_CONFIGMAP_PATH, renderAgentConfigMapYaml(files.script));
  console.log(`wrote ${AGENT_FILES_MODULE_PATH} and ${AGENT_CONFIGMAP_PATH}`);
}
