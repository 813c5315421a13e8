/**
 * In-process world for the reliability suite: the simulator (Compute, GKE and one Kubernetes API
 * per cluster) on loopback, the real adapters from functions/cloud pointed at it as
 * createRuntime wires them, and makeOnAuditLog fed the simulator's own audit entries. A thrown
 * handler is what functions-framework answers with 500, so Pub/Sub redelivers: `deliver` calls
 * the handler again, a bounded number of times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desiredNodePools } from '../../functions/core/desire/infra.ts';
import { fullScope } from '../../functions/core/scope.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { bootstrap } from '../../functions/engine/bootstrap.ts';
import { type ReconcileReport, reconcile } from '../../functions/engine/reconcile.ts';
import { createCloud } from '../../functions/gcp/cloud.ts';
import { cloudConfig } from '../../functions/gcp/config.ts';
import { makeOnAuditLog, type Outcome } from '../../functions/handlers/on-audit-log.ts';
import type { Runtime } from '../../functions/handlers/runtime.ts';
import { settings } from '../../functions/runtime/settings.ts';
import { containerModule } from '../sim/container/index.ts';
import type { LogEntry } from '../sim/core/audit.ts';
import type { FaultConfig } from '../sim/core/faults.ts';
import type { Snapshot } from '../sim/core/sim.ts';
import { type RunningSim, startSim } from '../sim/server.ts';
import { bindDeployRoles, denied, deployPrincipals } from '../support/iam.ts';
import { exampleTopology } from '../support/topology.ts';
import { type FaultProfile, faultConfig, injectOperationErrors } from './faults.ts';

/**
 * The service accounts the functions run as, each bound to deploy's custom role for it with the
 * simulator enforcing it. PRINCIPAL is onAuditLog's and sweep's: its changes are peerlink's own.
 */
export const PRINCIPALS = deployPrincipals(exampleTopology().project);
export const PRINCIPAL = PRINCIPALS.reactor;

export interface World {
  readonly running: RunningSim;
  readonly t: Topology;
  close(): Promise<void>;
}

export async function startWorld(operationMs = 20): Promise<World> {
  const kubeconfigDir = mkdtempSync(join(tmpdir(), 'peerlink-reliability-'));
  const running = await startSim({
    port: 0,
    operationMs,
    waitCapMs: 5_000,
    modules: [containerModule({ kubeconfigDir, operationMs })],
  });
  const t = exampleTopology();
  await bindDeployRoles(running.url, t.project);
  return {
    running,
    t,
    // A call the deploy role refused fails the suite, even where peerlink converged anyway.
    close: async () => {
      const refused = [];
      for (const principal of [PRINCIPALS.reactor, PRINCIPALS.bootstrap])
        for (const p of await denied(running.url, principal)) refused.push(`${principal}: ${p}`);
      await running.close();
      rmSync(kubeconfigDir, { recursive: true, force: true });
      if (refused.length > 0) throw new Error(`deploy roles refused: ${refused.join(', ')}`);
    },
  };
}

