/**
 * Agent: the time to apply 1,000 CIDRs (bench/masquerade-agent.ts, run as a child: worst case,
 * 1,000 /24s no aggregation can merge) and the rule count after aggregation. Aggregation is
 * peerlink's own (desire/masquerade.ts): 1,000 imported /24s go through masqueradeCidrs, and the
 * result is applied with agent.sh in a throwaway network namespace, where the chain's rules are
 * counted. Needs root, ip and both iptables back ends; otherwise "not measured" with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { masqueradeCidrs } from '../functions/core/desire/masquerade.ts';
import type { NetworkFacts } from '../functions/core/model/facts.ts';
import { parseTopology } from '../functions/core/topology/validate.ts';
import {
  agentEnv,
  agentRules,
  dataplaneSupport,
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
    };

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
  } finally {
    must('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    measured: true,
    apply1000: apply1000 as Extract<AgentResult, { measured: true }>['apply1000'],
    shapes,
  };
}
