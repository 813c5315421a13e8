/**
 * What a process tree holds, read from Linux's /proc (proc(5)): its descendants, their process
 * groups, and the sockets they bind. The stack's children run in process groups of their own
 * (setsid), so once the parent is gone they are found by group and session, not by parent.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Start time in clock ticks since boot, so a reused pid is not taken for the old process. */
  readonly start: number;
  readonly comm: string;
}

/** /proc/<pid>/stat: `pid (comm) state ppid pgrp session …`; comm may hold spaces and parens. */
function readStat(pid: number): Proc | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // After comm: state(0) ppid(1) pgrp(2) session(3) … starttime(19).
  if (f[0] === 'Z') return undefined; // A zombie holds nothing and is only waiting to be reaped.
  return {
    pid,
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    start: Number(f[19]),
    comm,
  };
}

export function allProcs(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readStat(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** `root` and every process below it. */
export function tree(root: number): Proc[] {
  const procs = allProcs();
  const found = procs.filter((p) => p.pid === root);
  for (let i = 0; i < found.length; i++) {
    const parent = found[i]?.pid;
    for (const p of procs) if (p.ppid === parent && !found.includes(p)) found.push(p);
  }
  return found;
}

/**
 * Processes still alive from `seen` (same pid and start time), or in one of their process
 * groups or sessions other than `except`'s (the test runner's own).
 */
export function survivors(seen: readonly Proc[], except: Proc | undefined): Proc[] {
  const groups = new Set(seen.map((p) => p.pgid).filter((g) => g !== except?.pgid));
  const sessions = new Set(seen.map((p) => p.sid).filter((s) => s !== except?.sid));
  return allProcs().filter(
    (p) =>
      seen.some((s) => s.pid === p.pid && s.start === p.start) ||
      groups.has(p.pgid) ||
      sessions.has(p.sid),
  );
}

export function self(): Proc | undefined {
  return readStat(process.pid);
}

export interface Socket {
  readonly protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  readonly address: string;
  readonly port: number;
  /** TCP state: 0A is LISTEN (include/net/tcp_states.h). */
  readonly state: string;
  readonly inode: number;
}

/** /proc/net/tcp stores addresses as 32-bit words in host byte order (little-endian here). */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255)
    return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

export function sockets(): Socket[] {
  const out: Socket[] = [];
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${protocol}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const [addr, port] = (f[1] ?? '').split(':');
      if (!addr || !port) continue;
      out.push({
        protocol,
        address: decodeAddress(addr),
        port: parseInt(port, 16),
        state: f[3] ?? '',
        inode: Number(f[9]),
      });
    }
  }
  return out;
}

/** Socket inodes the process has open (`socket:[inode]` links in /proc/<pid>/fd). */
function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

export interface HeldSocket extends Socket {
  readonly pid: number;
  readonly comm: string;
}

/**
 * Sockets the processes bind for others to reach: TCP in LISTEN and bound UDP. A TCP socket a
 * process connected with gets its local address from the route, so it says nothing of exposure.
 */
export function bound(procs: readonly Proc[]): HeldSocket[] {
  const all = sockets().filter((s) => s.protocol.startsWith('udp') || s.state === '0A');
  const out: HeldSocket[] = [];
  for (const p of procs) {
    const inodes = socketInodes(p.pid);
    for (const s of all) if (inodes.has(s.inode)) out.push({ ...s, pid: p.pid, comm: p.comm });
  }
  return out;
}

export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || /^::ffff:127\./.test(address) || address === '0:0:0:0:0:0:0:1';
}

/** Ports in `ports` that some process, any, still listens on (TCP LISTEN, any address). */
export function listeningOn(ports: ReadonlySet<number>): Socket[] {
  return sockets().filter((s) => s.state === '0A' && ports.has(s.port));
}