async function call<T>(w: World, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${w.running.url}/__sim/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`sim ${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The simulator's control endpoints (never faulted). */
export const control = {
  save: (w: World) => call<Snapshot>(w, 'POST', 'snapshot'),
  load: (w: World, s: Snapshot) => call(w, 'PUT', 'snapshot', s),
  reset: (w: World) => call(w, 'POST', 'reset'),
  faults: (w: World, f: FaultConfig) => call(w, 'PUT', 'faults', f),
  logs: async (w: World, since = 0) =>
    call<{ entries: LogEntry[]; next: number }>(w, 'GET', `logs?since=${since}`),
  routes: async (w: World) =>
    (await call<{ routes: { name: string; kind: string }[] }>(w, 'GET', 'routes')).routes.filter(
      (r) => r.kind !== 'control',
    ),
  stats: (w: World) =>
    call<{ reads: number; writes: number; methods: Record<string, { writes: number }> }>(
      w,
      'GET',
      'stats',
    ),
};

/** Every Compute and GKE route name, the keys faults are set on. */
export async function apiMethods(w: World): Promise<string[]> {
  return [...new Set((await control.routes(w)).map((r) => r.name))].sort();
}

/**
 * peerlink's ports over the simulator, built as createRuntime builds them: a new set per call,
 * as a new function instance would have (and as needed after a snapshot load, which gives every
 * cluster a new Kubernetes endpoint and CA). They act as `principal` (the reactor's by default).
 */
export function deps(w: World, principal: string = PRINCIPAL) {
  const cloud = createCloud(
    cloudConfig({
      PEERLINK_PROJECT: w.t.project,
      PEERLINK_COMPUTE_ENDPOINT: w.running.url,
      PEERLINK_CONTAINER_ENDPOINT: w.running.url,
      PEERLINK_ACCESS_TOKEN: `principal:${principal}`,
    }),
    {
      containerPollMs: 10,
      computeOperationTimeoutMs: 30_000,
      initialNodePools: (c) => desiredNodePools(w.t).filter((p) => p.cluster === c.name),
    },
  );
  return { resources: cloud.resources, facts: cloud.facts };
}

/** A handler runtime over the simulator; log lines are kept in `lines`. */
export function runtime(w: World, lines: Record<string, unknown>[] = []): Runtime {
  const d = deps(w);
  return {
    settings: settings({ PEERLINK_SERVICE_ACCOUNT: PRINCIPAL }),
    logger: { log: (severity, message, fields) => lines.push({ severity, message, ...fields }) },
    topology: async () => w.t,
    deps: async () => d,
    now: () => Date.now(),
  };
}

/** One delivery of one entry: what the handler returned, or the error it threw (500). */
export interface Delivery {
  readonly entry: number;
  readonly attempt: number;
  readonly outcome: Outcome | `threw ${string}`;
}

export function pubsubEvent(entry: LogEntry, id: string) {
  return {
    id,
    data: {
      message: { data: Buffer.from(JSON.stringify(entry)).toString('base64'), messageId: id },
    },
  };
}

/**
 * Delivers `entries` in order to `handler`, redelivering an entry whose handling threw, at most
 * `maxDeliveries` times in all. Returns every delivery.
 */
export async function deliver(
  handler: ReturnType<typeof makeOnAuditLog>,
  entries: readonly LogEntry[],
  maxDeliveries = 4,
): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (const [i, entry] of entries.entries()) {
    for (let attempt = 1; attempt <= maxDeliveries; attempt++) {
      try {
        out.push({ entry: i, attempt, outcome: await handler(pubsubEvent(entry, `m-${i}`)) });
        break;
      } catch (e) {
        out.push({ entry: i, attempt, outcome: `threw ${(e as Error).name}` });
      }
    }
  }
  return out;
}

/** True when the last delivery of every entry returned (was acknowledged). */
export function allAcked(deliveries: readonly Delivery[]): boolean {
  const last = new Map<number, Delivery>();
  for (const d of deliveries) last.set(d.entry, d);
  return [...last.values()].every((d) => !d.outcome.startsWith('threw'));
}

/** Runs bootstrap until it reports ok, at most `maxRuns` times; returns the runs' results. */
export async function bootstrapUntilOk(w: World, seed: string, maxRuns = 6) {
  const runs: { ok: boolean; failedStep?: string }[] = [];
  for (let i = 0; i < maxRuns; i++) {
    const run = bootstrap(w.t, deps(w, PRINCIPALS.bootstrap), {
      dryRun: false,
      seed,
      pollMs: 25,
      waitTimeoutMs: 30_000,
    });
    let next = await run.next();
    let failed: string | undefined;
    while (!next.done) {
      if (next.value.status === 'failed') failed = `${next.value.name}: ${next.value.error}`;
      next = await run.next();
    }
    runs.push({ ok: next.value.ok, ...(failed ? { failedStep: failed } : {}) });
    if (next.value.ok) break;
  }
  return runs;
}

/** A read-only sweep (no faults expected): what peerlink would still change. */
export async function sweepPlan(w: World): Promise<ReconcileReport> {
  return reconcile(w.t, fullScope(w.t), deps(w), { seed: 'check', readOnly: true });
}

const VOLATILE = new Set([
  'id',
  'creationTimestamp',
  'fingerprint',
  'uid',
  'resourceVersion',
  'managedFields',
  'generation',
  'clusterIP',
  'clusterIPs',
  'kind',
  // Peering state changes are stamped with the time they happened.
  'stateDetails',
]);

function strip(v: unknown): unknown {
  // GKE picks the hash in its node tag (`gke-<cluster>-<hash>-node`) when it creates a cluster.
  if (typeof v === 'string') return v.replace(/^(gke-.+)-[0-9a-f]{8}-node$/, '$1-<hash>-node');
  if (Array.isArray(v)) return v.map(strip);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .filter(([k]) => !VOLATILE.has(k))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => [k, strip(x)]),
  );
}

interface KubeObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
}

/**
 * The state peerlink is responsible for, from a simulator snapshot, with server-chosen fields
 * (ids, timestamps, fingerprints, resource versions, allocated cluster IPs) left out: firewall
 * rules, ILB parts, peerings, and peerlink's Kubernetes objects.
 */
export async function digest(w: World): Promise<Record<string, unknown>> {
  const s = await control.save(w);
  const out: Record<string, unknown> = {};
  const collections = (s.store as { collections: Record<string, Record<string, unknown>> })
    .collections;
  for (const c of ['firewalls', 'healthChecks', 'backendServices', 'forwardingRules']) {
    for (const [key, value] of Object.entries(collections[c] ?? {})) out[key] = strip(value);
  }
  for (const [key, value] of Object.entries(collections.networks ?? {})) {
    out[`${key}#peerings`] = strip((value as { peerings?: unknown }).peerings ?? []);
  }
  const kube = (s.parts.kube ?? {}) as Record<string, KubeObject[]>;
  for (const [cluster, objects] of Object.entries(kube)) {
    for (const o of objects) {
      if (o.metadata?.labels?.['app.kubernetes.io/managed-by'] !== 'peerlink') continue;
      const { metadata, ...rest } = o as KubeObject & { status?: unknown };
      delete (rest as { status?: unknown }).status;
      out[`${cluster}/${o.kind}/${metadata?.namespace ?? ''}/${metadata?.name}`] = strip({
        ...rest,
        labels: metadata?.labels,
      });
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Creates that succeeded (an operation's `last` record without an error), by resource name. A
 * peering is named by the `first` record's request, which its `last` record shares
 * `operation.id` with.
 */
export function creates(entries: readonly LogEntry[]): Map<string, number> {
  const peeringNames = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const e of entries) {
    const p = e.protoPayload as {
      methodName?: string;
      resourceName?: string;
      status?: object;
      request?: { networkPeering?: { name?: string } };
    };
    const op = e.operation as { id?: string; first?: boolean; last?: boolean } | undefined;
    const method = (p?.methodName ?? '').replace(/^(v1|beta|alpha)\./, '');
    if (!/\.(insert|addPeering)$|CreateCluster$|CreateNodePool$/.test(method)) continue;
    const peering = p.request?.networkPeering?.name;
    if (op?.first && op.id && peering) peeringNames.set(op.id, peering);
    if (!op?.last || (p.status && Object.keys(p.status).length > 0)) continue;
    const suffix = method.endsWith('addPeering') ? `/${peeringNames.get(op.id ?? '') ?? '?'}` : '';
    const key = `${method} ${p.resourceName}${suffix}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Resources created more than once in `entries`. */
export function duplicates(entries: readonly LogEntry[]): string[] {
  return [...creates(entries)].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

/** What one run of a scenario gave. */
export interface ScenarioRun {
  readonly deliveries: readonly Delivery[];
  /** Actions of the first reconcile report logged: the plan made from the changed state. */
  readonly firstPlan: readonly string[];
  readonly digest: Record<string, unknown>;
  readonly duplicates: readonly string[];
  /** What a read-only sweep afterwards would still change (empty when converged). */
  readonly leftover: readonly string[];
  readonly operationErrors: number;
  readonly ms: number;
}

/**
 * Loads `base`, makes the scenario's change with no faults, then delivers the change's audit
 * entries to a fresh onAuditLog under `faults` (set up by `arm`, undone by what it returns),
 * redelivering on a throw. Faults are cleared before the state is read back.
 */
export async function runScenario(
  w: World,
  base: Snapshot,
  change: (w: World) => Promise<void>,
  arm: (w: World) => Promise<() => Promise<number>> = async () => async () => 0,
): Promise<ScenarioRun> {
  await control.load(w, base);
  await control.faults(w, {});
  const mark = (await control.logs(w)).next;
  await change(w);
  const entries = (await control.logs(w, mark)).entries.filter(
    (e) =>
      (e.protoPayload as { authenticationInfo?: { principalEmail?: string } }).authenticationInfo
        ?.principalEmail !== PRINCIPAL,
  );
  const lines: Record<string, unknown>[] = [];
  const handler = makeOnAuditLog(runtime(w, lines));
  const disarm = await arm(w);
  const started = performance.now();
  let deliveries: Delivery[];
  let operationErrors: number;
  try {
    deliveries = await deliver(handler, entries);
  } finally {
    operationErrors = await disarm();
    await control.faults(w, {});
  }
  const ms = Math.round(performance.now() - started);
  const report = lines.find((l) => l.report)?.report as ReconcileReport | undefined;
  const leftover = (await sweepPlan(w)).actions.map((a) => `${a.op} ${a.key}`);
  return {
    deliveries,
    firstPlan: (report?.actions ?? []).map((a) => `${a.op} ${a.key}`).sort(),
    digest: await digest(w),
    duplicates: duplicates((await control.logs(w, mark)).entries),
    leftover,
    operationErrors,
    ms,
  };
}

/**
 * Arms a fault profile (faults.ts) over `methods`, plus `extra` rules; returns the disarm
 * function runScenario expects.
 */
export function armFaults(
  profile: FaultProfile,
  methods: readonly string[],
  extra: FaultConfig['methods'] = {},
) {
  return async (w: World) => {
    const config = faultConfig(profile, methods);
    await control.faults(w, { ...config, methods: { ...config.methods, ...extra } });
    // peerlink's operations are both functions'; each draws from its own seeded sequence.
    const undo = [PRINCIPALS.reactor, PRINCIPALS.bootstrap].map((principal) =>
      injectOperationErrors(
        w.running.sim,
        principal,
        profile.seed,
        profile.operationErrorRate,
        profile.firstOperationsFail,
      ),
    );
    // Last wrapped, first unwrapped.
    return async () => undo.reverse().reduce((n, u) => n + u(), 0);
  };
}

/** Every throw was a TransientError (ReconcileRetryableError included): a 500 that Pub/Sub retries. */
export function loudOnly(deliveries: readonly Delivery[]): string[] {
  return deliveries
    .map((d) => d.outcome)
    .filter(
      (o) => o.startsWith('threw') && !/^threw (ReconcileRetryableError|TransientError)$/.test(o),
    );
}

/** Each entry's final handler outcome (the acknowledged one, or the last throw). */
export function finalOutcomes(deliveries: readonly Delivery[]): string[] {
  const last = new Map<number, string>();
  for (const d of deliveries) last.set(d.entry, d.outcome);
  return [...last.entries()].sort(([a], [b]) => a - b).map(([, o]) => o);
}
