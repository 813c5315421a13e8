import { listKey } from './fields.ts';
import { clone, deepEqual, isObject, type Json, type JsonObject } from './json.ts';
import { badRequest, KubeApiError } from './status.ts';

/** JSON merge patch, RFC 7386 (`application/merge-patch+json`). */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), simplified: a merge patch
 * where the associative lists known to `listKey` merge item by item on their key, and the
 * directives kubectl sends are honoured (`$patch: replace|delete` on maps and list items,
 * `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`, `$retainKeys`). The real server
 * reads merge keys and strategies from the Go types; primitive lists are replaced here.
 * https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md
 */
export function strategicMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  const out: JsonObject = isObject(target) ? { ...target } : {};
  const orders: [string, Json[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const name = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[name];
      if (Array.isArray(cur) && Array.isArray(v)) {
        out[name] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      }
      continue;
    }
    if (v === null || (isObject(v) && v.$patch === 'delete')) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v) && Array.isArray(cur)) {
      out[k] = mergeList(cur, v, k);
      continue;
    }
    out[k] = strategicMergePatch(cur, v);
  }
  for (const [name, order] of orders) {
    const cur = out[name];
    if (Array.isArray(cur)) out[name] = reorder(cur, order, name);
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function mergeList(cur: Json[], patch: Json[], field: string): Json[] {
  const items = patch.filter((p) => !(isObject(p) && p.$patch === 'replace'));
  if (items.length !== patch.length) return clone(items);
  const key = listKey(
    field,
    [...cur, ...patch].filter((x) => !(isObject(x) && Object.keys(x).length === 0)),
  );
  if (!key) return clone(patch);
  const out = [...cur];
  for (const p of patch as JsonObject[]) {
    const i = out.findIndex((c) => isObject(c) && deepEqual(c[key], p[key]));
    if (p.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) {
      out[i] = strategicMergePatch(out[i], p);
    } else {
      out.push(strategicMergePatch(undefined, p));
    }
  }
  return out;
}

function reorder(cur: Json[], order: Json[], field: string): Json[] {
  const key = listKey(field, cur);
  const same = (a: Json, b: Json): boolean =>
    key && isObject(a) && isObject(b) ? deepEqual(a[key], b[key]) : deepEqual(a, b);
  const ordered: Json[] = [];
  for (const o of order) {
    const found = cur.find((c) => same(c, o));
    if (found !== undefined) ordered.push(found);
  }
  return [...ordered, ...cur.filter((c) => !ordered.includes(c))];
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, tokens: string[]): [Json, string] {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur)
      ? cur[Number(t)]
      : isObject(cur)
        ? cur[t]
        : undefined;
    if (next === undefined) throw jsonPatchError(`missing path segment ${t}`);
    cur = next;
  }
  return [cur, tokens[tokens.length - 1] ?? ''];
}

function jsonPatchError(msg: string): KubeApiError {
  return new KubeApiError(
    422,
    'Invalid',
    `the server rejected our request due to an error in our request: ${msg}`,
  );
}

function getAt(doc: Json, tokens: string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const t of tokens) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
  }
  return cur;
}

function removeAtPointer(doc: Json, tokens: string[]): Json {
  const [parent, last] = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const [v] = parent.splice(Number(last), 1);
    if (v === undefined) throw jsonPatchError(`no element ${last}`);
    return v;
  }
  if (isObject(parent) && last in parent) {
    const v = parent[last] as Json;
    delete parent[last];
    return v;
  }
  throw jsonPatchError(`unable to remove nonexistent key: ${last}`);
}

function addAtPointer(doc: Json, tokens: string[], value: Json, replace: boolean): Json {
  if (tokens.length === 0) return value;
  const [parent, last] = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else if (isObject(parent)) {
    if (replace && !(last in parent)) throw jsonPatchError(`replace of missing key ${last}`);
    parent[last] = value;
  } else {
    throw jsonPatchError(`cannot add at ${tokens.join('/')}`);
  }
  return doc;
}

/** JSON patch, RFC 6902 (`application/json-patch+json`). */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc = clone(target);
  for (const raw of ops) {
    if (!isObject(raw)) throw badRequest('json patch operation must be an object');
    const op = raw as unknown as JsonPatchOp;
    const tokens = pointer(op.path);
    switch (op.op) {
      case 'add':
        doc = addAtPointer(doc, tokens, clone(op.value ?? null), false);
        break;
      case 'replace':
        doc = addAtPointer(doc, tokens, clone(op.value ?? null), true);
        break;
      case 'remove':
        removeAtPointer(doc, tokens);
        break;
      case 'move': {
        const v = removeAtPointer(doc, pointer(op.from ?? ''));
        doc = addAtPointer(doc, tokens, v, false);
        break;
      }
      case 'copy':
        doc = addAtPointer(doc, tokens, clone(getAt(doc, pointer(op.from ?? '')) ?? null), false);
        break;
      case 'test':
        if (!deepEqual(getAt(doc, tokens), op.value))
          throw jsonPatchError(`test failed at ${op.path}`);
        break;
      default:
        throw badRequest(`unknown json patch op ${op.op}`);
    }
  }
  return doc;
}
