import { createHash } from 'node:crypto';
import type { Json, JsonObject } from './json.ts';
import { apiVersionOf, RESOURCE_TYPES, type ResourceType } from './resources.ts';
import { PATCH_TYPES } from './store.ts';

/**
 * A minimal OpenAPI v3 discovery, enough for kubectl:
 * - `kubectl apply` (default `--validate=strict`) asks whether PATCH of the kind takes the
 *   `fieldValidation` query parameter; when it does, validation is left to the server and
 *   kubectl needs no schemas (k8s.io/cli-runtime resource.QueryParamVerifierV3);
 * - client-side apply looks for `application/strategic-merge-patch+json` in the PATCH request
 *   body types; finding no component schema for the kind, it builds the strategic merge patch
 *   from its compiled-in Go types (k8s.io/kubectl pkg/cmd/apply/patcher.go).
 * No schemas are served; `/openapi/v2` is not served (404).
 * https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-v3
 */
// `served`: what this server serves, its custom kinds included (custom.ts).
function groupVersions(served: readonly ResourceType[]): string[] {
  return [...new Set(served.map((r) => (r.group ? `apis/${apiVersionOf(r)}` : 'api/v1')))];
}

function hashOf(gv: string, served: readonly ResourceType[]): string {
  return createHash('sha512')
    .update(JSON.stringify(gvDocument(gv, served)))
    .digest('hex')
    .toUpperCase();
}

/** `GET /openapi/v3`: where each group-version's document lives. */
export function openApiV3Paths(served: readonly ResourceType[] = RESOURCE_TYPES): JsonObject {
  const paths: JsonObject = {};
  for (const gv of groupVersions(served)) {
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hashOf(gv, served)}` };
  }
  return { paths };
}

/** `GET /openapi/v3/<gv>`, or undefined for a group-version that is not served. */
export function openApiV3Schema(
  gv: string,
  served: readonly ResourceType[] = RESOURCE_TYPES,
): JsonObject | undefined {
  return groupVersions(served).includes(gv) ? gvDocument(gv, served) : undefined;
}

function gvDocument(gv: string, served: readonly ResourceType[]): JsonObject {
  const types = served.filter((r) => (r.group ? `apis/${apiVersionOf(r)}` : 'api/v1') === gv);
  const paths: JsonObject = {};
  for (const rt of types) {
    const base = `/${gv}${rt.namespaced ? '/namespaces/{namespace}' : ''}/${rt.plural}`;
    paths[base] = { get: op(rt, 'list'), post: op(rt, 'post') };
    paths[`${base}/{name}`] = {
      get: op(rt, 'get'),
      put: op(rt, 'put'),
      patch: op(rt, 'patch'),
      delete: op(rt, 'delete'),
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: { schemas: {} },
  };
}

function query(name: string): Json {
  return { name, in: 'query', schema: { type: 'string', uniqueItems: true } };
}

function op(rt: ResourceType, action: 'list' | 'post' | 'get' | 'put' | 'patch' | 'delete'): Json {
  const writes = action === 'post' || action === 'put' || action === 'patch';
  const params = writes ? ['dryRun', 'fieldManager', 'fieldValidation'] : [];
  if (action === 'patch') params.push('force');
  const content: JsonObject = {};
  // Custom resources take no strategic merge patch
  // (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/).
  const custom = !RESOURCE_TYPES.includes(rt);
  for (const t of Object.values(PATCH_TYPES))
    if (!custom || t !== PATCH_TYPES.strategic) content[t] = { schema: { type: 'object' } };
  const doc: JsonObject = {
    operationId: `${action}${rt.kind}`,
    parameters: params.map(query),
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action === 'post' ? 'post' : action,
    'x-kubernetes-group-version-kind': { group: rt.group, version: rt.version, kind: rt.kind },
  };
  if (action === 'patch') doc.requestBody = { content, required: true };
  return doc;
}

/** `/openapi/v2` is not simulated; kubectl falls back to its built-in types without it. */
export function openApiV2(): JsonObject | undefined {
  return undefined;
}
