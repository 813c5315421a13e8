/**
 * `kubectl apply` accepts the masquerade agent's manifests, exactly as committed in
 * manifests/masquerade-agent/, against the simulated Kubernetes API, client-side and
 * server-side, and a second apply changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AGENT_CONFIGMAP_PATH,
  AGENT_DAEMONSET_PATH,
  AGENT_SCRIPT_PATH,
} from '../../manifests/generate.ts';
import { type KubeApi, startKubeApi } from '../sim/kube/server.ts';
import { kubectlFor } from '../support/kubectl.ts';

const FILES = [
  join(AGENT_SCRIPT_PATH, '..', 'configmap.yaml'),
  AGENT_CONFIGMAP_PATH,
  AGENT_DAEMONSET_PATH,
];

describe('kubectl apply of the masquerade agent manifests (simulated API)', () => {
  let api: KubeApi;
  let dir: string;
  let kubeconfig: string;

  const kubectl = kubectlFor(
    () => kubeconfig,
    () => dir,
  );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peerlink-agent-apply-'));
    api = await startKubeApi({ name: 'masquerade-agent-apply' });
    kubeconfig = api.kubeconfigPath(dir);
  });
  afterAll(async () => {
    await api?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const fileArgs = FILES.flatMap((f) => ['-f', f]);

  test('client-side apply creates the three objects; a second apply leaves them unchanged', async () => {
    const first = await kubectl('apply', ...fileArgs);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('configmap/peerlink-masquerade-cidrs created');
    expect(first.stdout).toContain('configmap/peerlink-masquerade-agent created');
    expect(first.stdout).toContain('daemonset.apps/peerlink-masquerade-agent created');
    const second = await kubectl('apply', ...fileArgs);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim().split('\n')).toEqual([
      'configmap/peerlink-masquerade-cidrs unchanged',
      'configmap/peerlink-masquerade-agent unchanged',
      'daemonset.apps/peerlink-masquerade-agent unchanged',
    ]);
  });

  test('the stored DaemonSet keeps the hardening fields', async () => {
    const r = await kubectl(
      'get',
      'daemonset',
      '-n',
      'kube-system',
      'peerlink-masquerade-agent',
      '-o',
      'json',
    );
    expect(r.code, r.stderr).toBe(0);
    const ds = JSON.parse(r.stdout);
    const c = ds.spec.template.spec.containers[0];
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
    expect(c.securityContext.capabilities).toEqual({
      drop: ['ALL'],
      add: ['NET_ADMIN', 'NET_RAW'],
    });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('server-side apply accepts them too', async () => {
    const r = await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'peerlink',
      '--force-conflicts',
      ...fileArgs,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('daemonset.apps/peerlink-masquerade-agent serverside-applied');
  });
});
