/**
 * `peerlink plan`, `peerlink apply` and `peerlink sweep`, against whatever endpoints the
 * environment names (PEERLINK_COMPUTE_ENDPOINT, PEERLINK_CONTAINER_ENDPOINT, ...).
 */
import { planJson, renderPlan, SIGN } from '../core/plan/render.ts';
import { fullScope } from '../core/scope.ts';
import {
  planScope,
  type ReconcileReport,
  ReconcileRetryableError,
  reconcile,
  type ScopePlan,
} from '../engine/reconcile.ts';
import type { Runtime } from '../handlers/runtime.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { SETTINGS } from '../runtime/settings.ts';
import { type CommandSpec, clip, EXIT, type Parsed, runCommand, unreadable } from './flags.ts';
import type { Command, Io } from './io.ts';
import { probeEndpoints } from './reach.ts';
import { APPLY, PLAN, SWEEP } from './specs.ts';

type Mode = 'plan' | 'apply' | 'sweep';

const SPEC: Record<Mode, CommandSpec> = { plan: PLAN, apply: APPLY, sweep: SWEEP };

/** `plan --detailed-exitcode` when changes are pending (terraform's 2 is peerlink's usage error). */
export const EXIT_CHANGES_PENDING = 3;

/** What apply and sweep print: the report's actions, failures, pending items and a summary. */
function renderReport(report: ReconcileReport): string[] {
  const lines = report.actions.map((a) => `${SIGN[a.op]} ${a.op} ${a.key}  (${a.reason})`);
  for (const r of report.results)
    if (r.outcome === 'failed') lines.push(`  failed: ${r.key}: ${clip(r.error ?? '')}`);
  lines.push(...extras(report));
  const s = report.plan;
  lines.push(
    `${report.outcome}: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.conflict} conflicts.`,
  );
  return lines;
}

function extras(
  r: Pick<ReconcileReport, 'pending' | 'masquerade' | 'left' | 'warnings'>,
): string[] {
  return [
    ...r.warnings.map((w) => `  warning: ${w}`),
    ...r.pending.map((p) => `  pending: ${p}`),
    ...Object.entries(r.masquerade).map(
      ([c, cidrs]) => `  masquerade ${c}: ${cidrs.join(', ') || '(none)'}`,
    ),
    ...Object.entries(r.left).map(
      ([c, cidrs]) =>
        `  left ${c}: ${cidrs.join(', ') || '(none)'} (default EgressNATPolicy destinations peerlink did not add)`,
    ),
  ];
}

/** `peerlink plan`'s output: the plan as the one renderer shows it, then what waits. */
export function renderPlanView(v: ScopePlan, json: boolean): string[] {
  if (json)
    return [
      JSON.stringify(
        Object.assign({}, planJson(v.plan), {
          pending: v.pending,
          masquerade: v.masquerade,
          left: v.left,
          warnings: v.warnings,
        }),
      ),
    ];
  return [...renderPlan(v.plan).split('\n'), ...extras(v)];
}

/** Runs one reconcile of the whole topology; `plan` writes nothing. */
export function runReconcile(
  mode: Mode,
  args: string[],
  io: Io,
  makeRuntime: (env: NodeJS.ProcessEnv) => Runtime = createRuntime,
): Promise<number> {
  return runCommand(SPEC[mode], args, io, (p, signal) =>
    reconcileWith(mode, p, io, makeRuntime, signal),
  );
}

async function reconcileWith(
  mode: Mode,
  p: Parsed,
  io: Io,
  makeRuntime: (env: NodeJS.ProcessEnv) => Runtime,
  signal: AbortSignal,
): Promise<number> {
  const topology = p.value(SETTINGS.topology);
  const env = { ...process.env, ...(topology ? { PEERLINK_TOPOLOGY: topology } : {}) };
  const rt = makeRuntime(env);
  const t = await rt.topology().catch((e: unknown) => {
    throw unreadable('the topology', e);
  });
  await probeEndpoints(env, signal);
  const scope = fullScope(t, `peerlink ${mode}`);
  const json = p.has(SETTINGS.json);
  if (mode === 'plan') {
    const view = await planScope(t, scope, await rt.deps());
    for (const line of renderPlanView(view, json)) io.out(line);
    const pending = view.plan.actions.some((a) => a.op !== 'conflict');
    return pending && p.has(SETTINGS.detailedExitcode) ? EXIT_CHANGES_PENDING : EXIT.ok;
  }
  try {
    const report = await reconcile(t, scope, await rt.deps(), {
      seed: `cli-${mode}-${Date.now()}`,
      apply: { concurrency: rt.settings.concurrency },
    });
    for (const line of json ? [JSON.stringify(report)] : renderReport(report)) io.out(line);
    return report.outcome === 'failed' ? EXIT.error : EXIT.ok;
  } catch (e) {
    // The report says what was done before the reconcile gave up.
    if (e instanceof ReconcileRetryableError)
      for (const line of renderReport(e.report)) io.err(line);
    throw e;
  }
}

export const planCommand: Command = (args, io) => runReconcile('plan', args, io);
export const applyCommand: Command = (args, io) => runReconcile('apply', args, io);
export const sweepCommand: Command = (args, io) => runReconcile('sweep', args, io);
