/**
 * `npm start`: the local stack and the demo. Stays up for exploration until Ctrl-C;
 * `npm start -- --once` exits after the demo, non-zero if a step failed.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTopology } from '../../functions/runtime/files.ts';
import { exampleTopologyPath, repoRoot } from '../support/topology.ts';
import { runDemo, snapshot } from './demo.ts';
import { startStack } from './stack.ts';

const { values } = parseArgs({
  options: {
    once: { type: 'boolean' },
    topology: { type: 'string' },
    verbose: { type: 'boolean' },
  },
});
const print = (line: string) => process.stdout.write(`${line}\n`);
const topologyPath = values.topology ?? exampleTopologyPath;
const t = await loadTopology(topologyPath);
const stateDir = join(repoRoot, '.peerlink');

print(`peerlink local stack for ${topologyPath} (project ${t.project})`);
const stack = await startStack({
  project: t.project,
  topologyPath,
  stateDir,
  operationMs: 100,
  ...(values.verbose
    ? { onLog: (source: string, line: string) => print(`  [${source}] ${line}`) }
    : {}),
});
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  print('\nstopping the local stack…');
  await stack.stop();
  await rm(join(stateDir, 'local.json'), { force: true });
  process.exit(code);
};
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

const info = {
  simulator: stack.sim.url,
  compute: `${stack.sim.url}/compute/v1`,
  container: stack.sim.url,
  pubsubEmulator: stack.emulator.host,
  functions: stack.urls,
  kubeconfigs: stack.sim.sim.info.kubeconfigs,
};
await mkdir(stateDir, { recursive: true });
const writeInfo = () =>
  writeFile(
    join(stateDir, 'local.json'),
    `${JSON.stringify({ ...info, kubeconfigs: stack.sim.sim.info.kubeconfigs }, null, 2)}\n`,
  );
await writeInfo();
print(`endpoints written to .peerlink/local.json:\n${JSON.stringify(info, null, 2)}`);

const results = await runDemo(stack, t, print);
await writeInfo();
const final = await snapshot(stack, t);
print('\nfinal state (read from the simulator):');
print(
  `  ILB backend instance groups: ${final.backendGroups.map((g) => g.split('/').pop()).join(', ')}`,
);
print(`  masquerade CIDRs: ${final.masqueradeCidrs.join(', ')}`);
print(`  firewall rules: ${final.firewalls.join(', ')}`);
const failed = results.filter((r) => !r.ok);
print(`\n${results.length - failed.length} of ${results.length} demo steps converged.`);
if (values.once) await stop(failed.length === 0 ? 0 : 1);
else
  print(
    `\nThe stack stays up for exploration, e.g.\n  curl ${stack.sim.url}/compute/v1/projects/${t.project}/global/firewalls\n  kubectl --kubeconfig <a kubeconfig in .peerlink/local.json> get configmaps -A\nCtrl-C stops everything.`,
  );
