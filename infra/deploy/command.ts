/**
 * `peerlink deploy --project P --region R --topology FILE [--schedule CRON] [--skip-build]
 * [--dry-run]`: ensures everything peerlink needs in a project, step by step, each step
 * probing before it acts. See steps.ts for the list and config.ts for names and sizes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import type { Io } from '../../functions/cli/io.ts';
import { TopologyError } from '../../functions/core/errors.ts';
import { loadTopology } from '../../functions/runtime/files.ts';
import * as args from './args.ts';
import { DEFAULT_SCHEDULE } from './config.ts';
import { executeSteps, printPlan, type Sleep } from './execute.ts';
import { execRunner, type Runner, StepError } from './gcloud.ts';
import { stageStep } from './source.ts';
import { Context } from './step.ts';
import { deploySteps } from './steps.ts';

export interface DeployDeps {
  readonly run: Runner;
  readonly pubsub: (project: string) => PubSub;
  /** The peerlink checkout whose dist/ and package files are uploaded. */
  readonly repoRoot: string;
  readonly sleep: Sleep;
}

/** The checkout this file is in: the nearest directory up with peerlink's package.json (the
 * same from `infra/deploy/` as from a built `dist/infra/deploy/`). */
export function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
      };
      if (pkg.name === 'peerlink') return dir;
    } catch {
      // No package.json here: keep going up.
    }
    if (path.dirname(dir) === dir) throw new Error(`no peerlink checkout above ${start}`);
  }
}

const USAGE =
  'usage: peerlink deploy --project P --region R --topology FILE [--schedule "CRON"] [--skip-build] [--dry-run]';

export async function deploy(
  argv: string[],
  io: Io,
  deps: Partial<DeployDeps> = {},
): Promise<number> {
  const repoRoot = deps.repoRoot ?? findRepoRoot(import.meta.dirname);
  const run = deps.run ?? execRunner(process.env, repoRoot);
  let flags: Map<string, string | true>;
  let project: string;
  let region: string;
  let schedule: string;
  let topologyFile: string;
  try {
    flags = args.parseFlags(
      argv,
      ['project', 'region', 'topology', 'schedule'],
      ['dry-run', 'skip-build'],
    );
    project = args.project(flags);
    region = args.region(flags, true) ?? '';
    schedule = args.schedule(flags, DEFAULT_SCHEDULE);
    const t = flags.get('topology');
    if (typeof t !== 'string') throw new args.UsageError('--topology is required');
    topologyFile = path.resolve(t);
  } catch (e) {
    if (!(e instanceof args.UsageError)) throw e;
    io.err(`peerlink deploy: ${e.message}\n${USAGE}`);
    return 2;
  }
  try {
    const topology = await loadTopology(topologyFile);
    if (topology.project !== project) {
      io.out(
        `note: the topology names project ${topology.project}; the functions are deployed to ${project} with PEERLINK_PROJECT=${project}`,
      );
    }
  } catch (e) {
    io.err(`peerlink deploy: ${e instanceof TopologyError ? e.message : String(e)}`);
    // An error, not a usage error: the CLI's one rule (0 ok, 1 error, 2 usage).
    return 1;
  }
  const dryRun = flags.has('dry-run');
  const ctx = new Context(project, region, dryRun);
  const sourceDir = path.join(repoRoot, '.peerlink/deploy/source');
  const steps = deploySteps({
    schedule,
    sourceDir,
    stage: stageStep({
      repoRoot,
      topologyFile,
      stageDir: sourceDir,
      skipBuild: flags.has('skip-build'),
      run,
    }),
  });
  if (dryRun) {
    io.out(
      `peerlink deploy (dry run: nothing is changed): project ${project}, region ${region}, topology ${topologyFile}, ${steps.length} steps`,
    );
    printPlan(steps, ctx, io);
    return 0;
  }
  io.out(`peerlink deploy: project ${project}, region ${region}, ${steps.length} steps`);
  try {
    await executeSteps(steps, ctx, {
      run,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      pubsub: () => (deps.pubsub ?? ((p) => new PubSub({ projectId: p })))(project),
      io,
    });
  } catch (e) {
    if (!(e instanceof StepError)) throw e;
    io.err(
      `peerlink deploy: ${e.message}\nNothing after this step was done; run the same command again to resume.`,
    );
    return 1;
  }
  io.out('peerlink deploy: done');
  return 0;
}

export const deployCommand = (argv: string[], io: Io): Promise<number> => deploy(argv, io);
