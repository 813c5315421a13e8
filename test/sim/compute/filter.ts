import { ApiError, invalid } from '../core/errors.ts';

/**
 * The `filter` query parameter of Compute list and aggregatedList methods, as their REST
 * reference documents it (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/list,
 * "filter"). Two forms, which "cannot be mixed in one request":
 * - AIP-160 (https://google.aip.dev/160): `field OP value`, OP one of `=`, `!=`, `>`, `<`, `<=`,
 *   `>=`, `:`; values are strings ("double" or 'single' quoted, or bare), numbers or booleans;
 *   `*` in a string compared with `=` is a wildcard; `field:*` tests that a field is set.
 *   Expressions in parentheses are ANDed by default; explicit `AND` and `OR` are allowed, and OR
 *   binds tighter than AND, as AIP-160's grammar has it (`factor : term {OR term}` inside
 *   `expression : sequence {AND sequence}`).
 * - Regular expressions: `field eq literal` / `field ne literal`, one un-parenthesized
 *   expression or several parenthesized ones (ANDed); the literal, quoted or not, "is interpreted
 *   as a regular expression using Google RE2 library syntax" and "must match the entire field".
 *   gcloud's `--filter` arrives in this form: its rewriter (googlecloudsdk/api_lib/compute/
 *   filter_rewrite.py) sends `(name eq ".*(^x$).*")(direction eq INGRESS)` and says "Explicit
 *   AND, OR or NOT operators are not supported" there.
 * Fields are dotted paths (`labels.owner`); a path through a list, or to a list, matches when
 * any element does. Anything else answers 400 invalid.
 */
export type ResourceFilter = (resource: object) => boolean;

type Op = '=' | '!=' | '>' | '<' | '>=' | '<=' | ':' | 'eq' | 'ne';

type Node =
  | { kind: 'and' | 'or'; items: Node[] }
  | { kind: 'cmp'; path: string[]; op: Op; value: string; regex?: RegExp };

/** Compiles a filter; empty or absent matches everything. Throws 400 invalid when malformed. */
export function compileComputeFilter(text: string | null | undefined): ResourceFilter {
  if (!text?.trim()) return () => true;
  const fail = (why: string): never => {
    throw invalid(
      `Invalid value for field 'filter': '${text}'. Invalid list filter expression: ${why}.`,
    );
  };
  const parser = new Parser(text, fail);
  const tree = parser.parse();
  const ops = comparisons(tree).map((c) => c.op);
  const regexForm = ops.some((o) => o === 'eq' || o === 'ne');
  if (regexForm && ops.some((o) => o !== 'eq' && o !== 'ne')) {
    fail('regular expressions (eq, ne) and AIP-160 comparisons cannot be mixed');
  }
  if (regexForm && parser.explicitLogic) {
    fail('explicit AND, OR or NOT are not supported with eq and ne');
  }
  for (const c of comparisons(tree)) {
    if (c.op === 'eq' || c.op === 'ne') c.regex = re2(c.value, fail);
  }
  return (r) => evaluate(tree, r);
}

function comparisons(n: Node): Extract<Node, { kind: 'cmp' }>[] {
  return n.kind === 'cmp' ? [n] : n.items.flatMap(comparisons);
}

const OPERATORS: readonly Op[] = ['!=', '>=', '<=', '=', ':', '>', '<'];

/** Recursive descent over the text: AIP-160's expression / sequence / factor / term levels. */
class Parser {
  #at = 0;
  explicitLogic = false;
  readonly #src: string;
  readonly #fail: (why: string) => never;

  constructor(src: string, fail: (why: string) => never) {
    this.#src = src;
    this.#fail = fail;
  }

