/**
 * A reproduction of the original failure in network namespaces (see the seed scenario):
 *
 *   pod 10.132.0.10 ── node 10.209.0.2 ── router (the peering) ─┬─ backend ILB 10.193.0.3:80
 *   (frontend pod)     (kubenet rule,     forwards only sources  ├─ peer backends (option `peers`)
 *                      or GKE's IP-MASQ)  in VPC A / VPC B       └─ outside 10.50.0.5:80
 *                                         and the peers             (any source)
 *
 * Every interface lives inside a namespace created here (veth ends are created directly in their
 * namespaces, never in the root one), names carry the test process id, and {@link Lab.destroy}
 * removes everything, including after a half-finished build.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Backend, must, mustInNs, run, sweepStaleNamespaces } from './support.ts';

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
 * A GKE node today: the chain ip-masq-agent keeps, as GKE runs it (`--masq-chain=IP-MASQ
 * --nomasq-all-reserved-ranges`, GKE's DaemonSet in
 * https://cloud.google.com/kubernetes-engine/docs/how-to/ip-masquerade-agent). Written from
 * kubernetes-sigs/ip-masq-agent cmd/ip-masq-agent/ip-masq-agent.go: NewMasqConfig (the ranges, in
 * its order), ensurePostroutingJump (the jump, appended to POSTROUTING with its comment) and
 * syncMasqRules (link-local, then a RETURN per range, then MASQUERADE, with --random-fully where
 * iptables has it, as 1.8 does; one iptables-restore --noflush).
 */
export const IP_MASQ_CHAIN = 'IP-MASQ';
export const IP_MASQ_RESERVED = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
];
export const IP_MASQ_JUMP = [
  '-m',
  'comment',
  '--comment',
  `ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom ${IP_MASQ_CHAIN} chain`,
  '-m',
  'addrtype',
  '!',
  '--dst-type',
  'LOCAL',
  '-j',
  IP_MASQ_CHAIN,
];
const RETURN_COMMENT =
  '-m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE"';
const MASQ_COMMENT =
  '-m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)"';

/** What ip-masq-agent's syncMasqRules hands iptables-restore. */
export function ipMasqRestore(): string {
  return [
    '*nat',
    `:${IP_MASQ_CHAIN} - [0:0]`,
    ...['169.254.0.0/16', ...IP_MASQ_RESERVED].map(
      (cidr) => `-A ${IP_MASQ_CHAIN} ${RETURN_COMMENT} -d ${cidr} -j RETURN`,
    ),
    `-A ${IP_MASQ_CHAIN} ${MASQ_COMMENT} -j MASQUERADE --random-fully`,
    'COMMIT',
    '',
  ].join('\n');
}

/**
 * One resync of ip-masq-agent on the node, in `backend`: EnsureChain, EnsureRule(Append) of the
 * jump (added only when `-C` does not find it, so a rule inserted ahead of it stays ahead), then
 * the chain's rules.
 */
export function ipMasqSync(ns: string, backend: Backend): void {
  const ipt = `iptables-${backend}`;
  if (run('ip', ['netns', 'exec', ns, ipt, '-w', '-t', 'nat', '-S', IP_MASQ_CHAIN]).code !== 0)
    mustInNs(ns, ipt, ['-w', '-t', 'nat', '-N', IP_MASQ_CHAIN]);
  const jump = ['POSTROUTING', ...IP_MASQ_JUMP];
  if (run('ip', ['netns', 'exec', ns, ipt, '-w', '-t', 'nat', '-C', ...jump]).code !== 0)
    mustInNs(ns, ipt, ['-w', '-t', 'nat', '-A', ...jump]);
  const r = run('ip', ['netns', 'exec', ns, `${ipt}-restore`, '-w', '5', '--noflush'], {
    input: ipMasqRestore(),
  });
  if (r.code !== 0)
    throw new Error(`${ipt}-restore of ${IP_MASQ_CHAIN} exited ${r.code}: ${r.stderr}`);
}

