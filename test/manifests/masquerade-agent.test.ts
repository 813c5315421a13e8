/**
 * The masquerade agent's DaemonSet, read from manifests/masquerade-agent/daemonset.yaml, keeps
 * its hardening, since it runs on every node with network privileges: hostNetwork; NET_ADMIN and
 * NET_RAW only, not privileged; read-only root filesystem; requests and limits;
 * system-node-critical; tolerates every taint; RollingUpdate; an image that carries iptables,
 * pinned; readiness from `agent.sh --check`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { agentManifests } from '../../functions/core/manifests/agent.ts';
import { AGENT_FILES } from '../../functions/core/manifests/agent-files.ts';
import { CIDR_CONFIGMAP } from '../../functions/core/manifests/masquerade.ts';
import { AGENT_DAEMONSET_PATH } from '../../manifests/generate.ts';

interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: Array<{ name: string; value?: string }>;
  securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  readinessProbe?: { exec?: { command?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

interface DaemonSet {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    updateStrategy: { type: string; rollingUpdate?: { maxUnavailable?: number | string } };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        hostNetwork?: boolean;
        hostPID?: boolean;
        hostIPC?: boolean;
        priorityClassName?: string;
        tolerations?: Array<Record<string, string>>;
        initContainers?: Container[];
        containers: Container[];
        volumes: Array<{
          name: string;
          configMap?: { name: string; items?: Array<{ key: string; path: string }> };
        }>;
      };
    };
  };
}

const text = readFileSync(AGENT_DAEMONSET_PATH, 'utf8');
const ds = parse(text) as DaemonSet;
const pod = ds.spec.template.spec;
const containers = [...(pod.initContainers ?? []), ...pod.containers];
const agent = pod.containers[0];

/** Kubernetes quantities used here (m, Ki, Mi, Gi, plain) as numbers, to compare them. */
function quantity(q: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(q ?? '');
  if (!m) throw new Error(`unparsed quantity ${q}`);
  const scale = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * scale;
}

describe('masquerade agent DaemonSet hardening', () => {
  test('is a kube-system DaemonSet owned by peerlink, selecting its own pods', () => {
    expect(parseDocument(text).errors).toEqual([]);
    expect(ds).toMatchObject({ apiVersion: 'apps/v1', kind: 'DaemonSet' });
    expect(ds.metadata.namespace).toBe('kube-system');
    expect(ds.metadata.labels['app.kubernetes.io/managed-by']).toBe('peerlink');
    expect(ds.spec.template.metadata.labels['app.kubernetes.io/managed-by']).toBe('peerlink');
    expect(ds.spec.template.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
  });

  test('runs in the host network namespace, sharing nothing else with the host', () => {
    expect(pod.hostNetwork).toBe(true);
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.hostIPC ?? false).toBe(false);
  });

  test('every container drops ALL capabilities and adds only NET_ADMIN and NET_RAW', () => {
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) {
      expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
      expect([...(c.securityContext?.capabilities?.add ?? [])].sort()).toEqual([
        'NET_ADMIN',
        'NET_RAW',
      ]);
    }
  });

  test('no container is privileged or can escalate, and the root filesystem is read-only', () => {
    for (const c of containers) {
      expect(c.securityContext?.privileged).toBe(false);
      expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
      expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
    }
  });

  test('every container has cpu and memory requests and limits, requests within limits', () => {
    for (const c of containers) {
      for (const r of ['cpu', 'memory'] as const) {
        const request = quantity(c.resources?.requests?.[r]);
        const limit = quantity(c.resources?.limits?.[r]);
        expect(request).toBeGreaterThan(0);
        expect(limit).toBeGreaterThanOrEqual(request);
      }
    }
  });

  test('is system-node-critical and tolerates every taint', () => {
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(pod.tolerations).toContainEqual({ operator: 'Exists' });
  });

  test('updates with RollingUpdate', () => {
    expect(ds.spec.updateStrategy.type).toBe('RollingUpdate');
  });

  test('uses an image that carries iptables, pinned by digest', () => {
    for (const c of containers) {
      expect(c.image).toMatch(
        /^registry\.k8s\.io\/build-image\/distroless-iptables:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/,
      );
    }
    // The reason for trusting the digest sits next to it.
    expect(text).toMatch(/Pinned by digest: .*\n(.*\n)*\s*image: /);
  });

  test('runs the mounted agent script, and is ready only when `--check` passes', () => {
    const mountOf = (volume: string) =>
      agent?.volumeMounts?.find((m) => m.name === volume)?.mountPath;
    const scriptVolume = pod.volumes.find((v) => v.configMap?.name === 'peerlink-masquerade-agent');
    const script = `${mountOf(scriptVolume?.name ?? '')}/agent.sh`;
    expect(scriptVolume?.configMap?.items).toEqual([{ key: 'agent.sh', path: 'agent.sh' }]);
    expect(agent?.command).toEqual(['/bin/sh', script]);
    expect(agent?.readinessProbe?.exec?.command).toEqual(['/bin/sh', script, '--check']);
  });

  test('mounts the CIDR ConfigMap at /etc/peerlink and points CIDR_FILE at it', () => {
    const cidrVolume = pod.volumes.find((v) => v.configMap?.name === CIDR_CONFIGMAP);
    expect(cidrVolume?.configMap?.items).toEqual([{ key: 'cidrs', path: 'cidrs' }]);
    expect(agent?.volumeMounts).toContainEqual({
      name: cidrVolume?.name,
      mountPath: '/etc/peerlink',
      readOnly: true,
    });
    const env = Object.fromEntries((agent?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.CIDR_FILE).toBe('/etc/peerlink/cidrs');
    expect(env.RESYNC_INTERVAL).toMatch(/^[1-9]\d*$/);
  });

  test('agentManifests() ships this DaemonSet unchanged', () => {
    expect(agentManifests(AGENT_FILES)).toContainEqual(ds);
  });
});
