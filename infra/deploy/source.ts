/**
 * The source uploaded to Cloud Functions: the built `dist/functions/`, package.json and
 * package-lock.json (the buildpack installs the production dependencies from them), and the
 * topology file copied in as `peerlink-topology.yaml`, which PEERLINK_TOPOLOGY names relative to
 * the function's working directory. Shipping the file with the code keeps one deployed version
 * of both: changing the topology is a redeploy, and the spec label (a hash of the staged files)
 * tells the deploy which functions need it.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { TOPOLOGY_IN_SOURCE } from './config.ts';
import type { Runner } from './gcloud.ts';
import { displayArgv, StepError } from './gcloud.ts';
import type { Context, LocalStep } from './step.ts';

export interface StageOptions {
  readonly repoRoot: string;
  readonly topologyFile: string;
  /** Where the staged source goes (emptied first). */
  readonly stageDir: string;
  /** Skip `npm run build` and use the `dist/` already there. */
  readonly skipBuild: boolean;
  readonly run: Runner;
}

const BUILD: readonly string[] = ['npm', 'run', 'build'];

async function files(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p, base)));
    else if (e.isFile()) out.push(path.relative(base, p));
  }
  return out.sort();
}

/** SHA-256 over every staged file's path and content. */
export async function hashTree(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of await files(dir)) {
    h.update(`${f}\0`);
    h.update(await readFile(path.join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

export function stageStep(o: StageOptions): LocalStep {
  return {
    kind: 'local',
    title: 'build and stage the function source',
    plan: () => [
      ...(o.skipBuild ? ['(build skipped: --skip-build)'] : [`run: ${displayArgv(BUILD)}`]),
      `stage into ${o.stageDir}: dist/functions/, package.json, package-lock.json, ${o.topologyFile} as ${TOPOLOGY_IN_SOURCE}`,
    ],
    run: async (ctx: Context) => {
      if (!o.skipBuild) {
        const r = await o.run(BUILD);
        if (r.code !== 0) throw new StepError(`npm run build failed:\n${r.stdout}${r.stderr}`);
      }
      await rm(o.stageDir, { recursive: true, force: true });
      await mkdir(o.stageDir, { recursive: true });
      await cp(path.join(o.repoRoot, 'dist/functions'), path.join(o.stageDir, 'dist/functions'), {
        recursive: true,
      });
      for (const f of ['package.json', 'package-lock.json']) {
        await cp(path.join(o.repoRoot, f), path.join(o.stageDir, f));
      }
      await cp(o.topologyFile, path.join(o.stageDir, TOPOLOGY_IN_SOURCE));
      ctx.set('sourceHash', await hashTree(o.stageDir));
    },
  };
}
