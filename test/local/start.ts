/**
 * `npm start`: the local stack and the demo. Stays up for exploration until Ctrl-C;
 * `npm start -- --once` exits after the demo, non-zero if a step failed.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type CommandSpec, helpText, parseCommand, usageError } from '../../functions/cli/flags.ts';
import { processIo } from '../../functions/cli/io.ts';
import { loadTopology } from '../../functions/runtime/files.ts';
import { SETTINGS } from '../../functions/runtime/settings.ts';
import { killGroupsNow } from '../support/process-group.ts';
import { exampleTopologyPath } from '../support/topology.ts';
import { runDemo, snapshot } from './demo.ts';
import { type Stack, startStack } from './stack.ts';

// Flags are rows of the settings table, parsed as the peerlink commands parse theirs.
const START: CommandSpec = {
  name: 'start',
  title: 'npm start',
  usagePrefix: 'npm start --',
  summary: 'the local stack (Pub/Sub emulator, simulator, the three functions) and the demo',
  flags: [
    { setting: SETTINGS.once },
    {
      setting: SETTINGS.topology,
      description: 'The topology to bootstrap and run the demo on.',
      shownDefault: 'infra/topology.example.yaml',
    },
    { setting: SETTINGS.verbose },
  ],
  examples: ['npm start -- --once'],
};
const parsed = parseCommand(START, process.argv.slice(2));
if (parsed.kind === 'help') {
  // Exit once the text is written: the rest of this file starts the stack.
  await new Promise<void>((r) => process.stdout.write(`${helpText(START)}\n`, () => r()));
  process.exit(0);
}
if (parsed.kind === 'usage') process.exit(usageError(processIo, START, parsed.message));
const values = parsed.parsed;
// When the reader goes away (`| tee` ended by the same Ctrl-C, a closed terminal) the next
// write fails with EPIPE; unhandled, that error would end this process and leave its children.
let quiet = false;
let stopping = false;
const write = (line: string) => {
  if (!quiet) process.stdout.write(`${line}\n`);
};
// Nothing but the stop is worth printing once stopping: the demo's requests will fail.
const print = (line: string) => {
  if (!stopping) write(line);
};
// The directory it runs in, the checkout under npm: tests run it elsewhere, so that they never
// touch the state of an `npm start` running in the checkout.
const stateDir = resolve('.peerlink');
const aborter = new AbortController();
let starting: Promise<Stack | undefined> = Promise.resolve(undefined);
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  write('\nstopping the local stack…');
  // Each group gets SIGTERM, then SIGKILL after a grace; this bounds the rest of the stop.
  setTimeout(() => process.exit(code), 20_000).unref();
  aborter.abort();
  const stack = await starting.catch(() => undefined);
  await stack?.stop();
  await rm(join(stateDir, 'local.json'), { force: true });
  process.exit(code);
};
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));
process.on('SIGHUP', () => void stop(129));
for (const stream of [process.stdout, process.stderr])
  stream.on('error', () => {
    quiet = true;
    void stop(141);
  });
const fail = (e: unknown) => {
  if (!stopping && !quiet)
    process.stderr.write(`npm start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  void stop(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
// The last resort, on any exit: no process group started here outlives this process.
process.on('exit', killGroupsNow);

const topologyPath = values.value(SETTINGS.topology) ?? exampleTopologyPath;
const t = await loadTopology(topologyPath);

print(`peerlink local stack for ${topologyPath} (project ${t.project})`);
starting = startStack({
  project: t.project,
  topologyPath,
  stateDir,
  operationMs: 100,
  signal: aborter.signal,
  ...(values.has(SETTINGS.verbose)
    ? { onLog: (source: string, line: string) => print(`  [${source}] ${line}`) }
    : {}),
});
const stack = await starting.catch((e: unknown) => {
  if (stopping) return undefined;
  throw e;
});
if (stack)
  await explore(stack).catch((e: unknown) => {
    // Once stopping, the demo fails as its servers go away; that is no error.
    if (!stopping) throw e;
  });

async function explore(stack: Stack): Promise<void> {
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
  print(
    `endpoints written to ${relative('.', join(stateDir, 'local.json'))}:\n${JSON.stringify(info, null, 2)}`,
  );

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
  if (values.has(SETTINGS.once)) await stop(failed.length === 0 ? 0 : 1);
  else
    print(
      [
        '\nThe stack stays up for exploration, e.g.',
        `  curl ${stack.sim.url}/compute/v1/projects/${t.project}/global/firewalls`,
        ...Object.values((stack.sim.sim.info.kubeconfigs ?? {}) as Record<string, string>).map(
          (k) => `  kubectl --kubeconfig ${k} get configmaps -A`,
        ),
        'Ctrl-C stops everything.',
      ].join('\n'),
    );
}
