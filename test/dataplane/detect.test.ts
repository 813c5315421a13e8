/**
 * Back-end detection as kube-proxy's iptables-wrapper does it: kubelet's hint chains first (nft,
 * then legacy), then whichever back end holds more rules, nft on a tie. Each case runs the agent
 * with no IPTABLES_MODE in a fresh namespace and checks where the chain landed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireInCi } from './ci.ts';
import {
  agentEnv,
  agentLogs,
  agentRules,
  type Backend,
  dataplaneSupport,
  must,
  mustInNs,
  runAgent,
  save,
  sweepStaleNamespaces,
  writeAtomically,
} from './support.ts';

const support = dataplaneSupport();
if (!support.ok) console.log(`[dataplane] detection tests skipped: ${support.reason}`);
requireInCi(support, 'detection data-plane tests');

const accept = (n: number) =>
  Array.from({ length: n }, (_, i) => ['-A', 'INPUT', '-s', `192.0.2.${i + 1}/32`, '-j', 'ACCEPT']);

const CASES: Array<{ name: string; setup: Array<[Backend, string[]]>; expected: Backend }> = [
  { name: 'no rules anywhere: nft', setup: [], expected: 'nft' },
  {
    name: 'KUBE-IPTABLES-HINT in nft wins over more legacy rules',
    setup: [
      ['nft', ['-t', 'mangle', '-N', 'KUBE-IPTABLES-HINT']],
      ...accept(3).map((r): [Backend, string[]] => ['legacy', r]),
    ],
    expected: 'nft',
  },
  {
    name: 'KUBE-KUBELET-CANARY in legacy wins over more nft rules',
    setup: [
      ['legacy', ['-t', 'mangle', '-N', 'KUBE-KUBELET-CANARY']],
      ...accept(3).map((r): [Backend, string[]] => ['nft', r]),
    ],
    expected: 'legacy',
  },
  {
    name: 'more legacy rules than nft rules: legacy',
    setup: [
      ...accept(2).map((r): [Backend, string[]] => ['legacy', r]),
      ...accept(1).map((r): [Backend, string[]] => ['nft', r]),
    ],
    expected: 'legacy',
  },
  {
    name: 'as many legacy rules as nft rules: nft',
    setup: [
      ...accept(2).map((r): [Backend, string[]] => ['legacy', r]),
      ...accept(2).map((r): [Backend, string[]] => ['nft', r]),
    ],
    expected: 'nft',
  },
];

describe.skipIf(!support.ok)(`iptables back-end detection (${support.reason})`, () => {
  let dir: string;
  beforeAll(() => {
    sweepStaleNamespaces();
    dir = mkdtempSync(join(tmpdir(), 'peerlink-detect-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const ns = `pl${process.pid}d${i}`;
    const cidrFile = join(dir, `cidrs-${i}`);
    writeAtomically(cidrFile, '10.193.0.0/16\n');
    must('ip', ['netns', 'add', ns]);
    try {
      for (const [backend, args] of c.setup) mustInNs(ns, `iptables-${backend}`, ['-w', ...args]);
      const r = runAgent(ns, ['--once'], agentEnv(dir, { CIDR_FILE: cidrFile }));
      expect(r.code, r.stderr).toBe(0);
      expect(agentLogs(r)[0]).toMatchObject({ mode: c.expected });
      const other: Backend = c.expected === 'nft' ? 'legacy' : 'nft';
      expect(agentRules(save(ns, c.expected)).chain).toHaveLength(1);
      expect(agentRules(save(ns, other)).chain).toHaveLength(0);
    } finally {
      must('ip', ['netns', 'del', ns]);
    }
  });
});
