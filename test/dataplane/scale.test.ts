/**
 * Scale: 1,000 CIDRs go into the chain with one iptables-restore call, under both back ends
 * (chosen here with the IPTABLES_MODE override), with 20,000 (three chains) `--check` still
 * answers within the readiness probe's timeout and drift in a later chain is repaired, and
 * 100,000 (about the most a 2 MiB file holds) apply with `--once` over eleven chains.
 * Timing lives in bench/; the bounds here are hang bounds.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { masqueradeConfigMap } from '../../functions/core/manifests/masquerade.ts';
import { aggregate } from '../../functions/core/net/cidr.ts';
import { AGENT_DAEMONSET_PATH } from '../../manifests/generate.ts';
import { cgroupSupport, quantity, runLimited } from './cgroup.ts';
import { requireInCi } from './ci.ts';
import {
  AGENT,
  agentEnv,
  agentLogs,
  agentRules,
  BACKENDS,
  dataplaneSupport,
  hostCidrs,
  inNs,
  makeBinDir,
  must,
  mustInNs,
  runAgent,
  save,
  spreadCidrs,
  sweepStaleNamespaces,
  writeAtomically,
} from './support.ts';

const support = dataplaneSupport();
if (!support.ok) console.log(`[dataplane] scale tests skipped: ${support.reason}`);
requireInCi(support, 'scale data-plane tests');
const cgroups = cgroupSupport();
if (!cgroups.ok) console.log(`[dataplane] resource-limit tests skipped: ${cgroups.reason}`);

describe.skipIf(!support.ok)(`masquerade agent at scale (${support.reason})`, () => {
  let dir: string;
  let ns: string;

  beforeAll(() => {
    sweepStaleNamespaces();
    dir = mkdtempSync(join(tmpdir(), 'peerlink-scale-'));
    ns = `pl${process.pid}s-node`;
    must('ip', ['netns', 'add', ns]);
  });

  afterAll(() => {
    if (ns) must('ip', ['netns', 'del', ns]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each(BACKENDS)('iptables-%s: 1,000 CIDRs in one iptables-restore call', (backend) => {
    const bin = join(dir, `bin-${backend}`);
    const restoreLog = join(dir, `restore-${backend}.log`);
    const cidrFile = join(dir, `cidrs-${backend}`);
    makeBinDir(bin, join(dir, 'canary'), restoreLog);
    const env = agentEnv(bin, { CIDR_FILE: cidrFile, IPTABLES_MODE: backend });
    const calls = () => readFileSync(restoreLog, 'utf8').trim().split('\n');

    for (const [round, offset] of [
      [1, 0],
      [2, 1000],
    ] as const) {
      const cidrs = spreadCidrs(1000, offset);
      expect(new Set(cidrs).size).toBe(1000);
      writeAtomically(cidrFile, `${cidrs.join('\n')}\n`);
      const r = runAgent(ns, ['--once'], env);
      const applied = agentLogs(r).find((l) => l.rules === '1000');
      console.log(
        `[dataplane scale iptables-${backend}] round ${round}: ${applied?.message}; restore calls logged so far: ${calls().length}`,
      );
      expect(r.code).toBe(0);
      expect(applied).toMatchObject({ mode: backend });
      expect(calls()).toHaveLength(round);

      const rules = agentRules(save(ns, backend)).chain;
      expect(rules).toHaveLength(1000);
      expect(rules.map((l) => l.split(' ')[3])).toEqual(cidrs);
      expect(runAgent(ns, ['--check'], env).code).toBe(0);
    }
    expect(runAgent(ns, ['--uninstall'], env).code).toBe(0);
  });

  test.each(BACKENDS)(
    'iptables-%s: with 20,000 CIDRs, --check answers within the readiness probe timeout',
    (backend) => {
      const ds = parse(readFileSync(AGENT_DAEMONSET_PATH, 'utf8'));
      const probeS = ds.spec.template.spec.containers[0].readinessProbe.timeoutSeconds as number;
      const cidrs = hostCidrs(20_000);
      const cidrFile = join(dir, `cidrs-20k-${backend}`);
      writeAtomically(cidrFile, `${cidrs.join('\n')}\n`);
      const env = agentEnv(dir, { CIDR_FILE: cidrFile, IPTABLES_MODE: backend });
      const once = runAgent(ns, ['--once'], env);
      expect(once.code, once.stderr).toBe(0);
      const t0 = performance.now();
      const check = runAgent(ns, ['--check'], env);
      const ms = performance.now() - t0;
      console.log(
        `[dataplane scale iptables-${backend}] 20,000 CIDRs: --check exit ${check.code} in ${Math.round(ms)} ms (probe timeout ${probeS} s)`,
      );
      expect(check.code, check.stderr).toBe(0);
      expect(ms).toBeLessThan(probeS * 1000);
      const applied = agentRules(save(ns, backend));
      expect(applied.chain).toHaveLength(20_000);
      expect(applied.chain.map((l) => l.split(' ')[3])).toEqual(cidrs);
      expect(applied.chains).toEqual(['PEERLINK-MASQ', 'PEERLINK-MASQ-1', 'PEERLINK-MASQ-2']);

      // Drift inside a chain the list continues in is seen and repaired.
      const victim = ['-d', cidrs[15_000] as string, '-j', 'MASQUERADE'];
      mustInNs(ns, `iptables-${backend}`, ['-t', 'nat', '-D', 'PEERLINK-MASQ-1', ...victim]);
      expect(runAgent(ns, ['--check'], env).code).toBe(1);
      expect(runAgent(ns, ['--once'], env).code).toBe(0);
      expect(agentRules(save(ns, backend)).chain).toEqual(applied.chain);
      expect(runAgent(ns, ['--uninstall'], env).code).toBe(0);
      expect(agentRules(save(ns, backend)).chains).toEqual([]);
    },
    120_000,
  );

  test('1,000 adjacent and contained CIDRs, aggregated by peerlink first, give the minimal chain', () => {
    // 400 pairs of adjacent /24s (each pair is one /23, pairs never touch) and 200 /25s inside
    // the first 200 pairs: 1,000 entries that aggregate to 400.
    const at = (k: number, d: number, host: string) =>
      `10.${100 + Math.floor(k / 64)}.${4 * (k % 64) + d}.${host}`;
    const pairs = Array.from({ length: 400 }, (_, k) => [
      at(k, 0, '0/24'),
      at(k, 1, '0/24'),
    ]).flat();
    const contained = Array.from({ length: 200 }, (_, k) => at(k, 0, '128/25'));
    const input = [...pairs, ...contained];
    const minimal = aggregate(input);
    const cm = masqueradeConfigMap(minimal)[0] as { data: { cidrs: string } };
    const cidrFile = join(dir, 'cidrs-aggregated');
    writeAtomically(cidrFile, cm.data.cidrs);
    const env = agentEnv(dir, { CIDR_FILE: cidrFile, IPTABLES_MODE: 'nft' });
    const r = runAgent(ns, ['--once'], env);
    console.log(
      `[dataplane scale] ${input.length} CIDRs aggregate to ${minimal.length}: ${agentLogs(r)[0]?.message}`,
    );
    expect(r.code).toBe(0);
    expect(new Set(input).size).toBe(1000);
    expect(minimal).toHaveLength(400);
    expect(agentRules(save(ns, 'nft')).chain).toEqual(
      minimal.map((c) => `-A PEERLINK-MASQ -d ${c} -j MASQUERADE`),
    );
    expect(runAgent(ns, ['--uninstall'], env).code).toBe(0);
  });

  test.each(BACKENDS)(
    'iptables-%s: in a later chain, the default route is written as iptables lists it and repeats are dropped',
    (backend) => {
      // Out of order (the default route after the hosts), so the list is deduplicated first.
      const cidrs = [...hostCidrs(10_000), '0.0.0.0/0', '10.200.0.0/16', '10.0.0.5/32'];
      const cidrFile = join(dir, `cidrs-default-${backend}`);
      writeAtomically(cidrFile, `${cidrs.join('\n')}\n`);
      const env = agentEnv(dir, { CIDR_FILE: cidrFile, IPTABLES_MODE: backend });
      const once = runAgent(ns, ['--once'], env);
      expect(once.code, once.stderr).toBe(0);
      expect(agentLogs(once).find((l) => l.rules === '10002')).toMatchObject({ chains: '2' });
      const { chain, links } = agentRules(save(ns, backend));
      expect(chain).toHaveLength(10_002);
      expect(chain.slice(9_998)).toEqual([
        '-A PEERLINK-MASQ -d 10.0.39.14/32 -j MASQUERADE',
        '-A PEERLINK-MASQ-1 -d 10.0.39.15/32 -j MASQUERADE',
        '-A PEERLINK-MASQ-1 -j MASQUERADE',
        '-A PEERLINK-MASQ-1 -d 10.200.0.0/16 -j MASQUERADE',
      ]);
      expect(links).toEqual(['-A PEERLINK-MASQ -j PEERLINK-MASQ-1']);
      expect(runAgent(ns, ['--check'], env).code).toBe(0);
      expect(runAgent(ns, ['--uninstall'], env).code).toBe(0);
      expect(agentRules(save(ns, backend)).chains).toEqual([]);
    },
    60_000,
  );

  // The DaemonSet's limits, enforced as the kubelet does (a memory cgroup and a CFS quota), must
  // hold the largest list: --once must not be OOM-killed, and the CPU time --check needs must fit
  // in the probe's timeout at the CPU limit. CPU time rather than wall time: on a machine busy
  // with other tests the wall time grows, the work does not.
  test.skipIf(!cgroups.ok).each(BACKENDS)(
    'iptables-%s: 100,000 CIDRs apply and check within the DaemonSet resource limits',
    (backend) => {
      const ds = parse(readFileSync(AGENT_DAEMONSET_PATH, 'utf8'), { version: '1.1' });
      const container = ds.spec.template.spec.containers[0];
      const probeS = container.readinessProbe.timeoutSeconds as number;
      const limits = {
        memoryBytes: quantity(container.resources.limits.memory),
        cpuMillis: quantity(container.resources.limits.cpu) * 1000,
      };
      const cidrFile = join(dir, `cidrs-limits-${backend}`);
      writeAtomically(cidrFile, `${hostCidrs(100_000).join('\n')}\n`);
      const env = agentEnv(dir, { CIDR_FILE: cidrFile, IPTABLES_MODE: backend });
      const limited = (flag: string) =>
        runLimited(
          `peerlink-${process.pid}-${backend}`,
          limits,
          'ip',
          ['netns', 'exec', ns, '/bin/sh', AGENT, flag],
          {
            env,
            timeoutMs: 60_000,
          },
        );
      const once = limited('--once');
      const t0 = performance.now();
      const check = limited('--check');
      const ms = performance.now() - t0;
      console.log(
        `[dataplane scale iptables-${backend}] limits ${JSON.stringify(limits)}: --once exit ${once.code} (OOM kills ${once.oomKills}, CPU ${Math.round(once.cpuMs)} ms), --check exit ${check.code}, CPU ${Math.round(check.cpuMs)} ms, wall ${Math.round(ms)} ms`,
      );
      expect(once.oomKills, 'OOM-killed under the memory limit').toBe(0);
      expect(once.code, once.stderr).toBe(0);
      expect(check.code, check.stderr).toBe(0);
      expect(check.cpuMs).toBeGreaterThan(0);
      expect(check.cpuMs).toBeLessThan(probeS * 1000 * (limits.cpuMillis / 1000));
      expect(limited('--uninstall').code).toBe(0);
    },
    180_000,
  );

  // Last in the file: a failure leaves 100,000 rules behind, which would slow any later test in
  // this namespace. The 25 s bound is a hang bound, not the agent's speed (bench/ measures that).
  test.each(BACKENDS)(
    'iptables-%s: 100,000 CIDRs applied with --once',
    (backend) => {
      const cidrs = hostCidrs(100_000);
      const cidrFile = join(dir, `cidrs-100k-${backend}`);
      writeAtomically(cidrFile, `${cidrs.join('\n')}\n`);
      const env = agentEnv(dir, { CIDR_FILE: cidrFile, IPTABLES_MODE: backend });
      const t0 = performance.now();
      const once = inNs(ns, '/bin/sh', [AGENT, '--once'], { env, timeoutMs: 25_000 });
      const ms = performance.now() - t0;
      console.log(
        `[dataplane scale iptables-${backend}] 100,000 CIDRs: --once exit ${once.code} in ${Math.round(ms)} ms`,
      );
      expect(once.code, `${once.stderr} (killed after 25 s?)`).toBe(0);
      expect(agentLogs(once).find((l) => l.rules === '100000')).toMatchObject({ mode: backend });
      const saved = inNs(ns, `iptables-${backend}-save`, ['-t', 'nat'], { timeoutMs: 60_000 });
      expect(saved.code, saved.stderr).toBe(0);
      const { chain, chains, links, jumps } = agentRules(saved.stdout);
      expect(chain).toHaveLength(100_000);
      // Entries 1-9,999 in PEERLINK-MASQ, then 10,000 a chain in PEERLINK-MASQ-1 to -10.
      expect(chains).toHaveLength(11);
      expect(links).toHaveLength(10);
      expect(chain[9_998]).toBe(`-A PEERLINK-MASQ -d ${cidrs[9_998]} -j MASQUERADE`);
      expect(chain[9_999]).toBe(`-A PEERLINK-MASQ-1 -d ${cidrs[9_999]} -j MASQUERADE`);
      expect(chain[99_999]).toBe(`-A PEERLINK-MASQ-10 -d ${cidrs[99_999]} -j MASQUERADE`);
      expect(jumps).toHaveLength(1);
      const off = inNs(ns, '/bin/sh', [AGENT, '--uninstall'], { env, timeoutMs: 60_000 });
      expect(off.code, off.stderr).toBe(0);
    },
    180_000,
  );
});
