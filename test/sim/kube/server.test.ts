import { request } from 'node:https';
import {
  ApiException,
  ApisApi,
  AppsV1Api,
  CoreApi,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Deployment,
  VersionApi,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeApi, startKubeApi } from './server.ts';

// The KubeConfig is built the way GKE clients build it: cluster endpoint + clusterCaCertificate
// (base64 PEM) + an access token.
function kubeConfigFor(api: KubeApi, token = api.token): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'sim', server: api.url, caData: api.caBase64, skipTLSVerify: false },
    { name: 'sim-user', token },
  );
  return kc;
}

interface StatusJson {
  kind: string;
  apiVersion: string;
  status: string;
  reason: string;
  code: number;
  message: string;
  details?: { name?: string; kind?: string; causes?: { reason: string; field: string }[] };
}

async function failure(p: Promise<unknown>): Promise<{ code: number; status: StatusJson }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
      return { code: e.code, status: JSON.parse(body) as StatusJson };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}

function rawGet(
  api: KubeApi,
  path: string,
  authorization?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.url}${path}`,
      { ca: api.caPem, headers: authorization ? { authorization } : {}, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function cm(
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
): V1ConfigMap {
  return { metadata: { name, ...(labels ? { labels } : {}) }, data };
}

const deployment = (image: string, replicas = 2): V1Deployment => ({
  metadata: { name: 'web', labels: { 'app.kubernetes.io/managed-by': 'peerlink' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] },
    },
  },
});

describe('simulated Kubernetes API through @kubernetes/client-node', () => {
  let api: KubeApi;
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    api = await startKubeApi({ token: 'secret-token', servicesCidr: '10.40.0.0/20' });
    kc = kubeConfigFor(api);
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await api.stop();
  });

  it('rejects a missing or wrong token with a 401 Status', async () => {
    const bad = kubeConfigFor(api, 'wrong').makeApiClient(CoreV1Api);
    // client-node drops the body of a 401; read it over plain HTTPS to check the Status.
    await expect(bad.listNamespace()).rejects.toMatchObject({ code: 401 });
    const raw = await rawGet(api, '/api/v1/namespaces', 'Bearer wrong');
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    expect((await rawGet(api, '/api/v1/namespaces')).status).toBe(401);
  });

  it('serves discovery and version', async () => {
    const versions = await kc.makeApiClient(CoreApi).getAPIVersions();
    expect(versions.versions).toEqual(['v1']);
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toContain('apps');
    const coreResources = await core.getAPIResources();
    const byName = Object.fromEntries(coreResources.resources.map((r) => [r.name, r]));
    expect(byName.configmaps).toMatchObject({ kind: 'ConfigMap', namespaced: true });
    expect(byName.namespaces).toMatchObject({ kind: 'Namespace', namespaced: false });
    expect(byName.services?.verbs).toEqual(
      expect.arrayContaining(['create', 'get', 'list', 'patch', 'update', 'delete']),
    );
    const appsResources = await kc.makeApiClient(AppsV1Api).getAPIResources();
    expect(appsResources.resources.map((r) => r.kind).sort()).toEqual(['DaemonSet', 'Deployment']);
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.major).toBe('1');
  });

  it('has default and kube-system namespaces', async () => {
    const list = await core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(['default', 'kube-system']),
    );
  });

  it('creates, conflicts on AlreadyExists, reads and lists ConfigMaps', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: cm('one', { a: '1' }, { tier: 'x' }),
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.metadata?.managedFields?.[0]).toMatchObject({
      operation: 'Update',
      fieldsType: 'FieldsV1',
    });

    const dup = await failure(
      core.createNamespacedConfigMap({ namespace: 'default', body: cm('one', { a: '2' }) }),
    );
    expect(dup.code).toBe(409);
    expect(dup.status).toMatchObject({
      reason: 'AlreadyExists',
      message: 'configmaps "one" already exists',
      details: { name: 'one', kind: 'configmaps' },
    });

    await core.createNamespacedConfigMap({
      namespace: 'kube-system',
      body: cm('two', { b: '1' }, { tier: 'x' }),
    });
    const read = await core.readNamespacedConfigMap({ name: 'one', namespace: 'default' });
    expect(read.data).toEqual({ a: '1' });

    const all = await core.listConfigMapForAllNamespaces({ labelSelector: 'tier=x' });
    expect(all.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`)).toEqual([
      'default/one',
      'kube-system/two',
    ]);
    const inDefault = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'tier=x',
    });
    expect(inDefault.items.map((i) => i.metadata?.name)).toEqual(['one']);

    const missing = await failure(
      core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }),
    );
    expect(missing.code).toBe(404);
    expect(missing.status.reason).toBe('NotFound');
  });

  it('rejects a replace with a stale resourceVersion with 409 Conflict', async () => {
    const first = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: cm('rv', { a: '1' }),
    });
    const updated = await core.replaceNamespacedConfigMap({
      name: 'rv',
      namespace: 'default',
      body: { ...first, data: { a: '2' } },
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(first.metadata?.resourceVersion),
    );
    const stale = await failure(
      core.replaceNamespacedConfigMap({
        name: 'rv',
        namespace: 'default',
        body: { ...first, data: { a: '3' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.status.reason).toBe('Conflict');
    expect(stale.status.message).toContain('the object has been modified');
    const now = await core.readNamespacedConfigMap({ name: 'rv', namespace: 'default' });
    expect(now.data).toEqual({ a: '2' });
  });

  it('applies merge and strategic merge patches', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: cm('patched', { a: '1', b: '2' }),
    });
    const merged = await core.patchNamespacedConfigMap(
      { name: 'patched', namespace: 'default', body: { data: { b: null, c: '3' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.data).toEqual({ a: '1', c: '3' });
    const strategic = await core.patchNamespacedConfigMap(
      { name: 'patched', namespace: 'default', body: { data: { d: '4' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.data).toEqual({ a: '1', c: '3', d: '4' });
  });

  it('deletes with a success Status and then answers 404', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('gone', { a: '1' }) });
    const status = await core.deleteNamespacedConfigMap({ name: 'gone', namespace: 'default' });
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'gone', kind: 'configmaps' },
    });
    const after = await failure(
      core.readNamespacedConfigMap({ name: 'gone', namespace: 'default' }),
    );
    expect(after.code).toBe(404);
  });

  it('refuses objects in a namespace that does not exist', async () => {
    const r = await failure(
      core.createNamespacedConfigMap({ namespace: 'nowhere', body: cm('x', {}) }),
    );
    expect(r.code).toBe(404);
    expect(r.status.message).toBe('namespaces "nowhere" not found');
  });

  describe('server-side apply', () => {
    let objects: KubernetesObjectApi;
    const applied = (
      data: Record<string, string>,
    ): KubernetesObject & { data: Record<string, string> } => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'ssa',
        namespace: 'default',
        labels: { 'app.kubernetes.io/managed-by': 'peerlink' },
      },
      data,
    });
    beforeAll(() => {
      objects = KubernetesObjectApi.makeApiClient(kc);
    });

    it('creates when absent and records the manager', async () => {
      const out = await objects.patch(
        applied({ a: '1', b: '2' }),
        undefined,
        undefined,
        'peerlink',
        undefined,
        PatchStrategy.ServerSideApply,
      );
      expect((out as V1ConfigMap).data).toEqual({ a: '1', b: '2' });
      const mf = out.metadata?.managedFields ?? [];
      expect(mf).toHaveLength(1);
      expect(mf[0]).toMatchObject({ manager: 'peerlink', operation: 'Apply', apiVersion: 'v1' });
      expect(mf[0]?.fieldsV1).toEqual({
        'f:data': { 'f:a': {}, 'f:b': {} },
        'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {} } },
      });
    });

    it('updates and removes fields the manager no longer applies', async () => {
      const out = await objects.patch(
        applied({ a: '10' }),
        undefined,
        undefined,
        'peerlink',
        undefined,
        PatchStrategy.ServerSideApply,
      );
      expect((out as V1ConfigMap).data).toEqual({ a: '10' });
    });

    it('answers 409 with the conflicting field when another manager owns it', async () => {
      const r = await failure(
        objects.patch(
          applied({ a: 'other' }),
          undefined,
          undefined,
          'someone-else',
          false,
          PatchStrategy.ServerSideApply,
        ),
      );
      expect(r.code).toBe(409);
      expect(r.status.reason).toBe('Conflict');
      expect(r.status.message).toBe(
        'Apply failed with 1 conflict: conflict with "peerlink": .data.a',
      );
      expect(r.status.details?.causes).toEqual([
        { reason: 'FieldManagerConflict', message: 'conflict with "peerlink"', field: '.data.a' },
      ]);
    });

    it('shares a field applied with the same value and takes ownership with force', async () => {
      const same = await objects.patch(
        applied({ a: '10' }),
        undefined,
        undefined,
        'someone-else',
        false,
        PatchStrategy.ServerSideApply,
      );
      expect(same.metadata?.managedFields?.map((m) => m.manager).sort()).toEqual([
        'peerlink',
        'someone-else',
      ]);
      const forced = await objects.patch(
        applied({ a: 'forced' }),
        undefined,
        undefined,
        'someone-else',
        true,
        PatchStrategy.ServerSideApply,
      );
      expect((forced as V1ConfigMap).data).toEqual({ a: 'forced' });
      const peerlink = forced.metadata?.managedFields?.find((m) => m.manager === 'peerlink');
      expect(peerlink?.fieldsV1).toEqual({
        'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {} } },
      });
    });

    it('conflicts with a field changed by a non-apply update', async () => {
      await core.patchNamespacedConfigMap(
        {
          name: 'ssa',
          namespace: 'default',
          body: { data: { a: 'edited' } },
          fieldManager: 'kubectl-edit',
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const r = await failure(
        objects.patch(
          applied({ a: 'mine' }),
          undefined,
          undefined,
          'someone-else',
          false,
          PatchStrategy.ServerSideApply,
        ),
      );
      expect(r.status.message).toBe(
        'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a',
      );
    });

    it('lets a non-apply write hand fields to another manager through managedFields', async () => {
      const current = await core.readNamespacedConfigMap({ name: 'ssa', namespace: 'default' });
      const moved = (current.metadata?.managedFields ?? []).map((m) => ({
        ...m,
        manager: 'new-owner',
        operation: 'Apply',
      }));
      const out = await core.patchNamespacedConfigMap(
        {
          name: 'ssa',
          namespace: 'default',
          body: [{ op: 'replace', path: '/metadata/managedFields', value: moved }],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
      expect(new Set(out.metadata?.managedFields?.map((m) => m.manager))).toEqual(
        new Set(['new-owner']),
      );
      const stripped = await core.patchNamespacedConfigMap(
        { name: 'ssa', namespace: 'default', body: { metadata: { managedFields: [{}] } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      expect(stripped.metadata?.managedFields).toEqual([]);
    });

    it('applies a Deployment, merging containers by name and bumping generation', async () => {
      const d = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        ...deployment('nginx:1'),
      };
      d.metadata = { ...deployment('nginx:1').metadata, name: 'web', namespace: 'default' };
      const first = (await objects.patch(
        d,
        undefined,
        undefined,
        'peerlink',
        true,
        PatchStrategy.ServerSideApply,
      )) as V1Deployment;
      expect(first.metadata?.generation).toBe(1);
      const again = (await objects.patch(
        d,
        undefined,
        undefined,
        'peerlink',
        true,
        PatchStrategy.ServerSideApply,
      )) as V1Deployment;
      expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
      const changed = { ...d, spec: deployment('nginx:2').spec };
      const second = (await objects.patch(
        changed,
        undefined,
        undefined,
        'peerlink',
        true,
        PatchStrategy.ServerSideApply,
      )) as V1Deployment;
      expect(second.metadata?.generation).toBe(2);
      expect(second.spec?.template.spec?.containers.map((c) => c.image)).toEqual(['nginx:2']);
      expect(second.status?.observedGeneration).toBe(2);
      const mf = second.metadata?.managedFields?.[0]?.fieldsV1 as Record<
        string,
        Record<string, Record<string, Record<string, Record<string, unknown>>>>
      >;
      expect(Object.keys(mf['f:spec']?.['f:template']?.['f:spec']?.['f:containers'] ?? {})).toEqual(
        ['k:{"name":"web"}'],
      );
    });
  });

  describe('workloads and services', () => {
    it('validates Deployments and tracks generation on replace', async () => {
      const apps = kc.makeApiClient(AppsV1Api);
      const bad = deployment('nginx');
      if (bad.spec) bad.spec.selector = { matchLabels: { app: 'other' } };
      const r = await failure(
        apps.createNamespacedDeployment({ namespace: 'kube-system', body: bad }),
      );
      expect(r.code).toBe(422);
      expect(r.status.reason).toBe('Invalid');
      const created = await apps.createNamespacedDeployment({
        namespace: 'kube-system',
        body: deployment('nginx:1'),
      });
      expect(created.metadata?.generation).toBe(1);
      const replaced = await apps.replaceNamespacedDeployment({
        name: 'web',
        namespace: 'kube-system',
        body: { ...created, spec: deployment('nginx:1', 5).spec },
      });
      expect(replaced.metadata?.generation).toBe(2);
      expect(replaced.status?.readyReplicas).toBe(5);
    });

    it('allocates cluster IPs, node ports and internal load-balancer IPs', async () => {
      const svc = (name: string, type: string, annotations?: Record<string, string>) => ({
        metadata: { name, ...(annotations ? { annotations } : {}) },
        spec: { type, selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      });
      const plain = await core.createNamespacedService({
        namespace: 'default',
        body: svc('plain', 'ClusterIP'),
      });
      expect(plain.spec?.clusterIP).toMatch(/^10\.40\./);
      expect(plain.spec?.ports?.[0]?.nodePort).toBeUndefined();
      const np = await core.createNamespacedService({
        namespace: 'default',
        body: svc('np', 'NodePort'),
      });
      const np2 = await core.createNamespacedService({
        namespace: 'default',
        body: svc('np2', 'NodePort'),
      });
      const ports = [np.spec?.ports?.[0]?.nodePort, np2.spec?.ports?.[0]?.nodePort];
      for (const p of ports) expect(p).toBeGreaterThanOrEqual(30000);
      for (const p of ports) expect(p).toBeLessThanOrEqual(32767);
      expect(ports[0]).not.toBe(ports[1]);
      const ilb = await core.createNamespacedService({
        namespace: 'default',
        body: svc('ilb', 'LoadBalancer', { 'networking.gke.io/load-balancer-type': 'Internal' }),
      });
      expect(ilb.status?.loadBalancer?.ingress?.[0]?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(ilb.spec?.ports?.[0]?.nodePort).toBeGreaterThanOrEqual(30000);
      // A replace that omits the allocated values keeps them.
      const replaced = await core.replaceNamespacedService({
        name: 'np',
        namespace: 'default',
        body: svc('np', 'NodePort'),
      });
      expect(replaced.spec?.ports?.[0]?.nodePort).toBe(ports[0]);
      expect(replaced.spec?.clusterIP).toBe(np.spec?.clusterIP);
    });

    it('keeps every object in the snapshot', () => {
      const names = api
        .objects()
        .map((o) => `${String(o.kind)}/${String((o.metadata as { name: string }).name)}`);
      expect(names).toEqual(
        expect.arrayContaining([
          'Namespace/default',
          'ConfigMap/one',
          'Service/ilb',
          'Deployment/web',
        ]),
      );
    });
  });
});
