/** `peerlink validate --topology FILE`: every problem of a file, or a one-line "valid". */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import { TopologyError } from '../../functions/core/errors.ts';
import { parseTopology } from '../../functions/core/topology/validate.ts';
import { topologyCases } from '../fixtures/bad-input/harness.ts';
import { exampleTopologyPath } from '../support/topology.ts';

async function validate(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(['validate', ...args], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('peerlink validate', () => {
  it('says a valid file is valid, with what it holds', async () => {
    expect(await validate('--topology', exampleTopologyPath)).toEqual({
      code: 0,
      out: `${exampleTopologyPath}: valid (2 networks, 2 clusters, 1 service)`,
      err: '',
    });
  });

  it.each(topologyCases().map((c) => [c.name, c] as const))(
    'prints every problem of %s, as TopologyError words them, and exits 1',
    async (_name, c) => {
      const r = await validate('--topology', c.file);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      let message = '';
      try {
        parseTopology(readFileSync(c.file, 'utf8'), c.file);
      } catch (e) {
        if (!(e instanceof TopologyError)) throw e;
        message = e.message;
      }
      expect(message).not.toBe('');
      expect(r.err).toBe(message);
      for (const p of c.problems) expect(r.err).toMatch(`  ${p.path}: `);
    },
  );

  it('exits 1 for a file it cannot read', async () => {
    const r = await validate('--topology', '/nonexistent/topology.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^peerlink validate: cannot read \/nonexistent\/topology\.yaml: ENOENT/);
  });

  it('exits 2 without --topology', async () => {
    const r = await validate();
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--topology is required/);
    expect(r.err).toMatch(/^usage: peerlink validate --topology FILE \[--timeout DURATION\]$/m);
  });
});
