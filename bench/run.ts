/**
 * `npm run bench`: runs every benchmark (cold start, load cost, event to converged, API calls,
 * scale, agent) and writes bench/results.json and BENCHMARKS.md. `--quick` runs fewer
 * repetitions and only the 5-VPC scale case (for trying the harness; its figures are not the ones
 * committed). `--only agent` runs the agent part alone and replaces only that part of
 * bench/results.json, marked as run alone, before rendering BENCHMARKS.md again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchAgent } from './agent.ts';
import { benchApiCalls } from './api-calls.ts';
import { benchColdStart, benchLoadCost, LOAD_COST_ITEMS, type Variant } from './cold-start.ts';
import { benchEvent } from './event.ts';
import { ringTopologyYaml } from './lib/topology-gen.ts';
import { BENCH_DIR, type LogEntry, lastEntry, startWorld, waitOp } from './lib/world.ts';
import { type Results, renderMarkdown } from './report.ts';
import { benchScale, type ScaleRow } from './scale.ts';

const ROOT = join(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
const LATENCY_MS = 50;
const OPERATION_MS = 5;
const GKE_OPERATION_MS = 20;
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);

/** Compiles the functions as `npm run build` does, into a private directory (dist/ is shared). */
function build(): { dir: string; exitCode: number | null; note: string } {
  const dir = join(BENCH_DIR, 'dist');
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dir],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
  );
  const index = join(dir, 'functions/index.js');
  if (!existsSync(index)) throw new Error(`build produced no ${index}: ${r.stdout}${r.stderr}`);
  // tsc still emits when another engineer's file has a type error; the figures stand, but say so.
  const note =
    r.status === 0
      ? 'tsc exited 0'
      : `tsc exited ${r.status} (type errors elsewhere; output emitted)`;
  return { dir, exitCode: r.status, note };
}

const fresh = (e: LogEntry) => {
  const now = new Date().toISOString();
  return { ...e, timestamp: now, receiveTimestamp: now };
};

