/**
 * A matcher for the small subset of the Cloud Logging query language that peerlink's sink
 * filter uses, so tests can evaluate the generated filter against real and simulated entries.
 * Language reference: https://cloud.google.com/logging/docs/view/logging-query-language
 *
 * Grammar (everything else is a {@link FilterSyntaxError}):
 * ```
 * filter     = term { "AND" term }
 * term       = [ "NOT" ] comparison
 * comparison = path op ( value | "(" value { "OR" value } ")" )
 * path       = name { "." name }
 * op         = "=" | ":" | ">"
 * value      = "quoted string" | number
 * ```
 * Semantics, as the reference describes them:
 * - `=` is equality and `:` is "has" (substring); both compare strings without regard to case
 *   ("the Logging query language is case-insensitive, except for regular expressions and logical
 *   operators").
 * - `>` compares numbers.
 * - `field = ("a" OR "b")` holds when any value matches.
 * - A comparison on a field the entry does not have is false, so `NOT` of it is true.
 */

/** Thrown for text outside the supported subset; the filter is not evaluated at all. */
export class FilterSyntaxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FilterSyntaxError';
  }
}

type Op = '=' | ':' | '>';

interface Comparison {
  readonly negate: boolean;
  readonly path: readonly string[];
  readonly op: Op;
  readonly values: readonly (string | number)[];
}

/** A compiled filter: true when the LogEntry (as plain JSON) matches. */
export type EntryMatcher = (entry: unknown) => boolean;

type Token =
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'number'; readonly v: number }
  | { readonly t: 'op'; readonly v: Op }
  | { readonly t: 'paren'; readonly v: '(' | ')' };

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_@][\w@]*(?:\.[A-Za-z_@][\w@]*)*)|(=|:|>)|([()]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m)
      throw new FilterSyntaxError(`unsupported filter text at ${at}: ${text.slice(at, at + 40)}`);
    if (m[1] !== undefined) tokens.push({ t: 'string', v: JSON.parse(m[1]) as string });
    else if (m[2] !== undefined) tokens.push({ t: 'number', v: Number(m[2]) });
    else if (m[3] !== undefined) tokens.push({ t: 'word', v: m[3] });
    else if (m[4] !== undefined) tokens.push({ t: 'op', v: m[4] as Op });
    else tokens.push({ t: 'paren', v: m[5] as '(' | ')' });
  }
  return tokens;
}

/** Parses `text` into a matcher. Throws {@link FilterSyntaxError} outside the subset. */
export function compileFilter(text: string): EntryMatcher {
  const tokens = tokenize(text);
  let i = 0;
  const next = (): Token | undefined => tokens[i++];
  const peekWord = (w: string): boolean => {
    const t = tokens[i];
    return t?.t === 'word' && t.v === w;
  };
  const value = (): string | number => {
    const t = next();
    if (t?.t === 'string' || t?.t === 'number') return t.v;
    throw new FilterSyntaxError(`expected a quoted string or a number at token ${i}`);
  };
  const comparisons: Comparison[] = [];
  for (;;) {
    const negate = peekWord('NOT');
    if (negate) i++;
    const path = next();
    if (path?.t !== 'word' || ['AND', 'OR', 'NOT'].includes(path.v)) {
      throw new FilterSyntaxError(`expected a field path at token ${i}`);
    }
    const op = next();
    if (op?.t !== 'op') throw new FilterSyntaxError(`expected =, : or > after ${path.v}`);
    const values: (string | number)[] = [];
    if (tokens[i]?.t === 'paren' && tokens[i]?.v === '(') {
      i++;
      values.push(value());
      while (peekWord('OR')) {
        i++;
        values.push(value());
      }
      const close = next();
      if (close?.t !== 'paren' || close.v !== ')') throw new FilterSyntaxError('expected )');
    } else {
      values.push(value());
    }
    comparisons.push({ negate, path: path.v.split('.'), op: op.v, values });
    if (i >= tokens.length) break;
    if (!peekWord('AND')) throw new FilterSyntaxError(`expected AND at token ${i}`);
    i++;
  }
  return (entry) => comparisons.every((c) => holds(c, entry) !== c.negate);
}

function holds(c: Comparison, entry: unknown): boolean {
  let v: unknown = entry;
  for (const key of c.path) {
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  }
  if (v === undefined || v === null) return false;
  return c.values.some((want) => compare(c.op, v, want));
}

function compare(op: Op, actual: unknown, want: string | number): boolean {
  if (op === '>') {
    const n = typeof actual === 'number' ? actual : Number(actual);
    return typeof want === 'number' && Number.isFinite(n) && n > want;
  }
  if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean') {
    return false;
  }
  const a = String(actual).toLowerCase();
  const w = String(want).toLowerCase();
  return op === '=' ? a === w : a.includes(w);
}
