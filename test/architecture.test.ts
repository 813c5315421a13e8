/**
 * The direction of imports: the pure core (functions/core) does no I/O and knows no client
 * library or adapter; the engine talks to the world only through the core's ports; nothing in
 * functions/, infra/ or bin/ imports itself back in a cycle, type-only imports included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/topology.ts';

/** Modules that do I/O; `node:crypto` (hashing) and `node:util` are computation. */
const IO_MODULES = /^node:(fs|fs\/promises|net|http|https|http2|child_process|dgram|dns|tls)$/;
/** The client libraries the adapters wrap. */
const CLIENT_LIBRARIES =
  /^(@google-cloud\/|@kubernetes\/client-node|google-auth-library|google-gax)/;

const RULES: readonly { folder: string; forbidden: readonly string[]; why: string }[] = [
  {
    folder: 'functions/core/',
    forbidden: [
      'functions/gcp/',
      'functions/engine/',
      'functions/handlers/',
      'functions/runtime/',
      'functions/cli/',
      'infra/',
    ],
    why: 'the pure core imports no adapter, engine or edge',
  },
  {
    folder: 'functions/engine/',
    forbidden: ['functions/gcp/', 'functions/handlers/', 'functions/runtime/', 'functions/cli/'],
    why: 'the engine reaches the world only through the core ports',
  },
];
const PURE = ['functions/core/', 'functions/engine/'];

interface Module {
  readonly file: string;
  readonly text: string;
}

const SPECIFIER =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"`])([^'"`$]+)\1/g;

/** Every module specifier a file names: static, dynamic, type-only and re-exports alike. */
function specifiers(text: string): string[] {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...withoutComments.matchAll(SPECIFIER)].map((m) => m[2] ?? '');
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
}

/** Problems with the import direction of `modules` (paths relative to the repository). */
function directionProblems(modules: readonly Module[]): string[] {
  const problems: string[] = [];
  for (const m of modules) {
    for (const spec of specifiers(m.text)) {
      const target = resolve(m.file, spec);
      if (PURE.some((p) => m.file.startsWith(p))) {
        if (IO_MODULES.test(spec)) problems.push(`${m.file} imports ${spec}: the core does no I/O`);
        if (CLIENT_LIBRARIES.test(spec))
          problems.push(`${m.file} imports ${spec}: only adapters use the client libraries`);
      }
      for (const rule of RULES) {
        if (!m.file.startsWith(rule.folder) || target === undefined) continue;
        const hit = rule.forbidden.find((f) => target.startsWith(f));
        if (hit) problems.push(`${m.file} imports ${target}: ${rule.why}`);
      }
    }
  }
  return problems;
}

/** Import cycles among `modules`, each as the chain of files that closes it. */
function cycles(modules: readonly Module[]): string[][] {
  const files = new Set(modules.map((m) => m.file));
  const edges = new Map(
    modules.map((m) => [
      m.file,
      specifiers(m.text)
        .map((s) => resolve(m.file, s))
        .filter((t): t is string => t !== undefined && files.has(t)),
    ]),
  );
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const next of edges.get(f) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...files].sort()) if (!state.has(f)) visit(f);
  return found;
}

function sources(folder: string): Module[] {
  const out: Module[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith('.test.ts'))
        out.push({ file: rel, text: readFileSync(path.join(repoRoot, rel), 'utf8') });
    }
  };
  walk(folder);
  return out;
}

const product = [...sources('functions'), ...sources('infra'), ...sources('bin')];

describe('import direction', () => {
  it('finds every product module', () => {
    expect(product.some((m) => m.file === 'functions/core/plan/diff.ts')).toBe(true);
    expect(product.some((m) => m.file === 'bin/peerlink.js')).toBe(true);
  });

  it('the core and the engine import no I/O, no client library and no adapter', () => {
    expect(directionProblems(product)).toEqual([]);
  });

  it('has no import cycle in functions/, infra/ or bin/ (type-only imports included)', () => {
    expect(cycles(product).map((c) => c.join(' -> '))).toEqual([]);
  });

  // The checks themselves, on modules made up for the purpose: they must be able to fail.
  it('reports a core file that imports node:fs, a client library or an adapter', () => {
    const problems = directionProblems([
      { file: 'functions/core/x.ts', text: "import { readFile } from 'node:fs/promises';" },
      { file: 'functions/core/y.ts', text: "import type { protos } from '@google-cloud/compute';" },
      { file: 'functions/core/z.ts', text: "const m = await import('../gcp/compute.ts');" },
      { file: 'functions/engine/w.ts', text: "export { createCloud } from '../gcp/cloud.ts';" },
      { file: 'functions/gcp/ok.ts', text: "import { readFile } from 'node:fs';" },
    ]);
    expect(problems).toEqual([
      'functions/core/x.ts imports node:fs/promises: the core does no I/O',
      'functions/core/y.ts imports @google-cloud/compute: only adapters use the client libraries',
      'functions/core/z.ts imports functions/gcp/compute.ts: the pure core imports no adapter, engine or edge',
      'functions/engine/w.ts imports functions/gcp/cloud.ts: the engine reaches the world only through the core ports',
    ]);
  });

  it('reports a cycle closed by a type-only import', () => {
    const found = cycles([
      { file: 'functions/cli/main.ts', text: "import { run } from './plan.ts';" },
      { file: 'functions/cli/plan.ts', text: "import type { Io } from './main.ts';" },
      { file: 'functions/cli/other.ts', text: "import type { Io } from './plan.ts';" },
    ]);
    expect(found).toEqual([
      ['functions/cli/main.ts', 'functions/cli/plan.ts', 'functions/cli/main.ts'],
    ]);
  });
});
