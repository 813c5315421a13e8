/**
 * A reproduction of the original failure in network namespaces (see the seed scenario):
 *
 *   pod 10.132.0.10 ── node 10.209.0.2 ── router (the peering) ─┬─ backend ILB 10.193.0.3:80
 *   (frontend pod)     (kubenet rule)     forwards only sources  └─ outside 10.50.0.5:80
 *                                         in VPC A / VPC B          (any source)
 *
 * Every interface lives inside a namespace created here (veth ends are created directly in their
 * namespaces, never in the root one), names carry the test process id, and {@link Lab.destroy}
 * removes everything, including after a half-finished build.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Backend, must, mustInNs, sweepStaleNamespaces } from './support.ts';

export const POD_IP = '10.132.0.10';
export const NODE_IP = '10.209.0.2';
export const ILB_IP = '10.193.0.3';
export const OUTSIDE_IP = '10.50.0.5';
export const VPC_A = '10.193.0.0/16';
export const VPC_B = '10.209.0.0/16';

/** kubenet's rule on a routes-based GKE node, as in the seed scenario's iptables-save. */
export const KUBENET_RULE = [
  '-t',
  'nat',
  '-A',
  'POSTROUTING',
  '!',
  '-d',
  '10.0.0.0/8',
  '-m',
  'comment',
  '--comment',
  'kubenet: SNAT for outbound traffic from cluster',
  '-m',
  'addrtype',
  '!',
  '--dst-type',
  'LOCAL',
  '-j',
  'MASQUERADE',
];

/**
 * HTTP server: answers every request with the source address it saw. Bounded: exits after
 * `life` seconds, on SIGTERM, or when its parent (the test process) is gone.
 */
const SERVER = `
const http = require('node:http');
const [host, port, life] = process.argv.slice(1);
const srv = http.createServer((req, res) => {
  const seen = req.socket.remoteAddress;
  console.log('saw ' + seen);
  res.setHeader('connection', 'close');
  res.end(seen);
});
srv.listen(Number(port), host, () => console.log('listening'));
setTimeout(() => process.exit(0), Number(life) * 1000).unref();
process.on('SIGTERM', () => process.exit(0));
// Exit with the test process, even if it dies before its cleanup runs.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500).unref();
`;

/** HTTP client: one GET with a hard timeout; prints one JSON line with the outcome. */
const CLIENT = `
const [url, ms] = process.argv.slice(1);
fetch(url, { signal: AbortSignal.timeout(Number(ms)) })
  .then(async (r) => ({ ok: true, status: r.status, body: await r.text() }))
  .catch((e) => ({ ok: false, error: e.name === 'TimeoutError' ? 'timeout' : String(e.cause?.code ?? e.message) }))
  .then((out) => { console.log(JSON.stringify(out)); process.exit(0); });
`;

export type Outcome = { ok: true; status: number; body: string } | { ok: false; error: string };

export interface Lab {
  readonly pod: string;
  readonly node: string;
  readonly router: string;
  readonly backend: string;
  readonly outside: string;
  /** GETs http://ip:port/ from the pod, giving up after `ms`. */
  request(ip: string, ms?: number): Outcome;
  destroy(): Promise<void>;
}

function sysctl(ns: string, key: string, value: string): void {
  mustInNs(ns, 'sh', ['-c', 'echo "$2" > "/proc/sys/$1"', 'sh', key.replaceAll('.', '/'), value]);
}

