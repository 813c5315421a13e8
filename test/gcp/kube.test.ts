/**
 * Contract of the Kubernetes adapter (functions/gcp/kube.ts) through the real
 * @kubernetes/client-node, reaching a GKE cluster's API from its endpoint, CA and the Google
 * access token: against the simulator, and a real project when PEERLINK_LIVE_PROJECT is set.
 */
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, PreconditionFailedError } from '../../functions/core/errors.ts';
import { covers } from '../../functions/core/model/kube-object.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../functions/core/model/resources.ts';
import type { Manifest } from '../../functions/gcp/kube.ts';
import { kubeObjectFromApi, kubeOwned } from '../../functions/gcp/kube-model.ts';
import { networkWithSubnet, subnetOf } from './fixtures.ts';
import { rejection, type Target, targets } from './target.ts';

const configMap = (name: string, data: Record<string, string>, managed = true): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace: 'default',
    ...(managed ? { labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } } : {}),
  },
  data,
});

for (const spec of targets('kube adapter')) {
  describe.skipIf(spec.skip)(spec.name, { timeout: spec.timeout }, () => {
    let t: Target;
    let cluster: string;
    beforeAll(async () => {
      t = await spec.start();
      const net = `vpc-q-${t.suffix}`;
      await networkWithSubnet(t, net, subnetOf(t, net, `nodes-q-${t.suffix}`, '10.30.0.0/20'));
      cluster = `kc-${t.suffix}`;
      const c = t.cloud.container;
      await c.createCluster(
        {
          kind: 'cluster',
          name: cluster,
          location: t.zone,
          network: net,
          subnetwork: `nodes-q-${t.suffix}`,
          mode: 'routes',
          podRange: '10.104.0.0/14',
          serviceRange: '10.107.240.0/20',
          nodeLocations: [t.zone],
        },
        [
          {
            kind: 'nodePool',
            name: 'pool',
            cluster,
            location: t.zone,
            nodeCount: 1,
            machineType: 'e2-small',
          },
        ],
      );
      t.defer(() => c.deleteCluster(t.zone, cluster));
    }, 3_600_000);
    afterAll(() => t?.close(), 3_600_000);

    it('server-side apply creates, then updates; get and the managed list show it', async () => {
      const k = t.cloud.kube;
      const name = `peerlink-cm-${t.suffix}`;
      const first = configMap(name, { a: '1' });
      await k.apply(cluster, first, false);
      const got = await k.get(cluster, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name,
      });
      expect(got && covers(got, first)).toBe(true);

      const second = configMap(name, { a: '2', b: '3' });
      await k.apply(cluster, second, true);
      const listed = (await k.listManaged(cluster)).filter(
        (m) => (m.metadata as { name?: string }).name === name,
      );
      expect(listed).toHaveLength(1);
      const o = kubeObjectFromApi(cluster, listed[0] as Manifest);
      expect(o).toMatchObject({ objectKind: 'ConfigMap', apiVersion: 'v1', namespace: 'default' });
      expect(o.manifest.data).toEqual({ a: '2', b: '3' });
      expect(kubeOwned(listed[0] as Manifest)).toBe(true);
      expect(
        ((listed[0] as Manifest).metadata as { managedFields?: { manager?: string }[] })
          .managedFields?.[0]?.manager,
      ).toBe('peerlink');
    });

    it('kinds beyond ConfigMap: a Deployment, Service and ServiceAccount apply and list', async () => {
      const k = t.cloud.kube;
      const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, app: `b-${t.suffix}` };
      const meta = (name: string) => ({ name, namespace: 'default', labels });
      const objects: Manifest[] = [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(`peerlink-sa-${t.suffix}`) },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: meta(`peerlink-svc-${t.suffix}`),
          spec: { selector: { app: labels.app }, ports: [{ port: 80, targetPort: 8080 }] },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: meta(`peerlink-dep-${t.suffix}`),
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: labels.app } },
            template: {
              metadata: { labels: { app: labels.app } },
              spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
            },
          },
        },
      ];
      for (const m of objects) await k.apply(cluster, m, false);
      const listed = await k.listManaged(cluster);
      for (const m of objects) {
        const hit = listed.find(
          (x) =>
            x.kind === m.kind &&
            (x.metadata as { name?: string }).name === (m.metadata as { name: string }).name,
        );
        expect(hit && covers(hit, m)).toBe(true);
      }
    });

    it('a same-named object of another manager is a conflict, never overwritten', async () => {
      const name = `peerlink-foreign-${t.suffix}`;
      // Someone else's object, created with that user's own client and field manager.
      const access = await getAccess(t, cluster);
      const other = otherClient(access.endpoint, access.caBase64, await t.cloud.auth.token());
      await other.create(
        configMap(name, { owner: 'someone' }, false) as never,
        undefined,
        undefined,
        'someone-else',
      );

      const k = t.cloud.kube;
      const e = await rejection(k.apply(cluster, configMap(name, { owner: 'peerlink' }), false));
      expect(e).toBeInstanceOf(PreconditionFailedError);
      const still = await k.get(cluster, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name,
      });
      expect(still?.data).toEqual({ owner: 'someone' });
      expect(still && kubeOwned(still)).toBe(false);
    });

    it('delete removes; deleting again and reading a missing object are NotFound / null', async () => {
      const k = t.cloud.kube;
      const name = `peerlink-del-${t.suffix}`;
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name };
      await k.apply(cluster, configMap(name, { x: '1' }), false);
      await k.delete(cluster, ref);
      expect(await k.get(cluster, ref)).toBeNull();
      expect(await rejection(k.delete(cluster, ref))).toBeInstanceOf(NotFoundError);
    });

    it('a cluster without a Kubernetes endpoint is NotFound', async () => {
      expect(await rejection(t.cloud.kube.listManaged(`missing-${t.suffix}`))).toBeInstanceOf(
        NotFoundError,
      );
    });
  });
}

async function getAccess(t: Target, cluster: string) {
  const c = await t.cloud.container.getCluster(t.zone, cluster);
  return { endpoint: c?.endpoint ?? '', caBase64: c?.masterAuth?.clusterCaCertificate ?? '' };
}

function otherClient(endpoint: string, caBase64: string, token: string): KubernetesObjectApi {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'c', server: `https://${endpoint}`, caData: caBase64, skipTLSVerify: false },
    { name: 'someone', token },
  );
  return KubernetesObjectApi.makeApiClient(kc);
}
