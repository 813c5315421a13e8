/** The adapter of Kubernetes objects: server-side apply through each cluster's API (kube.ts). */
import { orNull } from '../../core/errors.ts';
import type { KubeObject, Observed } from '../../core/model/resources.ts';
import type { Kube, KubeRef } from '../kube.ts';
import { kubeObjectFromApi, kubeOwned, kubeVersion } from '../kube-model.ts';
import { type Adapters, observed } from './adapter.ts';

const refOf = (o: KubeObject): KubeRef => ({
  apiVersion: o.apiVersion,
  kind: o.objectKind,
  namespace: o.namespace,
  name: o.name,
});

export function kubeAdapters(kube: Kube): Pick<Adapters, 'kube'> {
  return {
    kube: {
      /**
       * Every owned object of the managed kinds in the scope's clusters, and the objects named in
       * `kubeNames` whoever owns them, so that a same-named foreign object is a conflict.
       */
      async list(scope) {
        const clusters = [
          ...new Set([
            ...scope.clusters.map((c) => c.name),
            ...scope.kubeNames.map((k) => k.cluster),
          ]),
        ];
        const perCluster = await Promise.all(
          clusters.map(async (cluster) => {
            // The labelled list and the reads by name do not depend on each other: one round trip.
            const [listed, byName] = await Promise.all([
              scope.clusters.some((c) => c.name === cluster)
                ? orNull(kube.listManaged(cluster))
                : [],
              Promise.all(
                scope.kubeNames
                  .filter((k) => k.cluster === cluster)
                  .map((k) =>
                    orNull(
                      kube.get(cluster, {
                        apiVersion: k.apiVersion,
                        kind: k.kind,
                        namespace: k.namespace,
                        name: k.name,
                      }),
                    ),
                  ),
              ),
            ]);
            const out = new Map<string, Observed>();
            for (const m of [...(listed ?? []), ...byName]) {
              if (!m) continue;
              const o = kubeObjectFromApi(cluster, m);
              out.set(
                `${o.objectKind}/${o.namespace}/${o.name}`,
                observed(o, kubeOwned(m), kubeVersion(m)),
              );
            }
            return [...out.values()];
          }),
        );
        return perCluster.flat();
      },
      // Never forced: a same-named object of another manager fails as a conflict.
      create: async (r) => {
        await kube.apply(r.cluster, { ...r.manifest }, false);
      },
      update: async (r) => {
        await kube.apply(r.cluster, { ...r.manifest }, true);
      },
      delete: (o) => kube.delete(o.resource.cluster, refOf(o.resource)),
    },
  };
}
