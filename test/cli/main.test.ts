/**
 * The `peerlink` dispatcher: help for every command on stdout with exit 0, usage errors on
 * stderr with exit 2, and no import cycle among the CLI, infra and bin.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import { SPECS } from '../../functions/cli/specs.ts';
import { repoRoot } from '../support/topology.ts';

async function peerlink(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const names = SPECS.map((s) => s.name);

describe('peerlink help', () => {
  it('lists every command', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await peerlink(...argv);
      expect(r).toMatchObject({ code: 0, err: '' });
      for (const name of names) expect(r.out).toMatch(new RegExp(`^ {2}${name} {2,}\\S`, 'm'));
    }
    expect(names).toEqual([
      'plan',
      'apply',
      'sweep',
      'bootstrap',
      'validate',
      'render manifests',
      'events classify',
      'deploy',
      'teardown',
    ]);
  });

  it.each(names)('peerlink help %s prints its usage, flags and an example', async (name) => {
    const viaHelp = await peerlink('help', ...name.split(' '));
    expect(viaHelp).toMatchObject({ code: 0, err: '' });
    expect(viaHelp.out).toMatch(new RegExp(`^usage: peerlink ${name}\\b`, 'm'));
    expect(viaHelp.out).toMatch(/^ {2}-h, --help {2,}Print the usage/m);
    expect(viaHelp.out).toMatch(/^exit status: 0 success, 1 error/m);
    expect(viaHelp.out).toMatch(new RegExp(`^examples?:\\n {2}peerlink ${name}\\b`, 'm'));
    // --help and -h on the command give the same, whatever else is on the line.
    for (const flag of ['--help', '-h']) {
      const r = await peerlink(...name.split(' '), '--no-such-flag', flag);
      expect(r).toEqual({ code: 0, out: viaHelp.out, err: '' });
    }
  });

  it('explains deploy’s and teardown’s flags as infra/deploy reads them', async () => {
    const deploy = (await peerlink('deploy', '--help')).out;
    expect(deploy).toMatch(
      /^usage: peerlink deploy --project P --region R --topology FILE \[--schedule CRON\] \[--skip-build\] \[--dry-run\]$/m,
    );
    expect(deploy).toMatch(/--schedule CRON .*\(default: \*\/15 \* \* \* \*\)/);
    const teardown = (await peerlink('teardown', '-h')).out;
    expect(teardown).toMatch(
      /^usage: peerlink teardown --project P \[--region R\] \[--include-topology\] \[--yes\]$/m,
    );
  });

  it.each([
    [['help', 'frobnicate'], /unknown command 'frobnicate'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [[], /^usage: peerlink COMMAND/m],
    [['validate', '--topology', 'a.yaml', '--json'], /Unknown option '--json'/],
    [['events', 'classify', '--bogus', 'f.json'], /Unknown option '--bogus'/],
    [['deploy', '--project', 'p'], /--region is required/],
  ])('%j is a usage error: stderr, exit 2', async (argv, message) => {
    const r = await peerlink(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  it('works as a process: help on stdout, exit 0; usage errors on stderr, exit 2', () => {
    const bin = path.join(repoRoot, 'bin/peerlink.js');
    const help = spawnSync(process.execPath, [bin, 'help', 'deploy'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: peerlink deploy /m);
    const bad = spawnSync(process.execPath, [bin, 'plan', '--bogus'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^usage: peerlink plan /m);
  });
});

/** Relative imports (static, dynamic, type-only and re-exports) of every file under `dirs`. */
function importGraph(dirs: readonly string[]): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(f)) files.push(p);
    }
  };
  for (const d of dirs) walk(path.join(repoRoot, d));
  const known = new Set(files);
  const specifier =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  return new Map(
    files.map((f) => {
      const deps = [...readFileSync(f, 'utf8').matchAll(specifier)]
        .map((m) => m[1] ?? m[2] ?? '')
        .filter((s) => s.startsWith('.'))
        .map((s) => path.resolve(path.dirname(f), s))
        .filter((d) => known.has(d));
      return [f, deps];
    }),
  );
}

/** Files on a cycle: strongly connected components of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w);
      component.push(path.relative(repoRoot, w));
      if (w === v) break;
    }
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('imports', () => {
  it('form no cycle that touches functions/cli, infra or bin', () => {
    const graph = importGraph(['functions', 'infra', 'bin']);
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get(path.join(repoRoot, 'functions/cli/main.ts'))).toContain(
      path.join(repoRoot, 'functions/cli/io.ts'),
    );
    const touching = cycles(graph).filter((c) =>
      c.some((f) => /^(functions\/cli|infra|bin)\//.test(f)),
    );
    expect(touching).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const a = path.join(repoRoot, 'a.ts');
    const b = path.join(repoRoot, 'b.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([['b.ts', 'a.ts']]);
  });
});
