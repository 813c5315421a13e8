/**
 * Google's own API definitions, as the client libraries ship them (protobufjs JSON descriptors in
 * `@google-cloud/compute` and `@google-cloud/container`), used to check the simulator's replies:
 * a request is matched to its RPC by the RPC's `(google.api.http)` rule, and the JSON body is
 * checked against the RPC's response message under the proto3 JSON mapping
 * (https://protobuf.dev/programming-guides/json/).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

const HTTP_VERBS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** One binding of an RPC's http rule. */
export interface HttpBinding {
  /** `Networks.Get`. */
  readonly rpc: string;
  readonly method: string;
  readonly template: string;
  readonly response: protobuf.Type;
  readonly regex: RegExp;
  /** Literal characters of the template: the more specific binding wins a tie. */
  readonly literal: number;
}

/** One API's definitions. */
export interface Api {
  readonly name: string;
  readonly root: protobuf.Root;
  readonly bindings: readonly HttpBinding[];
  /**
   * Compute declares enum-like fields as `string` with a nested enum named after the field
   * (`status` -> `Status`, `IPProtocol` -> `IPProtocolEnum`); compute.proto's comment on each such
   * field says "Check the <Enum> enum for the list of possible values."
   */
  readonly stringEnums: boolean;
  /**
   * Compute's protos declare fingerprints as `string`, its REST reference as "string (bytes
   * format)" (e.g. https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks): base64.
   */
  readonly base64Fingerprints: boolean;
}

/** What an API declares outside its protos' types; see {@link Api}. */
export type ApiQuirks = Pick<Api, 'stringEnums' | 'base64Fingerprints'>;

const require = createRequire(import.meta.url);

/** Loads `<pkg>/build/protos/protos.json` and the http rules of every service in `namespace`. */
export function loadApi(
  pkg: '@google-cloud/compute' | '@google-cloud/container',
  namespace: string,
  quirks: ApiQuirks,
): Api {
  const file = require.resolve(`${pkg}/build/protos/protos.json`);
  const root = protobuf.Root.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
  root.resolveAll();
  const ns = root.lookup(namespace);
  if (!(ns instanceof protobuf.Namespace)) throw new Error(`no namespace ${namespace} in ${pkg}`);
  const bindings: HttpBinding[] = [];
  for (const service of ns.nestedArray) {
    if (!(service instanceof protobuf.Service)) continue;
    for (const m of service.methodsArray) {
      const response = m.resolvedResponseType;
      if (!response) throw new Error(`${service.name}.${m.name}: unresolved response type`);
      for (const rule of httpRules(m)) {
        for (const verb of HTTP_VERBS) {
          const template = rule[verb];
          if (typeof template !== 'string') continue;
          bindings.push({
            rpc: `${service.name}.${m.name}`,
            method: verb.toUpperCase(),
            template,
            response,
            regex: compileTemplate(template),
            literal: template.replace(/\{[^}]*\}/g, '').length,
          });
        }
      }
    }
  }
  return { name: pkg, root, bindings, ...quirks };
}

type HttpRule = Partial<Record<(typeof HTTP_VERBS)[number] | 'body', string>> & {
  additional_bindings?: HttpRule | HttpRule[];
};

/** The method's http rule and its additional bindings, flattened. */
function httpRules(m: protobuf.Method): HttpRule[] {
  const out: HttpRule[] = [];
  const add = (r: HttpRule | HttpRule[] | undefined) => {
    for (const x of Array.isArray(r) ? r : r ? [r] : []) {
      out.push(x);
      add(x.additional_bindings);
    }
  };
  for (const o of (m.parsedOptions ?? []) as Record<string, unknown>[]) {
    add(o['(google.api.http)'] as HttpRule | undefined);
  }
  return out;
}

/**
 * A path template (google/api/http.proto) as a regex: `{var}` and `*` are one segment, `**` any
 * number, `{var=pattern}` its pattern; a trailing `:verb` is literal. Segments do not take `:`,
 * so `clusters/*` does not swallow `clusters/c:setSize`.
 */
export function compileTemplate(template: string): RegExp {
  const segment = '[^/:]+';
  const pattern = (p: string) =>
    p
      .split('/')
      .map((s) => (s === '**' ? '[^:]+' : s === '*' ? segment : escapeRegex(s)))
      .join('/');
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^=}]+)(?:=([^}]+))?\}$/.exec(part);
      if (!m) return escapeRegex(part);
      return m[2] ? pattern(m[2]) : segment;
    })
    .join('');
  return new RegExp(`^${source}$`);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The binding for a request, most literal first; undefined when the API has none. */
