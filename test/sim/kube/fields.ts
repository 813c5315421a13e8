import { deepEqual, isObject, type Json, type JsonObject } from './json.ts';

/**
 * Server-side apply field ownership, simplified.
 *
 * Field sets are encoded as FieldsV1 (`f:<field>`, `k:{"key":value}` for list items, `.` for
 * the item itself), as in https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management
 * Simplifications (the real server reads merge keys from the OpenAPI schema):
 * - associative lists are recognised by field name (see LIST_KEYS); every other list is atomic;
 * - only `metadata.labels` and `metadata.annotations` are tracked under metadata; `status` is not
 *   tracked (it is a subresource).
 */

/** A path of FieldsV1 segments, e.g. `['f:data', 'f:key']`. Sets hold it JSON-encoded. */
export type FieldPath = readonly string[];

/** Merge keys of the associative lists the simulated kinds use. */
const LIST_KEYS: Readonly<Record<string, readonly string[]>> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  imagePullSecrets: ['name'],
  // Pod container ports are keyed by containerPort, Service ports by port.
  ports: ['containerPort', 'port'],
};

/** The merge key of list `field`, when every item is an object carrying it. */
export function listKey(field: string, items: readonly Json[]): string | undefined {
  const candidates = LIST_KEYS[field];
  if (!candidates || items.length === 0) return undefined;
  return candidates.find((k) => items.every((i) => isObject(i) && i[k] !== undefined));
}

function itemSegment(key: string, item: JsonObject): string {
  return `k:${JSON.stringify({ [key]: item[key] })}`;
}

function collect(value: Json, prefix: string[], field: string, out: Set<string>): void {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && prefix.length > 0) out.add(JSON.stringify(prefix));
    for (const k of keys) collect(value[k] as Json, [...prefix, `f:${k}`], k, out);
    return;
  }
  if (Array.isArray(value)) {
    const key = listKey(field, value);
    if (key) {
      for (const item of value as JsonObject[]) {
        const itemPath = [...prefix, itemSegment(key, item)];
        out.add(JSON.stringify(itemPath));
        for (const k of Object.keys(item))
          collect(item[k] as Json, [...itemPath, `f:${k}`], k, out);
      }
      return;
    }
  }
  out.add(JSON.stringify(prefix));
}

/** The fields an object (or an apply configuration) sets, as JSON-encoded paths. */
export function fieldSet(obj: JsonObject): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata') {
      if (!isObject(v)) continue;
      for (const mk of ['labels', 'annotations']) {
        const m = v[mk];
        if (m !== undefined) collect(m, ['f:metadata', `f:${mk}`], mk, out);
      }
      continue;
    }
    collect(v, [`f:${k}`], k, out);
  }
  return out;
}

/** The value at a path, or undefined when absent. */
export function valueAt(obj: Json | undefined, path: FieldPath): Json | undefined {
  let cur: Json | undefined = obj;
  for (const seg of path) {
    if (seg.startsWith('f:')) {
      if (!isObject(cur)) return undefined;
      cur = cur[seg.slice(2)];
    } else if (seg.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = JSON.parse(seg.slice(2)) as JsonObject;
      const [k, v] = Object.entries(want)[0] ?? [];
      cur = cur.find((i) => isObject(i) && k !== undefined && deepEqual(i[k], v));
    } else {
      return undefined;
    }
  }
  return cur;
}

/** Removes the field or list item at `path` from `obj` in place. */
export function removeAt(obj: JsonObject, path: FieldPath): void {
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  if (last === undefined) return;
  const parent = valueAt(obj, parentPath);
  if (last.startsWith('f:') && isObject(parent)) {
    delete parent[last.slice(2)];
  } else if (last.startsWith('k:') && Array.isArray(parent)) {
    const item = valueAt(obj, path);
    const i = parent.indexOf(item as Json);
    if (i >= 0) parent.splice(i, 1);
  }
}

/** Renders a path as the API server prints it in conflicts: `.spec.containers[name="a"].image`. */
export function pathToString(path: FieldPath): string {
  return path
    .map((seg) => {
      if (seg.startsWith('f:')) return `.${seg.slice(2)}`;
      if (seg.startsWith('k:')) {
        const parts = Object.entries(JSON.parse(seg.slice(2)) as JsonObject).map(
          ([k, v]) => `${k}=${JSON.stringify(v)}`,
        );
        return `[${parts.join(',')}]`;
      }
      return '';
    })
    .join('');
}

/** Encodes a set of paths as a FieldsV1 tree. */
export function toFieldsV1(set: ReadonlySet<string>): JsonObject {
  const root: JsonObject = {};
  const paths = [...set].map((p) => JSON.parse(p) as string[]);
  for (const path of paths) {
    let node = root;
    for (const seg of path) {
      const next = node[seg];
      if (isObject(next)) node = next;
      else {
        const fresh: JsonObject = {};
        node[seg] = fresh;
        node = fresh;
      }
    }
  }
  // A member that also has members below it is marked with '.'.
  for (const path of paths) {
    const node = valueAtTree(root, path);
    if (node && Object.keys(node).some((k) => k !== '.')) node['.'] = {};
  }
  return root;
}

function valueAtTree(root: JsonObject, path: readonly string[]): JsonObject | undefined {
  let node: Json | undefined = root;
  for (const seg of path) {
    if (!isObject(node)) return undefined;
    node = node[seg];
  }
  return isObject(node) ? node : undefined;
}

/** Decodes a FieldsV1 tree into a set of paths. */
export function fromFieldsV1(tree: JsonObject): Set<string> {
  const out = new Set<string>();
  const walk = (node: JsonObject, prefix: string[]): void => {
    const keys = Object.keys(node).filter((k) => k !== '.');
    if (prefix.length > 0 && (keys.length === 0 || '.' in node)) out.add(JSON.stringify(prefix));
    for (const k of keys) {
      const child = node[k];
      if (isObject(child)) walk(child, [...prefix, k]);
    }
  };
  walk(tree, []);
  return out;
}

/** Leaf paths of a set: those with no other member below them. */
export function leaves(set: ReadonlySet<string>): string[] {
  const all = [...set];
  return all.filter((p) => {
    const prefix = `${p.slice(0, -1)},`;
    return !all.some((q) => q !== p && q.startsWith(prefix));
  });
}
