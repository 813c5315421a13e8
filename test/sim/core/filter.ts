/**
 * A small subset of the Cloud Logging query language, enough for sink filters:
 * https://cloud.google.com/logging/docs/view/logging-query-language
 *
 * Supported: clauses joined by `AND` (also by plain whitespace, as Logging allows), each
 * `path OP value` where OP is `=`, `!=`, `:` (has: case-insensitive substring) or `=~`
 * (regular expression), value a "quoted" or bare token, or a parenthesised `"a" OR "b"` list
 * (any may match). `NOT clause` negates. Paths are dotted field paths in the LogEntry.
 * Anything else throws FilterSyntaxError.
 */
export class FilterSyntaxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FilterSyntaxError';
  }
}

interface Clause {
  negate: boolean;
  path: string[];
  op: '=' | '!=' | ':' | '=~';
  values: string[];
}

/** A compiled filter: true when the entry matches. */
export type EntryFilter = (entry: unknown) => boolean;

const CLAUSE =
  /\s*(NOT\s+)?([A-Za-z_@][\w.@"/-]*)\s*(=~|!=|=|:)\s*(\((?:[^()"]|"(?:[^"\\]|\\.)*")*\)|"(?:[^"\\]|\\.)*"|[^\s()]+)\s*(?:AND\s+)?/y;

/** Compiles a filter; an empty or absent filter matches everything. */
export function compileFilter(text: string | undefined): EntryFilter {
  if (!text?.trim()) return () => true;
  const clauses: Clause[] = [];
  CLAUSE.lastIndex = 0;
  const src = text.trim();
  while (CLAUSE.lastIndex < src.length) {
    const at = CLAUSE.lastIndex;
    const m = CLAUSE.exec(src);
    if (!m) throw new FilterSyntaxError(`unsupported filter syntax at ${at}: ${src.slice(at)}`);
    const raw = m[4] ?? '';
    const values = raw.startsWith('(')
      ? raw
          .slice(1, -1)
          .split(/\s+OR\s+/)
          .map((v) => unquote(v.trim()))
      : [unquote(raw)];
    clauses.push({
      negate: Boolean(m[1]),
      path: (m[2] ?? '').split('.').map((p) => p.replace(/"/g, '')),
      op: (m[3] ?? '=') as Clause['op'],
      values,
    });
  }
  return (entry) => clauses.every((c) => matchClause(c, entry) !== c.negate);
}

function unquote(v: string): string {
  return v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

function matchClause(c: Clause, entry: unknown): boolean {
  let v: unknown = entry;
  for (const p of c.path) {
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  }
  if (v === undefined || v === null) return c.op === '!=';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return c.values.some((want) => {
    switch (c.op) {
      case '=':
        return s === want;
      case '!=':
        return s !== want;
      case ':':
        return s.toLowerCase().includes(want.toLowerCase());
      case '=~':
        return new RegExp(want).test(s);
    }
    return false;
  });
}
