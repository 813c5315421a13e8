/**
 * Where the contract suites run: the in-process simulator (always), and a real project when
 * PEERLINK_LIVE_PROJECT is set (Application Default Credentials; region/zone from
 * PEERLINK_LIVE_REGION / PEERLINK_LIVE_ZONE). Suites are defined once and run per target; the
 * live target is reported as skipped, with the reason in its name, when not configured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, type CloudOptions, createCloud } from '../../functions/gcp/cloud.ts';
import { cloudConfig } from '../../functions/gcp/config.ts';
import { containerModule } from '../sim/container/index.ts';
import { type RunningSim, startSim } from '../sim/server.ts';

export const PRINCIPAL = 'peerlink@p.iam.gserviceaccount.com';

export interface Target {
  readonly cloud: Cloud;
  readonly project: string;
  readonly region: string;
  readonly zone: string;
  /** Makes names unique per run (a real project is shared between runs). */
  readonly suffix: string;
  /** The simulator, when the target is one (for its control endpoints). */
  readonly sim: RunningSim | undefined;
  /** Registers a clean-up step for a real project (run in reverse order by close). */
  defer(step: () => Promise<unknown>): void;
  close(): Promise<void>;
}

export interface TargetSpec {
  /** Suite name, with the skip reason when skipped. */
  readonly name: string;
  readonly skip: boolean;
  /** Per-test timeout: a real project's operations take minutes. */
  readonly timeout: number;
  readonly start: () => Promise<Target>;
}

const LIVE_PROJECT = process.env.PEERLINK_LIVE_PROJECT?.trim() || undefined;

/** Starts the simulator (Compute, GKE and per-cluster Kubernetes APIs) and points the adapters at it. */
export async function simTarget(
  options: CloudOptions = {},
  timing: {
    operationMs?: number;
    waitCapMs?: number;
    containerOperationMs?: number;
    drainMs?: number;
  } = {},
): Promise<Target> {
  const kubeconfigDir = mkdtempSync(join(tmpdir(), 'peerlink-cloud-'));
  const sim = await startSim({
    port: 0,
    operationMs: timing.operationMs ?? 20,
    waitCapMs: timing.waitCapMs ?? 5_000,
    modules: [
      containerModule({
        kubeconfigDir,
        operationMs: timing.containerOperationMs ?? 30,
        drainMs: timing.drainMs ?? 0,
      }),
    ],
  });
  const config = cloudConfig({
    PEERLINK_PROJECT: 'p',
    PEERLINK_COMPUTE_ENDPOINT: sim.url,
    PEERLINK_CONTAINER_ENDPOINT: sim.url,
    PEERLINK_ACCESS_TOKEN: `principal:${PRINCIPAL}`,
  });
  return {
    cloud: createCloud(config, {
      containerPollMs: 10,
      computeOperationTimeoutMs: 20_000,
      ...options,
    }),
    project: 'p',
    region: 'europe-west1',
    zone: 'europe-west1-b',
    suffix: randomBytes(2).toString('hex'),
    sim,
    // Closing the simulator discards everything.
    defer: () => {},
    close: async () => {
      await sim.close();
      rmSync(kubeconfigDir, { recursive: true, force: true });
    },
  };
}

async function liveTarget(project: string): Promise<Target> {
  const config = cloudConfig({ PEERLINK_PROJECT: project });
  const region = process.env.PEERLINK_LIVE_REGION?.trim() || 'europe-west1';
  const steps: (() => Promise<unknown>)[] = [];
  return {
    cloud: createCloud(config, { containerPollMs: 5_000 }),
    project,
    region,
    zone: process.env.PEERLINK_LIVE_ZONE?.trim() || `${region}-b`,
    suffix: randomBytes(2).toString('hex'),
    sim: undefined,
    defer: (step) => {
      steps.push(step);
    },
    close: async () => {
      // Best effort: a failed step must not keep the others from running.
      for (const step of steps.reverse()) await step().catch(() => undefined);
    },
  };
}

/** The simulator target and the live one (skipped unless PEERLINK_LIVE_PROJECT is set). */
export function targets(what: string): TargetSpec[] {
  return [
    { name: `${what} (simulator)`, skip: false, timeout: 30_000, start: () => simTarget() },
    LIVE_PROJECT
      ? {
          name: `${what} (live project ${LIVE_PROJECT})`,
          skip: false,
          timeout: 3_600_000,
          start: () => liveTarget(LIVE_PROJECT),
        }
      : {
          name: `${what} (live project: skipped, PEERLINK_LIVE_PROJECT not set)`,
          skip: true,
          timeout: 0,
          start: () => Promise.reject(new Error('PEERLINK_LIVE_PROJECT not set')),
        },
  ];
}

/** Sets faults on the simulator (`PUT /__sim/faults`). */
export async function setFaults(sim: RunningSim, methods: Record<string, object>): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seed: 1, methods }),
  });
  if (!res.ok) throw new Error(`faults: ${res.status} ${await res.text()}`);
}

/** The rejection of `p`, failing the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
