/**
 * The `peerlink` command line. Each command lives in its own module and is loaded lazily,
 * so `peerlink events classify` never pays for the cloud clients.
 */
import { EXIT, helpText, wantsHelp } from './flags.ts';
import { type Command, type Io, processIo } from './io.ts';
import { DEPLOY, SPECS, TEARDOWN } from './specs.ts';

// Tests and older callers name these here; the commands themselves import io.ts.
export type { Command, Io } from './io.ts';
export { processIo } from './io.ts';

const commands: Record<string, () => Promise<Command>> = {
  plan: async () => (await import('./reconcile.ts')).planCommand,
  apply: async () => (await import('./reconcile.ts')).applyCommand,
  sweep: async () => (await import('./reconcile.ts')).sweepCommand,
  bootstrap: async () => (await import('./bootstrap.ts')).bootstrapCommand,
  validate: async () => (await import('./validate.ts')).validateCommand,
  'render manifests': async () => (await import('./render.ts')).renderManifestsCommand,
  'events classify': async () => (await import('./events.ts')).classifyCommand,
  deploy: async () => (await import('../../infra/deploy/command.ts')).deployCommand,
  teardown: async () => (await import('../../infra/teardown/command.ts')).teardownCommand,
};

// Deploy and teardown parse their own flags (infra/deploy/args.ts), which take no --help.
const ownHelp = new Map([
  [DEPLOY.name, DEPLOY],
  [TEARDOWN.name, TEARDOWN],
]);

const usage = [
  'peerlink: keeps services in peered Google Cloud VPCs reachable from GKE clusters.',
  '',
  'usage: peerlink COMMAND [flags]',
  '       peerlink help COMMAND',
  '',
  'commands:',
  ...SPECS.map((s) => `  ${s.name.padEnd(18)}${s.summary}`),
  '',
  'Every command takes --help. Exit status: 0 success, 1 error, 2 usage error; plan --detailed-exitcode also exits 3 when changes are pending.',
  'Settings come from flags and the environment: README.md, "Settings", lists every one.',
].join('\n');

/** The command named by the first one or two words of `words`, and the words after it. */
function lookup(
  words: readonly string[],
): { name: string; load: () => Promise<Command>; rest: string[] } | undefined {
  for (const n of [2, 1]) {
    const name = words.slice(0, n).join(' ');
    const load = commands[name];
    if (n <= words.length && load) return { name, load, rest: words.slice(n) };
  }
  return undefined;
}

/** Runs one command and returns its exit status: 0 success, 1 error, 2 usage error. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [first = '', ...after] = argv;
  if (first === '--help' || first === '-h' || (first === 'help' && after.length === 0)) {
    io.out(usage);
    return EXIT.ok;
  }
  if (first === 'help') {
    const found = lookup(after);
    const spec = SPECS.find((s) => s.name === found?.name);
    if (!spec || found?.rest.length) {
      io.err(`peerlink help: unknown command '${after.join(' ')}'\n\n${usage}`);
      return EXIT.usage;
    }
    io.out(helpText(spec));
    return EXIT.ok;
  }
  const found = lookup(argv);
  if (!found) {
    io.err(argv.length === 0 ? usage : `peerlink: unknown command '${argv.join(' ')}'\n\n${usage}`);
    return EXIT.usage;
  }
  const own = ownHelp.get(found.name);
  if (own && wantsHelp(found.rest)) {
    io.out(helpText(own));
    return EXIT.ok;
  }
  return (await found.load())(found.rest, io);
}
