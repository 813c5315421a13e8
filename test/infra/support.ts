/**
 * Shared set-up for the deploy and teardown tests: the recording gcloud stand-in on PATH (for
 * the child processes only: the emulator helper also spawns `gcloud`, and must get the real
 * one), a throw-away checkout with a built `dist/`, and Pub/Sub clients for the emulator.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { PassThroughClient } from 'google-auth-library';
import type { Io } from '../../functions/cli/main.ts';
import { execRunner, type Runner } from '../../infra/deploy/gcloud.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const fixtures = path.join(import.meta.dirname, 'fixtures');
export const PROJECT_NUMBER = '123456789012';
export const REGION = 'europe-west1';

/** A fake checkout: what deploy stages and uploads. */
export function fakeCheckout(dir: string): { root: string; topology: string } {
  const root = path.join(dir, 'checkout');
  mkdirSync(path.join(root, 'dist/functions'), { recursive: true });
  writeFileSync(path.join(root, 'dist/functions/index.js'), 'export {};\n');
  writeFileSync(
    path.join(root, 'package.json'),
    '{"name":"peerlink","main":"dist/functions/index.js"}\n',
  );
  writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3}\n');
  const topology = path.join(dir, 'topology.yaml');
  writeFileSync(topology, readFileSync(path.join(repoRoot, 'infra/topology.example.yaml')));
  return { root, topology };
}

export interface Stub {
  readonly dir: string;
  readonly run: Runner;
  readonly statePath: string;
  /** Every argument vector gcloud was called with, in order. */
  calls(): string[][];
  state(): {
    resources: Record<string, Record<string, unknown>>;
    policies: Record<string, { bindings?: { role: string; members: string[] }[] }>;
    failOnce: (string | { match: string; error: string })[];
  };
  /** The next call containing `match` fails (with gcloud's `error` text when given). */
  failOnce(match: string, error?: string): void;
  addResource(key: string, value: Record<string, unknown>): void;
  cleanup(): void;
}

/** A stand-in gcloud with its own state: project `project` exists. */
export function stub(project: string): Stub {
  const dir = mkdtempSync(path.join(tmpdir(), 'peerlink-infra-'));
  const statePath = path.join(dir, 'gcloud-state.json');
  const logPath = path.join(dir, 'gcloud-calls.jsonl');
  writeFileSync(
    statePath,
    JSON.stringify({
      resources: { [`projects ${project}`]: { projectId: project, projectNumber: PROJECT_NUMBER } },
    }),
  );
  writeFileSync(logPath, '');
  const env = {
    ...process.env,
    PATH: `${fixtures}${path.delimiter}${process.env.PATH ?? ''}`,
    GCLOUD_STUB_STATE: statePath,
    GCLOUD_STUB_LOG: logPath,
  };
  const read = () => JSON.parse(readFileSync(statePath, 'utf8'));
  return {
    dir,
    run: execRunner(env),
    statePath,
    calls: () =>
      readFileSync(logPath, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as string[]),
    state: read,
    failOnce: (match, error) => {
      const st = read();
      st.failOnce = [...(st.failOnce ?? []), error === undefined ? match : { match, error }];
      writeFileSync(statePath, JSON.stringify(st));
    },
    addResource: (key, value) => {
      const st = read();
      st.resources[key] = value;
      writeFileSync(statePath, JSON.stringify(st));
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Pub/Sub clients for the emulator at `host`, closed together. */
export function emulatorClients(host: string): {
  make(project: string): PubSub;
  closeAll(): Promise<void>;
} {
  const made: PubSub[] = [];
  return {
    make: (project) => {
      const c = new PubSub({
        projectId: project,
        apiEndpoint: host,
        emulatorMode: true,
        authClient: new PassThroughClient(),
      });
      made.push(c);
      return c;
    },
    closeAll: async () => {
      await Promise.all(made.map((c) => c.close()));
    },
  };
}

/** An Io that keeps what was written. */
export function captureIo(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (l) => lines.push(...l.split('\n')),
    err: (l) => errors.push(...l.split('\n')),
  };
}

/** gcloud calls that only read. */
export function isProbe(argv: readonly string[]): boolean {
  return argv.some((a) => ['describe', 'get-iam-policy', 'list'].includes(a));
}