export function findBinding(api: Api, method: string, path: string): HttpBinding | undefined {
  let best: HttpBinding | undefined;
  for (const b of api.bindings) {
    if (b.method !== method || !b.regex.test(path)) continue;
    if (!best || b.literal > best.literal) best = b;
  }
  return best;
}

// Well-known types have their own JSON forms (https://protobuf.dev/programming-guides/json/).
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const WELL_KNOWN: Record<string, (v: unknown) => string | undefined> = {
  '.google.protobuf.Timestamp': (v) =>
    typeof v === 'string' && RFC3339.test(v) ? undefined : 'an RFC 3339 timestamp string',
  '.google.protobuf.Duration': (v) =>
    typeof v === 'string' && /^-?\d+(\.\d{1,9})?s$/.test(v) ? undefined : 'a duration like "3.5s"',
  '.google.protobuf.FieldMask': (v) => (typeof v === 'string' ? undefined : 'a string'),
  '.google.protobuf.Struct': (v) => (isObject(v) ? undefined : 'an object'),
  '.google.protobuf.Value': () => undefined,
  '.google.protobuf.ListValue': (v) => (Array.isArray(v) ? undefined : 'an array'),
  '.google.protobuf.Any': (v) =>
    isObject(v) && typeof v['@type'] === 'string' ? undefined : 'an object with "@type"',
  '.google.protobuf.DoubleValue': (v) => scalarProblem('double', v),
  '.google.protobuf.FloatValue': (v) => scalarProblem('float', v),
  '.google.protobuf.Int64Value': (v) => scalarProblem('int64', v),
  '.google.protobuf.UInt64Value': (v) => scalarProblem('uint64', v),
  '.google.protobuf.Int32Value': (v) => scalarProblem('int32', v),
  '.google.protobuf.UInt32Value': (v) => scalarProblem('uint32', v),
  '.google.protobuf.BoolValue': (v) => scalarProblem('bool', v),
  '.google.protobuf.StringValue': (v) => scalarProblem('string', v),
  '.google.protobuf.BytesValue': (v) => scalarProblem('bytes', v),
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9\-_]*)={0,2}$/;

/** Padded: a multiple of 4; unpadded: never 1 past one (RFC 4648). */
function base64Length(v: string): boolean {
  return v.includes('=') ? v.length % 4 === 0 : v.length % 4 !== 1;
}

