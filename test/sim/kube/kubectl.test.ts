import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlFor } from '../../support/kubectl.ts';
import { type KubeApi, startKubeApi } from './server.ts';

// kubectl (installed on this machine) against the kubeconfig the simulator writes.
describe('kubectl against the simulated Kubernetes API', () => {
  let api: KubeApi;
  let dir: string;
  let kubeconfig: string;

  const kubectl = kubectlFor(
    () => kubeconfig,
    () => dir,
  );

  const manifest = (file: string, text: string): string => {
    const path = join(dir, file);
    writeFileSync(path, text);
    return path;
  };

  const deployment = (image: string, envValue: string): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: "${envValue}"}]
      - name: sidecar
        image: busybox
`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peerlink-kubectl-'));
    api = await startKubeApi({ name: 'kubectl-test' });
    kubeconfig = api.kubeconfigPath(dir);
  });
  afterAll(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists ConfigMaps in all namespaces', async () => {
    const r = await kubectl('get', 'configmaps', '-A');
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n');
    // Server-side printing (Table): the real columns for ConfigMaps.
    expect(rows[0]).toMatch(/^NAMESPACE\s+NAME\s+DATA\s+AGE$/);
    expect(rows.some((l) => /^default\s+kube-root-ca\.crt\s+1\s+\d+s$/.test(l))).toBe(true);
    expect(rows.some((l) => /^kube-system\s+kube-root-ca\.crt\s/.test(l))).toBe(true);
  });

  it('client-side apply creates, then patches with the last-applied annotation', async () => {
    const v1 = manifest(
      'cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo, namespace: default}\ndata: {a: "1", b: "2"}\n',
    );
    const created = await kubectl('apply', '-f', v1);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim()).toBe('configmap/demo created');
    const v2 = manifest(
      'cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo, namespace: default}\ndata: {a: "1", c: "3"}\n',
    );
    const patched = await kubectl('apply', '-f', v2);
    expect(patched.stdout.trim()).toBe('configmap/demo configured');
    const again = await kubectl('apply', '-f', v2);
    expect(again.stdout.trim()).toBe('configmap/demo unchanged');
    const got = JSON.parse((await kubectl('get', 'configmap', 'demo', '-o', 'json')).stdout);
    expect(got.data).toEqual({ a: '1', c: '3' });
    expect(got.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain(
      '"c":"3"',
    );
  });

  it('client-side apply of a Deployment merges containers by name (strategic merge patch)', async () => {
    expect(
      (await kubectl('apply', '-f', manifest('d.yaml', deployment('nginx:1', 'a')))).code,
    ).toBe(0);
    const r = await kubectl('apply', '-f', manifest('d.yaml', deployment('nginx:2', 'b')));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('deployment.apps/web configured');
    const got = JSON.parse((await kubectl('get', 'deployment', 'web', '-o', 'json')).stdout);
    expect(got.spec.template.spec.containers).toEqual([
      {
        name: 'web',
        image: 'nginx:2',
        ports: [{ containerPort: 80 }],
        env: [{ name: 'MODE', value: 'b' }],
      },
      { name: 'sidecar', image: 'busybox' },
    ]);
    expect(got.metadata.generation).toBe(2);
  });

  it('server-side apply reports conflicts and takes fields with --force-conflicts', async () => {
    const ssa = (v: string) =>
      manifest(
        'ssa.yaml',
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: default}\ndata: {x: "${v}"}\n`,
      );
    const first = await kubectl('apply', '--server-side', '-f', ssa('1'));
    expect(first.stdout.trim()).toBe('configmap/ssa serverside-applied');
    const conflict = await kubectl(
      'apply',
      '--server-side',
      '--field-manager=other',
      '-f',
      ssa('2'),
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl": .data.x',
    );
    const forced = await kubectl(
      'apply',
      '--server-side',
      '--field-manager=other',
      '--force-conflicts',
      '-f',
      ssa('2'),
    );
    expect(forced.code, forced.stderr).toBe(0);
    const got = JSON.parse(
      (await kubectl('get', 'configmap', 'ssa', '-o', 'json', '--show-managed-fields')).stdout,
    );
    expect(got.data).toEqual({ x: '2' });
    expect(got.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual([
      'other',
    ]);
  });

  it('server-side apply takes over an object managed by client-side apply', async () => {
    const r = await kubectl(
      'apply',
      '--server-side',
      '-f',
      manifest('d.yaml', deployment('nginx:3', 'c')),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('deployment.apps/web serverside-applied');
    const got = JSON.parse(
      (await kubectl('get', 'deployment', 'web', '-o', 'json', '--show-managed-fields')).stdout,
    );
    expect(got.spec.template.spec.containers[0].image).toBe('nginx:3');
    expect(got.metadata.managedFields.map((m: { manager: string }) => m.manager)).toContain(
      'kubectl',
    );
  });

  it('deletes and then reports NotFound', async () => {
    expect((await kubectl('delete', 'configmap', 'demo')).stdout.trim()).toBe(
      'configmap "demo" deleted',
    );
    const r = await kubectl('get', 'configmap', 'demo');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('configmaps "demo" not found');
  });
});