/** A backend in a peer range, in its own namespace behind the router. */
export interface PeerBackend {
  /** The peer's range, whose sources the router forwards. */
  readonly range: string;
  /** The router's address in it (prefix as `range`'s). */
  readonly gateway: string;
  readonly ip: string;
}

export interface LabOptions {
  /** The node's masquerade rules: kubenet's (the seed scenario, the default) or GKE's today. */
  readonly node?: 'kubenet' | 'ip-masq';
  /** Backends in further peer ranges, besides VPC A's ILB. */
  readonly peers?: readonly PeerBackend[];
}

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
  /** The namespaces of `options.peers`, in their order. */
  readonly peers: readonly string[];
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
 * node's masquerade rules and the router's filter use, so detection on the node must pick it.
 */
export async function buildLab(
  tag: string,
  backend: Backend,
  options: LabOptions = {},
): Promise<Lab> {
  const id = `pl${process.pid}${tag}`;
  const peers = options.peers ?? [];
  const names = {
    pod: `${id}-pod`,
    node: `${id}-node`,
    router: `${id}-router`,
    backend: `${id}-backend`,
    outside: `${id}-outside`,
  };
  const peerNames = peers.map((_, i) => `${id}-backend${i + 1}`);
  sweepStaleNamespaces();
  const created: string[] = [];
  const procs: ChildProcess[] = [];
  const destroy = async (): Promise<void> => {
    await Promise.all(procs.map(stop));
    for (const ns of created) must('ip', ['netns', 'del', ns]);
    created.length = 0;
  };

  try {
    for (const ns of [...Object.values(names), ...peerNames]) {
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
    peers.forEach((p, i) => {
      const prefix = p.range.split('/')[1];
      const ns = peerNames[i] as string;
      link(
        names.router,
        `${s}r${i}`,
        `${p.gateway}/${prefix}`,
        ns,
        `${s}b${i}`,
        `${p.ip}/${prefix}`,
      );
      must('ip', ['-n', ns, 'route', 'add', 'default', 'via', p.gateway]);
    });

    must('ip', ['-n', names.pod, 'route', 'add', 'default', 'via', '10.132.0.1']);
    must('ip', ['-n', names.node, 'route', 'add', 'default', 'via', '10.209.0.1']);
    must('ip', ['-n', names.backend, 'route', 'add', 'default', 'via', '10.193.0.1']);
    must('ip', ['-n', names.outside, 'route', 'add', 'default', 'via', '10.50.0.1']);
    // Routes-based GKE: the VPC routes each node's pod range to that node.
    must('ip', ['-n', names.router, 'route', 'add', '10.132.0.0/14', 'via', NODE_IP]);

    sysctl(names.node, 'net.ipv4.ip_forward', '1');
    sysctl(names.router, 'net.ipv4.ip_forward', '1');

    const ipt = `iptables-${backend}`;
    if (options.node === 'ip-masq') ipMasqSync(names.node, backend);
    else mustInNs(names.node, ipt, ['-w', ...KUBENET_RULE]);
    // The peering forwards only sources it knows (VPC A, VPC B and the peers); 10.50.0.0/16
    // stands for a range reachable from any source, for the "not masqueraded" observation.
    mustInNs(names.router, ipt, ['-w', '-P', 'FORWARD', 'DROP']);
    for (const rule of [
      ['-s', VPC_A],
      ['-s', VPC_B],
      ...peers.map((p) => ['-s', p.range]),
      ['-d', '10.50.0.0/16'],
      ['-s', '10.50.0.0/16'],
    ]) {
      mustInNs(names.router, ipt, ['-w', '-A', 'FORWARD', ...rule, '-j', 'ACCEPT']);
    }

    await startServer(names.backend, ILB_IP, procs);
    await startServer(names.outside, OUTSIDE_IP, procs);
    for (const [i, p] of peers.entries()) await startServer(peerNames[i] as string, p.ip, procs);
  } catch (e) {
    await destroy();
    throw e;
  }

  return {
    ...names,
    peers: peerNames,
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
