/**
 * Agent: the time to apply 1,000 CIDRs (bench/masquerade-agent.ts, run as a child: worst case,
 * 1,000 /24s no aggregation can merge), the rule count after aggregation, the time
 * `agent.sh --validate` takes for 1,000, 10,000 and 100,000 lines, and the time of the readiness
 * probe (`--check`) with 20,000 rules, and `--once` and `--check` with 100,000 (about the most the
 * agent's 2 MiB file holds). Aggregation is peerlink's own
 * (desire/masquerade.ts): 1,000 imported /24s go through masqueradeCidrs, and the result is
 * applied with agent.sh in a throwaway network namespace, where the chain's rules are counted.
 * Needs root, ip and both iptables back ends; otherwise "not measured" with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { masqueradeCidrs } from '../functions/core/desire/masquerade.ts';
import type { NetworkFacts } from '../functions/core/model/facts.ts';
import { parseTopology } from '../functions/core/topology/validate.ts';
import {
  AGENT,
  agentEnv,
  agentRules,
  BACKENDS,
  dataplaneSupport,
  hostCidrs,
  must,
  runAgent,
  save,
  spreadCidrs,
} from '../test/dataplane/support.ts';
import { type Summary, summarise } from './lib/stats.ts';
import { ringTopologyYaml } from './lib/topology-gen.ts';

export interface AgentShape {
  readonly shape: string;
  readonly inputCidrs: number;
  readonly aggregated: number;
  readonly chainRules: number;
  readonly applyMs: Summary;
}

/** `agent.sh --validate` on `lines` distinct /32s, in ascending order or shuffled. */
export interface ValidateRow {
  readonly lines: number;
  readonly order: 'ascending' | 'shuffled';
  readonly ms: Summary;
}

export type AgentResult =
  | { readonly measured: false; readonly reason: string }
  | {
      readonly measured: true;
      /** bench/masquerade-agent.ts's summary: 1,000 CIDRs per back end. */
      readonly apply1000: Record<
        string,
        { runs: number; medianMs: number; minMs: number; maxMs: number }
      >;
      readonly shapes: AgentShape[];
      readonly validate?: ValidateRow[];
      /** `agent.sh --check` (the readiness probe) with CHECK_CIDRS rules in place, per back end. */
      readonly check?: { readonly cidrs: number; readonly ms: Record<string, Summary> };
      /** `--once` from no chain, then `--check`, with LARGE_CIDRS rules, per back end. */
      readonly large?: {
        readonly cidrs: number;
        readonly onceMs: Record<string, Summary>;
        readonly checkMs: Record<string, Summary>;
      };
      /** Set when this part was run alone (bench/run.ts --only agent), after the full run. */
      readonly ranAlone?: { readonly at: string; readonly command: string };
    };

export const VALIDATE_SIZES = [1000, 10_000, 100_000] as const;
export const CHECK_CIDRS = 20_000;
export const LARGE_CIDRS = 100_000;
/** Runs of the LARGE_CIDRS case: each takes seconds. */
const LARGE_RUNS = 5;

/** The same permutation every run (a seeded linear congruential generator, Fisher–Yates). */
function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  let seed = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Times `/bin/sh agent.sh --validate` (no iptables, so no namespace) as the DaemonSet runs it:
 * one untimed run, then `runs` timed ones per size and order. Each run must report every CIDR.
 */
