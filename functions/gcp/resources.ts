/**
 * ResourcePort over Compute, GKE and the clusters' Kubernetes APIs, dispatching through one
 * adapter per kind (kinds/). `list` reads every peerlink-named Compute resource and owned
 * Kubernetes object in scope (owned or not, so the planner sees conflicts); writes send the
 * caller's requestId and wait for completion. Nothing peerlink does not own is ever written.
 */
import { TerminalError } from '../core/errors.ts';
import { kindFor, type ResourceKind } from '../core/model/kinds.ts';
import {
  type ClusterResource,
  type InfraResource,
  labelOf,
  type NodePoolResource,
  type Observed,
  type Resource,
} from '../core/model/resources.ts';
import type { ResourcePort } from '../core/ports.ts';
import type { Compute } from './compute.ts';
import type { Container } from './container.ts';
import type { Adapters, KindAdapter } from './kinds/adapter.ts';
import { computeAdapters } from './kinds/compute.ts';
import { containerAdapters } from './kinds/container.ts';
import { kubeAdapters } from './kinds/kube.ts';
import type { Kube } from './kube.ts';

export interface ResourcePortDeps {
  readonly compute: Compute;
  readonly container: Container;
  readonly kube: Kube;
  /**
   * Node pools a new cluster is created with (GKE needs at least one). Bootstrap passes the
   * topology's pools; the default is GKE's own default: one `default-pool` node, e2-medium.
   */
  readonly initialNodePools?: (cluster: ClusterResource) => readonly NodePoolResource[];
}

const describe = (r: Resource) => labelOf(r);

export function createResourcePort(deps: ResourcePortDeps): ResourcePort {
  const adapters: Adapters = {
    ...computeAdapters(deps.compute),
    ...containerAdapters(deps.container, deps.initialNodePools),
    ...kubeAdapters(deps.kube),
  };
  const adapterOf = <R extends Resource>(r: R) => adapters[r.kind] as unknown as KindAdapter<R>;
  const readInfra = (ref: InfraResource): Promise<Observed | null> =>
    adapterOf(ref).read?.(ref) ?? Promise.resolve(null);

  return {
    async list(scope) {
      const listed = await Promise.all([
        ...(Object.keys(adapters) as ResourceKind[]).map(
          (k) => (adapters[k] as KindAdapter<Resource>).list?.(scope) ?? [],
        ),
        ...(scope.infra ?? []).map(async (ref) => {
          const o = await readInfra(ref);
          return o ? [o] : [];
        }),
      ]);
      return listed.flat();
    },

    create: (r, requestId) => adapterOf(r).create(r, requestId),

    async update(r, o, requestId) {
      if (!o.owned) throw new TerminalError(`update ${describe(r)}: not owned by peerlink`);
      const update = adapterOf(r).update;
      if (!update || kindFor(r).lifecycle === 'infra' || o.resource.kind !== r.kind)
        throw new TerminalError(`peerlink does not update infrastructure (${describe(r)})`);
      await update(r, o as Observed<typeof r>, requestId);
    },

    async delete(o, requestId) {
      const r = o.resource;
      if (!o.owned)
        throw new TerminalError(`delete ${describe(r)}: not owned by peerlink; refused`);
      const remove = adapterOf(r).delete;
      if (!remove || kindFor(r).lifecycle === 'infra')
        throw new TerminalError(`peerlink does not delete infrastructure (${describe(r)})`);
      await remove(o, requestId);
    },
  };
}
