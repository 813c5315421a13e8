/**
 * Cold start: time from spawning functions-framework to the first 2xx answer to a Pub/Sub push,
 * for peerlink's onAuditLog and for a hello-world function, interleaved run by run. Each run is
 * a new process; the request is sent as soon as the port accepts connections and retried on
 * "connection refused" every 5 ms (bounded).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { isAbsolute, join, relative } from 'node:path';
import { type Summary, summarise } from './lib/stats.ts';

const ROOT = join(import.meta.dirname, '..');
const FF_MAIN = join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js');

export interface Variant {
  readonly name: string;
  readonly source: string;
  readonly target: string;
  /** The LogEntry pushed (null: an empty object is pushed, for hello-world). */
  readonly entry: unknown;
  readonly env?: Record<string, string>;
}

export interface ColdStartResult {
  readonly runs: number;
  readonly variants: Record<string, { ms: Summary; ratio: Summary; statuses: number[] }>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function body(entry: unknown): string {
  return JSON.stringify({
    subscription: 'projects/peerlink-bench/subscriptions/peerlink-audit-push',
    message: {
      data: Buffer.from(JSON.stringify(entry ?? {})).toString('base64'),
      messageId: String(Date.now()),
      publishTime: new Date().toISOString(),
    },
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** One cold start: ms from spawn to the first 2xx, and that answer's status. */
async function once(
  v: Variant,
  freshEntry: () => unknown,
): Promise<{ ms: number; status: number }> {
  const port = await freePort();
  const payload = body(freshEntry());
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [FF_MAIN, `--target=${v.target}`, `--source=${v.source}`, `--port=${port}`, '--host=127.0.0.1'],
    { cwd: ROOT, env: { ...process.env, ...v.env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    for (let i = 0; i < 6_000; i++) {
      if (child.exitCode !== null) throw new Error(`${v.name} exited ${child.exitCode}: ${stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: payload,
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        const ms = performance.now() - t0;
        if (res.status < 200 || res.status > 299)
          throw new Error(`${v.name} answered ${res.status}: ${stderr.slice(-2000)}`);
        return { ms, status: res.status };
      } catch (e) {
        const code = (e as { cause?: { code?: string } }).cause?.code;
        if (code !== 'ECONNREFUSED') throw e;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    throw new Error(`${v.name}: no answer within 30 s`);
  } finally {
    await stop(child);
  }
}

/**
 * Runs every variant `runs` times, interleaved (one of each per round), after one untimed round
 * that warms the disk cache. `ratio` is each run's time over the same round's baseline.
 */
export async function benchColdStart(
  variants: readonly Variant[],
  baseline: string,
  runs: number,
  freshEntry: (v: Variant) => unknown,
): Promise<ColdStartResult> {
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const statuses = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const ratios = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = -1; round < runs; round++) {
    const row = new Map<string, number>();
    for (const v of variants) {
      const r = await once(v, () => freshEntry(v));
      if (round < 0) continue;
      row.set(v.name, r.ms);
      times.get(v.name)?.push(r.ms);
      statuses.get(v.name)?.push(r.status);
    }
    const base = row.get(baseline);
    if (base !== undefined) for (const [name, ms] of row) ratios.get(name)?.push(ms / base);
  }
  return {
    runs,
    variants: Object.fromEntries(
      variants.map((v) => [
        v.name,
        {
          ms: summarise(times.get(v.name) ?? [], 0),
          ratio: summarise(ratios.get(v.name) ?? [], 2),
          statuses: statuses.get(v.name) ?? [],
        },
      ]),
    ),
  };
}

/** Modules whose load cost explains a cold start; see bench/fixtures/load-cost.js. */
export const LOAD_COST_ITEMS = [
  'functions-framework',
  'zod',
  'valibot',
  'yaml',
  'p-retry',
  'google-auth-library',
  'compute: first client (deep import + construct)',
  'container: cluster manager client (deep import + construct)',
  '@kubernetes/client-node',
] as const;

/**
 * Load time of each item (or file path) in a fresh process, `runs` times each. A path is keyed
 * relative to the repository root, so results.json does not depend on where the clone is.
 */
export function benchLoadCost(items: readonly string[], runs: number): Record<string, Summary> {
  const script = join(ROOT, 'bench/fixtures/load-cost.js');
  const out: Record<string, Summary> = {};
  for (const item of items) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, [script, item], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      if (r.status !== 0 || !line.startsWith('{'))
        throw new Error(`load-cost ${item}: ${r.stderr}`);
      times.push((JSON.parse(line) as { ms: number }).ms);
    }
    out[isAbsolute(item) ? relative(ROOT, item) : item] = summarise(times, 0);
  }
  return out;
}
