import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { type AdmissionOperation, type CustomResource, servedTypes } from './custom.ts';
import { clone, deepEqual, ensureObject, isObject, type Json, type JsonObject } from './json.ts';
import {
  applyCreateOwnership,
  kubeTime,
  type ManagedFieldsEntry,
  serverSideApply,
  updateOwnership,
} from './managed.ts';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selector.ts';
import { ServiceAllocator, type ServiceAllocatorOptions } from './services.ts';
import {
  alreadyExists,
  badRequest,
  type ErrorSubject,
  KubeApiError,
  notFound,
  staleConflict,
  unsupportedMediaType,
} from './status.ts';
import { invalidError } from './validation/field.ts';
import { validateObject } from './validation.ts';

/** How a write identifies its field manager and whether it is persisted. */
export interface WriteOptions {
  /** `fieldManager` query parameter. */
  readonly fieldManager?: string | undefined;
  /** Manager name used when `fieldManager` is absent (the real server takes the User-Agent prefix). */
  readonly defaultManager: string;
  readonly force?: boolean | undefined;
  /** `dryRun=All`: validate and compute, do not persist. */
  readonly dryRun?: boolean | undefined;
}

/** Options of a {@link KubeStore}. */
export interface KubeStoreOptions extends ServiceAllocatorOptions {
  /** PEM of the cluster CA, published in every namespace's `kube-root-ca.crt` ConfigMap. */
  readonly caPem: string;
  /** Nodes reported in DaemonSet status (controllers are simulated as instantly converged). */
  readonly nodeCount?: number;
  /** Kinds this server serves through CRDs (custom.ts), with the objects they start with. */
  readonly custom?: readonly CustomResource[];
}

/** PATCH Content-Types the server accepts. */
export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * In-memory object storage with the API server's write semantics: uid, a global
 * resourceVersion counter, generation for workloads, optimistic concurrency, managedFields and
 * server-side apply. https://kubernetes.io/docs/reference/using-api/api-concepts/
 */
export class KubeStore {
  private rv = 0;
  private readonly objects = new Map<string, JsonObject>();
  private readonly services: ServiceAllocator;
  private readonly caPem: string;
  private readonly nodeCount: number;
  private readonly custom: readonly CustomResource[];
  /** Every type this server serves: the built-in ones and its custom ones. */
  readonly types: readonly ResourceType[];

  constructor(options: KubeStoreOptions) {
    this.caPem = options.caPem;
    this.nodeCount = options.nodeCount ?? 3;
    this.services = new ServiceAllocator(options);
    this.custom = options.custom ?? [];
    this.types = servedTypes(this.custom);
    const system: WriteOptions = { defaultManager: 'kube-apiserver' };
    for (const ns of SYSTEM_NAMESPACES) {
      this.create(this.type('Namespace'), undefined, { metadata: { name: ns } }, system);
    }
    for (const c of this.custom)
      for (const o of c.seed ?? []) this.create(c.type, undefined, o, system);
  }

  /** Current resourceVersion of the whole store (the list `metadata.resourceVersion`). */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Every stored object, for snapshots. */
  snapshot(): JsonObject[] {
    return [...this.objects.values()].map((o) => clone(o));
  }

  /** Replaces the store's content with objects from `snapshot()`. */
  restore(objects: readonly JsonObject[]): void {
    this.objects.clear();
    this.services.clear();
    let max = 0;
    for (const o of objects) {
      const rt = this.types.find((r) => r.kind === o.kind && apiVersionOf(r) === o.apiVersion);
      const meta = o.metadata;
      if (!rt || !isObject(meta) || typeof meta.name !== 'string') continue;
      const ns = typeof meta.namespace === 'string' ? meta.namespace : undefined;
      this.objects.set(keyOf(rt, ns, meta.name), clone(o));
      if (rt.kind === 'Service') this.services.reserve(o);
      max = Math.max(max, Number(meta.resourceVersion) || 0);
    }
    this.rv = max;
  }

  type(kind: string): ResourceType {
    const rt = this.types.find((r) => r.kind === kind);
    if (!rt) throw new Error(`unknown kind ${kind}`);
    return rt;
  }

  get(rt: ResourceType, ns: string | undefined, name: string): JsonObject {
    const obj = this.objects.get(keyOf(rt, ns, name));
    if (!obj) throw notFound(subject(rt, name));
    return clone(obj);
  }