/** What a scalar of proto type `type` should have been, or undefined when `v` is one. */
function scalarProblem(type: string, v: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? undefined : 'a string';
    case 'bool':
      return typeof v === 'boolean' ? undefined : 'a boolean';
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31
        ? undefined
        : 'an int32 number';
    case 'uint32':
    case 'fixed32':
      return Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32
        ? undefined
        : 'a uint32 number';
    // 64-bit integers are decimal strings: Compute's discovery document gives ids as
    // `"type": "string", "format": "uint64"`.
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return typeof v === 'string' && /^-?\d+$/.test(v) ? undefined : 'an int64 decimal string';
    case 'uint64':
    case 'fixed64':
      return typeof v === 'string' && /^\d+$/.test(v) ? undefined : 'a uint64 decimal string';
    case 'double':
    case 'float':
      return typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity'
        ? undefined
        : 'a number';
    case 'bytes':
      return typeof v === 'string' && BASE64.test(v) && base64Length(v)
        ? undefined
        : 'a base64 string';
    default:
      return `a ${type} (unknown scalar type)`;
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Compute's nested enum for a `string` field, by compute.proto's naming (see {@link Api}). */
export function stringEnumOf(
  parent: protobuf.Type,
  field: protobuf.Field,
): protobuf.Enum | undefined {
  const base = field.name.charAt(0).toUpperCase() + field.name.slice(1);
  for (const name of [base, `${base}Enum`]) {
    const e = parent.nested?.[name];
    if (e instanceof protobuf.Enum) return e;
  }
  return undefined;
}

/**
 * Every way `value` breaks `type`'s JSON form, each as `<path>: <problem>`, the path starting with
 * `at` (default the message's name): unknown fields, wrong JSON types, enum values that are not
 * the enum's names, 64-bit integers that are not decimal strings, bytes that are not base64,
 * nulls (Google leaves unset fields out), and two members of one oneof.
 */
export function validate(
  api: Api,
  type: protobuf.Type,
  value: unknown,
  at: string = type.name,
): string[] {
  const out: string[] = [];
  message(type, value, at);
  return out;

  function message(t: protobuf.Type, v: unknown, path: string): void {
    const wk = WELL_KNOWN[t.fullName];
    if (wk) {
      const want = wk(v);
      if (want) out.push(`${path}: ${show(v)} is not ${want} (${t.fullName.slice(1)})`);
      return;
    }
    if (!isObject(v)) {
      out.push(`${path}: ${show(v)} is not an object (${t.name})`);
      return;
    }
    const byJson = new Map<string, protobuf.Field>();
    for (const f of t.fieldsArray) {
      byJson.set(f.name, f);
      const jsonName = f.options?.json_name;
      if (typeof jsonName === 'string') byJson.set(jsonName, f);
    }
    for (const [key, x] of Object.entries(v)) {
      const f = byJson.get(key);
      if (!f) out.push(`${path}.${key}: unknown field of ${t.name}`);
      else field(t, f, x, `${path}.${key}`);
    }
    for (const o of t.oneofsArray) {
      const set = o.fieldsArray.filter(
        (f) =>
          f.name in v || (typeof f.options?.json_name === 'string' && f.options.json_name in v),
      );
      if (set.length > 1) {
        out.push(`${path}: ${set.map((f) => f.name).join(' and ')} are one oneof (${o.name})`);
      }
    }
  }

  function field(parent: protobuf.Type, f: protobuf.Field, v: unknown, path: string): void {
    if (v === null) {
      out.push(`${path}: null (Google leaves an unset field out)`);
      return;
    }
    if (f instanceof protobuf.MapField) {
      if (!isObject(v)) {
        out.push(`${path}: ${show(v)} is not an object (map<${f.keyType}, ${f.type}>)`);
        return;
      }
      for (const [k, x] of Object.entries(v)) single(parent, f, x, `${path}[${JSON.stringify(k)}]`);
      return;
    }
    if (f.repeated) {
      if (!Array.isArray(v)) {
        out.push(`${path}: ${show(v)} is not an array (repeated ${f.type})`);
        return;
      }
      v.forEach((x, i) => {
        single(parent, f, x, `${path}[${i}]`);
      });
      return;
    }
    single(parent, f, v, path);
  }

  function single(parent: protobuf.Type, f: protobuf.Field, v: unknown, path: string): void {
    if (v === null) {
      out.push(`${path}: null (Google leaves an unset field out)`);
      return;
    }
    const r = f.resolvedType;
    if (r instanceof protobuf.Type) {
      message(r, v, path);
      return;
    }
    if (r instanceof protobuf.Enum) {
      enumValue(r, v, path, false);
      return;
    }
    const want = scalarProblem(f.type, v);
    if (want) {
      out.push(`${path}: ${show(v)} is not ${want} (${f.type})`);
      return;
    }
    if (f.type !== 'string') return;
    if (api.base64Fingerprints && /^(fingerprint|\w+Fingerprint)$/.test(f.name)) {
      const bytes = scalarProblem('bytes', v);
      if (bytes) out.push(`${path}: ${show(v)} is not ${bytes} (string, bytes format)`);
    }
    if (api.stringEnums) {
      const e = stringEnumOf(parent, f);
      if (e) enumValue(e, v, path, true);
    }
  }

  function enumValue(e: protobuf.Enum, v: unknown, path: string, compute: boolean): void {
    // Compute's `UNDEFINED_<FIELD>` value is the proto's zero placeholder, not an API value.
    const names = Object.keys(e.values).filter((n) => !(compute && n.startsWith('UNDEFINED_')));
    if (typeof v === 'string' && names.includes(v)) return;
    const list = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ');
    out.push(`${path}: ${show(v)} is not a ${e.parent?.name}.${e.name} value (${list})`);
  }
}

/** `{error: {code, message, ...}}`: Google's JSON error body (https://cloud.google.com/apis/design/errors). */
export function errorBodyProblems(body: unknown, at: string): string[] {
  const e = isObject(body) ? body.error : undefined;
  if (!isObject(e)) return [`${at}: not {error: {...}}`];
  const out: string[] = [];
  if (!Number.isInteger(e.code)) out.push(`${at}.error.code: ${show(e.code)} is not an integer`);
  if (typeof e.message !== 'string')
    out.push(`${at}.error.message: ${show(e.message)} is not a string`);
  return out;
}
