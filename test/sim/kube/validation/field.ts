/**
 * Field errors as the API server builds them, and the 422 Status they become.
 *
 * Sources (Kubernetes v1.32, the version the simulated server reports):
 * - staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go: Error, ErrorBody,
 *   ErrorType.String, Required/Invalid/Duplicate/NotFound/NotSupported/Forbidden/TooLong/TooMany,
 *   ErrorList.ToAggregate (duplicate messages dropped).
 * - staging/src/k8s.io/apimachinery/pkg/util/validation/field/path.go Path.String: `a.b[0]`, keys
 *   as `a[key]` (unquoted).
 * - staging/src/k8s.io/apimachinery/pkg/util/errors/errors.go aggregate.Error: one message as is,
 *   several as `[m1, m2]`.
 * - staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go NewInvalid: 422, reason Invalid,
 *   details {name, group, kind, causes[{reason: type, message: ErrorBody, field}]}, message
 *   `<Kind>[.<group>] "<name>" is invalid: <aggregate>`.
 */
import type { StatusCause } from '../status.ts';
import { KubeApiError } from '../status.ts';

/** The machine-readable error types (CauseType values). */
export type ErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError';

const TYPE_TEXT: Record<ErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
};

/**
 * A bad value as Go prints it in ErrorBody: strings with %q, numbers and booleans with %v,
 * anything else already rendered (`raw`, e.g. the %#v of a struct or map), or omitted.
 */
export type GoValue =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num'; readonly v: number | bigint }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'raw'; readonly v: string }
  | { readonly t: 'omit' };

export const str = (v: string): GoValue => ({ t: 'str', v });
export const num = (v: number | bigint): GoValue => ({ t: 'num', v });
export const bool = (v: boolean): GoValue => ({ t: 'bool', v });
export const raw = (v: string): GoValue => ({ t: 'raw', v });

/** One field error (field.Error). */
export interface FieldError {
  readonly type: ErrorType;
  readonly field: string;
  readonly value: GoValue;
  readonly detail: string;
}

/** Go's %q for the strings validation reports (printable text kept, the rest escaped). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function valueText(v: GoValue): string {
  switch (v.t) {
    case 'str':
      return goQuote(v.v);
    case 'num':
      return String(v.v);
    case 'bool':
      return v.v ? 'true' : 'false';
    case 'raw':
      return v.v;
    case 'omit':
      return '';
  }
}

/** field/errors.go Error.ErrorBody. */
export function errorBody(e: FieldError): string {
  const noValue =
    e.type === 'FieldValueRequired' ||
    e.type === 'FieldValueForbidden' ||
    e.type === 'FieldValueTooLong' ||
    e.type === 'InternalError' ||
    e.value.t === 'omit';
  let s = noValue ? TYPE_TEXT[e.type] : `${TYPE_TEXT[e.type]}: ${valueText(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** field/errors.go Error.Error: `<field>: <body>`. */
export function errorText(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

const make =
  (type: ErrorType) =>
  (field: string, value: GoValue, detail = ''): FieldError => ({ type, field, value, detail });

export const invalid = make('FieldValueInvalid');
export const duplicate = (field: string, value: GoValue): FieldError =>
  make('FieldValueDuplicate')(field, value);
export const notFound = (field: string, value: GoValue): FieldError =>
  make('FieldValueNotFound')(field, value);
export const required = (field: string, detail = ''): FieldError =>
  make('FieldValueRequired')(field, str(''), detail);
export const forbidden = (field: string, detail: string): FieldError =>
  make('FieldValueForbidden')(field, str(''), detail);

/** field.NotSupported: `supported values: "a", "b"` (Go's strconv.Quote of each). */
export function notSupported(field: string, value: GoValue, valid: readonly string[]): FieldError {
  const detail = valid.length > 0 ? `supported values: ${valid.map(goQuote).join(', ')}` : '';
  return make('FieldValueNotSupported')(field, value, detail);
}

/** field.TooLong as of v1.32: `may not be more than N bytes` (v1.31 and older said "must have at most N bytes"). */
export function tooLong(field: string, max: number): FieldError {
  const detail = max >= 0 ? `may not be more than ${max} bytes` : 'value is too long';
  return make('FieldValueTooLong')(field, str('<value omitted>'), detail);
}

/** A field path as path.go prints it. */
export class Path {
  private readonly text: string;

  private constructor(text: string) {
    this.text = text;
  }

  static root(name: string): Path {
    return new Path(name === '' ? '[]' : name);
  }

  child(...names: string[]): Path {
    return new Path(names.reduce((p, n) => (n === '' ? `${p}[]` : `${p}.${n}`), this.text));
  }

  index(i: number): Path {
    return new Path(`${this.text}[${i}]`);
  }

  key(k: string): Path {
    return new Path(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

/** errors.go NewInvalid for a list of field errors. */
export function invalidError(
  kind: string,
  group: string,
  name: string,
  errs: readonly FieldError[],
): KubeApiError {
  const seen = new Set<string>();
  const messages: string[] = [];
  for (const e of errs) {
    const m = errorText(e);
    if (!seen.has(m)) {
      seen.add(m);
      messages.push(m);
    }
  }
  const aggregate = messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
  const qualified = group ? `${kind}.${group}` : kind;
  const causes: StatusCause[] = errs.map((e) => ({
    reason: e.type,
    message: errorBody(e),
    ...(e.field ? { field: e.field } : {}),
  }));
  return new KubeApiError(
    422,
    'Invalid',
    `${qualified} ${goQuote(name)} is invalid: ${aggregate}`,
    {
      name,
      ...(group ? { group } : {}),
      kind,
      causes,
    },
  );
}