  parse(): Node {
    const tree = this.#expression(0);
    this.#ws();
    if (this.#at < this.#src.length) this.#fail(`unexpected '${this.#src.slice(this.#at)}'`);
    return tree;
  }

  /** `sequence {AND sequence}`, a sequence being factors side by side (implicit AND). */
  #expression(depth: number): Node {
    const items: Node[] = [];
    for (;;) {
      this.#ws();
      if (this.#end() || this.#peek() === ')') break;
      if (items.length > 0 && this.#keyword('AND')) {
        this.explicitLogic = true;
        this.#ws();
      }
      items.push(this.#factor(depth));
    }
    if (items.length === 0) this.#fail('empty expression');
    return items.length === 1 ? (items[0] as Node) : { kind: 'and', items };
  }

  /** `term {OR term}`. */
  #factor(depth: number): Node {
    const items = [this.#term(depth)];
    for (;;) {
      const save = this.#at;
      this.#ws();
      if (!this.#keyword('OR')) {
        this.#at = save;
        break;
      }
      this.explicitLogic = true;
      this.#ws();
      items.push(this.#term(depth));
    }
    return items.length === 1 ? (items[0] as Node) : { kind: 'or', items };
  }

  /** `( expression )` or a comparison. */
  #term(depth: number): Node {
    if (this.#keyword('NOT')) this.#fail('NOT is not supported');
    if (this.#peek() === '(') {
      this.#at++;
      const inner = this.#expression(depth + 1);
      this.#ws();
      if (this.#peek() !== ')') this.#fail('unclosed parenthesis');
      this.#at++;
      return inner;
    }
    return this.#comparison(depth);
  }

  #comparison(depth: number): Node {
    const field = /^[A-Za-z_][\w.]*/.exec(this.#src.slice(this.#at))?.[0];
    if (!field) this.#fail(`a field name is expected at '${this.#src.slice(this.#at)}'`);
    this.#at += field.length;
    const afterField = this.#at;
    this.#ws();
    let op: Op | undefined;
    const word = /^(eq|ne)(?=\s)/.exec(this.#src.slice(this.#at))?.[1] as Op | undefined;
    if (word && this.#at > afterField) {
      op = word;
      this.#at += 2;
    } else {
      op = OPERATORS.find((o) => this.#src.startsWith(o, this.#at));
      if (!op) this.#fail(`an operator is expected after '${field}'`);
      this.#at += op.length;
    }
    this.#ws();
    const value =
      this.#peek() === '"' || this.#peek() === "'"
        ? this.#quoted(op === 'eq' || op === 'ne')
        : op === 'eq' || op === 'ne'
          ? this.#regexLiteral(depth)
          : this.#bare();
    if (value === undefined) this.#fail(`a value is expected after '${field} ${op}'`);
    return { kind: 'cmp', path: field.split('.'), op, value };
  }

  /**
   * A quoted literal. A backslash escapes the next character; for a regular expression the
   * backslashes are kept (`\b`, `\.` are RE2's), since an escaped quote matches a quote there too.
   */
  #quoted(raw: boolean): string {
    const quote = this.#peek();
    let out = '';
    this.#at++;
    while (!this.#end()) {
      const c = this.#src[this.#at] ?? '';
      if (c === '\\' && this.#at + 1 < this.#src.length) {
        const next = this.#src[this.#at + 1] ?? '';
        out += raw && next !== quote ? c + next : next;
        this.#at += 2;
        continue;
      }
      if (c === quote) {
        this.#at++;
        return out;
      }
      out += c;
      this.#at++;
    }
    return this.#fail('unclosed quote');
  }

  /**
   * An unquoted regular expression: the rest of the filter at top level ("fieldname eq unquoted
   * literal"), or up to the parenthesis that closes its group.
   */
  #regexLiteral(depth: number): string | undefined {
    const start = this.#at;
    let open = 0;
    while (!this.#end()) {
      const c = this.#src[this.#at];
      if (c === '\\') {
        this.#at += 2;
        continue;
      }
      if (c === '(') open++;
      if (c === ')') {
        if (open === 0 && depth > 0) break;
        open--;
      }
      this.#at++;
    }
    const value = this.#src.slice(start, this.#at).trim();
    return value === '' ? undefined : value;
  }

  /** A bare AIP-160 value: up to whitespace or a parenthesis. */
  #bare(): string | undefined {
    const m = /^[^\s()]+/.exec(this.#src.slice(this.#at));
    if (!m) return undefined;
    this.#at += m[0].length;
    return m[0];
  }

  #keyword(word: string): boolean {
    const re = new RegExp(`^${word}(?=[\\s(])`);
    if (!re.test(this.#src.slice(this.#at))) return false;
    this.#at += word.length;
    return true;
  }

  #ws(): void {
    while (/\s/.test(this.#src[this.#at] ?? '')) this.#at++;
  }

  #peek(): string {
    return this.#src[this.#at] ?? '';
  }

  #end(): boolean {
    return this.#at >= this.#src.length;
  }
}

/**
 * An RE2 pattern as a whole-field JS RegExp. RE2 has no lookaround and no backreferences
 * (https://github.com/google/re2/wiki/Syntax, "NOT SUPPORTED"), so those are refused as Compute
 * would; its `(?flags)` prefix, `(?P<name>...)` groups, `\Q...\E` literals and `\A` / `\z`
 * anchors are translated. No `u` flag: gcloud escapes `-`, space, `#`, `&` and `~`, which JS
 * allows as identity escapes only without it.
 */
function re2(pattern: string, fail: (why: string) => never): RegExp {
  if (/\(\?<?[=!]/.test(pattern)) fail('lookaround is not RE2 syntax');
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(pattern) || /\\k</.test(pattern)) {
    fail('backreferences are not RE2 syntax');
  }
  let flags = '';
  let src = pattern.replace(/^\(\?([imsU]+)\)/, (_m, f: string) => {
    if (f.includes('U')) fail('the U flag is not supported');
    flags = [...new Set(f)].join('');
    return '';
  });
  src = src
    .replace(/\\Q(.*?)(\\E|$)/g, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$');
  try {
    return new RegExp(`^(?:${src})$`, flags);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    return fail(`invalid regular expression '${pattern}'`);
  }
}

function evaluate(n: Node, r: object): boolean {
  switch (n.kind) {
    case 'and':
      return n.items.every((i) => evaluate(i, r));
    case 'or':
      return n.items.some((i) => evaluate(i, r));
    case 'cmp':
      return compare(n, valuesAt(r, n.path));
  }
}

/** The values at a dotted path, through lists. A field missing on the way gives none. */
function valuesAt(r: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [r];
  for (const key of path) {
    current = current
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object')
      .map((v) => v[key])
      .filter((v) => v !== undefined && v !== null);
  }
  return current;
}

function compare(c: Extract<Node, { kind: 'cmp' }>, values: unknown[]): boolean {
  const scalars = values.flatMap((v) => (Array.isArray(v) ? v : [v]));
  switch (c.op) {
    case 'eq':
      return scalars.some((v) => c.regex?.test(text(v)) === true);
    case 'ne':
      return !scalars.some((v) => c.regex?.test(text(v)) === true);
    case '=':
      return scalars.some((v) => equal(v, c.value));
    case '!=':
      return !scalars.some((v) => equal(v, c.value));
    case ':':
      if (c.value === '*') return values.length > 0;
      // Has: a map has the key, a list has the element, a scalar equals the value.
      return values.some((v) =>
        Array.isArray(v)
          ? v.some((e) => equal(e, c.value))
          : typeof v === 'object' && v !== null
            ? c.value in v
            : equal(v, c.value),
      );
    default:
      return scalars.some((v) => order(v, c.value, c.op));
  }
}

function text(v: unknown): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** AIP-160 equality: strings with `*` wildcards, numbers by value, booleans by name. */
function equal(v: unknown, want: string): boolean {
  if (typeof v === 'number') return Number(want) === v;
  if (typeof v === 'boolean') return want.toLowerCase() === String(v);
  const s = text(v);
  if (!want.includes('*')) return s === want;
  const re = want
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${re}$`).test(s);
}

function order(v: unknown, want: string, op: Op): boolean {
  const a = typeof v === 'number' ? v : Number(text(v));
  const b = Number(want);
  const [x, y]: [number | string, number | string] =
    Number.isNaN(a) || Number.isNaN(b) || want.trim() === '' ? [text(v), want] : [a, b];
  switch (op) {
    case '>':
      return x > y;
    case '<':
      return x < y;
    case '>=':
      return x >= y;
    default:
      return x <= y;
  }
}
