/**
 * The original failure, reproduced with real packets and real iptables in network namespaces,
 * and fixed by the very agent script that ships in manifests/masquerade-agent/. The whole set
 * runs once with iptables-nft and once with iptables-legacy; in each round the node's kubenet
 * rule lives in that back end, so the agent's own detection has to pick it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireInCi } from './ci.ts';
import { buildLab, ILB_IP, type Lab, NODE_IP, OUTSIDE_IP, POD_IP, VPC_A } from './lab.ts';
import { renderedCidrFile } from './rendered.ts';
import {
  AGENT,
  agentEnv,
  agentLogs,
  agentRules,
  BACKENDS,
  dataplaneSupport,
  hostCidrs,
  makeBinDir,
  mustInNs,
  runAgent,
  save,
  waitFor,
  writeAtomically,
} from './support.ts';

const support = dataplaneSupport();
if (!support.ok) console.log(`[dataplane] masquerade tests skipped: ${support.reason}`);
requireInCi(support, 'masquerade data-plane tests');

const EXTRA = '10.196.0.0/16';
const rule = (cidr: string) => `-A PEERLINK-MASQ -d ${cidr} -j MASQUERADE`;
const JUMP = '-A POSTROUTING -m addrtype ! --dst-type LOCAL -j PEERLINK-MASQ';

describe.skipIf(!support.ok)(`masquerade agent on a real data plane (${support.reason})`, () => {
  describe.each(BACKENDS.map((b, i) => [b, i] as const))('iptables-%s', (backend, i) => {
    const other = BACKENDS[1 - i] ?? 'nft';
    const say = (msg: string) => console.log(`[dataplane iptables-${backend}] ${msg}`);
    let lab: Lab;
    let dir: string;
    let cidrFile: string;
    let canary: string;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'peerlink-dataplane-'));
      cidrFile = join(dir, 'cidrs');
      canary = join(dir, 'canary');
      makeBinDir(join(dir, 'bin'), canary, join(dir, 'restore.log'));
      env = agentEnv(join(dir, 'bin'), { CIDR_FILE: cidrFile });
      lab = await buildLab(backend === 'nft' ? 'n' : 'l', backend);
    });

    afterAll(async () => {
      await lab?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const mine = () => agentRules(save(lab.node, backend));
    const restoreCalls = () => {
      const log = join(dir, 'restore.log');
      return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').length : 0;
    };

    test('before the agent runs, the pod cannot reach the backend ILB (the peering drops it)', () => {
      const before = lab.request(ILB_IP, 2_000);
      say(`before agent: GET http://${ILB_IP}:80/ from pod ${POD_IP} -> ${JSON.stringify(before)}`);
      expect(before).toEqual({ ok: false, error: 'timeout' });
    });

    test('after agent.sh --once with the CIDR file peerlink renders, the request succeeds from the node address', () => {
      const rendered = renderedCidrFile();
      say(`CIDR file rendered for infra/topology.example.yaml: ${JSON.stringify(rendered)}`);
      expect(rendered.split('\n')).toContain(VPC_A);
      writeAtomically(cidrFile, rendered);
      const r = runAgent(lab.node, ['--once'], env);
      say(`agent --once: exit ${r.code} ${r.stdout.trim()}`);
      expect(r.code).toBe(0);
      expect(agentLogs(r).some((l) => l.mode === backend)).toBe(true);

      const after = lab.request(ILB_IP, 2_000);
      say(`after agent: GET http://${ILB_IP}:80/ from pod ${POD_IP} -> ${JSON.stringify(after)}`);
      expect(after).toEqual({ ok: true, status: 200, body: NODE_IP });

      // The agent wrote to the back end the node uses, and nothing to the other one.
      expect(mine().chain).toEqual([rule(VPC_A)]);
      expect(agentRules(save(lab.node, other))).toEqual({
        chain: [],
        links: [],
        chains: [],
        jumps: [],
        declared: false,
      });
    });

    test('the jump sits ahead of kubenet rule', () => {
      const post = save(lab.node, backend)
        .split('\n')
        .filter((l) => l.startsWith('-A POSTROUTING '));
      say(`POSTROUTING: ${JSON.stringify(post)}`);
      expect(post[0]).toBe(JUMP);
      expect(post[1]).toContain('kubenet: SNAT for outbound traffic from cluster');
    });

    test('running the agent twice leaves exactly one jump and one rule per CIDR', () => {
      writeAtomically(cidrFile, `${VPC_A}\n${EXTRA}\n${VPC_A}\n`);
      for (const n of [1, 2]) {
        const r = runAgent(lab.node, ['--once'], env);
        say(`run ${n}: exit ${r.code} ${r.stdout.trim()}`);
        expect(r.code).toBe(0);
      }
      const after = mine();
      say(`chain after two runs: ${JSON.stringify(after)}`);
      expect(after.jumps).toEqual([JUMP]);
      expect(after.chain).toEqual([rule(VPC_A), rule(EXTRA)]);
    });

    test('--check passes only while the chain matches the file', () => {
      expect(runAgent(lab.node, ['--check'], env).code).toBe(0);
      writeAtomically(cidrFile, `${VPC_A}\n`);
      const stale = runAgent(lab.node, ['--check'], env);
      say(`--check with a changed file: exit ${stale.code} ${stale.stderr.trim()}`);
      expect(stale.code).not.toBe(0);
      expect(runAgent(lab.node, ['--once'], env).code).toBe(0);
      expect(runAgent(lab.node, ['--check'], env).code).toBe(0);
    });

    test.each([
      '10.0.0.0/8; reboot',
      '10.193.0.0/33',
      '10.193.0.1/16',
      '$(reboot)',
      '`reboot`',
      '10.0.0.0/8 && reboot',
      '010.193.0.0/16',
    ])('rejects %j, exits non-zero and leaves the chain exactly as it was', (bad) => {
      const before = save(lab.node, backend);
      // A valid new entry first: a partial update would show up as a changed chain.
      writeAtomically(cidrFile, `${VPC_A}\n10.197.0.0/16\n${bad}\n`);
      const r = runAgent(lab.node, ['--once'], env);
      say(`entry ${JSON.stringify(bad)}: exit ${r.code} ${r.stderr.trim()}`);
      expect(r.code).not.toBe(0);
      const logged = agentLogs(r).find((l) => l.severity === 'ERROR');
      expect(logged).toMatchObject({ line: '3', value: bad });
      const after = save(lab.node, backend);
      expect(agentRules(after)).toEqual(agentRules(before));
      expect(existsSync(canary)).toBe(false);
      writeAtomically(cidrFile, `${VPC_A}\n`);
    });

    test('traffic to addresses outside the peer ranges is not masqueraded', () => {
      expect(mine().chain).toEqual([rule(VPC_A)]);
      const out = lab.request(OUTSIDE_IP, 2_000);
      say(`GET http://${OUTSIDE_IP}:80/ from pod ${POD_IP} -> ${JSON.stringify(out)}`);
      expect(out).toEqual({ ok: true, status: 200, body: POD_IP });
      const peer = lab.request(ILB_IP, 2_000);
      expect(peer).toEqual({ ok: true, status: 200, body: NODE_IP });
    });

    test('a list longer than one chain goes on in PEERLINK-MASQ-1, whose rules masquerade too; shrunk, the extra chain goes', () => {
      // 10,000 /32s in 10.0.0.0/18 (none of the lab's addresses), then the peer range: entry
      // 10,001, so its rule lands in the second chain.
      const filler = hostCidrs(10_000);
      writeAtomically(cidrFile, `${[...filler, VPC_A].join('\n')}\n`);
      const r = runAgent(lab.node, ['--once'], env);
      say(`10,001 CIDRs: exit ${r.code} ${r.stdout.trim()}`);
      expect(r.code, r.stderr).toBe(0);
      const long = mine();
      expect(long.chains).toEqual(['PEERLINK-MASQ', 'PEERLINK-MASQ-1']);
      expect(long.links).toEqual(['-A PEERLINK-MASQ -j PEERLINK-MASQ-1']);
      expect(long.chain).toHaveLength(10_001);
      expect(long.chain.at(-1)).toBe(`-A PEERLINK-MASQ-1 -d ${VPC_A} -j MASQUERADE`);
      expect(lab.request(ILB_IP, 2_000)).toEqual({ ok: true, status: 200, body: NODE_IP });
      expect(lab.request(OUTSIDE_IP, 2_000)).toEqual({ ok: true, status: 200, body: POD_IP });
      expect(runAgent(lab.node, ['--check'], env).code).toBe(0);

      writeAtomically(cidrFile, `${VPC_A}\n`);
      expect(runAgent(lab.node, ['--check'], env).code).not.toBe(0);
      expect(runAgent(lab.node, ['--once'], env).code).toBe(0);
      const short = mine();
      expect(short.chains).toEqual(['PEERLINK-MASQ']);
      expect(short.chain).toEqual([rule(VPC_A)]);
      expect(short.jumps).toEqual([JUMP]);
      expect(lab.request(ILB_IP, 2_000)).toEqual({ ok: true, status: 200, body: NODE_IP });
    });

    test('loop mode: a removed CIDR goes at the next resync, drift is repaired, idle resyncs write nothing, SIGTERM leaves the rules', async () => {
      writeAtomically(cidrFile, `${VPC_A}\n`);
      // `timeout` bounds the loop even if this process dies; it passes SIGTERM on to the agent.
      const agent = spawn('ip', ['netns', 'exec', lab.node, 'timeout', '60', '/bin/sh', AGENT], {
        env: { ...env, RESYNC_INTERVAL: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      agent.stdout.on('data', (d: Buffer) => {
        output += d.toString();
      });
      agent.stderr.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<number | null>((r) => agent.once('exit', (code) => r(code)));
      try {
        const hasRule = () => mine().chain.includes(rule(VPC_A));
        expect(await waitFor(hasRule, 5_000)).toBe(true);

        writeAtomically(cidrFile, '# no peer ranges\n');
        const removed = await waitFor(() => mine().chain.length === 0, 5_000);
        const cut = lab.request(ILB_IP, 2_000);
        say(
          `after removing ${VPC_A} from the file: chain ${JSON.stringify(mine())}, GET -> ${JSON.stringify(cut)}`,
        );
        expect(removed).toBe(true);
        expect(cut).toEqual({ ok: false, error: 'timeout' });

        writeAtomically(cidrFile, `${VPC_A}\n`);
        expect(await waitFor(hasRule, 5_000)).toBe(true);

        // Idle: with the file and the chain unchanged, resyncs call no iptables-restore.
        const callsBefore = restoreCalls();
        await new Promise((r) => setTimeout(r, 2_500));
        const idleCalls = restoreCalls() - callsBefore;
        // Drift: someone deletes the jump; the next resync puts it back.
        mustInNs(lab.node, `iptables-${backend}`, [
          '-w',
          '-t',
          'nat',
          '-D',
          ...JUMP.split(' ').slice(1),
        ]);
        const repaired = await waitFor(() => mine().jumps.length === 1, 5_000);
        say(
          `idle resyncs: ${idleCalls} iptables-restore calls in 2.5 s; jump deleted by hand, repaired: ${repaired}`,
        );
        expect(idleCalls).toBe(0);
        expect(repaired).toBe(true);
      } finally {
        agent.kill('SIGTERM');
      }
      const timer = setTimeout(() => agent.kill('SIGKILL'), 5_000);
      const code = await exited;
      clearTimeout(timer);
      say(`loop agent output:\n${output.trim()}`);
      expect(code).toBe(0);
      expect(mine()).toMatchObject({ chain: [rule(VPC_A)], jumps: [JUMP], declared: true });
      expect(lab.request(ILB_IP, 2_000)).toEqual({ ok: true, status: 200, body: NODE_IP });
    });

    test('--uninstall removes the chain and the jump, and the failure is back', () => {
      const r = runAgent(lab.node, ['--uninstall'], env);
      say(`agent --uninstall: exit ${r.code} ${r.stdout.trim()}`);
      expect(r.code).toBe(0);
      const saved = save(lab.node, backend);
      expect(saved).not.toContain('PEERLINK-MASQ');
      expect(saved).toContain('kubenet: SNAT for outbound traffic from cluster');
      const again = lab.request(ILB_IP, 2_000);
      say(`after uninstall: GET http://${ILB_IP}:80/ -> ${JSON.stringify(again)}`);
      expect(again).toEqual({ ok: false, error: 'timeout' });
    });
  });
});