  /** Lists objects of a type, in one namespace or (ns undefined) in all. */
  list(
    rt: ResourceType,
    ns: string | undefined,
    labelSelector: string | null,
    fieldSelector: string | null,
  ): JsonObject {
    const labels = parseLabelSelector(labelSelector);
    const fields = parseFieldSelector(fieldSelector);
    const items = [...this.objects.values()]
      .filter((o) => o.kind === rt.kind && o.apiVersion === apiVersionOf(rt))
      .filter((o) => {
        const meta = o.metadata as JsonObject;
        if (ns !== undefined && meta.namespace !== ns) return false;
        const l = isObject(meta.labels) ? (meta.labels as Record<string, string>) : {};
        return (
          labels.matches(l) &&
          fields({
            name: String(meta.name),
            ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
          })
        );
      })
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
      // Items of a list carry no kind/apiVersion, as the real server sends them.
      .map(({ kind: _k, apiVersion: _a, ...rest }) => clone(rest));
    return {
      kind: `${rt.kind}List`,
      apiVersion: apiVersionOf(rt),
      metadata: { resourceVersion: this.resourceVersion },
      items,
    };
  }

  create(rt: ResourceType, ns: string | undefined, body: Json, opts: WriteOptions): JsonObject {
    if (!isObject(body)) throw badRequest('the request body must be a JSON object');
    const obj = clone(body);
    checkTypeMeta(rt, obj);
    const meta = ensureObject(obj, 'metadata');
    if (typeof meta.name !== 'string' && typeof meta.generateName === 'string') {
      meta.name = `${meta.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    const name = typeof meta.name === 'string' ? meta.name : '';
    this.checkNamespace(rt, ns, meta);
    this.check(rt, obj, ns);
    if (this.objects.has(keyOf(rt, ns, name))) throw alreadyExists(subject(rt, name));
    this.admit(rt, 'CREATE', name, undefined, obj);
    const manager = opts.fieldManager ?? opts.defaultManager;
    const stored = this.finishCreate(rt, ns, obj);
    stored.metadata = {
      ...(stored.metadata as JsonObject),
      managedFields: updateOwnership(
        [],
        manager,
        apiVersionOf(rt),
        undefined,
        stored,
      ) as unknown as Json,
    };
    return this.commit(rt, ns, name, stored, opts);
  }

  replace(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    body: Json,
    opts: WriteOptions,
  ): JsonObject {
    if (!isObject(body)) throw badRequest('the request body must be a JSON object');
    const current = this.get(rt, ns, name);
    const next = clone(body);
    checkTypeMeta(rt, next);
    const meta = ensureObject(next, 'metadata');
    if (meta.name !== name) {
      throw badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
      );
    }
    this.checkNamespace(rt, ns, meta);
    checkPreconditions(rt, current, next, name);
    return this.update(rt, ns, name, current, next, opts);
  }

  patch(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    contentType: string,
    rawBody: string,
    opts: WriteOptions,
  ): JsonObject {
    const type = contentType.split(';')[0]?.trim() ?? '';
    if (type === PATCH_TYPES.apply) return this.apply(rt, ns, name, rawBody, opts);
    if (opts.force !== undefined) {
      throw new KubeApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
      );
    }
    // Custom resources take no strategic merge patch: the server answers 415
    // (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/).
    if (type === PATCH_TYPES.strategic && this.customOf(rt))
      throw new KubeApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format (${contentType}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    const patch = parseJson(rawBody);
    const current = this.get(rt, ns, name);
    let next: Json;
    if (type === PATCH_TYPES.merge) next = mergePatch(current, patch);
    else if (type === PATCH_TYPES.strategic) next = strategicMergePatch(current, patch);
    else if (type === PATCH_TYPES.json) next = jsonPatch(current, patch);
    else throw unsupportedMediaType(contentType);
    if (!isObject(next)) throw badRequest('the patch must produce an object');
    checkTypeMeta(rt, next);
    const meta = ensureObject(next, 'metadata');
    if (meta.name !== name) throw badRequest('metadata.name may not be changed by a patch');
    checkPreconditions(rt, current, next, name);
    return this.update(rt, ns, name, current, next, opts);
  }

  delete(rt: ResourceType, ns: string | undefined, name: string, dryRun: boolean): JsonObject {
    const current = this.get(rt, ns, name);
    if (rt.kind === 'Namespace' && SYSTEM_NAMESPACES.includes(name)) {
      throw new KubeApiError(
        403,
        'Forbidden',
        `namespace ${name} is protected and may not be deleted`,
        {
          name,
          kind: rt.plural,
        },
      );
    }
    this.admit(rt, 'DELETE', name, current, undefined);
    const meta = current.metadata as JsonObject;
    if (!dryRun) {
      this.objects.delete(keyOf(rt, ns, name));
      if (rt.kind === 'Service') this.services.release(current);
      // Namespace deletion removes its content at once (the real server goes through a
      // Terminating phase first).
      if (rt.kind === 'Namespace') {
        for (const [k, o] of this.objects) {
          if ((o.metadata as JsonObject).namespace === name) {
            this.objects.delete(k);
            if (o.kind === 'Service') this.services.release(o);
          }
        }
      }
      this.rv++;
    }
    // DELETE answers with a success Status for kinds without graceful deletion.
    // https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/config-map-v1/#delete-delete-a-configmap
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name,
        ...(rt.group ? { group: rt.group } : {}),
        kind: rt.plural,
        uid: meta.uid ?? null,
      },
    };
  }

  private apply(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    rawBody: string,
    opts: WriteOptions,
  ): JsonObject {
    // https://kubernetes.io/docs/reference/using-api/server-side-apply/#api-implementation
    if (!opts.fieldManager) {
      throw new KubeApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    let applied: unknown;
    try {
      // The server reads apply bodies with sigs.k8s.io/yaml, a YAML 1.1 reader (go-yaml v2), so
      // `0555` is octal 365 there (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go:
      // newApplyPatcher with k8s.io/apimachinery/pkg/util/yaml.Unmarshal).
      applied = parseYaml(rawBody, { version: '1.1' });
    } catch (e) {
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
    if (!isObject(applied as Json)) throw badRequest('the apply configuration must be an object');
    const config = applied as JsonObject;
    if (config.apiVersion !== apiVersionOf(rt) || config.kind !== rt.kind) {
      throw badRequest(
        `apiVersion and kind must be set to ${apiVersionOf(rt)} ${rt.kind} in an apply configuration`,
      );
    }
    const meta = ensureObject(config, 'metadata');
    if (meta.name !== name) throw badRequest('metadata.name must match the name on the URL');
    const existing = this.objects.get(keyOf(rt, ns, name));
    if (!existing) {
      const obj = clone(config);
      this.checkNamespace(rt, ns, ensureObject(obj, 'metadata'));
      this.check(rt, obj, ns);
      this.admit(rt, 'CREATE', name, undefined, obj);
      const stored = this.finishCreate(rt, ns, obj);
      (stored.metadata as JsonObject).managedFields = applyCreateOwnership(
        config,
        opts.fieldManager,
        apiVersionOf(rt),
      ) as unknown as Json;
      return this.commit(rt, ns, name, stored, opts);
    }
    const current = clone(existing);
    this.checkNamespace(rt, ns, meta);
    if (meta.resourceVersion !== undefined) checkPreconditions(rt, current, config, name);
    const entries = managedFieldsOf(current);
    const result = serverSideApply(
      current,
      entries,
      config,
      opts.fieldManager,
      apiVersionOf(rt),
      opts.force === true,
    );
    return this.store(rt, ns, name, current, result.object, result.managedFields, opts);
  }

  private update(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    current: JsonObject,
    next: JsonObject,
    opts: WriteOptions,
  ): JsonObject {
    const manager = opts.fieldManager ?? opts.defaultManager;
    // A non-apply write may set managedFields itself (kubectl does, to hand client-side apply
    // fields to its server-side manager); `[{}]` strips them.
    // https://kubernetes.io/docs/reference/using-api/server-side-apply/#clearing-managedfields
    const requested = (next.metadata as JsonObject).managedFields;
    const rewritten =
      Array.isArray(requested) &&
      !deepEqual(requested, (current.metadata as JsonObject).managedFields ?? []);
    if (rewritten && requested.length === 1 && deepEqual(requested[0], {})) {
      return this.store(rt, ns, name, current, next, [], opts);
    }
    const base = rewritten
      ? (requested.filter(
          (e) => isObject(e) && typeof e.manager === 'string',
        ) as unknown as ManagedFieldsEntry[])
      : managedFieldsOf(current);
    const entries = updateOwnership(base, manager, apiVersionOf(rt), current, next);
    return this.store(rt, ns, name, current, next, entries, opts);
  }

  // Common tail of replace, patch and apply: keep system metadata, bump versions, persist.
  private store(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    current: JsonObject,
    next: JsonObject,
    managedFields: ManagedFieldsEntry[],
    opts: WriteOptions,
  ): JsonObject {
    const cur = current.metadata as JsonObject;
    const meta = ensureObject(next, 'metadata');
    for (const k of ['uid', 'creationTimestamp', 'namespace', 'name', 'generation']) {
      if (cur[k] !== undefined) meta[k] = cur[k] as Json;
      else delete meta[k];
    }
    if (rt.hasStatus) {
      if (current.status !== undefined) next.status = current.status;
      else delete next.status;
    }
    next.kind = rt.kind;
    next.apiVersion = apiVersionOf(rt);
    // The final object, after patch merging, as the server validates it.
    this.check(rt, next, ns);
    this.admit(rt, 'UPDATE', name, current, next);
    if (rt.kind === 'Service') this.services.update(current, next);
    if (rt.tracksGeneration && !deepEqual(current.spec, next.spec)) {
      meta.generation = (Number(cur.generation) || 0) + 1;
    }
    meta.managedFields = managedFields as unknown as Json;
    // A write that changes nothing (ownership included, timestamps aside) keeps the
    // resourceVersion, as the real server does.
    const unchanged =
      deepEqual(withoutVersion(next), withoutVersion(current)) &&
      deepEqual(timeless(managedFields), timeless(managedFieldsOf(current)));
    if (unchanged) {
      meta.resourceVersion = cur.resourceVersion ?? null;
      meta.managedFields = cur.managedFields ?? [];
      return clone(next);
    }
    this.defaultStatus(rt, next);
    return this.commit(rt, ns, name, next, opts);
  }

  private finishCreate(rt: ResourceType, ns: string | undefined, obj: JsonObject): JsonObject {
    const meta = ensureObject(obj, 'metadata');
    for (const k of [
      'resourceVersion',
      'uid',
      'creationTimestamp',
      'managedFields',
      'generation',
    ]) {
      delete meta[k];
    }
    if (rt.namespaced && ns !== undefined) meta.namespace = ns;
    else delete meta.namespace;
    meta.uid = randomUUID();
    meta.creationTimestamp = kubeTime();
    if (rt.tracksGeneration) meta.generation = 1;
    obj.kind = rt.kind;
    obj.apiVersion = apiVersionOf(rt);
    if (rt.kind === 'Namespace') {
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      ensureObject(meta, 'labels')['kubernetes.io/metadata.name'] = meta.name ?? null;
    }
    if (rt.kind === 'Service') this.services.create(obj);
    if (rt.kind === 'Deployment') {
      const spec = ensureObject(obj, 'spec');
      if (spec.replicas === undefined) spec.replicas = 1;
    }
    // Status is the server's, except for Nodes, whose kubelet reports it (the GKE part here).
    if (rt.hasStatus && !['Namespace', 'Service', 'Node'].includes(rt.kind)) delete obj.status;
    this.defaultStatus(rt, obj);
    return obj;
  }

  // Workload controllers are simulated as converged at once: status mirrors the spec.
  private defaultStatus(rt: ResourceType, obj: JsonObject): void {
    const gen = (obj.metadata as JsonObject).generation ?? 1;
    if (rt.kind === 'Deployment') {
      const r = Number((obj.spec as JsonObject | undefined)?.replicas ?? 1);
      obj.status = {
        observedGeneration: gen,
        replicas: r,
        updatedReplicas: r,
        readyReplicas: r,
        availableReplicas: r,
      };
    } else if (rt.kind === 'DaemonSet') {
      const n = this.nodeCount;
      obj.status = {
        observedGeneration: gen,
        currentNumberScheduled: n,
        desiredNumberScheduled: n,
        numberAvailable: n,
        numberMisscheduled: 0,
        numberReady: n,
        updatedNumberScheduled: n,
      };
    }
  }

  private commit(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    obj: JsonObject,
    opts: WriteOptions,
  ): JsonObject {
    const meta = obj.metadata as JsonObject;
    if (opts.dryRun) {
      meta.resourceVersion = meta.resourceVersion ?? null;
      return clone(obj);
    }
    this.rv++;
    meta.resourceVersion = String(this.rv);
    this.objects.set(keyOf(rt, ns, name), clone(obj));
    if (rt.kind === 'Namespace' && !opts.dryRun) this.seedNamespace(name);
    return clone(obj);
  }

  // The controllers of a real cluster add these to each new namespace.
  private seedNamespace(ns: string): void {
    const system: WriteOptions = { defaultManager: 'kube-controller-manager' };
    const sa = this.type('ServiceAccount');
    if (!this.objects.has(keyOf(sa, ns, 'default'))) {
      this.create(sa, ns, { metadata: { name: 'default' } }, system);
    }
    const cm = this.type('ConfigMap');
    if (!this.objects.has(keyOf(cm, ns, 'kube-root-ca.crt'))) {
      this.create(
        cm,
        ns,
        {
          metadata: {
            name: 'kube-root-ca.crt',
            annotations: {
              'kubernetes.io/description':
                'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
            },
          },
          data: { 'ca.crt': this.caPem },
        },
        system,
      );
    }
  }

  /** The built-in validation, then a custom kind's CRD schema (422 Invalid). */
  private check(rt: ResourceType, obj: JsonObject, ns: string | undefined): void {
    validateObject(rt, obj, ns);
    const errs = this.customOf(rt)?.validate?.(obj) ?? [];
    if (errs.length === 0) return;
    const meta = isObject(obj.metadata) ? obj.metadata : {};
    throw invalidError(rt.kind, rt.group, typeof meta.name === 'string' ? meta.name : '', errs);
  }

  /** A custom kind's admission (built-in kinds have none here). */
  private admit(
    rt: ResourceType,
    operation: AdmissionOperation,
    name: string,
    current: JsonObject | undefined,
    next: JsonObject | undefined,
  ): void {
    this.customOf(rt)?.admit?.(operation, name, current, next);
  }

  private customOf(rt: ResourceType): CustomResource | undefined {
    return this.custom.find((c) => c.type === rt);
  }

  private checkNamespace(rt: ResourceType, ns: string | undefined, meta: JsonObject): void {
    if (!rt.namespaced) return;
    if (ns === undefined) throw badRequest(`${rt.plural} must be addressed in a namespace`);
    if (meta.namespace !== undefined && meta.namespace !== ns) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (!this.objects.has(keyOf(this.type('Namespace'), undefined, ns))) {
      throw notFound({ plural: 'namespaces', group: '', name: ns });
    }
  }
}

function keyOf(rt: ResourceType, ns: string | undefined, name: string): string {
  return `${rt.group}|${rt.plural}|${rt.namespaced ? (ns ?? '') : ''}|${name}`;
}

function sortKey(o: JsonObject): string {
  const m = o.metadata as JsonObject;
  return `${String(m.namespace ?? '')}/${String(m.name)}`;
}

function subject(rt: ResourceType, name: string): ErrorSubject {
  return { plural: rt.plural, group: rt.group, name };
}

function managedFieldsOf(obj: JsonObject): ManagedFieldsEntry[] {
  const mf = (obj.metadata as JsonObject | undefined)?.managedFields;
  return Array.isArray(mf) ? (mf as unknown as ManagedFieldsEntry[]) : [];
}

function withoutVersion(obj: JsonObject): JsonObject {
  const meta = { ...(obj.metadata as JsonObject) };
  delete meta.resourceVersion;
  delete meta.managedFields;
  return { ...obj, metadata: meta };
}

function timeless(entries: readonly ManagedFieldsEntry[]): Json {
  return entries.map(({ time: _t, ...rest }) => rest) as unknown as Json;
}

function parseJson(raw: string): Json {
  try {
    return JSON.parse(raw) as Json;
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

function checkTypeMeta(rt: ResourceType, obj: JsonObject): void {
  if (obj.kind !== undefined && obj.kind !== rt.kind) {
    throw badRequest(`the kind in the data (${String(obj.kind)}) does not match ${rt.kind}`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(rt)) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(rt)})`,
    );
  }
}

// Optimistic concurrency: a resourceVersion (or uid) in the request must match the stored one.
// https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions
function checkPreconditions(
  rt: ResourceType,
  current: JsonObject,
  next: JsonObject,
  name: string,
): void {
  const cur = current.metadata as JsonObject;
  const meta = next.metadata as JsonObject;
  const rv = meta.resourceVersion;
  if (rv !== undefined && rv !== null && rv !== '' && rv !== cur.resourceVersion) {
    throw staleConflict(subject(rt, name));
  }
  if (meta.uid !== undefined && meta.uid !== null && meta.uid !== cur.uid) {
    throw new KubeApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${rt.plural} "${name}": Precondition failed: UID in precondition: ${String(meta.uid)}, UID in object meta: ${String(cur.uid)}`,
      { name, kind: rt.plural },
    );
  }
}
