/**
 * Provisions a topology from nothing, in order: networks and subnets, both sides of every
 * peering (waiting for ACTIVE), firewall rules, clusters and node pools (waiting for RUNNING),
 * backend workloads, the ILB, and masquerade configuration. Every step is observe → plan →
 * apply, so a second run after a failure or timeout continues where the first stopped and
 * creates nothing twice.
 */

import { createHash } from 'node:crypto';
import { type Desired, desire } from '../core/desire/desire.ts';
import { desireInfra } from '../core/desire/infra.ts';
import { isRetryable } from '../core/errors.ts';
import { BOOTSTRAP_STEPS, type BootstrapStep } from '../core/model/kind.ts';
import { KINDS } from '../core/model/kinds.ts';
import { keyOf, type Resource, type ResourceKind } from '../core/model/resources.ts';
import { type Plan, plan, summary } from '../core/plan/diff.ts';
import { planJson } from '../core/plan/render.ts';
import type { FactsPort } from '../core/ports.ts';
import { fullScope } from '../core/scope.ts';
import type { Topology } from '../core/topology/schema.ts';
import { type ApplyReport, apply } from './apply.ts';
import { listScopeOf, observeFacts, type ReconcileDeps } from './reconcile.ts';

export interface BootstrapOptions {
  readonly dryRun: boolean;
  /** Seeds request ids: the same topology gives the same ids, so a rerun cannot act twice. */
  readonly seed: string;
  readonly waitTimeoutMs?: number;
  readonly pollMs?: number;
  readonly concurrency?: number;
}

export interface StepLine {
  readonly step: number;
  readonly name: string;
  readonly status: 'done' | 'planned' | 'failed';
  readonly elapsedMs: number;
  readonly plan: ReturnType<typeof summary>;
  readonly results?: ApplyReport['results'];
  readonly pending?: readonly string[];
  readonly error?: string;
  readonly dryRunPlan?: unknown;
}

export interface BootstrapReport {
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly steps: readonly StepLine[];
  readonly elapsedMs: number;
}

/**
 * The request-id seed of a topology's bootstrap: the same topology gives the same ids wherever it
 * is run (the function or the CLI), so a rerun after a kill cannot act twice.
 */
export function bootstrapSeed(t: Topology): string {
  return `bootstrap-${createHash('sha256').update(JSON.stringify(t)).digest('hex').slice(0, 16)}`;
}

/** The step failed; the run stops and a rerun resumes from here. */
export class StepFailedError extends Error {}

/** What a step waits for once applied, and which clusters' Kubernetes objects it writes. */
const STEP_RULES: Partial<
  Record<BootstrapStep, { wait?: 'peerings' | 'clusters'; kube?: 'provider' | 'consumer' }>
> = {
  peerings: { wait: 'peerings' },
  // Node pools are planned after their clusters exist: a cluster is created with its first pools.
  'node pools': { wait: 'clusters' },
  'backend workloads': { kube: 'provider' },
  'masquerade configuration': { kube: 'consumer' },
};

/** The steps in order, each with the kinds whose modules name it. */
const STEPS = BOOTSTRAP_STEPS.map((name) => ({
  name,
  kinds: (Object.keys(KINDS) as ResourceKind[]).filter((k) =>
    (KINDS[k].steps as readonly BootstrapStep[]).includes(name),
  ),
  ...STEP_RULES[name],
}));

async function poll(
  what: string,
  check: () => Promise<string | null>,
  timeoutMs: number,
  pollMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    let waiting: string | null;
    try {
      waiting = await check();
    } catch (e) {
      // A read that failed for a passing reason is one more poll, within the same deadline.
      if (!isRetryable(e)) throw e;
      waiting = `a transient error (${e instanceof Error ? e.message : String(e)})`;
    }
    if (waiting === null) return;
    if (Date.now() + pollMs > deadline)
      throw new StepFailedError(`timed out after ${timeoutMs} ms waiting for ${what}: ${waiting}`);
    await new Promise((r) => setTimeout(r, Math.min(pollMs * 2 ** Math.min(i, 4), 10_000)));
  }
}

async function waitPeerings(t: Topology, facts: FactsPort, timeoutMs: number, pollMs: number) {
  await poll(
    'peerings to become ACTIVE',
    async () => {
      for (const p of t.peerings) {
        for (const [net, peer] of [p.networks, [...p.networks].reverse()]) {
          const n = net ? await facts.network(net) : null;
          const side = n?.peerings.find((x) => x.peerNetwork === peer);
          if (side?.state !== 'ACTIVE') return `${net} → ${peer} is ${side?.state ?? 'absent'}`;
        }
      }
      return null;
    },
    timeoutMs,
    pollMs,
  );
}

