/**
 * The local stack: the Pub/Sub emulator, the simulator with a log sink publishing its audit
 * entries to a topic, functions-framework serving the three functions, and a push subscription
 * from the topic to onAuditLog. Everything listens on 127.0.0.1; `stop()` ends every process.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cloudConfig } from '../../functions/gcp/config.ts';
import { settings } from '../../functions/runtime/settings.ts';
import { sinkFilter } from '../../infra/sink-filter.ts';
import { containerModule } from '../sim/container/index.ts';
import { type RunningSim, startSim } from '../sim/server.ts';
import { bindDeployRoles, type DeployPrincipals } from '../support/iam.ts';
import { type GroupProcess, spawnGroup, waitFor } from '../support/process-group.ts';
import { freePort, type PubsubEmulator, startPubsubEmulator } from '../support/pubsub-emulator.ts';
import { repoRoot } from '../support/topology.ts';

export const AUDIT_TOPIC = 'peerlink-audit';
export const SWEEP_TOPIC = 'peerlink-sweep';
export const FUNCTIONS = ['onAuditLog', 'sweep', 'bootstrap'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

export interface StackOptions {
  readonly project: string;
  readonly topologyPath: string;
  /** Duration of simulated operations (ms). */
  readonly operationMs?: number;
  /** How long the simulated GKE drains nodes before it deletes their groups (ms; default 0). */
  readonly drainMs?: number;
  /** Where kubeconfigs and the emulator's files go; a test's own, never the checkout's. */
  readonly stateDir: string;
  /** Extra environment for the functions (e.g. PEERLINK_MAX_EVENT_AGE). */
  readonly functionEnv?: Record<string, string>;
  readonly onLog?: (source: string, line: string) => void;
  /** Aborting while starting stops what has started and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface Stack {
  readonly sim: RunningSim;
  readonly emulator: PubsubEmulator;
  readonly urls: Readonly<Record<FunctionName, string>>;
  /** The service account onAuditLog and sweep act as: its changes are peerlink's own. */
  readonly principal: string;
  /** Each function's service account, bound to exactly deploy's custom role for it. */
  readonly principals: DeployPrincipals;
  readonly kubeconfigDir: string;
  /** Kills one function's process group (mid-request, if one is running) and starts it again. */
  restart(target: FunctionName): Promise<void>;
  stop(): Promise<void>;
}

async function emulatorPut(host: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`http://${host}/v1/${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok && res.status !== 409)
    throw new Error(`emulator PUT ${path}: ${res.status} ${await res.text()}`);
}

function startFunction(
  target: FunctionName,
  port: number,
  env: NodeJS.ProcessEnv,
  onLog?: StackOptions['onLog'],
): GroupProcess {
  // functions-framework's CLI has no host option and listens on every interface.
  const serve = join(repoRoot, 'test/local/serve-function.ts');
  return spawnGroup(process.execPath, [serve, `--target=${target}`, `--port=${port}`], {
    env,
    cwd: repoRoot,
    ...(onLog ? { onLine: (l: string) => onLog(target, l) } : {}),
  });
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const stateDir = resolve(options.stateDir);
  const kubeconfigDir = join(stateDir, 'kube');
  await mkdir(kubeconfigDir, { recursive: true });
  const stoppers: (() => Promise<void>)[] = [];
  // Once only, newest first: whatever has started so far.
  const stop = async () => {
    for (const s of stoppers.splice(0).reverse()) await s().catch(() => undefined);
  };
  const { signal } = options;
  try {
    const emulator = await startPubsubEmulator({
      projectId: options.project,
      dataDir: join(stateDir, 'pubsub'),
      ...(signal ? { signal } : {}),
    });
    stoppers.push(() => emulator.stop());
    signal?.throwIfAborted();
    const sim = await startSim({
      operationMs: options.operationMs ?? 100,
      modules: [containerModule({ kubeconfigDir, drainMs: options.drainMs ?? 0 })],
    });
    stoppers.push(() => sim.close());
    // As deploy sets them up; the simulator enforces the roles (people stay owners).
    const principals = await bindDeployRoles(sim.url, options.project);
    signal?.throwIfAborted();
    const topic = `projects/${options.project}/topics/${AUDIT_TOPIC}`;
    await emulatorPut(emulator.host, topic, {});
    await emulatorPut(emulator.host, `projects/${options.project}/topics/${SWEEP_TOPIC}`, {});
    const sink = await fetch(`${sim.url}/__sim/sink`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      // The filter deploy passes to `gcloud logging sinks create --log-filter`.
      body: JSON.stringify({ topic, filter: sinkFilter(), emulatorHost: emulator.host }),
    });
    if (!sink.ok) throw new Error(`sim sink: ${sink.status} ${await sink.text()}`);

    const envAs = (principal: string): NodeJS.ProcessEnv => ({
      ...process.env,
      PEERLINK_PROJECT: options.project,
      PEERLINK_TOPOLOGY: resolve(options.topologyPath),
      PEERLINK_COMPUTE_ENDPOINT: sim.url,
      PEERLINK_CONTAINER_ENDPOINT: sim.url,
      // The simulator names the caller after this token, as Google names a service account.
      PEERLINK_ACCESS_TOKEN: `principal:${principal}`,
      PEERLINK_SERVICE_ACCOUNT: principal,
      PEERLINK_LOCAL: '1',
      ...options.functionEnv,
    });
    const envs = { reactor: envAs(principals.reactor), bootstrap: envAs(principals.bootstrap) };
    const envOf = (target: FunctionName) =>
      target === 'bootstrap' ? envs.bootstrap : envs.reactor;
    // Through the settings table, as each function will: a bad value fails here, once, with
    // the setting's name, instead of in three function processes.
    for (const env of Object.values(envs)) {
      settings(env);
      cloudConfig(env);
    }
    const urls = {} as Record<FunctionName, string>;
    const procs = new Map<FunctionName, GroupProcess>();
    const ports = new Map<FunctionName, number>();
    const launch = (target: FunctionName) => {
      procs.set(
        target,
        startFunction(target, ports.get(target) ?? 0, envOf(target), options.onLog),
      );
    };
    const serving = (target: FunctionName) =>
      waitFor(
        `functions-framework serving ${target}`,
        async () => {
          const res = await fetch(urls[target], {
            method: 'GET',
            signal: AbortSignal.timeout(1_000),
          });
          return res.status > 0;
        },
        30_000,
        100,
        signal,
      );
    stoppers.push(async () => {
      await Promise.all([...procs.values()].map((p) => p.stop()));
    });
    signal?.throwIfAborted();
    for (const target of FUNCTIONS) {
      ports.set(target, await freePort());
      urls[target] = `http://127.0.0.1:${ports.get(target)}/`;
      launch(target);
    }
    for (const target of FUNCTIONS) await serving(target);
    signal?.throwIfAborted();
    const restart = async (target: FunctionName) => {
      await procs.get(target)?.stop(0);
      launch(target);
      await serving(target);
    };
    for (const [name, t, url] of [
      [`${AUDIT_TOPIC}-push`, AUDIT_TOPIC, urls.onAuditLog],
      [`${SWEEP_TOPIC}-push`, SWEEP_TOPIC, urls.sweep],
    ] as const) {
      await emulatorPut(emulator.host, `projects/${options.project}/subscriptions/${name}`, {
        topic: `projects/${options.project}/topics/${t}`,
        pushConfig: { pushEndpoint: url },
        ackDeadlineSeconds: 120,
      });
    }
    return {
      sim,
      emulator,
      urls,
      principal: principals.reactor,
      principals,
      kubeconfigDir,
      restart,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
