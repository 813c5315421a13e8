/**
 * The gcloud contract suite's harness: starts the simulator (Compute, GKE and the per-cluster
 * Kubernetes APIs) and runs the installed gcloud against it with a configuration of its own, so
 * that gcloud never reaches a Google host or a metadata server.
 *
 * ```ts
 * const g = await startGcloudSim();
 * const r = await g.gcloud('compute', 'networks', 'create', 'n1', '--subnet-mode=custom');
 * const nets = await g.json<Network[]>('compute', 'networks', 'list');
 * await g.close();
 * ```
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerModule } from '../../sim/container/index.ts';
import { type RunningSim, startSim } from '../../sim/server.ts';

/** One gcloud run: its exit status (124 when it was stopped at the timeout) and output. */
export interface GcloudRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The arguments, for assertion messages. */
  readonly args: readonly string[];
}

export interface GcloudSim {
  readonly sim: RunningSim;
  readonly url: string;
  readonly project: string;
  readonly region: string;
  readonly zone: string;
  /** The identity gcloud sends (`Authorization: Bearer principal:<email>`). */
  readonly principal: string;
  /** Where GKE's kubeconfigs go, and a scratch directory for the suite. */
  readonly dir: string;
  /**
   * The environment gcloud runs with: its own CLOUDSDK_CONFIG, every endpoint overridden to
   * the simulator, the token file. Hand it to kubectl too, since gke-gcloud-auth-plugin calls
   * gcloud with the environment it inherits.
   */
  readonly env: NodeJS.ProcessEnv;
  /** Runs gcloud (`--quiet` added), never throwing; stopped after `timeoutMs` (default 60 s). */
  gcloud(...args: string[]): Promise<GcloudRun>;
  /** Same, with options. */
  run(
    args: readonly string[],
    options?: { timeoutMs?: number; stdin?: string },
  ): Promise<GcloudRun>;
  /** Runs gcloud with `--format=json` and parses stdout; throws with stderr on a non-zero exit. */
  json<T = unknown>(...args: string[]): Promise<T>;
  /** Compute REST GET on the simulator (path after `/compute/v1/projects/<project>/`). */
  compute<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface GcloudSimOptions {
  readonly project?: string;
  /** Compute operation time (ms); gcloud waits through `operations.wait`. */
  readonly operationMs?: number;
  /** GKE operation time (ms). */
  readonly containerOperationMs?: number;
}

const PRINCIPAL = 'gcloud-contract@p.iam.gserviceaccount.com';
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * The installed gcloud's path; throws, with what to do, when there is none. The suite must fail,
 * not skip, without it (CI's image has it).
 */
export function requireGcloud(): string {
  const found = spawnSync('sh', ['-c', 'command -v gcloud'], { encoding: 'utf8', timeout: 5_000 });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      'gcloud is not installed: the gcloud contract suite (test/contract/gcloud) needs the Google Cloud SDK on PATH (https://cloud.google.com/sdk/docs/install)',
    );
  }
  return path;
}

/** Starts the simulator and returns a gcloud bound to it. */
export async function startGcloudSim(options: GcloudSimOptions = {}): Promise<GcloudSim> {
  requireGcloud();
  const dir = mkdtempSync(join(tmpdir(), 'peerlink-gcloud-'));
  const kubeconfigDir = join(dir, 'kube');
  mkdirSync(kubeconfigDir);
  const sim = await startSim({
    port: 0,
    operationMs: options.operationMs ?? 20,
    waitCapMs: 5_000,
    modules: [containerModule({ kubeconfigDir, operationMs: options.containerOperationMs ?? 30 })],
  });
  const g = gcloudFor(sim, { project: options.project ?? 'p', dir });
  return {
    ...g,
    async close() {
      await sim.close();
      await g.close();
    },
  };
}

/**
 * A gcloud bound to a simulator someone else started (the local stack's), with its own
 * configuration under `dir` (made when absent); `close` removes that directory only.
 */
export function gcloudFor(
  sim: RunningSim,
  options: { project: string; dir?: string; principal?: string },
): GcloudSim {
  const bin = requireGcloud();
  const project = options.project;
  const principal = options.principal ?? PRINCIPAL;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'peerlink-gcloud-'));
  const config = join(dir, 'config');
  mkdirSync(config, { recursive: true });
  // gcloud asks the metadata server whether it runs on GCE unless this file says no.
  writeFileSync(join(config, 'gce'), 'False');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `principal:${principal}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    LANG: 'C.UTF-8',
    CLOUDSDK_CONFIG: config,
    CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
    CLOUDSDK_CORE_PROJECT: project,
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
    CLOUDSDK_SURVEY_DISABLE_PROMPTS: 'true',
    CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: `${sim.url}/compute/v1/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: `${sim.url}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE: `${sim.url}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER: `${sim.url}/`,
    KUBECONFIG: join(dir, 'kubeconfig'),
  };
  if (process.env.CLOUDSDK_PYTHON) env.CLOUDSDK_PYTHON = process.env.CLOUDSDK_PYTHON;

  const run = (
    args: readonly string[],
    opts: { timeoutMs?: number; stdin?: string } = {},
  ): Promise<GcloudRun> =>
    runGroup(bin, [...args, '--quiet'], env, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.stdin);

  const self: GcloudSim = {
    sim,
    url: sim.url,
    project,
    region: 'europe-west1',
    zone: 'europe-west1-b',
    principal,
    dir,
    env,
    run,
    gcloud: (...args) => run(args),
    async json<T>(...args: string[]): Promise<T> {
      const r = await run([...args, '--format=json']);
      if (r.code !== 0) {
        throw new Error(`gcloud ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
      }
      return JSON.parse(r.stdout || 'null') as T;
    },
    async compute<T>(path: string) {
      const res = await fetch(`${sim.url}/compute/v1/projects/${project}/${path}`, {
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

/**
 * Spawns in a process group of its own, so a timeout stops gcloud's Python and anything it
 * started; resolves with exit status 124 when stopped at the deadline.
 */
function runGroup(
  bin: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  stdin: string | undefined,
): Promise<GcloudRun> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 2_000).unref();
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${e.message}`, args });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // Whatever the leader left in its group goes with it.
      kill('SIGKILL');
      resolve({
        code: timedOut ? 124 : (code ?? 1),
        stdout,
        stderr: timedOut ? `${stderr}\n(gcloud stopped after ${timeoutMs} ms)` : stderr,
        args,
      });
    });
    child.stdin.end(stdin ?? '');
  });
}

/**
 * The installed kubectl's path; throws, with what to do, when there is none (the suite fails,
 * it does not skip).
 */
export function requireKubectl(): string {
  const found = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8', timeout: 5_000 });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      'kubectl is not installed: the gcloud contract suite (test/contract/gcloud) drives the clusters gcloud set up with kubectl (https://kubernetes.io/docs/tasks/tools/)',
    );
  }
  return path;
}

/**
 * Runs kubectl with the suite's environment (its KUBECONFIG, and gcloud's settings for
 * gke-gcloud-auth-plugin, which kubectl starts) in a process group of its own, never throwing;
 * 124 when stopped at `timeoutMs` (default 60 s). Asynchronous on purpose: the simulated
 * Kubernetes API servers answer from this process.
 */
export function kubectl(
  g: GcloudSim,
  args: readonly string[],
  options: { timeoutMs?: number; stdin?: string } = {},
): Promise<GcloudRun> {
  return runGroup(
    requireKubectl(),
    args,
    g.env,
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options.stdin,
  );
}
