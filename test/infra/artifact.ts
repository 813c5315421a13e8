/**
 * The deployed artifact, made and run as Google makes and runs it: the deploy's own stage step
 * builds a copy of this checkout and stages the upload, npm installs its production
 * dependencies as Google's Node.js buildpack does, and each function is served from the staged
 * tree by that tree's own functions-framework (serve-artifact.ts), with the environment the
 * deploy's `gcloud functions deploy` command sets.
 */
import { existsSync } from 'node:fs';
import { cp, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_SCHEDULE } from '../../infra/deploy/config.ts';
import type { Runner } from '../../infra/deploy/gcloud.ts';
import { stageStep } from '../../infra/deploy/source.ts';
import { Context } from '../../infra/deploy/step.ts';
import { deploySteps } from '../../infra/deploy/steps.ts';
import { until } from '../support/poll.ts';
import { type GroupProcess, spawnGroup } from '../support/process-group.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** What `npm run build` reads (tsconfig.build.json: functions/ and infra/). */
const BUILD_INPUTS = [
  'functions',
  'infra',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

/** One function as the deploy deploys it. */
export interface DeployedFunction {
  /** Cloud Functions name. */
  readonly name: string;
  /** `--entry-point`. */
  readonly entryPoint: string;
  /** `--source`: the directory gcloud uploads. */
  readonly source: string;
  /** `--set-env-vars`. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * This process's environment without what `npm test` says about its own script (npm_package_*,
 * npm_lifecycle_*, INIT_CWD); npm_config_* stay, as they say where this machine's npm gets
 * packages (registry, cache, proxy).
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if ((!/^npm_/i.test(k) || /^npm_config_/i.test(k)) && k !== 'INIT_CWD' && v !== undefined)
      env[k] = v;
  return { ...env, ...extra };
}

/**
 * A Runner like the deploy's (infra/deploy/gcloud.ts execRunner) that also stops the command's
 * process group after `timeoutMs`, so a hung build or install cannot outlive the test.
 */
export function boundedRunner(cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Runner {
  return (argv) =>
    new Promise((resolve, reject) => {
      const [file, ...args] = argv;
      if (file === undefined) return reject(new Error('empty argument vector'));
      let late = '';
      const p = spawnGroup(file, args, { env, cwd });
      const timer = setTimeout(() => {
        late = `\n(stopped after ${timeoutMs} ms)\n`;
        void p.stop(0);
      }, timeoutMs);
      p.child.once('error', (e) => {
        clearTimeout(timer);
        void p.stop(0);
        reject(new Error(`cannot run ${file}`, { cause: e }));
      });
      p.child.once('close', (code) => {
        clearTimeout(timer);
        void p.stop(0);
        // Its last 8000 characters, stdout and stderr as they came.
        resolve({ code: code ?? 1, stdout: p.output() + late, stderr: '' });
      });
    });
}

/**
 * Copies what the build reads into `dir` (node_modules linked, for tsc and the types), so the
 * build writes the copy's dist/, not the checkout's, which other work may be using.
 */
export async function copyCheckout(dir: string): Promise<string> {
  for (const f of BUILD_INPUTS)
    await cp(path.join(repoRoot, f), path.join(dir, f), {
      recursive: true,
      filter: (src) => !src.endsWith('.test.ts'),
    });
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** `--name=value` of an argument vector. */
function flag(argv: readonly string[], name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/**
 * Runs the deploy's stage step (npm run build, then staging) for `checkout` into `stageDir`,
 * exactly as `peerlink deploy` builds its plan, and returns the functions as the plan's
 * `gcloud functions deploy` commands describe them.
 */
export async function stageAsDeployed(o: {
  readonly checkout: string;
  readonly topologyFile: string;
  readonly stageDir: string;
  readonly project: string;
  readonly region: string;
}): Promise<DeployedFunction[]> {
  const stage = stageStep({
    repoRoot: o.checkout,
    topologyFile: o.topologyFile,
    stageDir: o.stageDir,
    skipBuild: false,
    run: boundedRunner(o.checkout, cleanEnv(), 60_000),
  });
  const steps = deploySteps({ schedule: DEFAULT_SCHEDULE, sourceDir: o.stageDir, stage });
  const ctx = new Context(o.project, o.region, false);
  for (const s of steps) if (s.kind === 'local') await s.run(ctx);
  const out: DeployedFunction[] = [];
  for (const s of steps) {
    // The function steps: those that describe a function first (the others' commands need
    // values only a real project tells).
    if (s.kind !== 'gcloud' || s.probe(ctx).slice(1, 3).join(' ') !== 'functions describe')
      continue;
    for (const argv of s.create?.(ctx) ?? []) {
      if (argv[1] !== 'functions' || argv[2] !== 'deploy') continue;
      const vars = flag(argv, 'set-env-vars') ?? '';
      out.push({
        name: argv[3] ?? '',
        entryPoint: flag(argv, 'entry-point') ?? '',
        source: flag(argv, 'source') ?? '',
        // gcloud's KEY=VALUE,KEY=VALUE list; the deploy's values hold no commas.
        env: Object.fromEntries(
          vars
            .split(',')
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        ),
      });
    }
  }
  return out;
}

/**
 * Installs the staged source's production dependencies as Google's Node.js buildpack does: with
 * a lockfile and no build script to run (the deploy sets GOOGLE_NODE_RUN_SCRIPTS to empty) it
 * runs `npm ci --quiet --no-fund --no-audit` with NODE_ENV=production
 * (cmd/nodejs/npm/lib/lib.go and pkg/nodejs/npm.go in github.com/GoogleCloudPlatform/buildpacks),
 * which makes npm omit devDependencies: `omit` defaults to dev when NODE_ENV is production
 * (https://docs.npmjs.com/cli/v11/using-npm/config#omit), i.e. `npm ci --omit=dev`.
 */
export async function installAsBuildpack(stageDir: string, timeoutMs = 90_000): Promise<void> {
  const run = boundedRunner(stageDir, cleanEnv({ NODE_ENV: 'production' }), timeoutMs);
  const r = await run(['npm', 'ci', '--quiet', '--no-fund', '--no-audit']);
  if (r.code !== 0)
    throw new Error(
      `npm ci in the staged source failed (exit ${r.code}). It needs the npm registry (or npm's cache holding every package of package-lock.json); if the registry is unreachable, that is the cause:\n${r.stdout.slice(-3000)}`,
    );
  // The buildpack checks the main file's syntax before anything runs (functions_framework/lib/lib.go).
  const main = JSON.parse(await readFile(path.join(stageDir, 'package.json'), 'utf8')) as {
    main?: string;
  };
  const check = await boundedRunner(
    stageDir,
    cleanEnv(),
    30_000,
  )([process.execPath, '--check', main.main ?? 'index.js']);
  if (check.code !== 0) throw new Error(`node --check ${main.main} failed:\n${check.stdout}`);
}

/** Lockfile paths npm marks as needed by devDependencies only. */
export async function devOnlyPackages(stageDir: string): Promise<string[]> {
  const lock = JSON.parse(await readFile(path.join(stageDir, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages ?? {})
    .filter(([p, v]) => p !== '' && v.dev === true)
    .map(([p]) => p);
}

export const installed = (stageDir: string, lockPath: string): boolean =>
  existsSync(path.join(stageDir, lockPath));

/** One function served from the staged tree. */
export interface ServedFunction {
  readonly url: string;
  /** Every line it has printed (its structured log lines are JSON). */
  readonly lines: string[];
  stop(): Promise<void>;
}

/**
 * Starts `fn` as the runtime would: in its source directory, FUNCTION_TARGET its entry point,
 * PORT (0 here, and the port it bound is read from its first line), and its environment.
 */
export async function serve(
  fn: DeployedFunction,
  env: Readonly<Record<string, string>>,
): Promise<ServedFunction> {
  const lines: string[] = [];
  const p: GroupProcess = spawnGroup(
    process.execPath,
    [path.join(import.meta.dirname, 'serve-artifact.ts')],
    {
      cwd: fn.source,
      // Only what the runtime sets and the given variables: nothing of this shell leaks in.
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        FUNCTION_TARGET: fn.entryPoint,
        // The deploy uses --trigger-http; the framework keeps the type registered in code.
        FUNCTION_SIGNATURE_TYPE: 'http',
        PORT: '0',
        ...env,
      },
      onLine: (l) => lines.push(l),
    },
  );
  try {
    const url = await until(
      () => {
        if (p.child.exitCode !== null) throw new Error(`${fn.name} exited:\n${p.output()}`);
        const m = lines
          .map((l) => /^Serving \S+ \(\S+\) on (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(l))
          .find(Boolean);
        return m?.[1];
      },
      { what: `${fn.name} to serve`, timeoutMs: 20_000, intervalMs: 50 },
    );
    return { url, lines, stop: () => p.stop() };
  } catch (e) {
    await p.stop(0);
    throw new Error(`${fn.name} did not start: ${(e as Error).message}\n${p.output()}`);
  }
}

/** The JSON log lines of a served function. */
export function logLines(f: ServedFunction): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of f.lines) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // Not a log line.
    }
  }
  return out;
}

/** A Pub/Sub push body as a push subscription POSTs it (https://cloud.google.com/pubsub/docs/push). */
export function pushBody(project: string, subscription: string, data: unknown, id: string) {
  return {
    message: {
      data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64'),
      attributes: {},
      messageId: id,
      message_id: id,
      publishTime: new Date().toISOString(),
      publish_time: new Date().toISOString(),
    },
    subscription: `projects/${project}/subscriptions/${subscription}`,
  };
}
