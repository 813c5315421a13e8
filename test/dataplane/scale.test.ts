/**
 * Scale: 1,000 CIDRs go into the chain with one iptables-restore call, under both back ends
 * (chosen here with the IPTABLES_MODE override). Timing lives in bench/, not here.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireInCi } from './ci.ts';
import {
  agentEnv,
  agentLogs,
  agentRules,
  BACKENDS,
  dataplaneSupport,
  makeBinDir,
  must,
  runAgent,
  save,
  spreadCidrs,
  sweepStaleNamespaces,
  writeAtomically,
} from './support.ts';

const support = dataplaneSupport();
if (!support.ok) console.log(`[dataplane] scale tests skipped: ${support.reason}`);
requireInCi(support, 'scale data-plane tests');

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
});
