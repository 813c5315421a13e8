import {
  type FieldPath,
  fieldSet,
  fromFieldsV1,
  leaves,
  listKey,
  pathToString,
  removeAt,
  toFieldsV1,
  valueAt,
} from './fields.ts';
import { clone, deepEqual, isObject, type Json, type JsonObject } from './json.ts';
import { KubeApiError } from './status.ts';

/**
 * One `metadata.managedFields` entry.
 * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/object-meta/#System (managedFields)
 */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
}

interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fields: Set<string>;
}

/** RFC 3339 at second precision, as the API server writes timestamps. */
export function kubeTime(d = new Date()): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function decode(entries: readonly ManagedFieldsEntry[]): Owner[] {
  return entries.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    fields: fromFieldsV1(e.fieldsV1),
  }));
}

function encode(owners: readonly Owner[]): ManagedFieldsEntry[] {
  return owners
    .filter((o) => o.fields.size > 0)
    .map((o) => ({
      manager: o.manager,
      operation: o.operation,
      apiVersion: o.apiVersion,
      time: o.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(o.fields),
    }));
}

function ownerFor(
  owners: Owner[],
  manager: string,
  operation: Owner['operation'],
  apiVersion: string,
): Owner {
  let o = owners.find((x) => x.manager === manager && x.operation === operation);
  if (!o) {
    o = { manager, operation, apiVersion, time: kubeTime(), fields: new Set() };
    owners.push(o);
  }
  o.apiVersion = apiVersion;
  o.time = kubeTime();
  return o;
}

/**
 * Ownership after a non-apply write (create, replace, patch) by `manager`: the fields it changed
 * become its own (operation `Update`) and are taken from every other manager.
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management
 */
export function updateOwnership(
  entries: readonly ManagedFieldsEntry[],
  manager: string,
  apiVersion: string,
  before: JsonObject | undefined,
  after: JsonObject,
): ManagedFieldsEntry[] {
  const owners = decode(entries);
  const afterSet = fieldSet(after);
  const beforeSet = before ? fieldSet(before) : new Set<string>();
  const changed = [...afterSet].filter(
    (p) => !deepEqual(valueAt(before, JSON.parse(p)), valueAt(after, JSON.parse(p))),
  );
  const removed = [...beforeSet].filter((p) => !afterSet.has(p));
  if (changed.length === 0 && removed.length === 0) return encode(owners);
  const me = ownerFor(owners, manager, 'Update', apiVersion);
  for (const o of owners) {
    for (const p of removed) o.fields.delete(p);
    if (o !== me) for (const p of changed) o.fields.delete(p);
  }
  for (const p of changed) me.fields.add(p);
  return encode(owners);
}

/** A field that `manager` would change although another manager owns it. */
export interface ApplyConflict {
  readonly owner: Owner;
  readonly path: FieldPath;
}

// printManager in k8s.io/apiserver .../fieldmanager/internal/conflict.go: Update managers carry
// "using <apiVersion>", Apply managers only their quoted name.
function printManager(o: Owner): string {
  return o.operation === 'Update'
    ? `"${o.manager}" using ${o.apiVersion}`
    : JSON.stringify(o.manager);
}

