/**
 * Child processes in their own process group, so stopping one also stops whatever it spawned
 * (gcloud's java child, functions-framework's workers). Nothing is left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface GroupProcess {
  readonly child: ChildProcess;
  /** The last lines of output, for error messages. */
  output(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Groups started here and not yet stopped, for {@link killGroupsNow}. */
const live = new Set<ChildProcess>();

/**
 * SIGKILLs every group started here that was not stopped, synchronously, so it can run in a
 * process 'exit' handler: the last resort when the parent ends without stopping them.
 */
export function killGroupsNow(): void {
  for (const child of live) if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  live.clear();
}

export function spawnGroup(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void } = {},
): GroupProcess {
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  live.add(child);
  let tail = '';
  let partial = '';
  const keep = (b: Buffer) => {
    const text = b.toString();
    tail = (tail + text).slice(-8000);
    if (!options.onLine) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    output: () => tail,
    stop: (graceMs = 5_000) => stopGroup(child, graceMs),
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export async function stopGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(pid, 'SIGTERM');
    const timer = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), graceMs).unref(),
    );
    if ((await Promise.race([exited, timer])) === 'timeout') signalGroup(pid, 'SIGKILL');
  }
  // A leader can exit before its children; make sure the whole group is gone.
  signalGroup(pid, 'SIGKILL');
  live.delete(child);
}

/**
 * Polls `check` until it returns a value, at most `timeoutMs`; throws with `what` otherwise,
 * or with the signal's reason once `signal` aborts.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  intervalMs = 200,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}
