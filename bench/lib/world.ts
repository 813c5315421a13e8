/**
 * A simulated cloud for the benchmarks: the simulator (Compute, GKE and one Kubernetes API per
 * cluster) in this process, a topology bootstrapped into it by peerlink's own bootstrap, and
 * peerlink's production handlers (createRuntime → onAuditLog / sweep) pointed at it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { desiredNodePools } from '../../functions/core/desire/infra.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { parseTopology } from '../../functions/core/topology/validate.ts';
import { bootstrap } from '../../functions/engine/bootstrap.ts';
import type { ReconcileReport } from '../../functions/engine/reconcile.ts';
import { createCloud } from '../../functions/gcp/cloud.ts';
import { cloudConfig } from '../../functions/gcp/config.ts';
import { makeOnAuditLog, type Outcome } from '../../functions/handlers/on-audit-log.ts';
import { makeSweep } from '../../functions/handlers/sweep.ts';
import type { Logger } from '../../functions/runtime/log.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import { containerModule } from '../../test/sim/container/index.ts';
import { type RunningSim, startSim } from '../../test/sim/server.ts';
import { installRecorder } from './recorder.ts';

export const BENCH_DIR = join(import.meta.dirname, '..', '..', '.peerlink', 'bench');

export interface LogEntry {
  timestamp?: string;
  protoPayload?: { methodName?: string; resourceName?: string };
  operation?: { id?: string; first?: boolean; last?: boolean };
}

export interface Stats {
  reads: number;
  writes: number;
  methods: Record<string, { reads: number; writes: number }>;
}

export interface World {
  readonly name: string;
  readonly sim: RunningSim;
  readonly t: Topology;
  readonly env: Record<string, string>;
  readonly bootstrapMs: number;
  /** Production handlers over a fresh runtime (cold caches, as a new function instance). */
  handlers(extraEnv?: Record<string, string>): {
    onAuditLog: (entry: LogEntry) => Promise<Outcome>;
    sweep: () => Promise<ReconcileReport | null>;
  };
  /** Calls the simulator's REST API as a person would (user@example.com). */
  call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  stats(): Promise<Stats>;
  resetStats(): Promise<void>;
  faults(config: unknown): Promise<void>;
  logCursor(): Promise<number>;
  logsSince(cursor: number): Promise<LogEntry[]>;
  close(): Promise<void>;
}

const quiet: Logger = { log: () => undefined };

let events = 0;

export interface WorldOptions {
  readonly name: string;
  readonly yaml: string;
  /** Compute operation time (ms). */
  readonly operationMs: number;
  /** GKE operation time (ms). */
  readonly gkeOperationMs: number;
  readonly bootstrapConcurrency: number;
}

export async function startWorld(o: WorldOptions): Promise<World> {
  installRecorder();
  const dir = join(BENCH_DIR, o.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'kube'), { recursive: true });
  const topologyPath = join(dir, 'topology.yaml');
  writeFileSync(topologyPath, o.yaml);
  const t = parseTopology(o.yaml, topologyPath);
  const sim = await startSim({
    operationMs: o.operationMs,
    modules: [containerModule({ kubeconfigDir: join(dir, 'kube'), operationMs: o.gkeOperationMs })],
  });
  const principal = `peerlink@${t.project}.iam.gserviceaccount.com`;
  const env: Record<string, string> = {
    PEERLINK_PROJECT: t.project,
    PEERLINK_TOPOLOGY: topologyPath,
    PEERLINK_COMPUTE_ENDPOINT: sim.url,
    PEERLINK_CONTAINER_ENDPOINT: sim.url,
    PEERLINK_ACCESS_TOKEN: `principal:${principal}`,
    PEERLINK_SERVICE_ACCOUNT: principal,
    PEERLINK_LOCAL: '1',
  };
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/__sim/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`sim ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<unknown>;
  };
  const world: World = {
    name: o.name,
    sim,
    t,
    env,
    bootstrapMs: 0,
    handlers(extraEnv = {}) {
      const rt = createRuntime({ ...env, ...extraEnv }, quiet);
      const onAuditLog = makeOnAuditLog(rt);
      const sweep = makeSweep(rt);
      return {
        onAuditLog: (entry) => {
          events += 1;
          // A Pub/Sub push body, as functions-framework hands it over in `data`.
          return onAuditLog({
            id: `bench-${events}`,
            data: {
              message: {
                data: Buffer.from(JSON.stringify(entry)).toString('base64'),
                messageId: `bench-${events}`,
              },
            },
          });
        },
        sweep: () => {
          events += 1;
          return sweep({ id: `bench-sweep-${events}` });
        },
      };
    },
    async call(method, path, body) {
      const res = await fetch(`${sim.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    stats: async () => (await control('GET', 'stats')) as Stats,
    resetStats: async () => {
      sim.sim.stats.reset();
    },
    faults: async (config) => {
      await control('PUT', 'faults', config);
    },
    logCursor: async () => ((await control('GET', 'logs?since=0')) as { next: number }).next,
    logsSince: async (cursor) =>
      ((await control('GET', `logs?since=${cursor}`)) as { entries: LogEntry[] }).entries,
    close: async () => {
      await sim.close();
    },
  };

  // Bootstrap with peerlink's own step runner, over the same ports the functions build, with
  // short polls (the simulator's operations are short).
  const started = performance.now();
  const cloud = createCloud(cloudConfig(env), {
    containerPollMs: 20,
    initialNodePools: (c) => desiredNodePools(t).filter((p) => p.cluster === c.name),
  });
  const run = bootstrap(
    t,
    { resources: cloud.resources, facts: cloud.facts },
    {
      dryRun: false,
      seed: `bench-${o.name}`,
      pollMs: 20,
      waitTimeoutMs: 10 * 60_000,
      concurrency: o.bootstrapConcurrency,
    },
  );
  for (;;) {
    const step = await run.next();
    if (step.done) {
      if (!step.value.ok) {
        await sim.close();
        throw new Error(`bootstrap of ${o.name} failed: ${JSON.stringify(step.value.steps)}`);
      }
      break;
    }
  }
  return { ...world, bootstrapMs: Math.round(performance.now() - started) };
}

/** Waits (bounded) for the `last` audit record of `method`, written after `cursor`. */
export async function lastEntry(
  w: World,
  cursor: number,
  method: string,
  timeoutMs = 60_000,
): Promise<LogEntry> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    const found = (await w.logsSince(cursor)).filter(
      (e) =>
        e.protoPayload?.methodName === method &&
        (e.operation === undefined || e.operation.last === true),
    );
    const last = found[found.length - 1];
    if (last) return last;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no last audit record of ${method} within ${timeoutMs} ms`);
}

/** Waits for a Compute operation (as returned by a mutation) to be DONE. */
export async function waitOp(w: World, op: Record<string, unknown>): Promise<void> {
  const scope =
    typeof op.zone === 'string'
      ? `zones/${op.zone.split('/').pop()}`
      : typeof op.region === 'string'
        ? `regions/${op.region.split('/').pop()}`
        : 'global';
  for (let i = 0; i < 60; i++) {
    const o = await w.call(
      'POST',
      `/compute/v1/projects/${w.t.project}/${scope}/operations/${String(op.name)}/wait`,
    );
    if (o.status === 'DONE') {
      if (o.error)
        throw new Error(`operation ${String(op.name)} failed: ${JSON.stringify(o.error)}`);
      return;
    }
  }
  throw new Error(`operation ${String(op.name)} not DONE after 60 waits`);
}