export function benchValidate(runs: number): ValidateRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'peerlink-bench-validate-'));
  const rows: ValidateRow[] = [];
  try {
    for (const lines of VALIDATE_SIZES) {
      for (const order of ['ascending', 'shuffled'] as const) {
        const cidrs = order === 'ascending' ? hostCidrs(lines) : shuffled(hostCidrs(lines));
        const file = join(dir, 'cidrs');
        writeFileSync(file, `${cidrs.join('\n')}\n`);
        const times: number[] = [];
        for (let i = 0; i <= runs; i++) {
          const t0 = performance.now();
          const r = spawnSync('/bin/sh', [AGENT, '--validate'], {
            encoding: 'utf8',
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CIDR_FILE: file },
            timeout: 120_000,
          });
          const ms = performance.now() - t0;
          if (r.status !== 0 || !r.stdout.includes(`"rules":"${lines}"`))
            throw new Error(`agent --validate of ${lines} lines failed: ${r.stderr.slice(-500)}`);
          if (i > 0) times.push(ms);
        }
        rows.push({ lines, order, ms: summarise(times, 0) });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** 1,000 /24s side by side (10.100.0.0 … 10.103.231.0): aggregation merges them. */
function contiguous(n: number): string[] {
  return Array.from({ length: n }, (_, k) => `10.${100 + Math.floor(k / 256)}.${k % 256}.0/24`);
}

export function benchAgent(runs: number): AgentResult {
  const support = dataplaneSupport();
  if (!support.ok) return { measured: false, reason: support.reason };
  const child = spawnSync(
    process.execPath,
    [join(import.meta.dirname, 'masquerade-agent.ts'), String(runs)],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{'))
    return {
      measured: false,
      reason: `bench/masquerade-agent.ts failed: ${child.stderr.slice(-500)}`,
    };
  const { bench: _name, ...apply1000 } = JSON.parse(last) as Record<string, unknown>;

  // Peerlink's aggregation of 1,000 imported ranges for a consumer cluster of the ring topology.
  const t = parseTopology(ringTopologyYaml(5));
  const cluster = t.clusters.find((c) => c.name === 'c1-b');
  if (!cluster) throw new Error('no consumer cluster c1-b');
  const dir = mkdtempSync(join(tmpdir(), 'peerlink-bench-agent-'));
  const ns = `pl${process.pid}bench`;
  const shapes: AgentShape[] = [];
  const check: Record<string, Summary> = {};
  const largeOnce: Record<string, Summary> = {};
  const largeCheck: Record<string, Summary> = {};
  must('ip', ['netns', 'add', ns]);
  try {
    for (const [shape, input] of [
      ['1,000 separate /24s (nothing to merge)', spreadCidrs(1000)],
      ['1,000 adjacent /24s', contiguous(1000)],
    ] as const) {
      const network: NetworkFacts = { name: cluster.network, peerings: [], importedRanges: input };
      const cidrs = masqueradeCidrs(t, cluster, network, undefined);
      const file = join(dir, 'cidrs');
      writeFileSync(file, `${cidrs.join('\n')}\n`);
      const env = agentEnv(dir, { CIDR_FILE: file, IPTABLES_MODE: 'nft' });
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        runAgent(ns, ['--uninstall'], env);
        const t0 = performance.now();
        const r = runAgent(ns, ['--once'], env);
        times.push(performance.now() - t0);
        if (r.code !== 0) throw new Error(`agent --once failed: ${r.stderr}`);
      }
      const rules = agentRules(save(ns, 'nft')).chain.length;
      runAgent(ns, ['--uninstall'], env);
      shapes.push({
        shape,
        inputCidrs: input.length,
        aggregated: cidrs.length,
        chainRules: rules,
        applyMs: summarise(times, 0),
      });
    }
    // The probe: the chain already matches a CHECK_CIDRS-line file; --check validates the file
    // and reads the chain and the jump back.
    const file = join(dir, 'cidrs-check');
    writeFileSync(file, `${hostCidrs(CHECK_CIDRS).join('\n')}\n`);
    for (const backend of BACKENDS) {
      const env = agentEnv(dir, { CIDR_FILE: file, IPTABLES_MODE: backend });
      const once = runAgent(ns, ['--once'], env);
      if (once.code !== 0) throw new Error(`agent --once failed: ${once.stderr}`);
      const times: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now();
        const r = runAgent(ns, ['--check'], env);
        if (r.code !== 0) throw new Error(`agent --check failed: ${r.stderr}`);
        if (i > 0) times.push(performance.now() - t0);
      }
      runAgent(ns, ['--uninstall'], env);
      check[`iptables-${backend}`] = summarise(times, 0);
    }
    // 100,000 /32s: --once from no chain (uninstalled before each run), then --check of it.
    const largeFile = join(dir, 'cidrs-large');
    writeFileSync(largeFile, `${hostCidrs(LARGE_CIDRS).join('\n')}\n`);
    for (const backend of BACKENDS) {
      const env = agentEnv(dir, { CIDR_FILE: largeFile, IPTABLES_MODE: backend });
      const once: number[] = [];
      const checks: number[] = [];
      for (let i = 0; i <= Math.min(runs, LARGE_RUNS); i++) {
        runAgent(ns, ['--uninstall'], env);
        let t0 = performance.now();
        const r = runAgent(ns, ['--once'], env);
        if (r.code !== 0 || !r.stdout.includes(`"rules":"${LARGE_CIDRS}"`))
          throw new Error(`agent --once of ${LARGE_CIDRS} failed: ${r.stderr.slice(-500)}`);
        if (i > 0) once.push(performance.now() - t0);
        t0 = performance.now();
        const c = runAgent(ns, ['--check'], env);
        if (c.code !== 0) throw new Error(`agent --check failed: ${c.stderr.slice(-500)}`);
        if (i > 0) checks.push(performance.now() - t0);
      }
      runAgent(ns, ['--uninstall'], env);
      largeOnce[`iptables-${backend}`] = summarise(once, 0);
      largeCheck[`iptables-${backend}`] = summarise(checks, 0);
    }
  } finally {
    must('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    measured: true,
    apply1000: apply1000 as Extract<AgentResult, { measured: true }>['apply1000'],
    shapes,
    validate: benchValidate(runs),
    check: { cidrs: CHECK_CIDRS, ms: check },
    large: { cidrs: LARGE_CIDRS, onceMs: largeOnce, checkMs: largeCheck },
  };
}
