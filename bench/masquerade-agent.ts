/**
 * Benchmark: how long the masquerade agent takes to apply 1,000 CIDRs with `agent.sh --once`
 * (validation, one iptables-restore call, and the read-back that confirms the chain), per
 * iptables back end, in a throwaway network namespace. Each timed run switches between two
 * different 1,000-entry lists, so every run really rewrites the chain.
 *
 * Run as root: node bench/masquerade-agent.ts [runs]   (default 9 runs per back end)
 * Prints one line per back end with the median, and a JSON summary on the last line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  agentEnv,
  BACKENDS,
  dataplaneSupport,
  must,
  runAgent,
  spreadCidrs,
  sweepStaleNamespaces,
} from '../test/dataplane/support.ts';

const CIDRS = 1000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function main(): void {
  const support = dataplaneSupport();
  if (!support.ok) {
    console.log(`masquerade-agent bench skipped: ${support.reason}`);
    return;
  }
  const runs = Number(process.argv[2] ?? 9);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error('runs must be 1-100');

  sweepStaleNamespaces();
  const dir = mkdtempSync(join(tmpdir(), 'peerlink-bench-'));
  const ns = `pl${process.pid}bench`;
  const lists = [spreadCidrs(CIDRS, 0), spreadCidrs(CIDRS, CIDRS)].map((l) => `${l.join('\n')}\n`);
  const summary: Record<string, { runs: number; medianMs: number; minMs: number; maxMs: number }> =
    {};
  must('ip', ['netns', 'add', ns]);
  try {
    for (const backend of BACKENDS) {
      const cidrFile = join(dir, `cidrs-${backend}`);
      const env = agentEnv(dir, { CIDR_FILE: cidrFile, IPTABLES_MODE: backend });
      const times: number[] = [];
      for (let i = 0; i <= runs; i++) {
        writeFileSync(cidrFile, lists[i % 2] ?? '');
        const start = process.hrtime.bigint();
        const r = runAgent(ns, ['--once'], env);
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (r.code !== 0) throw new Error(`agent --once failed: ${r.stderr}`);
        if (i > 0) times.push(ms); // run 0 creates the chain and the jump: warm-up
      }
      runAgent(ns, ['--uninstall'], env);
      const stats = {
        runs,
        medianMs: Math.round(median(times)),
        minMs: Math.round(Math.min(...times)),
        maxMs: Math.round(Math.max(...times)),
      };
      summary[`iptables-${backend}`] = stats;
      console.log(
        `masquerade agent, ${CIDRS} CIDRs, iptables-${backend}: median ${stats.medianMs} ms ` +
          `(min ${stats.minMs}, max ${stats.maxMs}, ${runs} runs)`,
      );
    }
  } finally {
    must('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ bench: 'masquerade-agent-apply-1000', ...summary }));
}

main();