async function main(): Promise<void> {
  const started = Date.now();
  const runs = quick ? 3 : 7;
  log(`building the deployed form (tsconfig.build.json) into ${BENCH_DIR}/dist`);
  const built = build();
  log(built.note);

  // Example topology: cold start and event to converged.
  const example = await startWorld({
    name: 'example',
    yaml: readFileSync(join(ROOT, 'infra/topology.example.yaml'), 'utf8'),
    operationMs: OPERATION_MS,
    gkeOperationMs: GKE_OPERATION_MS,
    bootstrapConcurrency: 8,
  });
  let cold: Results['coldStart'];
  let loadCost: Results['loadCost'];
  let event: Results['event'];
  try {
    log(`example topology bootstrapped in ${example.bootstrapMs} ms`);
    const p = example.t.project;
    const provider = example.t.clusters[0];
    if (!provider) throw new Error('example has no cluster');
    // The ignored entry: a user's own firewall rule, which peerlink does not manage.
    let cursor = await example.logCursor();
    await waitOp(
      example,
      await example.call('POST', `/compute/v1/projects/${p}/global/firewalls`, {
        name: 'allow-ssh',
        network: `projects/${p}/global/networks/${provider.network}`,
        allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
        sourceRanges: ['35.235.240.0/20'],
      }),
    );
    const ignored = await lastEntry(example, cursor, 'v1.compute.firewalls.insert');
    // The reconciling entry: a node pool created in the provider cluster. Handled once here,
    // so every cold run does the same full reconcile (all reads, nothing left to write).
    cursor = await example.logCursor();
    await example.call(
      'POST',
      `/v1/projects/${p}/locations/${provider.location}/clusters/${provider.name}/nodePools`,
      { nodePool: { name: 'cold-pool', initialNodeCount: 1 } },
    );
    const reconcileEntry = await lastEntry(
      example,
      cursor,
      'google.container.v1.ClusterManager.CreateNodePool',
    );
    const first = await example.handlers().onAuditLog(fresh(reconcileEntry));
    if (first !== 'reconciled') throw new Error(`setup reconcile: ${first}`);

    const env = { ...example.env, PEERLINK_PROJECT: p };
    const dist = join(built.dir, 'functions/index.js');
    const src = join(ROOT, 'functions/index.ts');
    const variants: Variant[] = [
      {
        name: 'hello-world',
        source: join(ROOT, 'bench/fixtures/hello-world.js'),
        target: 'hello',
        entry: {},
      },
      { name: 'dist: ignored entry', source: dist, target: 'onAuditLog', entry: ignored, env },
      {
        name: 'dist: first reconcile',
        source: dist,
        target: 'onAuditLog',
        entry: reconcileEntry,
        env,
      },
      {
        name: 'source (type stripping): ignored entry',
        source: src,
        target: 'onAuditLog',
        entry: ignored,
        env,
      },
      {
        name: 'source (type stripping): first reconcile',
        source: src,
        target: 'onAuditLog',
        entry: reconcileEntry,
        env,
      },
    ];
    const coldRuns = quick ? 3 : 11;
    log(`cold start: ${variants.length} variants × ${coldRuns} runs, interleaved`);
    cold = await benchColdStart(variants, 'hello-world', coldRuns, (v) =>
      fresh(v.entry as LogEntry),
    );
    for (const [name, v] of Object.entries(cold.variants))
      log(`  ${name}: ${v.ms.median} ms, ${v.ratio.median}×`);

    log('load cost of modules, fresh process each');
    loadCost = benchLoadCost(
      [
        ...LOAD_COST_ITEMS,
        dist,
        join(built.dir, 'functions/core/events/index.js'),
        join(built.dir, 'functions/engine/reconcile.js'),
      ],
      quick ? 2 : 5,
    );
    log(`event to converged: ${runs} runs at ${LATENCY_MS} ms per call`);
    event = await benchEvent(example, runs, LATENCY_MS);
    log(
      `  peerlink ${event.peerlink.roundTrips.median} round trips, ${event.peerlink.wallMs.median} ms; baseline ${event.baseline.roundTrips.median}, ${event.baseline.wallMs.median} ms`,
    );
  } finally {
    await example.close();
  }

  // Generated rings: scale sweeps (and, on the smallest, API calls per event type).
  const sizes = quick ? [5] : [5, 25, 100];
  const scale: ScaleRow[] = [];
  let apiCalls: Results['apiCalls'] | undefined;
  const scaleFailures: Results['scaleFailures'] = [];
  for (const n of sizes) {
    // A size that fails (e.g. a client timeout on this shared 2-core machine) is reported as
    // such rather than losing every other figure.
    let w: Awaited<ReturnType<typeof startWorld>> | undefined;
    try {
      w = await startWorld({
        name: `ring-${n}`,
        yaml: ringTopologyYaml(n),
        operationMs: OPERATION_MS,
        gkeOperationMs: GKE_OPERATION_MS,
        bootstrapConcurrency: 16,
      });
      log(`ring of ${n} VPCs bootstrapped in ${w.bootstrapMs} ms`);
      const parRuns = quick ? 2 : n >= 100 ? 3 : 5;
      const serRuns = quick ? 1 : n >= 100 ? 1 : n >= 25 ? 2 : 3;
      const row = await benchScale(w, LATENCY_MS, parRuns, serRuns);
      log(
        `  ${row.calls} calls (${row.callsPerVpc}/VPC), ${row.parallelMs.median} ms vs serial ${row.serialMs.median} ms`,
      );
      scale.push(row);
      if (n === sizes[0]) {
        log('API calls per event type');
        apiCalls = await benchApiCalls(w);
      }
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      log(`  ring of ${n} VPCs failed: ${error}`);
      scaleFailures.push({ vpcs: n, error: error.slice(0, 500) });
    } finally {
      await w?.close();
    }
  }
  if (!apiCalls) throw new Error('no API-call figures');

  log('agent');
  const agent = benchAgent(quick ? 3 : 9);

  const results: Results = {
    generatedAt: new Date().toISOString(),
    quick,
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
    },
    settings: {
      latencyMs: LATENCY_MS,
      computeOperationMs: OPERATION_MS,
      gkeOperationMs: GKE_OPERATION_MS,
      build: built.note,
    },
    coldStart: cold,
    loadCost,
    event,
    apiCalls,
    scale,
    scaleFailures,
    agent,
    durationS: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderMarkdown(results));
  log(`wrote bench/results.json and BENCHMARKS.md in ${results.durationS} s`);
}

/** `--only agent`: the agent part again, the other parts as the last full run left them. */
function agentOnly(): void {
  const path = join(ROOT, 'bench/results.json');
  const previous = JSON.parse(readFileSync(path, 'utf8')) as Results;
  log('agent (alone)');
  const at = new Date().toISOString();
  const measured = benchAgent(quick ? 3 : 9);
  const agent: Results['agent'] = measured.measured
    ? { ...measured, ranAlone: { at, command: 'node bench/run.ts --only agent' } }
    : measured;
  const results: Results = { ...previous, agent };
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderMarkdown(results));
  log('wrote the agent part of bench/results.json, and BENCHMARKS.md');
}

if (only === undefined) await main();
else if (only === 'agent') agentOnly();
else throw new Error(`--only ${only}: the only part that runs alone is "agent"`);