async function waitClusters(t: Topology, facts: FactsPort, timeoutMs: number, pollMs: number) {
  await poll(
    'clusters to be RUNNING',
    async () => {
      for (const c of t.clusters) {
        const f = await facts.cluster(c.location, c.name);
        if (f?.status !== 'RUNNING') return `${c.name} is ${f?.status ?? 'absent'}`;
        const missing = c.nodePools.filter((p) => !f.nodePools.some((o) => o.name === p.name));
        if (missing.length > 0)
          return `${c.name} lacks node pools ${missing.map((p) => p.name).join(', ')}`;
      }
      return null;
    },
    timeoutMs,
    pollMs,
  );
}

async function desiredFor(t: Topology, deps: ReconcileDeps, step: (typeof STEPS)[number]) {
  const infra = desireInfra(t).filter((r) => step.kinds.includes(r.kind));
  if (infra.length > 0)
    return {
      resources: infra as Resource[],
      pending: [] as readonly string[],
      conflicts: [] as Desired['conflicts'],
    };
  const scope = fullScope(t);
  const d = desire(t, await observeFacts(t, scope, deps.facts));
  const providers = new Set(t.services.map((s) => s.cluster));
  const resources = d.resources.filter(
    (r) =>
      step.kinds.includes(r.kind) &&
      (r.kind !== 'kube' || (step.kube === 'provider') === providers.has(r.cluster)),
  );
  const keys = new Set(resources.map(keyOf));
  return { resources, pending: d.pending, conflicts: d.conflicts.filter((c) => keys.has(c.key)) };
}

async function stepPlan(t: Topology, deps: ReconcileDeps, step: (typeof STEPS)[number]) {
  const { resources, pending, conflicts } = await desiredFor(t, deps, step);
  const scope = {
    ...listScopeOf(t, fullScope(t), resources),
    infra: desireInfra(t).filter((r) => step.kinds.includes(r.kind)),
  };
  const wanted = new Set(resources.map(keyOf));
  // Bootstrap adds what is missing; removing leftovers is the sweep's job.
  const observed = (await deps.resources.list(scope)).filter((o) => wanted.has(keyOf(o.resource)));
  return { plan: plan(resources, observed, conflicts), pending };
}

/** Re-plans of one step after stale preconditions, before the step fails. */
const MAX_REPLANS = 3;

/** Runs the steps in order, yielding one line per step; returns the full report. */
export async function* bootstrap(
  t: Topology,
  deps: ReconcileDeps,
  options: BootstrapOptions,
): AsyncGenerator<StepLine, BootstrapReport> {
  const started = performance.now();
  const timeout = options.waitTimeoutMs ?? 20 * 60_000;
  const pollMs = options.pollMs ?? 2_000;
  const steps: StepLine[] = [];
  for (const [i, step] of STEPS.entries()) {
    const t0 = performance.now();
    const line = (
      status: StepLine['status'],
      p: Plan,
      extra: Partial<StepLine> = {},
    ): StepLine => ({
      step: i + 1,
      name: step.name,
      status,
      elapsedMs: Math.round(performance.now() - t0),
      plan: summary(p),
      ...extra,
    });
    let current: Plan = { actions: [] };
    try {
      let { plan: p, pending } = await stepPlan(t, deps, step);
      current = p;
      if (options.dryRun) {
        steps.push(line('planned', p, { pending, dryRunPlan: planJson(p) }));
        yield steps[steps.length - 1] as StepLine;
        continue;
      }
      let applied = await apply(p, deps.resources, {
        seed: `${options.seed}/${i + 1}`,
        concurrency: options.concurrency ?? 4,
      });
      // A stale precondition means another writer (the reactor, woken by this very run's audit
      // entries) changed the resource since it was read: read again and re-plan, as reconcile
      // does, a bounded number of times.
      for (let replan = 1; applied.stale && !applied.failed && replan <= MAX_REPLANS; replan++) {
        ({ plan: p, pending } = await stepPlan(t, deps, step));
        current = p;
        applied = await apply(p, deps.resources, {
          seed: `${options.seed}/${i + 1}#${replan}`,
          concurrency: options.concurrency ?? 4,
        });
      }
      if (applied.failed || applied.stale) {
        const failed = applied.results.filter(
          (r) => r.outcome === 'failed' || r.outcome === 'stale',
        );
        throw new StepFailedError(
          failed.map((r) => `${r.key}: ${r.error ?? r.outcome}`).join('; '),
        );
      }
      if (step.wait === 'peerings') await waitPeerings(t, deps.facts, timeout, pollMs);
      if (step.wait === 'clusters') await waitClusters(t, deps.facts, timeout, pollMs);
      steps.push(line('done', p, { results: applied.results, pending }));
      yield steps[steps.length - 1] as StepLine;
    } catch (e) {
      steps.push(line('failed', current, { error: e instanceof Error ? e.message : String(e) }));
      yield steps[steps.length - 1] as StepLine;
      return {
        ok: false,
        dryRun: options.dryRun,
        steps,
        elapsedMs: Math.round(performance.now() - started),
      };
    }
  }
  return {
    ok: true,
    dryRun: options.dryRun,
    steps,
    elapsedMs: Math.round(performance.now() - started),
  };
}