/** The 409 the API server returns for apply conflicts (same message and causes format). */
export function conflictError(conflicts: readonly ApplyConflict[]): KubeApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.owner)}`,
    field: pathToString(c.path),
  }));
  let message: string;
  const [only] = conflicts;
  if (conflicts.length === 1 && only) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(only.owner)}: ${pathToString(only.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = printManager(c.owner);
      byManager.set(m, [...(byManager.get(m) ?? []), pathToString(c.path)]);
    }
    const lines = [...byManager.keys()]
      .sort()
      .flatMap((m) => [`conflicts with ${m}:`, ...(byManager.get(m) ?? []).map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new KubeApiError(409, 'Conflict', message, { causes });
}

/** Deep-merges an apply configuration into an object: maps merge, keyed lists merge by key. */
export function mergeApplied(current: Json | undefined, applied: Json, field = ''): Json {
  if (isObject(applied)) {
    const out: JsonObject = isObject(current) ? { ...current } : {};
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(out[k], v, k);
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(current)) {
    const key = listKey(field, [...applied, ...current]);
    if (key) {
      const out = [...current];
      for (const item of applied as JsonObject[]) {
        const i = out.findIndex((c) => isObject(c) && deepEqual(c[key], item[key]));
        if (i >= 0) out[i] = mergeApplied(out[i], item, '');
        else out.push(clone(item));
      }
      return out;
    }
  }
  return clone(applied);
}

/** Result of a server-side apply on an existing object. */
export interface ApplyResult {
  readonly object: JsonObject;
  readonly managedFields: ManagedFieldsEntry[];
}

/**
 * Server-side apply of `applied` by `manager` onto `current`.
 * - a field owned by another manager whose value would change is a conflict (409) unless
 *   `force`, which moves ownership to `manager`;
 * - fields `manager` applied before and omits now are removed when nobody else owns them.
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy
 */
export function serverSideApply(
  current: JsonObject,
  entries: readonly ManagedFieldsEntry[],
  applied: JsonObject,
  manager: string,
  apiVersion: string,
  force: boolean,
): ApplyResult {
  const owners = decode(entries);
  const appliedSet = fieldSet(applied);
  const conflicts: ApplyConflict[] = [];
  for (const p of leaves(appliedSet)) {
    const path = JSON.parse(p) as string[];
    if (deepEqual(valueAt(current, path), valueAt(applied, path))) continue;
    for (const o of owners) {
      if (o.manager !== manager && o.fields.has(p)) conflicts.push({ owner: o, path });
    }
  }
  if (conflicts.length > 0 && !force) {
    // kubectl's server-side apply may take over what its client-side apply set: conflicts on
    // fields whose live value still equals the last-applied annotation are forced
    // (k8s.io/apiserver fieldmanager lastAppliedManager, manager "kubectl" only).
    const allowed = manager === 'kubectl' ? fromLastApplied(current) : new Set<string>();
    const remaining = conflicts.filter((c) => !allowed.has(JSON.stringify(c.path)));
    if (remaining.length > 0) throw conflictError(remaining);
  }
  for (const c of conflicts) c.owner.fields.delete(JSON.stringify(c.path));

  const me = ownerFor(owners, manager, 'Apply', apiVersion);
  const dropped = [...me.fields].filter((p) => !appliedSet.has(p));
  me.fields = new Set(appliedSet);

  const object = mergeApplied(current, stripMeta(applied)) as JsonObject;
  // Remove what this manager stopped applying and nobody else owns, deepest first.
  const orphaned = dropped
    .filter((p) => !owners.some((o) => o.fields.has(p)))
    .map((p) => JSON.parse(p) as string[])
    .sort((a, b) => b.length - a.length);
  for (const path of orphaned) removeAt(object, path);
  return { object, managedFields: encode(owners) };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

// Fields of the last-applied annotation whose live value is unchanged.
function fromLastApplied(live: JsonObject): Set<string> {
  const meta = isObject(live.metadata) ? live.metadata : {};
  const raw = isObject(meta.annotations) ? meta.annotations[LAST_APPLIED] : undefined;
  if (typeof raw !== 'string' || raw === '') return new Set();
  let last: Json;
  try {
    last = JSON.parse(raw) as Json;
  } catch {
    return new Set();
  }
  if (!isObject(last) || last.apiVersion !== live.apiVersion) return new Set();
  const lastObj = last;
  return new Set(
    [...fieldSet(lastObj)].filter((p) => {
      const path = JSON.parse(p) as string[];
      return deepEqual(valueAt(lastObj, path), valueAt(live, path));
    }),
  );
}

/** Ownership of a freshly created object applied by `manager`. */
export function applyCreateOwnership(
  applied: JsonObject,
  manager: string,
  apiVersion: string,
): ManagedFieldsEntry[] {
  return encode([
    { manager, operation: 'Apply', apiVersion, time: kubeTime(), fields: fieldSet(applied) },
  ]);
}

// Only labels and annotations of an apply configuration's metadata are merged; identity and
// system fields stay the server's.
function stripMeta(applied: JsonObject): JsonObject {
  const out: JsonObject = { ...applied };
  const meta = applied.metadata;
  if (isObject(meta)) {
    const m: JsonObject = {};
    if (meta.labels !== undefined) m.labels = meta.labels;
    if (meta.annotations !== undefined) m.annotations = meta.annotations;
    out.metadata = m;
  }
  delete out.status;
  return out;
}
