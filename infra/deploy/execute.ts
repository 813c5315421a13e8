import type { PubSub } from '@google-cloud/pubsub';
import { type Argv, displayArgv, isNotFound, type Runner, StepError } from './gcloud.ts';
import type { Context, GcloudStep, Presence, Step } from './step.ts';

export interface Output {
  out(line: string): void;
}

export type Sleep = (ms: number) => Promise<void>;

export interface ExecuteDeps {
  readonly run: Runner;
  /** Waits between retries; tests pass a fast one. */
  readonly sleep?: Sleep;
  /** Created on first use, so a dry run never constructs a client. */
  readonly pubsub: () => PubSub;
  readonly io: Output;
}

/** Prints every step and every command, in order, and runs nothing. */
export function printPlan(steps: readonly Step[], ctx: Context, io: Output): void {
  steps.forEach((step, i) => {
    io.out(`step ${i + 1}/${steps.length}: ${step.title}`);
    if (step.kind !== 'gcloud') {
      for (const line of step.plan(ctx)) io.out(`  ${line}`);
      return;
    }
    io.out(`  probe:     ${displayArgv(step.probe(ctx))}`);
    if (step.create) for (const a of step.create(ctx)) io.out(`  if missing: ${displayArgv(a)}`);
    else io.out('  if missing: stop (it must exist already)');
    if (step.update) for (const a of step.update(ctx)) io.out(`  if differs: ${displayArgv(a)}`);
    // Values later steps need are read from a fresh probe after a change.
    if (step.capture && (step.create || step.update)) {
      io.out(`  after a change, probe again: ${displayArgv(step.probe(ctx))}`);
    }
  });
}

/**
 * IAM is eventually consistent: a service account created a moment ago can be refused as a
 * binding's member ("... does not exist"). Such a binding is retried, a bounded number of times.
 * https://cloud.google.com/iam/docs/retry-strategy
 */
export const BINDING_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000];

function notYetVisible(argv: Argv, stderr: string): boolean {
  return argv.includes('add-iam-policy-binding') && /does not exist/i.test(stderr);
}

async function mustRun(run: Runner, argv: Argv, title: string, sleep: Sleep): Promise<void> {
  let r = await run(argv);
  for (const delay of BINDING_RETRY_DELAYS_MS) {
    if (r.code === 0 || !notYetVisible(argv, r.stderr)) break;
    await sleep(delay);
    r = await run(argv);
  }
  if (r.code !== 0) {
    throw new StepError(
      `${title}: ${displayArgv(argv)} failed (exit ${r.code}):\n${r.stderr.trim()}`,
    );
  }
}

/** Probes; on NOT_FOUND the resource is absent, any other failure stops the deploy. */
async function probe(
  step: GcloudStep,
  ctx: Context,
  run: Runner,
): Promise<{ presence: Presence; described: unknown }> {
  const argv = step.probe(ctx);
  const r = await run(argv);
  if (r.code !== 0) {
    if (isNotFound(r)) return { presence: 'absent', described: undefined };
    throw new StepError(
      `${step.title}: probe ${displayArgv(argv)} failed (exit ${r.code}):\n${r.stderr.trim()}`,
    );
  }
  let described: unknown;
  try {
    described = JSON.parse(r.stdout || 'null');
  } catch (e) {
    throw new StepError(`${step.title}: probe output is not JSON`, { cause: e });
  }
  return { presence: step.presence ? step.presence(described, ctx) : 'ok', described };
}

async function runGcloudStep(
  step: GcloudStep,
  ctx: Context,
  run: Runner,
  sleep: Sleep,
): Promise<string> {
  const first = await probe(step, ctx, run);
  let commands: Argv[] = [];
  if (first.presence === 'absent') {
    if (!step.create) throw new StepError(`${step.title}: not found, and deploy cannot create it`);
    commands = step.create(ctx);
  } else if (first.presence === 'update') {
    commands = step.update ? step.update(ctx) : [];
  }
  for (const argv of commands) await mustRun(run, argv, step.title, sleep);
  let described = first.described;
  if (commands.length > 0 && step.capture) {
    const again = await probe(step, ctx, run);
    if (again.presence === 'absent')
      throw new StepError(`${step.title}: still absent after creating it`);
    described = again.described;
  }
  step.capture?.(described, ctx);
  if (commands.length === 0) return 'unchanged';
  return first.presence === 'absent' ? 'created' : 'updated';
}

/**
 * Runs the steps in order. Each is idempotent, so after a failure (a StepError naming the
 * step and the command) running the deploy again resumes where it stopped.
 */
export async function executeSteps(
  steps: readonly Step[],
  ctx: Context,
  deps: ExecuteDeps,
): Promise<void> {
  let pubsub: PubSub | undefined;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (const [i, step] of steps.entries()) {
    let outcome: string;
    try {
      if (step.kind === 'gcloud') outcome = await runGcloudStep(step, ctx, deps.run, sleep);
      else if (step.kind === 'pubsub') {
        pubsub ??= deps.pubsub();
        outcome = await step.ensure(pubsub, ctx);
      } else {
        await step.run(ctx);
        outcome = 'done';
      }
    } catch (e) {
      if (e instanceof StepError) throw e;
      // A client or file-system error: name the step, keep the cause.
      const message = e instanceof Error ? e.message : String(e);
      throw new StepError(`${step.title}: ${message}`, { cause: e });
    }
    deps.io.out(`step ${i + 1}/${steps.length}: ${step.title}: ${outcome}`);
  }
}
