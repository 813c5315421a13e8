import { alreadyExists, notFound } from '../core/errors.ts';
import { ok } from '../core/http.ts';
import type { Reply, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import { listReply, mustGet, mutate, type Prepared, param, type Resource } from './common.ts';

/** Describes a regional collection for the shared helpers below. */
export interface RegionalKind {
  /** Store collection and REST path segment, e.g. `healthChecks`. */
  path: string;
  /** Audit/stat collection name, e.g. `regionHealthChecks`. */
  collection: string;
  /** `compute#healthCheckList`. */
  listKind: string;
  /** Monitored resource type and its id label. */
  resourceType: string;
  idLabel: string;
  /** IAM noun: `compute.regionHealthChecks`. */
  permissionPrefix: string;
}

/** Store key of a regional resource. */
export function regionalKey(project: string, region: string, path: string, name: string): string {
  return `projects/${project}/regions/${region}/${path}/${name}`;
}

/** GET list. */
export function regionalList(sim: Sim, k: RegionalKind, req: SimRequest): Reply {
  const prefix = `projects/${param(req, 'project')}/regions/${param(req, 'region')}/${k.path}`;
  return listReply(req, k.listKind, prefix, sim.store.list(k.path, `${prefix}/`));
}

/** GET one. */
export function regionalGet(sim: Sim, k: RegionalKind, req: SimRequest, nameParam: string): Reply {
  return ok(
    mustGet(
      sim,
      k.path,
      regionalKey(param(req, 'project'), param(req, 'region'), k.path, param(req, nameParam)),
    ),
  );
}

/** Runs a regional mutation through {@link mutate}. */
export function regionalMutation(
  sim: Sim,
  k: RegionalKind,
  req: SimRequest,
  verb: string,
  name: string,
  prepare: (key: string) => Prepared,
): Reply {
  const project = param(req, 'project');
  const region = param(req, 'region');
  const key = regionalKey(project, region, k.path, name);
  const existing = sim.store.get<Resource>(k.path, key);
  const action = verb === 'insert' ? 'create' : verb === 'patch' ? 'update' : verb;
  return mutate(sim, {
    req,
    project,
    scope: { kind: 'region', region },
    collection: k.collection,
    verb,
    resourcePath: key,
    resourceType: k.resourceType,
    resourceLabels: { ...(existing ? { [k.idLabel]: existing.id } : {}), region },
    idLabel: k.idLabel,
    targetId: existing?.id,
    permission: `${k.permissionPrefix}.${action}`,
    prepare: () => prepare(key),
  });
}

/** Effect for an insert (store unless a concurrent insert won), with the new id. */
export function putNew(sim: Sim, collection: string, key: string, value: Resource): Prepared {
  const apply = () => {
    if (sim.store.get(collection, key)) throw alreadyExists(key);
    sim.store.put(collection, key, value);
  };
  return { apply, targetId: value.id };
}

/** Effect for a replace: store unless deleted meanwhile. */
export function putExisting(
  sim: Sim,
  collection: string,
  key: string,
  value: Resource,
): () => void {
  return () => {
    if (!sim.store.get(collection, key)) throw notFound(key);
    sim.store.put(collection, key, value);
  };
}

/** Effect for a delete. */
export function deleteExisting(
  sim: Sim,
  collection: string,
  key: string,
  check?: () => void,
): () => void {
  return () => {
    check?.();
    if (!sim.store.delete(collection, key)) throw notFound(key);
  };
}
