/**
 * `npm run sim`: starts the simulator alone on fixed default ports, prints the endpoints and
 * writes `.peerlink/sim.json`. Flags (or env): `--port N` (SIM_PORT, default 8787),
 * `--host H` (SIM_HOST, loopback only), `--operation-ms N` (SIM_OPERATION_MS, default 50),
 * `--out FILE` (SIM_OUT, default .peerlink/sim.json). Stops on SIGINT/SIGTERM.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS } from './core/sim.ts';
import { type SimModule, startSim } from './server.ts';

/** Parsed command line + environment. Pure, for testing. */
export interface MainConfig {
  host: string;
  port: number;
  operationMs: number;
  out: string;
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
  };
}

/**
 * Modules beyond Compute (GKE, Kubernetes). Loaded only if present so `npm run sim` works while
 * those parts are being built; each file exports `simModule: SimModule`.
 */
async function optionalModules(): Promise<SimModule[]> {
  const found: SimModule[] = [];
  for (const path of ['./container/index.ts']) {
    try {
      const m = (await import(path)) as { simModule?: SimModule };
      if (m.simModule) found.push(m.simModule);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    }
  }
  return found;
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env);
  const running = await startSim({
    host: config.host,
    port: config.port,
    operationMs: config.operationMs,
    modules: await optionalModules(),
  });
  const out = resolve(config.out);
  const info = { url: running.url, pid: process.pid, ...running.sim.info };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(info, null, 2)}\n`);
  process.stdout.write(
    `peerlink simulator listening\n${JSON.stringify(info, null, 2)}\nwrote ${out}\n` +
      `try: curl ${running.url}/compute/v1/projects/demo/global/firewalls\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
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
