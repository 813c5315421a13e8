/**
 * `peerlink bootstrap --topology FILE [--dry-run] [--json]`: the bootstrap function's
 * provisioning (functions/engine/bootstrap.ts) from the command line, one line per step as it
 * completes, then the report.
 */
import {
  type BootstrapReport,
  bootstrap,
  bootstrapSeed,
  type StepLine,
} from '../engine/bootstrap.ts';
import type { Runtime } from '../handlers/runtime.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { SETTINGS } from '../runtime/settings.ts';
import { clip, EXIT, runCommand, unreadable } from './flags.ts';
import type { Command, Io } from './io.ts';
import { probeEndpoints } from './reach.ts';
import { BOOTSTRAP } from './specs.ts';

export function stepText(s: StepLine): string {
  const counts = `create ${s.plan.create}, update ${s.plan.update}, conflict ${s.plan.conflict}`;
  const lines = [
    `${s.step}. ${s.name}: ${s.status} in ${s.elapsedMs} ms (${counts})${s.error ? `: ${clip(s.error)}` : ''}`,
    ...(s.results ?? [])
      .filter((r) => r.outcome === 'failed')
      .map((r) => `  failed: ${r.key}: ${clip(r.error ?? '')}`),
    ...(s.pending ?? []).map((p) => `  pending: ${p}`),
  ];
  return lines.join('\n');
}

export function reportText(r: BootstrapReport): string {
  const failed = r.steps.find((s) => s.status === 'failed');
  if (failed)
    return `bootstrap stopped at step ${failed.step} (${failed.name}) after ${r.elapsedMs} ms; run it again to resume from there.`;
  return r.dryRun
    ? `bootstrap dry run: ${r.steps.length} steps planned, nothing changed (${r.elapsedMs} ms).`
    : `bootstrap completed: ${r.steps.length} steps done in ${r.elapsedMs} ms.`;
}

export async function runBootstrap(
  args: string[],
  io: Io,
  makeRuntime: (env: NodeJS.ProcessEnv) => Runtime = createRuntime,
): Promise<number> {
  return runCommand(BOOTSTRAP, args, io, async (p, signal) => {
    const file = p.required(SETTINGS.topology);
    const env = { ...process.env, PEERLINK_TOPOLOGY: file };
    const rt = makeRuntime(env);
    const t = await rt.topology().catch((e: unknown) => {
      throw unreadable(file, e);
    });
    await probeEndpoints(env, signal);
    const json = p.has(SETTINGS.json);
    const run = bootstrap(t, await rt.deps(), {
      dryRun: p.has(SETTINGS.dryRun),
      seed: bootstrapSeed(t),
      concurrency: rt.settings.concurrency,
    });
    // Past the deadline (runCommand has said so), no further step starts.
    while (!signal.aborted) {
      const next = await run.next();
      if (next.done) {
        io.out(json ? JSON.stringify({ report: next.value }) : reportText(next.value));
        return next.value.ok ? EXIT.ok : EXIT.error;
      }
      io.out(json ? JSON.stringify(next.value) : stepText(next.value));
    }
    return EXIT.error;
  });
}

export const bootstrapCommand: Command = (args, io) => runBootstrap(args, io);
