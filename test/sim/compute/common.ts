import { randomBytes } from 'node:crypto';
import {
  ApiError,
  alreadyExists,
  conditionNotMet,
  invalid,
  notFound,
  resourceNotReady,
} from '../core/errors.ts';
import { ok } from '../core/http.ts';
import { computeLink, type Scope } from '../core/links.ts';
import type { Reply, Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { compileComputeFilter } from './filter.ts';

/** Prefix of every Compute path. */
export const V1 = '/compute/v1/projects/{project}';

/** A stored Compute resource (plain JSON, the REST representation). */
export type Resource = JsonObject & { name: string; id: string; selfLink: string };

/** Route helper: a named Compute route (`compute.<collection>.<verb>`). */
export function route(
  method: string,
  path: string,
  collection: string,
  verb: string,
  kind: 'read' | 'write',
  handler: (req: SimRequest) => Reply | Promise<Reply>,
): Route {
  return { method, pattern: `${V1}/${path}`, name: `compute.${collection}.${verb}`, kind, handler };
}

/** What one Compute mutation is about, for the operation and its audit records. */
export interface Mutation {
  req: SimRequest;
  project: string;
  scope: Scope;
  /** REST collection as in methodName: `firewalls`, `regionBackendServices`, ... */
  collection: string;
  /** `insert`, `delete`, `patch`, `addPeering`, ... (operationType and methodName verb). */
  verb: string;
  /** `projects/P/global/firewalls/F`. */
  resourcePath: string;
  /** Monitored resource type: `gce_firewall_rule`, ... */
  resourceType: string;
  resourceLabels?: Record<string, string>;
  targetId?: string;
  /** IAM permission for authorizationInfo, e.g. `compute.firewalls.create`. */
  permission: string;
  /** Keys the operation holds until DONE (see Operations.busy). */
  locks?: string[];
  /** Monitored-resource label holding the resource id (`firewall_rule_id`, ...). */
  idLabel?: string;
  /**
   * Validates now (throw ApiError -> HTTP error) and returns the effect to run when the
   * operation is DONE (throw ApiError there -> operation.error). An insert returns
   * `{ apply, targetId }` so the operation and audit records name the new resource's id.
   */
  prepare: () => Prepared;
}

/** What {@link Mutation.prepare} returns. */
export type Prepared = (() => void) | { apply: () => void; targetId: string } | undefined;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs a Compute mutation: requestId de-duplication, synchronous validation, then an operation
 * whose effect lands at DONE. A synchronous failure writes one ERROR audit entry with `status`
 * (Admin Activity logs record failed calls too:
 * https://cloud.google.com/logging/docs/audit#admin-activity) and answers the error.
 */
export function mutate(sim: Sim, m: Mutation): Reply {
  const requestId = m.req.query.get('requestId');
  if (requestId !== null) {
    // https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/insert (requestId):
    // a valid UUID, not the zero UUID; a retry within the window returns the first operation.
    if (!UUID.test(requestId) || /^[0-]+$/.test(requestId)) {
      throw invalid(`Invalid value for field 'requestId': '${requestId}'. Must be a valid UUID.`);
    }
    const earlier = sim.ops.byRequestId(m.project, requestId);
    if (earlier) return ok(earlier);
  }
  const methodName = `v1.compute.${m.collection}.${m.verb}`;
  // One operation at a time per resource: Compute answers resourceNotReady while the resource
  // is being changed (https://cloud.google.com/compute/docs/troubleshooting/troubleshooting-resource-errors
  // lists resourceNotReady for resources "not ready" for the request), and a second insert of a
  // name being created conflicts like an existing one.
  const lock = `resource:${m.resourcePath}`;
  let effect: (() => void) | undefined;
  let targetId = m.targetId;
  try {
    const prepared = m.prepare();
    if (sim.ops.busy(lock)) {
      throw m.verb === 'insert' ? alreadyExists(m.resourcePath) : resourceNotReady(m.resourcePath);
    }
    if (typeof prepared === 'object') {
      effect = prepared.apply;
      targetId = prepared.targetId;
    } else {
      effect = prepared;
    }
  } catch (e) {
    if (e instanceof ApiError) {
      sim.audit.write({
        project: m.project,
        serviceName: 'compute.googleapis.com',
        methodName,
        resourceName: m.resourcePath,
        resourceType: m.resourceType,
        resourceLabels: m.resourceLabels,
        principal: m.req.principal,
        permission: m.permission,
        request: requestBody(m.req),
        requestType: `type.googleapis.com/compute.${m.collection}.${m.verb}`,
        status: { code: e.rpcCode, message: e.message },
      });
    }
    throw e;
  }
  const resourceLabels = { ...m.resourceLabels };
  if (m.idLabel && targetId) resourceLabels[m.idLabel] = targetId;
  const op = sim.ops.start({
    project: m.project,
    scope: m.scope,
    operationType: m.verb,
    targetLink: computeLink(m.resourcePath),
    targetId,
    user: m.req.principal,
    locks: [lock, ...(m.locks ?? [])],
    requestId: requestId ?? undefined,
    apply: effect,
    audit: {
      methodName,
      resourceName: m.resourcePath,
      resourceType: m.resourceType,
      resourceLabels,
      request: requestBody(m.req),
      permission: m.permission,
    },
  });
  return ok(op);
}

function requestBody(req: SimRequest): JsonObject {
  return req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body)
    ? (structuredClone(req.body) as JsonObject)
    : {};
}

/** The JSON body as an object; 400 when missing or not an object. */
export function bodyObject(req: SimRequest): JsonObject {
  const b = req.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) {
    throw invalid('Invalid JSON payload received. Expected an object.');
  }
  return b as JsonObject;
}

