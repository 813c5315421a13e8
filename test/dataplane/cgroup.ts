/**
 * Runs a command under a pod's resource limits, as the kubelet enforces them: a memory cgroup
 * whose limit is the container's memory limit, and a CFS quota of limit.cpu × the period
 * (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-limits-are-run).
 * cgroup v1 (memory.limit_in_bytes, cpu.cfs_quota_us) or v2 (memory.max, cpu.max).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Run, run } from './support.ts';

const ROOT = '/sys/fs/cgroup';
const PERIOD_US = 100_000;

export interface Limits {
  readonly memoryBytes: number;
  readonly cpuMillis: number;
}

type Layout = { kind: 'v1' } | { kind: 'v2' };

/** Which cgroup layout this machine offers with memory and cpu control, or why none. */
export function cgroupSupport(): { ok: true; layout: Layout } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  if (
    existsSync(join(ROOT, 'memory', 'cgroup.procs')) &&
    existsSync(join(ROOT, 'cpu', 'cgroup.procs'))
  )
    return { ok: true, layout: { kind: 'v1' } };
  const controllers = join(ROOT, 'cgroup.controllers');
  if (existsSync(controllers)) {
    const have = readFileSync(controllers, 'utf8').split(/\s+/);
    if (have.includes('memory') && have.includes('cpu'))
      return { ok: true, layout: { kind: 'v2' } };
  }
  return { ok: false, reason: `no cgroup with memory and cpu control under ${ROOT}` };
}

/** Kubernetes quantities as the DaemonSet writes them: "100m", "1", "64Mi", "1Gi". */
export function quantity(q: string | number | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(String(q ?? ''));
  if (!m) throw new Error(`unparsed quantity ${q}`);
  const scale = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * scale;
}

export interface LimitedRun extends Run {
  /** OOM kills inside the cgroup while the command ran. */
  readonly oomKills: number;
  /**
   * CPU time (user + system) the command and its children used, from the shell's `times`. Unlike
   * the wall time, it does not grow when other work competes for the machine's CPUs.
   */
  readonly cpuMs: number;
}

/** Children's user and system times from POSIX `times` output ("0m1.23s 0m0.45s" lines). */
function childCpuMs(text: string): number {
  const last = text.trim().split('\n').at(-1) ?? '';
  return [...last.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (ms, m) => ms + (Number(m[1]) * 60 + Number(m[2])) * 1000,
    0,
  );
}

/**
 * Runs `cmd args` in a fresh cgroup named `name` with `limits`, then removes the cgroup. The
 * shell moves itself into the cgroup before it execs the command, so every child is inside.
 */
export function runLimited(
  name: string,
  limits: Limits,
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): LimitedRun {
  const support = cgroupSupport();
  if (!support.ok) throw new Error(support.reason);
  const quota = Math.round((limits.cpuMillis / 1000) * PERIOD_US);
  const dirs: string[] = [];
  let procs: string[];
  let oomFile: string;
  if (support.layout.kind === 'v1') {
    const mem = join(ROOT, 'memory', name);
    const cpu = join(ROOT, 'cpu', name);
    for (const d of [mem, cpu]) mkdirSync(d, { recursive: true });
    dirs.push(mem, cpu);
    writeFileSync(join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(quota));
    procs = [join(mem, 'cgroup.procs'), join(cpu, 'cgroup.procs')];
    oomFile = join(mem, 'memory.oom_control');
  } else {
    writeFileSync(join(ROOT, 'cgroup.subtree_control'), '+memory +cpu');
    const d = join(ROOT, name);
    mkdirSync(d, { recursive: true });
    dirs.push(d);
    writeFileSync(join(d, 'memory.max'), String(limits.memoryBytes));
    writeFileSync(join(d, 'memory.swap.max'), '0');
    writeFileSync(join(d, 'cpu.max'), `${quota} ${PERIOD_US}`);
    procs = [join(d, 'cgroup.procs')];
    oomFile = join(d, 'memory.events');
  }
  const ooms = () => Number(/oom_kill (\d+)/.exec(readFileSync(oomFile, 'utf8'))?.[1] ?? 0);
  const timesFile = join(tmpdir(), `${name}.times`);
  try {
    const before = ooms();
    const r = run(
      'sh',
      [
        '-c',
        'for p in $CG_PROCS; do echo $$ > "$p"; done; "$@"; rc=$?; times > "$CG_TIMES"; exit $rc',
        'sh',
        cmd,
        ...args,
      ],
      {
        ...opts,
        env: { ...(opts.env ?? process.env), CG_PROCS: procs.join(' '), CG_TIMES: timesFile },
      },
    );
    const times = existsSync(timesFile) ? readFileSync(timesFile, 'utf8') : '';
    return { ...r, oomKills: ooms() - before, cpuMs: childCpuMs(times) };
  } finally {
    rmSync(timesFile, { force: true });
    for (const d of dirs) {
      // The command has exited, so the cgroup is empty; rmdir is how a cgroup is removed.
      for (let i = 0; i < 50 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          run('sleep', ['0.02']);
        }
      }
    }
  }
}
