/**
 * The subset of the Logging query language a sink filter needs, evaluated as Cloud Logging does.
 * Reference: https://cloud.google.com/logging/docs/view/logging-query-language
 *
 * ```
 * filter     = either { [ "AND" ] either }      -- "Syntax summary"; juxtaposition is AND
 * either     = term { "OR" term }               -- OR binds tighter than AND
 * term       = [ "NOT" ] comparison             -- NOT has the highest priority
 * comparison = path op ( value | "(" value { "OR" value } ")" )
 * path       = name { "." name }                -- "Field path identifiers"
 * op         = "=" | "!=" | ":" | "=~" | "!~" | "<" | "<=" | ">" | ">="
 * value      = "quoted string" | number | bare word
 * ```
 * "Boolean operators": `"a" OR NOT "b" AND NOT "c" OR "d"` means
 * `("a" OR (NOT "b")) AND ((NOT "c") OR "d")`. Parenthesised expressions are outside the subset:
 * they throw {@link FilterSyntaxError} rather than be guessed at.
 *
 * Semantics, from the reference:
 * - "The Logging query language is case-insensitive, except for regular expressions and logical
 *   operators": `=`, `!=` and `:` ignore case; `=~` and `!~` do not; AND, OR, NOT are upper case.
 * - `:` is "has": the field's value contains the value.
 * - `resource.type = ("k8s_cluster" OR "gce_instance")`: the comparison holds for any value.
 * - "Missing fields": a comparison on a field the entry lacks is false, so NOT of it is true.
 * - `<`, `<=`, `>`, `>=` are the numeric ordering operators; a number compares as a number.
 */
export class FilterSyntaxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FilterSyntaxError';
  }
}

type Op = '=' | '!=' | ':' | '=~' | '!~' | '<' | '<=' | '>' | '>=';
type Value = string | number;

interface Comparison {
  readonly negate: boolean;
  readonly path: readonly string[];
  readonly op: Op;
  readonly values: readonly Value[];
}

/** A compiled filter: true when the entry (LogEntry JSON) matches. */
export type EntryFilter = (entry: unknown) => boolean;

type Token =
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'number'; readonly v: number }
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'op'; readonly v: Op }
  | { readonly t: 'paren'; readonly v: '(' | ')' }
  | { readonly t: 'dot' };

// Longest operators first, so `>=` is not read as `>` then `=`.
const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_@/-][\w@/-]*)|(=~|!~|!=|<=|>=|=|:|<|>)|([()])|(\.))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (;;) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) return tokens;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m)
      throw new FilterSyntaxError(`unsupported filter text at ${at}: ${text.slice(at, at + 40)}`);
    if (m[1] !== undefined) tokens.push({ t: 'string', v: unquote(m[1]) });
    else if (m[2] !== undefined) tokens.push({ t: 'number', v: Number(m[2]) });
    else if (m[3] !== undefined) tokens.push({ t: 'word', v: m[3] });
    else if (m[4] !== undefined) tokens.push({ t: 'op', v: m[4] as Op });
    else if (m[5] !== undefined) tokens.push({ t: 'paren', v: m[5] as '(' | ')' });
    else tokens.push({ t: 'dot' });
  }
}

/** `\"` and `\\` stand for themselves; other escapes stay, for regular expressions. */
function unquote(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(["\\])/g, '$1');
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT']);

/** Compiles a filter; an empty or absent one matches every entry, as a sink without a filter. */
export function compileFilter(text: string | undefined): EntryFilter {
  if (!text?.trim()) return () => true;
  const tokens = tokenize(text);
  let i = 0;
  const isWord = (w: string): boolean => {
    const t = tokens[i];
    return t?.t === 'word' && t.v === w;
  };
  const fail = (what: string): never => {
    throw new FilterSyntaxError(`expected ${what} at token ${i} of ${JSON.stringify(text)}`);
  };
  const segment = (): string => {
    const t = tokens[i++];
    if (t?.t === 'string') return t.v;
    if (t?.t === 'word' && !KEYWORDS.has(t.v)) return t.v;
    return fail('a field name');
  };
  const value = (): Value => {
    const t = tokens[i++];
    if (t?.t === 'string' || t?.t === 'number') return t.v;
    if (t?.t === 'word' && !KEYWORDS.has(t.v)) return t.v;
    return fail('a value');
  };
  // Each inner list is one OR of terms; the filter is the AND of them.
  const groups: Comparison[][] = [];
  while (i < tokens.length) {
    const or = i > 0 && isWord('OR');
    if (i > 0 && (or || isWord('AND'))) i++;
    const negate = isWord('NOT');
    if (negate) i++;
    const path = [segment()];
    while (tokens[i]?.t === 'dot') {
      i++;
      path.push(segment());
    }
    const op = tokens[i++];
    if (op?.t !== 'op') fail('a comparison operator');
    const values: Value[] = [];
    const open = tokens[i];
    if (open?.t === 'paren' && open.v === '(') {
      i++;
      values.push(value());
      while (isWord('OR')) {
        i++;
        values.push(value());
      }
      const close = tokens[i++];
      if (close?.t !== 'paren' || close.v !== ')') fail(')');
    } else {
      values.push(value());
    }
    const o = (op as { v: Op }).v;
    if (['<', '<=', '>', '>='].includes(o) && values.some((v) => typeof v !== 'number')) {
      fail(`a number after ${o}`);
    }
    const c = { negate, path, op: o, values };
    const last = groups[groups.length - 1];
    if (or && last) last.push(c);
    else groups.push([c]);
  }
  return (entry) => groups.every((g) => g.some((c) => holds(c, entry) !== c.negate));
}

function holds(c: Comparison, entry: unknown): boolean {
  let v: unknown = entry;
  for (const key of c.path) {
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  }
  // "Missing fields": false whatever the operator.
  if (v === undefined || v === null) return false;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return false;
  return c.values.some((want) => compare(c.op, v as string | number | boolean, want));
}

function compare(op: Op, actual: string | number | boolean, want: Value): boolean {
  const n = typeof actual === 'number' ? actual : Number(actual);
  const numeric = typeof want === 'number' && typeof actual !== 'boolean' && Number.isFinite(n);
  switch (op) {
    case '<':
      return numeric && n < (want as number);
    case '<=':
      return numeric && n <= (want as number);
    case '>':
      return numeric && n > (want as number);
    case '>=':
      return numeric && n >= (want as number);
    case '=~':
      return new RegExp(String(want)).test(String(actual));
    case '!~':
      return !new RegExp(String(want)).test(String(actual));
  }
  const a = String(actual).toLowerCase();
  const w = String(want).toLowerCase();
  const equal = numeric ? n === want : a === w;
  if (op === '=') return equal;
  if (op === '!=') return !equal;
  return a.includes(w);
}