async function startServer(ns: string, ip: string, procs: ChildProcess[]): Promise<void> {
  const child = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, '-e', SERVER, ip, '80', '180'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  procs.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server in ${ns} did not start`)), 10_000);
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server in ${ns} exited ${code}: ${err}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Builds the lab. `tag` keeps labs of one process apart; `backend` is the iptables back end the
 * node's kubenet rule and the router's filter use, so detection on the node must pick it.
 */
export async function buildLab(tag: string, backend: Backend): Promise<Lab> {
  const id = `pl${process.pid}${tag}`;
  const names = {
    pod: `${id}-pod`,
    node: `${id}-node`,
    router: `${id}-router`,
    backend: `${id}-backend`,
    outside: `${id}-outside`,
  };
  sweepStaleNamespaces();
  const created: string[] = [];
  const procs: ChildProcess[] = [];
  const destroy = async (): Promise<void> => {
    await Promise.all(procs.map(stop));
    for (const ns of created) must('ip', ['netns', 'del', ns]);
    created.length = 0;
  };

  try {
    for (const ns of Object.values(names)) {
      must('ip', ['netns', 'add', ns]);
      created.push(ns);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // One veth pair per link, both ends created straight inside their namespaces.
    const link = (a: string, aIf: string, aAddr: string, b: string, bIf: string, bAddr: string) => {
      must('ip', ['-n', a, 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', b]);
      must('ip', ['-n', a, 'addr', 'add', aAddr, 'dev', aIf]);
      must('ip', ['-n', b, 'addr', 'add', bAddr, 'dev', bIf]);
      must('ip', ['-n', a, 'link', 'set', aIf, 'up']);
      must('ip', ['-n', b, 'link', 'set', bIf, 'up']);
    };
    const s = `pl${process.pid}${tag}`;
    link(names.pod, `${s}p`, `${POD_IP}/24`, names.node, `${s}n`, '10.132.0.1/24');
    link(names.node, `${s}u`, `${NODE_IP}/16`, names.router, `${s}r`, '10.209.0.1/16');
    link(names.router, `${s}a`, '10.193.0.1/16', names.backend, `${s}b`, `${ILB_IP}/16`);
    link(names.router, `${s}x`, '10.50.0.1/16', names.outside, `${s}o`, `${OUTSIDE_IP}/16`);

    must('ip', ['-n', names.pod, 'route', 'add', 'default', 'via', '10.132.0.1']);
    must('ip', ['-n', names.node, 'route', 'add', 'default', 'via', '10.209.0.1']);
    must('ip', ['-n', names.backend, 'route', 'add', 'default', 'via', '10.193.0.1']);
    must('ip', ['-n', names.outside, 'route', 'add', 'default', 'via', '10.50.0.1']);
    // Routes-based GKE: the VPC routes each node's pod range to that node.
    must('ip', ['-n', names.router, 'route', 'add', '10.132.0.0/14', 'via', NODE_IP]);

    sysctl(names.node, 'net.ipv4.ip_forward', '1');
    sysctl(names.router, 'net.ipv4.ip_forward', '1');

    const ipt = `iptables-${backend}`;
    mustInNs(names.node, ipt, ['-w', ...KUBENET_RULE]);
    // The peering forwards only sources it knows (VPC A and VPC B); 10.50.0.0/16 stands for a
    // range reachable from any source, for the "not masqueraded" observation.
    mustInNs(names.router, ipt, ['-w', '-P', 'FORWARD', 'DROP']);
    for (const rule of [
      ['-s', VPC_A],
      ['-s', VPC_B],
      ['-d', '10.50.0.0/16'],
      ['-s', '10.50.0.0/16'],
    ]) {
      mustInNs(names.router, ipt, ['-w', '-A', 'FORWARD', ...rule, '-j', 'ACCEPT']);
    }

    await startServer(names.backend, ILB_IP, procs);
    await startServer(names.outside, OUTSIDE_IP, procs);
  } catch (e) {
    await destroy();
    throw e;
  }

  return {
    ...names,
    request(ip: string, ms = 2_000): Outcome {
      const out = must('ip', [
        'netns',
        'exec',
        names.pod,
        process.execPath,
        '-e',
        CLIENT,
        `http://${ip}:80/`,
        String(ms),
      ]);
      return JSON.parse(out.trim()) as Outcome;
    },
    destroy,
  };
}