/** A required string field of a body. */
export function requireString(obj: JsonObject, field: string, what = 'resource'): string {
  const v = obj[field];
  if (typeof v !== 'string' || v === '') {
    throw invalid(`Invalid value for field '${what}.${field}': ''. Must be set.`);
  }
  return v;
}

/**
 * Compute resource names: RFC 1035, 1-63 chars, `[a-z]([-a-z0-9]*[a-z0-9])?`
 * (https://cloud.google.com/compute/docs/naming-resources).
 */
export function checkName(name: string, what = 'resource'): void {
  if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
    throw invalid(
      `Invalid value for field '${what}.name': '${name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`,
    );
  }
}

/** A stored resource or 404 notFound. */
export function mustGet<T extends object = Resource>(sim: Sim, collection: string, key: string): T {
  const r = sim.store.get<T>(collection, key);
  if (!r) throw notFound(key);
  return r;
}

/** Fields shared by new resources: kind, id, name, creationTimestamp, selfLink. */
export function baseFields(sim: Sim, kind: string, key: string, name: string): Resource {
  return {
    kind,
    id: sim.store.nextId(),
    creationTimestamp: new Date().toISOString(),
    name,
    selfLink: computeLink(key),
  };
}

/** A new fingerprint (base64 of 8 random bytes, like Compute's). */
export function newFingerprint(): string {
  return randomBytes(8).toString('base64');
}

/**
 * The bytes of a fingerprint, or undefined when it is not base64. Fingerprints are `bytes`
 * (`"format": "byte"` in the Compute discovery document), and the proto3 JSON mapping reads
 * bytes in "either standard or URL-safe base64 encoding with/without paddings"
 * (https://protobuf.dev/programming-guides/proto3/#json); gcloud's apitools sends them URL-safe.
 */
