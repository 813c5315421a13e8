/**
 * The adapters of Kubernetes objects: server-side apply through each cluster's API (kube.ts),
 * and peerlink's edit of an Autopilot cluster's `default` EgressNATPolicy, by merge patch.
 */
import { editPolicy, originalDestinations } from '../../core/desire/egress-nat.ts';
import { orNull, PreconditionFailedError } from '../../core/errors.ts';
import {
  EGRESS_NAT_POLICY_API_VERSION,
  EGRESS_NAT_POLICY_KIND,
  egressNatPolicyPatch,
} from '../../core/manifests/egress-nat-policy.ts';
import type { KubeObject, Observed } from '../../core/model/resources.ts';
import type { Kube, KubeRef } from '../kube.ts';
import {
  egressNatPolicyFromApi,
  kubeObjectFromApi,
  kubeOwned,
  kubeVersion,
} from '../kube-model.ts';
import { type Adapters, observed } from './adapter.ts';

const refOf = (o: KubeObject): KubeRef => ({
  apiVersion: o.apiVersion,
  kind: o.objectKind,
  namespace: o.namespace,
  name: o.name,
});

const egressNatRef = (r: { name: string }): KubeRef => ({
  apiVersion: EGRESS_NAT_POLICY_API_VERSION,
  kind: EGRESS_NAT_POLICY_KIND,
  namespace: '',
  name: r.name,
});

// Names of EgressNATPolicies are the egressNatPolicy adapter's to read, not this one's.
const kubeObjectRef = (k: { kind: string }) => k.kind !== EGRESS_NAT_POLICY_KIND;

export function kubeAdapters(kube: Kube): Pick<Adapters, 'kube' | 'egressNatPolicy'> {
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
                  .filter((k) => k.cluster === cluster && kubeObjectRef(k))
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
    egressNatPolicy: {
      /**
       * The policies named in `kubeNames` that hold an edit of peerlink's (a ledger), as they
       * are: its share of the policy, which it may write, so observed as owned. A policy it
       * never changed holds nothing of peerlink's and is not listed.
       */
      async list(scope) {
        const refs = scope.kubeNames.filter((k) => k.kind === EGRESS_NAT_POLICY_KIND);
        const read = await Promise.all(
          refs.map(async (k) => {
            const m = await orNull(kube.get(k.cluster, { ...k, namespace: '' }));
            if (!m) return [];
            const r = egressNatPolicyFromApi(k.cluster, m);
            if (r.removed.length === 0 && r.added.length === 0) return [];
            return [observed(r, true, kubeVersion(m))];
          }),
        );
        return read.flat();
      },
      /**
       * The first edit of a policy peerlink has not changed yet: written only onto the policy it
       * was planned from (the same destinations), under the version just read, so that a change
       * since is a stale precondition and the reconcile re-plans.
       */
      create: async (r) => {
        const m = await kube.get(r.cluster, egressNatRef(r));
        const now = m && egressNatPolicyFromApi(r.cluster, m);
        const same = (a: readonly string[], b: readonly string[]) =>
          a.length === b.length && a.every((d) => b.includes(d));
        if (!m || !now || !same(originalDestinations(now), originalDestinations(r)))
          throw new PreconditionFailedError(
            `${r.cluster}: its ${r.name} EgressNATPolicy changed since it was read`,
          );
        await kube.mergePatch(r.cluster, egressNatPolicyPatch(r, kubeVersion(m)));
      },
      update: async (r, o) => {
        await kube.mergePatch(r.cluster, egressNatPolicyPatch(r, o.version));
      },
      // No longer wanted: the policy as peerlink found it.
      delete: async (o) => {
        const r = o.resource;
        const restored = editPolicy(r.cluster, r, []).edit;
        await kube.mergePatch(r.cluster, egressNatPolicyPatch(restored, o.version));
      },
    },
  };
}
