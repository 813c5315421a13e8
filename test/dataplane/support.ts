/**
 * Helpers for the data-plane tests: run commands (optionally inside a network namespace), check
 * what the machine offers, and run the masquerade agent exactly as it ships in manifests/.
 *
 * Every command runs with a hard time limit, so a hung iptables or a dropped packet never hangs
 * the suite.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The very script the DaemonSet runs. */
export const AGENT = fileURLToPath(
  new URL('../../manifests/masquerade-agent/agent.sh', import.meta.url),
);

export const BACKENDS = ['nft', 'legacy'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  override name = 'CommandError';
}

function done(cmd: string, args: readonly string[], r: SpawnSyncReturns<string>): Run {
  if (r.error) {
    throw new CommandError(`${cmd} ${args.join(' ')}: ${r.error.message}`, { cause: r.error });
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command to completion (at most `timeoutMs`) and returns its status and output. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Run {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: opts.env ?? process.env,
    timeout: opts.timeoutMs ?? 20_000,
    killSignal: 'SIGKILL',
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return done(cmd, args, r);
}

/** Like {@link run}, but a non-zero status throws with the command's stderr. */
export function must(cmd: string, args: readonly string[]): string {
  const r = run(cmd, args);
  if (r.code !== 0) {
    throw new CommandError(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** Runs a command inside network namespace `ns`. */
export function inNs(
  ns: string,
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Run {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export function mustInNs(ns: string, cmd: string, args: readonly string[]): string {
  return must('ip', ['netns', 'exec', ns, cmd, ...args]);
}

function hasCommand(name: string): boolean {
  return run('sh', ['-c', 'command -v "$1" >/dev/null', 'sh', name]).code === 0;
}

/** Whether this machine can run the data-plane tests, and if not, why not. */
export function dataplaneSupport(): { ok: boolean; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'not Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  const needed = [
    'ip',
    'iptables-nft',
    'iptables-nft-save',
    'iptables-nft-restore',
    'iptables-legacy',
    'iptables-legacy-save',
    'iptables-legacy-restore',
  ];
  const missing = needed.filter((c) => !hasCommand(c));
  if (missing.length > 0) return { ok: false, reason: `missing commands: ${missing.join(', ')}` };
  return { ok: true, reason: 'root, ip, iptables-nft and iptables-legacy present' };
}

/**
 * Environment for the agent: the test's PATH behind `binDir` (stubs and wrappers), no inherited
 * IPTABLES_MODE unless given, so detection is what runs by default.
 */
export function agentEnv(binDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const { IPTABLES_MODE: _ignored, ...rest } = process.env;
  return { ...rest, PATH: `${binDir}:${process.env.PATH ?? ''}`, ...extra };
}

/** Runs agent.sh with `args` in namespace `ns` under /bin/sh (dash on Debian). */
export function runAgent(ns: string, args: readonly string[], env: NodeJS.ProcessEnv): Run {
  return inNs(ns, '/bin/sh', [AGENT, ...args], { env, timeoutMs: 30_000 });
}

/** The agent's JSON log lines (stdout and stderr), parsed. */
export function agentLogs(r: Run): Array<Record<string, string>> {
  return `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, string>);
}

/** Writes a file atomically (write then rename), as a ConfigMap volume update swaps files. */
export function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * A directory of executables put first on the agent's PATH:
 * - `reboot`, `shutdown` and `halt` stubs that only record that they ran (a broken validator that let
 *   `$(reboot)` through would leave a mark instead of rebooting the machine);
 * - `iptables-<mode>-restore` wrappers that log each call, then run the real binary.
 */
export function makeBinDir(dir: string, canary: string, restoreLog: string): void {
  mkdirSync(dir, { recursive: true });
  const stub = `#!/bin/sh\necho "$0 $*" >> '${canary}'\n`;
  for (const name of ['reboot', 'shutdown', 'halt']) {
    writeFileSync(join(dir, name), stub);
    chmodSync(join(dir, name), 0o755);
  }
  for (const mode of BACKENDS) {
    const real = must('sh', ['-c', `command -v iptables-${mode}-restore`]).trim();
    const wrapper = `#!/bin/sh\necho "iptables-${mode}-restore $*" >> '${restoreLog}'\nexec '${real}' "$@"\n`;
    writeFileSync(join(dir, `iptables-${mode}-restore`), wrapper);
    chmodSync(join(dir, `iptables-${mode}-restore`), 0o755);
  }
}

/** `iptables-<backend>-save` of namespace `ns` (all tables; no -t, so legacy creates nothing). */
export function save(ns: string, backend: Backend): string {
  return mustInNs(ns, `iptables-${backend}-save`, []);
}

/** PEERLINK-MASQ, then the chains a long list continues in: PEERLINK-MASQ-1, -2, ... */
const AGENT_CHAIN = /^PEERLINK-MASQ(?:-(\d+))?$/;

/**
 * What the agent owns in an `iptables-save`: `chain`, the MASQUERADE rules of PEERLINK-MASQ and
 * of the chains it continues in, in the order a packet meets them; `links`, the jumps from each
 * of those chains to the next; `chains`, their names in that order; `jumps`, POSTROUTING's
 * jumps to PEERLINK-MASQ. iptables-save lists chains by name (PEERLINK-MASQ-10 before -2), so
 * the rules are put in order by chain number here.
 */
export function agentRules(saved: string): {
  chain: string[];
  links: string[];
  chains: string[];
  jumps: string[];
  declared: boolean;
} {
  const lines = saved.split('\n');
  const index = (name: string) => Number(AGENT_CHAIN.exec(name)?.[1] ?? 0);
  const chains = lines
    .filter((l) => l.startsWith(':') && AGENT_CHAIN.test(l.slice(1).split(' ')[0] ?? ''))
    .map((l) => l.slice(1).split(' ')[0] as string)
    .sort((a, b) => index(a) - index(b));
  const rules = chains.flatMap((c) => lines.filter((l) => l.startsWith(`-A ${c} `)));
  const isLink = (l: string) => /^-A PEERLINK-MASQ(?:-\d+)? -j PEERLINK-MASQ-\d+$/.test(l);
  return {
    chain: rules.filter((l) => !isLink(l)),
    links: rules.filter(isLink),
    chains,
    jumps: lines.filter((l) => l.startsWith('-A POSTROUTING ') && l.endsWith('-j PEERLINK-MASQ')),
    declared: lines.includes(':PEERLINK-MASQ - [0:0]'),
  };
}

/** Namespaces these tests create: pl<pid><tag>[-role] (tags n, l, s, d<i>, g<n|l>, bench). */
const OURS = /^pl(\d+)(?:[nls]|d\d+|g[nl]|bench)(?:-(?:pod|node|router|backend\d*|outside))?$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes namespaces left behind by an earlier test process that was killed before its cleanup
 * ran: only names of the form above, and only when that process no longer exists. Servers left
 * inside exit on their own once their parent is gone (see lab.ts).
 */
export function sweepStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const line of run('ip', ['netns', 'list']).stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = Number(OURS.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    if (run('ip', ['netns', 'del', name]).code === 0) removed.push(name);
  }
  if (removed.length > 0) console.log(`[dataplane] removed stale namespaces: ${removed.join(' ')}`);
  return removed;
}

/** Polls `check` every 100 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `n` distinct /32s in ascending order (10.0.0.0, 10.0.0.1, …), for lists of any length. */
export function hostCidrs(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`,
  );
}

/**
 * `n` distinct /24s that no aggregation could merge: every other /24, so no two are adjacent.
 * `offset` shifts the whole set, giving a second list that differs entry for entry.
 */
export function spreadCidrs(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + offset;
    return `10.${100 + Math.floor(k / 128)}.${2 * (k % 128)}.0/24`;
  });
}