function fingerprintBytes(v: unknown): Buffer | undefined {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return undefined;
  return Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** True when two fingerprints carry the same bytes, whatever their base64 alphabet. */
export function sameFingerprint(given: unknown, current: unknown): boolean {
  const a = fingerprintBytes(given);
  const b = fingerprintBytes(current);
  return a !== undefined && b !== undefined && a.equals(b);
}

/**
 * 412 conditionNotMet unless `given` is the resource's current fingerprint: "An up-to-date
 * fingerprint must be provided in order to update the <resource>, otherwise the request will
 * fail with error 412 conditionNotMet" (the `fingerprint` field of Subnetwork, BackendService,
 * InstanceGroupManager in https://cloud.google.com/compute/docs/reference/rest/v1).
 */
export function checkFingerprint(given: unknown, current: unknown, key: string): void {
  if (!sameFingerprint(given, current)) {
    throw conditionNotMet(
      `Supplied fingerprint does not match current fingerprint of resource '${key}'.`,
    );
  }
}

/** Fields a client may not set or change through insert/patch/update. */
const OUTPUT_ONLY = new Set(['id', 'kind', 'selfLink', 'creationTimestamp', 'fingerprint']);

/** Body fields minus output-only ones. */
export function writable(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) if (!OUTPUT_ONLY.has(k)) out[k] = v;
  return out;
}

/**
 * JSON merge patch (RFC 7396) as Compute's PATCH applies it: objects merge, other values
 * (arrays included) replace, null clears
 * (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/patch).
 */
export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof target[k] === 'object' &&
      target[k] !== null &&
      !Array.isArray(target[k])
    ) {
      mergePatch(target[k] as JsonObject, v);
    } else target[k] = structuredClone(v);
  }
  return target;
}

/**
 * Items in list order: "By default, results are returned in alphanumerical order based on the
 * resource name", or newest first with `orderBy="creationTimestamp desc"`; "Currently, only
 * sorting by name or creationTimestamp desc is supported" (orderBy of the list methods, e.g.
 * https://cloud.google.com/compute/docs/reference/rest/v1/networks/list). Items without a name
 * (listInstances, listPeeringRoutes) keep their order.
 */
function ordered<T extends object>(req: SimRequest, items: readonly T[]): T[] {
  const orderBy = (req.query.get('orderBy') ?? 'name').trim().replace(/\s+/g, ' ');
  const field = (item: T, key: string): string => {
    const v = (item as Record<string, unknown>)[key];
    return typeof v === 'string' ? v : '';
  };
  if (orderBy === 'name' || orderBy === '') {
    if (!items.every((i) => field(i, 'name') !== '')) return [...items];
    return [...items].sort((a, b) =>
      field(a, 'name') < field(b, 'name') ? -1 : field(a, 'name') > field(b, 'name') ? 1 : 0,
    );
  }
  if (orderBy === 'creationTimestamp desc') {
    return [...items].sort((a, b) =>
      field(b, 'creationTimestamp').localeCompare(field(a, 'creationTimestamp')),
    );
  }
  throw invalid(
    `Invalid value for field 'orderBy': '${orderBy}'. Only 'name' and 'creationTimestamp desc' are supported.`,
  );
}

/**
 * A Compute list response: `{kind, id, items?, selfLink, nextPageToken?}`. `items` is left out
 * when empty, as Compute does. Honours `filter`, `maxResults` (default/max 500) and `pageToken`
 * (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/list).
 */
export function listReply(req: SimRequest, kind: string, listPath: string, items: object[]): Reply {
  const filter = compileComputeFilter(req.query.get('filter'));
  const matched = ordered(req, items.filter(filter));
  const max = Math.min(500, Math.max(1, Number(req.query.get('maxResults') ?? '500') || 500));
  const start = Number(req.query.get('pageToken') ?? '0') || 0;
  const page = matched.slice(start, start + max);
  const body: JsonObject = { kind, id: listPath, selfLink: computeLink(listPath) };
  if (page.length > 0) body.items = page as JsonObject[];
  if (start + max < matched.length) body.nextPageToken = String(start + max);
  return ok(body);
}

/** Which scope types an aggregated list includes: "only scopes of the scope types where the resource type is expected to be found" (aggregatedList, includeAllScopes). */
export type ScopeType = 'global' | 'regions' | 'zones';

