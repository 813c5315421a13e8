/**
 * The `peerlink` command line. Each command lives in its own module and is loaded lazily,
 * so `peerlink events classify` never pays for the cloud clients.
 */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export type Command = (args: string[], io: Io) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  'events classify': async () => (await import('./events.ts')).classifyCommand,
  plan: async () => (await import('./reconcile.ts')).planCommand,
  apply: async () => (await import('./reconcile.ts')).applyCommand,
  sweep: async () => (await import('./reconcile.ts')).sweepCommand,
  deploy: async () => (await import('../../infra/deploy/command.ts')).deployCommand,
  teardown: async () => (await import('../../infra/teardown/command.ts')).teardownCommand,
  'render manifests': async () => (await import('./render.ts')).renderManifestsCommand,
};

const usage = `usage: peerlink <command> [options]

commands:
${Object.keys(commands)
  .map((c) => `  ${c}`)
  .join('\n')}`;

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs one command and returns its exit status: 0 ok, 1 failure, 2 bad usage or input. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  for (const words of [2, 1]) {
    const load = commands[argv.slice(0, words).join(' ')];
    if (load) return (await load())(argv.slice(words), io);
  }
  io.err(argv.length === 0 ? usage : `peerlink: unknown command '${argv.join(' ')}'\n\n${usage}`);
  return 2;
}
