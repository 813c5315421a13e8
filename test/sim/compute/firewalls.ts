import { alreadyExists, invalid, notFound } from '../core/errors.ts';
import { ok } from '../core/http.ts';
import { computeLink, refPath } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import {
  baseFields,
  bodyObject,
  checkName,
  listReply,
  mergePatch,
  mustGet,
  mutate,
  type Prepared,
  param,
  type Resource,
  requireString,
  route,
  writable,
} from './common.ts';

const C = 'firewalls';

/** Store key of a firewall. */
export function firewallKey(project: string, name: string): string {
  return `projects/${project}/global/firewalls/${name}`;
}

/**
 * Firewall rules: list (with filter), get, insert, patch, update, delete
 * (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls). Defaults as Compute
 * fills them: direction INGRESS, priority 1000, disabled false, sourceRanges 0.0.0.0/0 for an
 * ingress rule without sources, network `global/networks/default`, logConfig.enable false.
 */
export function firewallRoutes(sim: Sim): Route[] {
  const mutation = (req: SimRequest, verb: string, name: string, prepare: () => Prepared) => {
    const project = param(req, 'project');
    const key = firewallKey(project, name);
    const existing = sim.store.get<Resource>(C, key);
    return mutate(sim, {
      req,
      project,
      scope: { kind: 'global' },
      collection: C,
      verb,
      resourcePath: key,
      resourceType: 'gce_firewall_rule',
      resourceLabels: existing ? { firewall_rule_id: existing.id } : undefined,
      idLabel: 'firewall_rule_id',
      targetId: existing?.id,
      permission: `compute.firewalls.${verb === 'insert' ? 'create' : verb === 'patch' ? 'update' : verb}`,
      prepare,
    });
  };

  return [
    route('GET', 'global/firewalls', C, 'list', 'read', (req) => {
      const project = param(req, 'project');
      return listReply(
        req,
        'compute#firewallList',
        `projects/${project}/global/firewalls`,
        sim.store.list(C, `projects/${project}/global/firewalls/`),
      );
    }),
    route('GET', 'global/firewalls/{firewall}', C, 'get', 'read', (req) =>
      ok(mustGet(sim, C, firewallKey(param(req, 'project'), param(req, 'firewall')))),
    ),
    route('POST', 'global/firewalls', C, 'insert', 'write', (req) => {
      const body = bodyObject(req);
      const name = requireString(body, 'name');
      return mutation(req, 'insert', name, () => {
        checkName(name);
        const project = param(req, 'project');
        const key = firewallKey(project, name);
        if (sim.store.get(C, key)) throw alreadyExists(key);
        const fw = normalise(sim, project, {
          ...baseFields(sim, 'compute#firewall', key, name),
          ...writable(body),
        });
        const apply = () => {
          if (sim.store.get(C, key)) throw alreadyExists(key);
          sim.store.put(C, key, fw);
        };
        return { apply, targetId: fw.id };
      });
    }),
    route('PATCH', 'global/firewalls/{firewall}', C, 'patch', 'write', (req) => {
      const name = param(req, 'firewall');
      const body = bodyObject(req);
      return mutation(req, 'patch', name, () => {
        const project = param(req, 'project');
        const key = firewallKey(project, name);
        const fw = mustGet(sim, C, key);
        if (body.name !== undefined && body.name !== name)
          throw invalid(
            `Invalid value for field 'resource.name': '${String(body.name)}'. Name cannot be changed.`,
          );
        const next = normalise(
          sim,
          project,
          mergePatch(structuredClone(fw), writable(body)) as Resource,
        );
        return () => {
          if (!sim.store.get(C, key)) throw notFound(key);
          sim.store.put(C, key, next);
        };
      });
    }),
    route('PUT', 'global/firewalls/{firewall}', C, 'update', 'write', (req) => {
      const name = param(req, 'firewall');
      const body = bodyObject(req);
      return mutation(req, 'update', name, () => {
        const project = param(req, 'project');
        const key = firewallKey(project, name);
        const fw = mustGet(sim, C, key);
        // update replaces the whole resource; output-only fields are kept.
        const next = normalise(sim, project, {
          kind: fw.kind,
          id: fw.id,
          creationTimestamp: fw.creationTimestamp ?? null,
          selfLink: fw.selfLink,
          ...writable(body),
          name,
        } as Resource);
        return () => {
          if (!sim.store.get(C, key)) throw notFound(key);
          sim.store.put(C, key, next);
        };
      });
    }),
    route('DELETE', 'global/firewalls/{firewall}', C, 'delete', 'write', (req) => {
      const name = param(req, 'firewall');
      return mutation(req, 'delete', name, () => {
        const key = firewallKey(param(req, 'project'), name);
        mustGet(sim, C, key);
        return () => {
          if (!sim.store.delete(C, key)) throw notFound(key);
        };
      });
    }),
  ];
}

function normalise(sim: Sim, project: string, fw: Resource): Resource {
  fw.network = computeLink(
    refPath(typeof fw.network === 'string' ? fw.network : 'global/networks/default', project),
  );
  if (!sim.store.get('networks', refPath(fw.network, project))) {
    throw notFound(refPath(fw.network, project));
  }
  fw.direction ??= 'INGRESS';
  fw.priority ??= 1000;
  fw.disabled ??= false;
  fw.logConfig ??= { enable: false };
  const allowed = (fw.allowed as JsonObject[] | undefined) ?? [];
  const denied = (fw.denied as JsonObject[] | undefined) ?? [];
  if (allowed.length > 0 && denied.length > 0) {
    throw invalid(
      "Invalid value for field 'resource.allowed': only one of allowed or denied may be set.",
    );
  }
  if (allowed.length === 0 && denied.length === 0) {
    throw invalid("Invalid value for field 'resource': one of allowed or denied must be set.");
  }
  if (
    fw.direction === 'INGRESS' &&
    !fw.sourceRanges &&
    !fw.sourceTags &&
    !fw.sourceServiceAccounts
  ) {
    fw.sourceRanges = ['0.0.0.0/0'];
  }
  if (fw.direction === 'EGRESS' && !fw.destinationRanges) fw.destinationRanges = ['0.0.0.0/0'];
  return fw;
}
