/**
 * `npm run sim`: starts the simulator alone on fixed default ports, prints the endpoints and
 * writes `.peerlink/sim.json`. Flags (or env): `--port N` (SIM_PORT, default 8787),
 * `--host H` (SIM_HOST, loopback only), `--operation-ms N` (SIM_OPERATION_MS, default 50),
 * `--out FILE` (SIM_OUT, default .peerlink/sim.json), `--load FILE` (SIM_LOAD: a snapshot, as
 * `POST /__sim/snapshot` returns it, loaded at start). sim.json is rewritten when the parts'
 * info changes (kubeconfig paths appear as clusters are created). Stops on SIGINT/SIGTERM.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { simModule } from './container/index.ts';
import { DEFAULT_OPTIONS, type Snapshot } from './core/sim.ts';
import { startSim } from './server.ts';

/** Parsed command line + environment. Pure, for testing. */
export interface MainConfig {
  host: string;
  port: number;
  operationMs: number;
  out: string;
  /** Snapshot file to load at start, if any. */
  load: string | undefined;
}

/** Reads flags, then the environment, then defaults. Throws on a malformed number. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): MainConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'operation-ms': { type: 'string' },
      out: { type: 'string' },
      load: { type: 'string' },
    },
    strict: true,
  });
  const num = (v: string | undefined, dflt: number, what: string): number => {
    if (v === undefined || v === '') return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`${what} must be a non-negative integer, got ${v}`);
    return n;
  };
  return {
    host: values.host ?? env.SIM_HOST ?? DEFAULT_OPTIONS.host,
    port: num(values.port ?? env.SIM_PORT, DEFAULT_OPTIONS.port, 'port'),
    operationMs: num(
      values['operation-ms'] ?? env.SIM_OPERATION_MS,
      DEFAULT_OPTIONS.operationMs,
      'operation-ms',
    ),
    out: values.out ?? env.SIM_OUT ?? '.peerlink/sim.json',
    load: values.load ?? (env.SIM_LOAD || undefined),
  };
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env);
  const running = await startSim({
    host: config.host,
    port: config.port,
    operationMs: config.operationMs,
    modules: [simModule],
  });
  if (config.load) {
    await running.sim.load(JSON.parse(await readFile(config.load, 'utf8')) as Snapshot);
  }
  const out = resolve(config.out);
  const describe = () =>
    JSON.stringify({ url: running.url, pid: process.pid, ...running.sim.info }, null, 2);
  let written = describe();
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${written}\n`);
  process.stdout.write(
    `peerlink simulator listening\n${written}\nwrote ${out}\n` +
      `try: curl ${running.url}/compute/v1/projects/demo/global/firewalls\n`,
  );
  // Parts change sim.info (kubeconfigs) as clusters come and go; keep sim.json current.
  const refresh = setInterval(() => {
    const now = describe();
    if (now === written) return;
    written = now;
    writeFile(out, `${now}\n`).catch((e: unknown) =>
      process.stderr.write(`cannot write ${out}: ${String(e)}\n`),
    );
  }, 250);
  refresh.unref();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(refresh);
    await running.close();
    await rm(out, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    process.stderr.write(
      `simulator failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  });
}
