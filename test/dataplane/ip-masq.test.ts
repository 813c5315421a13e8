/**
 * Today's node layout: no kubenet rule, but GKE's IP-MASQ chain (the rules ip-masq-agent keeps,
 * lab.ts), which leaves all of RFC 1918 and the reserved ranges unmasqueraded. Peers at
 * 10.193.0.0/16, 172.20.0.0/16 and 192.168.64.0/20 are all dropped by the peering until the
 * agent runs with the CIDR file peerlink renders for that topology; then each answers with the
 * node's address, and a destination outside the peers still sees the pod's. Once with
 * iptables-nft, once with iptables-legacy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { predictedFacts } from '../../functions/core/desire/predicted.ts';
import { parseTopology } from '../../functions/core/topology/validate.ts';
import { exampleYaml } from '../support/topology.ts';
import { requireInCi } from './ci.ts';
import {
  buildLab,
  ILB_IP,
  IP_MASQ_CHAIN,
  ipMasqSync,
  type Lab,
  NODE_IP,
  OUTSIDE_IP,
  type PeerBackend,
  POD_IP,
  VPC_A,
} from './lab.ts';
import { renderedCidrFile } from './rendered.ts';
import {
  agentEnv,
  agentLogs,
  agentRules,
  BACKENDS,
  dataplaneSupport,
  makeBinDir,
  runAgent,
  save,
  writeAtomically,
} from './support.ts';

const support = dataplaneSupport();
if (!support.ok) console.log(`[dataplane] ip-masq tests skipped: ${support.reason}`);
requireInCi(support, 'ip-masq data-plane tests');

const PEERS: readonly PeerBackend[] = [
  { range: '172.20.0.0/16', gateway: '172.20.0.1', ip: '172.20.0.3' },
  { range: '192.168.64.0/20', gateway: '192.168.64.1', ip: '192.168.64.3' },
];
const TARGETS = [ILB_IP, ...PEERS.map((p) => p.ip)];

/** The example with VPC A holding the two further peer ranges as subnets. */
const topology = parseTopology(
  exampleYaml.replace(
    '        range: 10.193.0.0/16\n',
    '        range: 10.193.0.0/16\n' +
      PEERS.map((p, i) => `      - name: vpc-a-peer-${i}\n        range: ${p.range}\n`).join(''),
  ),
  'ip-masq.test.ts',
);

const JUMP = '-A POSTROUTING -m addrtype ! --dst-type LOCAL -j PEERLINK-MASQ';

describe.skipIf(!support.ok)(`the agent on today's GKE node layout (${support.reason})`, () => {
  describe.each(BACKENDS.map((b) => [b] as const))('iptables-%s', (backend) => {
    const say = (msg: string) => console.log(`[dataplane ip-masq iptables-${backend}] ${msg}`);
    let lab: Lab;
    let dir: string;
    let cidrFile: string;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'peerlink-ipmasq-'));
      cidrFile = join(dir, 'cidrs');
      makeBinDir(join(dir, 'bin'), join(dir, 'canary'), join(dir, 'restore.log'));
      env = agentEnv(join(dir, 'bin'), { CIDR_FILE: cidrFile });
      lab = await buildLab(backend === 'nft' ? 'gn' : 'gl', backend, {
        node: 'ip-masq',
        peers: PEERS,
      });
    });

    afterAll(async () => {
      await lab?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const natLines = () => save(lab.node, backend).split('\n');
    const postrouting = () => natLines().filter((l) => l.startsWith('-A POSTROUTING '));
    const ipMasq = () => natLines().filter((l) => l.startsWith(`-A ${IP_MASQ_CHAIN} `));

    test('the node carries the IP-MASQ chain: RETURN for link-local, RFC 1918 and the reserved ranges, then MASQUERADE', () => {
      const chain = ipMasq();
      say(`IP-MASQ: ${JSON.stringify(chain)}`);
      expect(chain).toHaveLength(13);
      expect(chain.at(-1)).toMatch(/-j MASQUERADE/);
      expect(postrouting()).toEqual([expect.stringMatching(/--dst-type LOCAL -j IP-MASQ$/)]);
    });

    test('before the agent runs, the pod reaches no peer: the peering drops pod sources', () => {
      for (const ip of TARGETS) {
        const before = lab.request(ip, 2_000);
        say(`before agent: GET http://${ip}:80/ from pod ${POD_IP} -> ${JSON.stringify(before)}`);
        expect(before).toEqual({ ok: false, error: 'timeout' });
      }
    });

    test('the CIDR file peerlink renders lists every peer range, 172.20.0.0/16 and 192.168.64.0/20 included', () => {
      const rendered = renderedCidrFile('frontend-cluster', topology, predictedFacts(topology));
      say(`CIDR file rendered: ${JSON.stringify(rendered)}`);
      const lines = rendered.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      expect(lines).toEqual([VPC_A, ...PEERS.map((p) => p.range)]);
      writeAtomically(cidrFile, rendered);
    });

    test('after agent.sh --once, each peer answers and sees the node address; the jump sits ahead of IP-MASQ', () => {
      const before = ipMasq();
      const r = runAgent(lab.node, ['--once'], env);
      say(`agent --once: exit ${r.code} ${r.stdout.trim()}`);
      expect(r.code, r.stderr).toBe(0);
      expect(agentLogs(r).some((l) => l.mode === backend)).toBe(true);
      const post = postrouting();
      say(`POSTROUTING: ${JSON.stringify(post)}`);
      expect(post[0]).toBe(JUMP);
      expect(post[1]).toMatch(/--dst-type LOCAL -j IP-MASQ$/);
      expect(post).toHaveLength(2);
      for (const ip of TARGETS) {
        const after = lab.request(ip, 2_000);
        say(`after agent: GET http://${ip}:80/ -> ${JSON.stringify(after)}`);
        expect(after).toEqual({ ok: true, status: 200, body: NODE_IP });
      }
      // GKE's chain is not the agent's: left exactly as it was.
      expect(ipMasq()).toEqual(before);
    });

    test('a destination in a range that is no peer of the cluster keeps the pod address', () => {
      const out = lab.request(OUTSIDE_IP, 2_000);
      say(`GET http://${OUTSIDE_IP}:80/ -> ${JSON.stringify(out)}`);
      expect(out).toEqual({ ok: true, status: 200, body: POD_IP });
    });

    test("ip-masq-agent's resync keeps its jump behind the agent's, and the peers stay reachable", () => {
      ipMasqSync(lab.node, backend);
      const post = postrouting();
      say(`POSTROUTING after an ip-masq-agent resync: ${JSON.stringify(post)}`);
      expect(post[0]).toBe(JUMP);
      expect(post).toHaveLength(2);
      for (const ip of TARGETS)
        expect(lab.request(ip, 2_000)).toEqual({ ok: true, status: 200, body: NODE_IP });
    });

    test('--uninstall removes only what the agent wrote, and the peers are cut off again', () => {
      const r = runAgent(lab.node, ['--uninstall'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(agentRules(save(lab.node, backend)).jumps).toEqual([]);
      expect(ipMasq()).toHaveLength(13);
      for (const ip of TARGETS)
        expect(lab.request(ip, 2_000)).toEqual({ ok: false, error: 'timeout' });
    });
  });
});
