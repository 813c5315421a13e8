/**
 * `npm start` (test/local/start.ts) as a child process, in a temporary working directory of its
 * own so that its `.peerlink/` is not the checkout's (a live `npm start` keeps its endpoints
 * there). Its stdout and stderr are one pipe, as with `npm start 2>&1 | tee log`. Every process
 * seen in its tree is remembered, so `cleanup()` can kill what a failed test left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../support/poll.ts';
import { repoRoot } from '../support/topology.ts';
import { type Proc, self, survivors, tree } from './procfs.ts';

export interface LocalInfo {
  readonly simulator: string;
  readonly pubsubEmulator: string;
  readonly functions: Record<string, string>;
  readonly kubeconfigs: Record<string, string>;
}

export interface StartedLocal {
  readonly child: ChildProcess;
  /** The child's working directory; its state is `<dir>/.peerlink`. */
  readonly dir: string;
  readonly stateDir: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** Waits, bounded, until the output contains `text`; fails early if the child exits. */
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  info(): LocalInfo;
  /** Every process seen in the child's tree so far, the child included. */
  seen(): readonly Proc[];
  /** Kills the process groups of everything seen that is still alive, and removes `dir`. */
  cleanup(): Promise<void>;
}

export function startLocal(args: readonly string[] = []): StartedLocal {
  const dir = mkdtempSync(join(tmpdir(), 'peerlink-start-'));
  const stateDir = join(dir, '.peerlink');
  // `exec` keeps one process: the shell's pid becomes node's, with 2>&1 as in the report.
  const child = spawn(
    'sh',
    ['-c', 'exec "$0" "$@" 2>&1', process.execPath, join(repoRoot, 'test/local/start.ts'), ...args],
    { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let output = '';
  child.stdout?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const seen = new Map<string, Proc>();
  const record = () => {
    if (done || child.pid === undefined) return;
    for (const p of tree(child.pid)) seen.set(`${p.pid}/${p.start}`, p);
  };
  // Sampled, so that children are known even if the parent dies without stopping them.
  const sampler = setInterval(record, 200);
  sampler.unref();
  return {
    child,
    dir,
    stateDir,
    exited,
    output: () => output,
    waitForOutput: async (text, timeoutMs) => {
      await until(
        () => {
          if (output.includes(text)) return true;
          if (done) throw new Error(`exited before printing '${text}':\n${output}`);
          return false;
        },
        { what: `'${text}' in the output of npm start`, timeoutMs, intervalMs: 100 },
      );
      record();
    },
    info: () => JSON.parse(readFileSync(join(stateDir, 'local.json'), 'utf8')) as LocalInfo,
    seen: () => {
      record();
      return [...seen.values()];
    },
    cleanup: async () => {
      clearInterval(sampler);
      record();
      const me = self();
      const left = survivors([...seen.values()], me);
      // The child shares the runner's group; only the stack's own groups are killed whole.
      const targets = new Set(left.map((p) => (p.pgid === me?.pgid ? p.pid : -p.pgid)));
      for (const target of targets) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      if (!done) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
