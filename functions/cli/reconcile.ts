/**
 * `peerlink plan`, `peerlink apply` and `peerlink sweep`, against whatever endpoints the
 * environment names (PEERLINK_COMPUTE_ENDPOINT, PEERLINK_CONTAINER_ENDPOINT, ...).
 */
import { parseArgs } from 'node:util';
import { CloudError, ConfigError } from '../core/errors.ts';
import { SIGN } from '../core/plan/render.ts';
import { fullScope } from '../core/scope.ts';
import { TopologyError } from '../core/topology/validate.ts';
import { type ReconcileReport, ReconcileRetryableError, reconcile } from '../engine/reconcile.ts';
import type { Runtime } from '../handlers/runtime.ts';
import { createRuntime } from '../runtime/runtime.ts';
import type { Command, Io } from './main.ts';

type Mode = 'plan' | 'apply' | 'sweep';

function render(report: ReconcileReport): string[] {
  const lines = report.actions.map((a) => `${SIGN[a.op]} ${a.op} ${a.key}  (${a.reason})`);
  for (const r of report.results)
    if (r.outcome === 'failed') lines.push(`  failed: ${r.key}: ${r.error}`);
  for (const p of report.pending) lines.push(`  pending: ${p}`);
  for (const [c, cidrs] of Object.entries(report.masquerade))
    lines.push(`  masquerade ${c}: ${cidrs.join(', ') || '(none)'}`);
  const s = report.plan;
  lines.push(
    `${report.outcome}: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.conflict} conflicts.`,
  );
  return lines;
}

/** Runs one reconcile of the whole topology; `plan` writes nothing. */
export async function runReconcile(
  mode: Mode,
  args: string[],
  io: Io,
  makeRuntime: (env: NodeJS.ProcessEnv) => Runtime = createRuntime,
): Promise<number> {
  let values: { topology?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { topology: { type: 'string' }, json: { type: 'boolean' } },
    }));
  } catch (e) {
    io.err(`peerlink ${mode}: ${(e as Error).message}`);
    return 2;
  }
  const env = {
    ...process.env,
    ...(values.topology ? { PEERLINK_TOPOLOGY: values.topology } : {}),
  };
  try {
    const rt = makeRuntime(env);
    const t = await rt.topology();
    const report = await reconcile(t, fullScope(t, `peerlink ${mode}`), await rt.deps(), {
      seed: `cli-${mode}-${Date.now()}`,
      readOnly: mode === 'plan',
    });
    for (const line of values.json ? [JSON.stringify(report)] : render(report)) io.out(line);
    return report.outcome === 'failed' ? 1 : 0;
  } catch (e) {
    if (e instanceof TopologyError || e instanceof ConfigError) {
      io.err(e.message);
      return 2;
    }
    if ((e as NodeJS.ErrnoException).syscall === 'open') {
      io.err(`cannot read the topology: ${(e as Error).message}`);
      return 2;
    }
    if (e instanceof ReconcileRetryableError) {
      for (const line of render(e.report)) io.err(line);
      io.err(e.message);
      return 1;
    }
    if (e instanceof CloudError) {
      io.err(`${e.name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

export const planCommand: Command = (args, io) => runReconcile('plan', args, io);
export const applyCommand: Command = (args, io) => runReconcile('apply', args, io);
export const sweepCommand: Command = (args, io) => runReconcile('sweep', args, io);
