import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGroup } from './process-group.ts';

/** A running Pub/Sub emulator. */
export interface PubsubEmulator {
  /** `127.0.0.1:<port>`, the value for PUBSUB_EMULATOR_HOST. */
  host: string;
  port: number;
  projectId: string;
  /** Kills the emulator's whole process group (gcloud wrapper and its java child). */
  stop(): Promise<void>;
}

/** Options for {@link startPubsubEmulator}. */
export interface PubsubEmulatorOptions {
  projectId?: string;
  /**
   * Where gcloud writes the emulator's env.yaml. Default: a temporary directory removed on stop,
   * since gcloud's own default is one shared by every emulator of the user.
   */
  dataDir?: string;
  /** Longest wait for the emulator to answer HTTP (default 60 s). */
  readyTimeoutMs?: number;
  /** Aborting stops the emulator and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Thrown when the emulator does not start or answer in time. */
export class PubsubEmulatorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PubsubEmulatorError';
  }
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `gcloud beta emulators pubsub start` on a free loopback port in its own process group
 * (spawnGroup: `detached` = setsid), because gcloud is a Python wrapper whose java child keeps the port if
 * only the wrapper is killed. Waits (bounded) until the emulator answers HTTP. Throws
 * PubsubEmulatorError, after killing the group, when it exits early or is not ready in time.
 */
export async function startPubsubEmulator(
  opts: PubsubEmulatorOptions = {},
): Promise<PubsubEmulator> {
  const projectId = opts.projectId ?? 'sim-test';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  opts.signal?.throwIfAborted();
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'peerlink-pubsub-')));
  // gcloud writes env.yaml there but does not create the directory.
  await mkdir(dataDir, { recursive: true });
  const group = spawnGroup('gcloud', [
    'beta',
    'emulators',
    'pubsub',
    'start',
    `--host-port=${host}`,
    `--project=${projectId}`,
    `--data-dir=${dataDir}`,
    '--quiet',
  ]);
  let exited = false;
  group.child.once('exit', () => {
    exited = true;
  });
  const stop = async () => {
    await group.stop();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (opts.signal?.aborted) {
      await stop();
      opts.signal.throwIfAborted();
    }
    if (exited) {
      await stop();
      throw new PubsubEmulatorError(
        `Pub/Sub emulator exited before it was ready:\n${group.output()}`,
      );
    }
    try {
      const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return { host, port, projectId, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new PubsubEmulatorError(
    `Pub/Sub emulator not ready after ${readyTimeoutMs} ms:\n${group.output()}`,
  );
}
