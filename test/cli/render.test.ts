/**
 * `peerlink render manifests`: the Kubernetes objects rendered from a topology, and
 * `kubectl apply` of them against the simulated Kubernetes API.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { Io } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import { aggregate, overlaps } from '../../functions/core/net/cidr.ts';
import { AGENT_DAEMONSET_PATH } from '../../manifests/generate.ts';
import { type KubeApi, startKubeApi } from '../sim/kube/server.ts';
import { kubectlFor } from '../support/kubectl.ts';
import { exampleTopologyPath } from '../support/topology.ts';

async function render(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(['render', 'manifests', ...args], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function kinds(yamlText: string): string[] {
  return parseAllDocuments(yamlText).map((d) => {
    const o = d.toJS() as { kind: string; metadata: { namespace: string; name: string } };
    return `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
  });
}

describe('peerlink render manifests', () => {
  it('renders the backend for the provider and the agent for the consumer', async () => {
    const all = await render('--topology', exampleTopologyPath);
    expect(all.code).toBe(0);
    expect(kinds(all.out)).toEqual([
      'Deployment default/dummy-backend',
      'Service default/dummy-backend',
      'ConfigMap kube-system/peerlink-masquerade-cidrs',
      'ConfigMap kube-system/peerlink-masquerade-agent',
      'DaemonSet kube-system/peerlink-masquerade-agent',
    ]);
    expect(all.out).toMatch(/type: NodePort[\s\S]*nodePort: 32191/);
    expect(all.out).toMatch(/cidrs: \|\n\s+#.*\n\s+10\.193\.0\.0\/16\n/);
    const backend = await render('--topology', exampleTopologyPath, '--cluster', 'backend-cluster');
    expect(kinds(backend.out)).toEqual([
      'Deployment default/dummy-backend',
      'Service default/dummy-backend',
    ]);
  });

  it('renders the hardened DaemonSet exactly as manifests/ ships it', async () => {
    const docs = parseAllDocuments((await render('--topology', exampleTopologyPath)).out).map((d) =>
      d.toJS(),
    );
    const ds = docs.find((d) => d.kind === 'DaemonSet');
    // masquerade-agent.test.ts checks every hardening item on this file; the rendered object is it.
    expect(ds).toEqual(parse(readFileSync(AGENT_DAEMONSET_PATH, 'utf8')));
    const pod = ds.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(pod.containers[0].securityContext).toMatchObject({
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] },
    });
  });

  it("writes ip-masq-agent's ConfigMap instead of the agent for ip-masq-agent clusters", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlink-render-ima-'));
    try {
      const file = join(dir, 'topology.yaml');
      writeFileSync(
        file,
        readFileSync(exampleTopologyPath, 'utf8').replace(
          'masquerade: agent',
          'masquerade: ip-masq-agent',
        ),
      );
      const out = (await render('--topology', file, '--cluster', 'frontend-cluster')).out;
      expect(kinds(out)).toEqual(['ConfigMap kube-system/ip-masq-agent']);
      const config = parse(parseAllDocuments(out)[0]?.toJS().data.config);
      expect(config.resyncInterval).toBe('60s');
      expect(config.nonMasqueradeCIDRs).toContain('172.16.0.0/12');
      expect(config.nonMasqueradeCIDRs).toContain('10.192.0.0/16');
      expect(config.nonMasqueradeCIDRs).not.toContain('10.0.0.0/8');
      expect(config.nonMasqueradeCIDRs).toContain('100.64.0.0/10');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('a consumer peered with 172.20.0.0/16 and 192.168.64.0/20', () => {
    const PEER_RANGES = ['172.20.0.0/16', '192.168.64.0/20'];
    /** The example, VPC A holding `ranges` as further subnets, the frontend in `mode`. */
    async function renderWith(ranges: readonly string[], mode: string) {
      const dir = mkdtempSync(join(tmpdir(), 'peerlink-render-peers-'));
      try {
        const file = join(dir, 'topology.yaml');
        const subnets = ranges
          .map((r, i) => `      - name: vpc-a-peer-${i}\n        range: ${r}\n`)
          .join('');
        writeFileSync(
          file,
          readFileSync(exampleTopologyPath, 'utf8')
            .replace('        range: 10.193.0.0/16\n', `        range: 10.193.0.0/16\n${subnets}`)
            .replace('masquerade: agent', `masquerade: ${mode}`),
        );
        return await render('--topology', file, '--cluster', 'frontend-cluster');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const configOf = (out: string) =>
      parse(
        parseAllDocuments(out)
          .map((d) => d.toJS())
          .find((o) => o.metadata.name === 'ip-masq-agent')?.data.config,
      );

    it("lists both in the agent's CIDRs", async () => {
      const r = await renderWith(PEER_RANGES, 'agent');
      expect(r.code).toBe(0);
      const cm = parseAllDocuments(r.out)
        .map((d) => d.toJS())
        .find((o) => o.metadata.name === 'peerlink-masquerade-cidrs');
      const cidrs = String(cm?.data.cidrs)
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'));
      expect(cidrs).toEqual(['10.193.0.0/16', ...PEER_RANGES]);
    });

    it("ip-masq-agent mode: nonMasqueradeCIDRs keeps GKE's reserved defaults, leaves the peers out, at most 64", async () => {
      const r = await renderWith(PEER_RANGES, 'ip-masq-agent');
      expect(r.code).toBe(0);
      const list: string[] = configOf(r.out).nonMasqueradeCIDRs;
      for (const reserved of [
        '100.64.0.0/10',
        '192.0.0.0/24',
        '192.0.2.0/24',
        '192.88.99.0/24',
        '198.18.0.0/15',
        '198.51.100.0/24',
        '203.0.113.0/24',
        '240.0.0.0/4',
      ])
        expect(list).toContain(reserved);
      expect(overlaps(list, ['10.193.0.0/16', ...PEER_RANGES])).toBe(false);
      // Everything else of RFC 1918 stays unmasqueraded.
      expect(aggregate([...list, '10.193.0.0/16', ...PEER_RANGES])).toEqual(
        aggregate([...list, '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']),
      );
      expect(list.length).toBeLessThanOrEqual(64);
      expect(aggregate(list)).toEqual(list);
    });

    it('ip-masq-agent mode: a list over 64 entries is not rendered, and says why', async () => {
      // Every other /16 from 10.1 to 10.117: what is left between them cannot be aggregated.
      const many = Array.from({ length: 59 }, (_, i) => `10.${2 * i + 1}.0.0/16`);
      const r = await renderWith(many, 'ip-masq-agent');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        /not rendered: cluster frontend-cluster: ConfigMap kube-system\/ip-masq-agent: .*more than the 64 ip-masq-agent accepts \(cidrLimit\)/,
      );
      expect(kinds(r.out)).not.toContain('ConfigMap kube-system/ip-masq-agent');
    });
  });

  it.each([
    [['--topology'], /argument missing|requires/i],
    [[], /usage: peerlink render manifests/],
    [['--topology', exampleTopologyPath, '--cluster', 'Not_A_Name'], /not a GKE cluster name/],
  ])('exits 2 (usage error) for %j', async (args, message) => {
    const r = await render(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it.each([
    [['--topology', '/nonexistent.yaml'], /cannot read \/nonexistent\.yaml/],
    [['--topology', exampleTopologyPath, '--cluster', 'ghost'], /no cluster 'ghost'/],
  ])('exits 1 (error) for %j', async (args, message) => {
    const r = await render(...args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  describe('kubectl apply (simulated API)', () => {
    let api: KubeApi;
    let dir: string;
    const kubectl = kubectlFor(
      () => api.kubeconfigPath(dir),
      () => dir,
    );

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'peerlink-render-'));
      api = await startKubeApi({ name: 'render-apply' });
    });
    afterAll(async () => {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('accepts every rendered object, and a second apply changes nothing', async () => {
      const file = join(dir, 'all.yaml');
      writeFileSync(file, (await render('--topology', exampleTopologyPath)).out);
      const first = await kubectl('apply', '-f', file);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout.trim().split('\n')).toHaveLength(5);
      expect(first.stdout).toMatch(/daemonset.apps\/peerlink-masquerade-agent created/);
      const second = await kubectl('apply', '-f', file);
      expect(
        second.stdout
          .trim()
          .split('\n')
          .every((l) => l.endsWith('unchanged')),
      ).toBe(true);
      const got = await kubectl(
        'get',
        'configmap',
        '-n',
        'kube-system',
        'peerlink-masquerade-cidrs',
        '-o',
        'jsonpath={.data.cidrs}',
      );
      expect(got.stdout).toMatch(/10\.193\.0\.0\/16/);
    });
  });
});
