import { invalid } from '../core/errors.ts';

/**
 * The `filter` query parameter of Compute list calls, a documented subset
 * (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/list, "filter"):
 * - AIP-160 comparisons `field OP value`, OP one of `=`, `!=`, `:`, `>`, `<`, `>=`, `<=`;
 *   `*` in a string value is a wildcard; `field:*` tests that a field is set.
 * - Regular expressions: `field eq value` / `field ne value`, the value (bare, 'single' or
 *   "double" quoted) must match the WHOLE field (RE2; JS RegExp here).
 * - Several expressions in parentheses, `(a = 1) (b = 2)`, are ANDed; explicit `AND`/`OR`
 *   between them are accepted (all-AND or all-OR, no mixing).
 * Fields are dotted paths (`labels.owner`, `network`); repeated fields match when any element does.
 * Unsupported syntax answers 400 invalid, as Compute does for a bad filter.
 */
export type ResourceFilter = (resource: object) => boolean;

interface Expr {
  path: string[];
  op: string;
  value: string;
}

const EXPR = /^\s*([A-Za-z_][\w.]*)\s*(!=|>=|<=|=|:|>|<|\seq\s|\sne\s)\s*(.*?)\s*$/;

/** Compiles a filter; empty or absent matches everything. */
export function compileComputeFilter(text: string | null | undefined): ResourceFilter {
  if (!text?.trim()) return () => true;
  const src = text.trim();
  let parts: string[];
  let mode: 'and' | 'or' = 'and';
  if (src.startsWith('(')) {
    parts = [];
    const rest = src.replace(
      /\(([^()]*)\)|\s+(AND|OR)\s+|\s+/g,
      (_m, inner: string | undefined, conj: string | undefined) => {
        if (inner !== undefined) parts.push(inner);
        if (conj === 'OR') mode = 'or';
        return '';
      },
    );
    if (rest.trim())
      throw invalid(`Invalid value for field 'filter': '${text}'. Invalid list filter expression.`);
  } else {
    parts = [src];
  }
  const exprs = parts.map((p) => parse(p, text));
  return (r) => (mode === 'and' ? exprs.every((e) => test(e, r)) : exprs.some((e) => test(e, r)));
}

function parse(part: string, text: string): Expr {
  const m = EXPR.exec(` ${part} `.replace(/^\s+/, ''));
  if (!m)
    throw invalid(`Invalid value for field 'filter': '${text}'. Invalid list filter expression.`);
  let value = m[3] ?? '';
  if (
    (value.startsWith('"') && value.endsWith('"')) ||
    (value.startsWith("'") && value.endsWith("'"))
  ) {
    value = value.slice(1, -1);
  }
  return { path: (m[1] ?? '').split('.'), op: (m[2] ?? '').trim(), value };
}

function test(e: Expr, resource: object): boolean {
  let v: unknown = resource;
  for (const p of e.path)
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  if (e.op === ':' && e.value === '*') return v !== undefined && v !== null && v !== '';
  const values = Array.isArray(v) ? v : [v];
  const negated = e.op === '!=' || e.op === 'ne';
  const any = values.some((x) => compare(e, x));
  return negated ? !values.some((x) => compare({ ...e, op: e.op === '!=' ? '=' : 'eq' }, x)) : any;
}

function compare(e: Expr, raw: unknown): boolean {
  if (raw === undefined || raw === null) return false;
  const s =
    typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  switch (e.op) {
    case '=':
      return e.value.includes('*') ? wildcard(e.value).test(s) : s === e.value;
    case ':':
      return s.includes(e.value.replace(/\*$/, ''));
    case 'eq':
      return new RegExp(`^(?:${e.value})$`).test(s);
    case '>':
    case '<':
    case '>=':
    case '<=': {
      const a = Number(s);
      const b = Number(e.value);
      const [x, y] = Number.isNaN(a) || Number.isNaN(b) ? [s, e.value] : [a, b];
      return e.op === '>' ? x > y : e.op === '<' ? x < y : e.op === '>=' ? x >= y : x <= y;
    }
    default:
      return false;
  }
}

function wildcard(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}