/** Compute collections whose keys name the regions and zones a project uses. */
const SCOPED_COLLECTIONS = [
  'subnetworks',
  'addresses',
  'healthChecks',
  'backendServices',
  'forwardingRules',
  'instances',
  'instanceGroups',
  'instanceGroupManagers',
  'autoscalers',
  'operations',
];

/**
 * The scopes a project uses: regions and zones named by its resources' keys, a zone's region
 * included. Compute lists every region or zone; the simulator knows only those in use.
 */
function knownScopes(sim: Sim, project: string, types: readonly ScopeType[]): string[] {
  const scopes = new Set<string>(types.includes('global') ? ['global'] : []);
  for (const c of SCOPED_COLLECTIONS) {
    for (const [key] of sim.store.entries(c, `projects/${project}/`)) {
      const m = /^projects\/[^/]+\/(regions|zones)\/([^/]+)\//.exec(key);
      if (!m?.[1] || !m[2]) continue;
      if (m[1] === 'zones' && types.includes('zones')) scopes.add(`zones/${m[2]}`);
      const region = m[1] === 'regions' ? m[2] : m[2].replace(/-[a-z]$/, '');
      if (types.includes('regions')) scopes.add(`regions/${region}`);
    }
  }
  return [...scopes];
}

/** The scope key (`global`, `regions/R`, `zones/Z`) of a stored resource's key. */
export function scopeOfKey(key: string): string {
  const m = /^projects\/[^/]+\/((?:regions|zones)\/[^/]+|global)\//.exec(key);
  return m?.[1] ?? 'global';
}

/**
 * An aggregatedList response: `{kind, id, items: {"<scope>": {<collection>: [...]} | {warning}},
 * selfLink, nextPageToken?}`. A scope without items carries the warning that "replaces the list
 * ... when the list is empty" (NO_RESULTS_ON_PAGE; e.g.
 * https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules/aggregatedList).
 * `filter`, `maxResults` and `pageToken` work as in {@link listReply}, over all scopes.
 */
export function aggregatedReply(
  sim: Sim,
  req: SimRequest,
  spec: {
    kind: string;
    /** The collection name in the path and in each scope's list: `forwardingRules`. */
    collection: string;
    types: readonly ScopeType[];
    /** `[scope, item]` pairs: `['regions/us-central1', {...}]`. */
    items: readonly (readonly [string, object])[];
  },
): Reply {
  const project = param(req, 'project');
  const filter = compileComputeFilter(req.query.get('filter'));
  const order = ordered(
    req,
    spec.items.map(([, item]) => item),
  );
  const matched = order
    .map((item) => spec.items.find(([, i]) => i === item) as readonly [string, object])
    .filter(([, item]) => filter(item));
  const max = Math.min(500, Math.max(1, Number(req.query.get('maxResults') ?? '500') || 500));
  const start = Number(req.query.get('pageToken') ?? '0') || 0;
  const page = matched.slice(start, start + max);
  const scopes = [...new Set([...knownScopes(sim, project, spec.types), ...page.map(([s]) => s)])];
  scopes.sort((a, b) => (a === 'global' ? -1 : b === 'global' ? 1 : a.localeCompare(b)));
  const items: Record<string, JsonObject> = {};
  for (const scope of scopes) {
    const list = page.filter(([s]) => s === scope).map(([, item]) => item as JsonObject);
    items[scope] =
      list.length > 0
        ? { [spec.collection]: list }
        : {
            warning: {
              code: 'NO_RESULTS_ON_PAGE',
              message: `There are no results for scope '${scope}' on this page.`,
              data: [{ key: 'scope', value: scope }],
            },
          };
  }
  const path = `projects/${project}/aggregated/${spec.collection}`;
  const body: JsonObject = { kind: spec.kind, id: path, items, selfLink: computeLink(path) };
  if (start + max < matched.length) body.nextPageToken = String(start + max);
  return ok(body);
}

/** Path parameter, or 400 when missing (router guarantees presence; typed access). */
export function param(req: SimRequest, name: string): string {
  const v = req.params[name];
  if (v === undefined) throw invalid(`missing path parameter ${name}`);
  return v;
}
