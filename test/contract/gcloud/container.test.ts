/**
 * gcloud and kubectl as clients of the simulated GKE: the commands users run, their exit status
 * and messages, and the state they leave in the simulator. gcloud polls GKE operations every
 * 5 s, so the main simulator finishes operations at once; the last part runs operations that
 * take a while, for `--async` and `operations wait`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTERS, type Cluster } from '../../sim/container/index.ts';
import type { JsonObject } from '../../sim/core/store.ts';
import {
  type GcloudRun,
  type GcloudSim,
  kubectl,
  requireKubectl,
  startGcloudSim,
} from './gcloud.ts';

const CLUSTER = 'c1';
const POOL = 'np2';

let g: GcloudSim;
let zone: string;
let region: string;
/** The user's own kubeconfig, which nothing here may touch: its mtime, or null when absent. */
let userKubeconfig: number | null;

const userKubeconfigPath = join(homedir(), '.kube', 'config');
const mtime = (p: string) => (existsSync(p) ? statSync(p).mtimeMs : null);

/** `gcloud ...` must exit 0; the failure message carries what gcloud said. */
async function ok(...args: string[]): Promise<GcloudRun> {
  const r = await g.gcloud(...args);
  expect(r.code, `gcloud ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

async function okJson<T = JsonObject>(...args: string[]): Promise<T> {
  const r = await ok(...args, '--format=json');
  return JSON.parse(r.stdout) as T;
}

async function kube(args: string[], stdin?: string): Promise<GcloudRun> {
  return kubectl(g, ['--request-timeout=20s', ...args], {
    timeoutMs: 60_000,
    ...(stdin === undefined ? {} : { stdin }),
  });
}

function storedCluster(sim: GcloudSim, name = CLUSTER, location = zone): Cluster | undefined {
  return sim.sim.sim.store.get<Cluster>(
    CLUSTERS,
    `projects/${sim.project}/locations/${location}/clusters/${name}`,
  );
}

function storedPool(name: string) {
  return storedCluster(g)?.nodePools.find((p) => p.name === name);
}

/** Target sizes of a pool's managed groups, by zone, from the simulator's Compute store. */
function groupSizes(name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const url of storedPool(name)?.instanceGroupUrls ?? []) {
    const path = url.replace(/^https:\/\/[^/]+\/compute\/v1\//, '');
    const igm = g.sim.sim.store.get<JsonObject>('instanceGroupManagers', path);
    out[String(path.split('/')[3])] = Number(igm?.targetSize);
  }
  return out;
}

/** The cluster's API as the simulator wrote its kubeconfig: a second reader besides kubectl. */
function clusterApi(): KubeConfig {
  const kubeconfigs = g.sim.sim.info.kubeconfigs as Record<string, string>;
  const kc = new KubeConfig();
  kc.loadFromFile(
    String(kubeconfigs[`projects/${g.project}/locations/${zone}/clusters/${CLUSTER}`]),
  );
  return kc;
}

/** A Compute REST mutation, waited for with `operations.wait` (bounded). */
async function computeWrite(method: string, path: string, body?: unknown): Promise<void> {
  const base = `${g.url}/compute/v1/projects/${g.project}`;
  const res = await fetch(`${base}/${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer principal:${g.principal}`,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const op = (await res.json()) as JsonObject;
  expect(res.status, JSON.stringify(op)).toBe(200);
  for (let i = 0; i < 20 && op.status !== 'DONE'; i++) {
    const w = await fetch(
      `${String(op.selfLink).replace(/^https:\/\/[^/]+\/compute\/v1/, `${g.url}/compute/v1`)}/wait`,
      {
        method: 'POST',
        signal: AbortSignal.timeout(10_000),
      },
    );
    Object.assign(op, (await w.json()) as JsonObject);
  }
  expect(op.status).toBe('DONE');
  expect(op.error ?? null).toBeNull();
}

beforeAll(async () => {
  requireKubectl();
  userKubeconfig = mtime(userKubeconfigPath);
  g = await startGcloudSim({ containerOperationMs: 0 });
  zone = g.zone;
  region = g.region;
  await ok('compute', 'networks', 'create', 'n1', '--subnet-mode=custom');
  await ok(
    'compute',
    'networks',
    'subnets',
    'create',
    's1',
    '--network=n1',
    `--region=${region}`,
    '--range=10.0.0.0/20',
    '--secondary-range=pods=10.4.0.0/14,services=10.8.0.0/20',
  );
}, 120_000);

afterAll(async () => {
  await g?.close();
});

describe('gcloud container clusters', { timeout: 60_000 }, () => {
  it('creates a VPC-native cluster: RUNNING, with a kubeconfig entry', async () => {
    const r = await ok(
      'container',
      'clusters',
      'create',
      CLUSTER,
      `--zone=${zone}`,
      '--network=n1',
      '--subnetwork=s1',
      '--num-nodes=2',
      '--enable-ip-alias',
      '--cluster-secondary-range-name=pods',
      '--services-secondary-range-name=services',
    );
    expect(r.stdout).toMatch(new RegExp(`^${CLUSTER}\\s+${zone}\\s.*\\s2\\s+RUNNING$`, 'm'));
    expect(r.stderr).toContain(`kubeconfig entry generated for ${CLUSTER}.`);
    const c = storedCluster(g);
    expect(c?.status).toBe('RUNNING');
    expect(c?.clusterIpv4Cidr).toBe('10.4.0.0/14');
    expect(groupSizes('default-pool')).toEqual({ [zone]: 2 });
  });

  it('writes the kubeconfig to KUBECONFIG in its own directory, with gke-gcloud-auth-plugin', () => {
    const path = String(g.env.KUBECONFIG);
    expect(path.startsWith(g.dir)).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(`current-context: gke_${g.project}_${zone}_${CLUSTER}`);
    expect(text).toContain('command: gke-gcloud-auth-plugin');
    expect(text).toContain(`server: https://${String(storedCluster(g)?.endpoint)}`);
    expect(mtime(userKubeconfigPath)).toBe(userKubeconfig);
  });

  it('lists and describes the cluster as the simulator holds it', async () => {
    const list = await okJson<JsonObject[]>('container', 'clusters', 'list');
    expect(list.map((c) => [c.name, c.location, c.status])).toEqual([[CLUSTER, zone, 'RUNNING']]);
    const c = await okJson('container', 'clusters', 'describe', CLUSTER, `--zone=${zone}`);
    expect(c.endpoint).toBe(storedCluster(g)?.endpoint);
    expect(c.currentNodeCount).toBe(2);
    expect((c.nodePools as JsonObject[]).map((p) => p.name)).toEqual(['default-pool']);
  });

  it('reports a missing cluster with GKE 404 and its zonal name', async () => {
    const r = await g.gcloud('container', 'clusters', 'describe', 'nope', `--zone=${zone}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `ResponseError: code=404, message=Not found: projects/${g.project}/zones/${zone}/clusters/nope.`,
    );
  });

  it('refuses a second cluster of the same name with 409', async () => {
    const r = await g.gcloud(
      'container',
      'clusters',
      'create',
      CLUSTER,
      `--zone=${zone}`,
      '--network=n1',
      '--subnetwork=s1',
      '--num-nodes=1',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `code=409, message=Already exists: projects/${g.project}/zones/${zone}/clusters/${CLUSTER}.`,
    );
    expect(storedCluster(g)?.nodePools.map((p) => p.name)).toEqual(['default-pool']);
  });

  it('answers get-server-config with the simulated version', async () => {
    const config = await okJson('container', 'get-server-config', `--zone=${zone}`);
    expect(config.defaultClusterVersion).toBe(storedCluster(g)?.currentMasterVersion);
    expect(config.validImageTypes).toContain('COS_CONTAINERD');
  });

  it('sets resource labels with clusters update --update-labels (label fingerprint)', async () => {
    const before = storedCluster(g)?.labelFingerprint;
    await ok(
      'container',
      'clusters',
      'update',
      CLUSTER,
      `--zone=${zone}`,
      '--update-labels=team=net',
    );
    const c = storedCluster(g);
    expect(c?.resourceLabels).toEqual({ team: 'net' });
    expect(c?.labelFingerprint).not.toBe(before);
    const vms = g.sim.sim.store.list<JsonObject>(
      'instances',
      `projects/${g.project}/zones/${zone}/`,
    );
    expect(vms.map((v) => (v.labels as JsonObject).team)).toEqual(['net', 'net']);
  });
});

describe('get-credentials, then kubectl through gke-gcloud-auth-plugin', {
  timeout: 60_000,
}, () => {
  it('get-credentials writes the entry again', async () => {
    const r = await ok('container', 'clusters', 'get-credentials', CLUSTER, `--zone=${zone}`);
    expect(r.stderr).toContain(`kubeconfig entry generated for ${CLUSTER}.`);
    expect(mtime(userKubeconfigPath)).toBe(userKubeconfig);
  });

  it('kubectl get nodes lists the pool instances as Ready nodes', async () => {
    const r = await kube(['get', 'nodes', '--no-headers']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    const instances = g.sim.sim.store
      .list<JsonObject>('instances', `projects/${g.project}/zones/${zone}/`)
      .map((v) => String(v.name))
      .sort();
    expect(rows.map((x) => x[0]).sort()).toEqual(instances);
    expect(rows.map((x) => x[1])).toEqual(['Ready', 'Ready']);
  });

  it('kubectl apply creates a ConfigMap the API server holds', async () => {
    const manifest = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: peerlink-contract',
      '  namespace: kube-system',
      'data:',
      '  nonMasqueradeCIDRs: "10.0.0.0/8"',
      '',
    ].join('\n');
    const r = await kube(['apply', '-f', '-'], manifest);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('configmap/peerlink-contract created');
    const cm = await clusterApi()
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: 'peerlink-contract', namespace: 'kube-system' });
    expect(cm.data).toEqual({ nonMasqueradeCIDRs: '10.0.0.0/8' });
    const again = await kube(['apply', '-f', '-'], manifest);
    expect(again.stdout.trim()).toBe('configmap/peerlink-contract unchanged');
  });

  it('kubectl get configmap reads it back', async () => {
    const r = await kube([
      'get',
      'configmap',
      'peerlink-contract',
      '-n',
      'kube-system',
      '-o',
      'jsonpath={.data.nonMasqueradeCIDRs}',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('10.0.0.0/8');
  });

  it('kubectl apply and get of a DaemonSet', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'peerlink-agent', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { app: 'peerlink-agent' } },
        template: {
          metadata: { labels: { app: 'peerlink-agent' } },
          spec: {
            containers: [{ name: 'agent', image: 'busybox:1.36', command: ['sleep', '3600'] }],
          },
        },
      },
    });
    const r = await kube(['apply', '-f', '-'], manifest);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('daemonset.apps/peerlink-agent created');
    const got = await kube([
      'get',
      'daemonset',
      'peerlink-agent',
      '-n',
      'kube-system',
      '-o',
      'json',
    ]);
    expect(got.code, got.stderr).toBe(0);
    const ds = JSON.parse(got.stdout) as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(ds.spec.template.spec.containers[0]?.image).toBe('busybox:1.36');
    const stored = await clusterApi()
      .makeApiClient(AppsV1Api)
      .readNamespacedDaemonSet({ name: 'peerlink-agent', namespace: 'kube-system' });
    expect(stored.metadata?.name).toBe('peerlink-agent');
  });
});

describe('gcloud container node-pools', { timeout: 60_000 }, () => {
  it('creates a pool: one group of the asked size, its nodes in the cluster', async () => {
    const r = await ok(
      'container',
      'node-pools',
      'create',
      POOL,
      `--cluster=${CLUSTER}`,
      `--zone=${zone}`,
      '--num-nodes=1',
    );
    expect(r.stdout).toMatch(new RegExp(`^${POOL}\\s+e2-medium\\s+100\\s+`, 'm'));
    expect(storedPool(POOL)?.status).toBe('RUNNING');
    expect(groupSizes(POOL)).toEqual({ [zone]: 1 });
    const nodes = await kube([
      'get',
      'nodes',
      '-l',
      `cloud.google.com/gke-nodepool=${POOL}`,
      '--no-headers',
    ]);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a duplicate pool with 409', async () => {
    const r = await g.gcloud(
      'container',
      'node-pools',
      'create',
      POOL,
      `--cluster=${CLUSTER}`,
      `--zone=${zone}`,
      '--num-nodes=1',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `code=409, message=Already exists: projects/${g.project}/zones/${zone}/clusters/${CLUSTER}/nodePools/${POOL}.`,
    );
    expect(storedCluster(g)?.nodePools.map((p) => p.name)).toEqual(['default-pool', POOL]);
  });

  it('lists and describes pools', async () => {
    const list = await okJson<JsonObject[]>(
      'container',
      'node-pools',
      'list',
      `--cluster=${CLUSTER}`,
      `--zone=${zone}`,
    );
    expect(list.map((p) => p.name)).toEqual(['default-pool', POOL]);
    const p = await okJson(
      'container',
      'node-pools',
      'describe',
      POOL,
      `--cluster=${CLUSTER}`,
      `--zone=${zone}`,
    );
    expect(p).toMatchObject({
      name: POOL,
      status: 'RUNNING',
      initialNodeCount: 1,
      locations: [zone],
    });
    expect(p.instanceGroupUrls).toEqual(storedPool(POOL)?.instanceGroupUrls);
  });

  it('reports a missing pool with 404', async () => {
    const r = await g.gcloud(
      'container',
      'node-pools',
      'describe',
      'nope',
      `--cluster=${CLUSTER}`,
      `--zone=${zone}`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `code=404, message=Not found: projects/${g.project}/zones/${zone}/clusters/${CLUSTER}/nodePools/nope.`,
    );
  });

  it('update --enable-autoscaling sets the pool autoscaling (clusters.update)', async () => {
    await ok(
      'container',
      'node-pools',
      'update',
      POOL,
      `--cluster=${CLUSTER}`,
      `--zone=${zone}`,
      '--enable-autoscaling',
      '--min-nodes=1',
      '--max-nodes=3',
    );
    expect(storedPool(POOL)?.autoscaling).toEqual({
      enabled: true,
      minNodeCount: 1,
      maxNodeCount: 3,
    });
  });

  it('update --node-locations adds a group in the new zone', async () => {
    const other = `${region}-c`;
    await ok(
      'container',
      'node-pools',
      'update',
      POOL,
      `--cluster=${CLUSTER}`,
      `--zone=${zone}`,
      `--node-locations=${zone},${other}`,
    );
    expect(storedPool(POOL)?.locations).toEqual([zone, other]);
    expect(groupSizes(POOL)).toEqual({ [zone]: 1, [other]: 1 });
  });

  it('clusters resize --node-pool sets every zone of the pool to the size (setSize)', async () => {
    const r = await ok(
      'container',
      'clusters',
      'resize',
      CLUSTER,
      `--node-pool=${POOL}`,
      '--num-nodes=2',
      `--zone=${zone}`,
    );
    expect(r.stderr).toContain(`Resizing ${CLUSTER}...`);
    expect(groupSizes(POOL)).toEqual({ [zone]: 2, [`${region}-c`]: 2 });
    const nodes = await kube([
      'get',
      'nodes',
      '-l',
      `cloud.google.com/gke-nodepool=${POOL}`,
      '--no-headers',
    ]);
    expect(nodes.stdout.trim().split('\n')).toHaveLength(4);
    expect(storedCluster(g)?.currentNodeCount).toBe(6);
  });
});

describe('gcloud container operations', { timeout: 60_000 }, () => {
  it('lists every operation the commands started, all DONE', async () => {
    const ops = await okJson<JsonObject[]>('container', 'operations', 'list', `--zone=${zone}`);
    expect(ops.map((o) => o.operationType)).toEqual([
      'CREATE_CLUSTER',
      'UPDATE_CLUSTER',
      'CREATE_NODE_POOL',
      'UPDATE_CLUSTER',
      'UPGRADE_NODES',
      'SET_NODE_POOL_SIZE',
    ]);
    expect(new Set(ops.map((o) => o.status))).toEqual(new Set(['DONE']));
  });

  it('describes and waits for one operation', async () => {
    const [first] = await okJson<JsonObject[]>('container', 'operations', 'list', `--zone=${zone}`);
    const name = String(first?.name);
    const op = await okJson('container', 'operations', 'describe', name, `--zone=${zone}`);
    expect(op).toMatchObject({ name, operationType: 'CREATE_CLUSTER', status: 'DONE' });
    const w = await ok('container', 'operations', 'wait', name, `--zone=${zone}`);
    expect(w.stderr).toContain(`Waiting for ${name} to complete...`);
  });
});

describe('deleting a pool whose group is a backend service backend', { timeout: 60_000 }, () => {
  it('node-pools delete fails with the Compute refusal and the pool stays', async () => {
    const urls = storedPool(POOL)?.instanceGroupUrls ?? [];
    const group = String(urls[0]).replace('/instanceGroupManagers/', '/instanceGroups/');
    await computeWrite('POST', `regions/${region}/healthChecks`, {
      name: 'hc',
      type: 'TCP',
      tcpHealthCheck: { port: 80 },
    });
    await computeWrite('POST', `regions/${region}/backendServices`, {
      name: 'ilb',
      loadBalancingScheme: 'INTERNAL',
      healthChecks: [`projects/${g.project}/regions/${region}/healthChecks/hc`],
      backends: [{ group }],
    });
    const r = await g.gcloud(
      'container',
      'node-pools',
      'delete',
      POOL,
      `--cluster=${CLUSTER}`,
      `--zone=${zone}`,
    );
    expect(r.code).toBe(1);
    const manager = String(urls[0]).replace(/^https:\/\/[^/]+\/compute\/v1\//, '');
    expect(r.stderr).toMatch(
      new RegExp(
        `finished with error: \\(1\\) Google Compute Engine: The instance_template resource 'projects/${g.project}/global/instanceTemplates/[^']+' is already being used by '${manager}'`,
      ),
    );
    expect(storedPool(POOL)?.status).toBe('RUNNING');
    expect(groupSizes(POOL)).toEqual({ [zone]: 2, [`${region}-c`]: 2 });
  });

  it('clusters delete fails too; the cluster is in ERROR with its pools', async () => {
    const r = await g.gcloud('container', 'clusters', 'delete', CLUSTER, `--zone=${zone}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Google Compute Engine: The instance_template resource');
    expect(storedCluster(g)?.status).toBe('ERROR');
    expect(storedCluster(g)?.nodePools.map((p) => [p.name, p.status])).toEqual([
      ['default-pool', 'RUNNING'],
      [POOL, 'RUNNING'],
    ]);
  });

  it('deletes the pool once the backend service is gone', async () => {
    await computeWrite('DELETE', `regions/${region}/backendServices/ilb`);
    await ok('container', 'node-pools', 'delete', POOL, `--cluster=${CLUSTER}`, `--zone=${zone}`);
    expect(storedCluster(g)?.nodePools.map((p) => p.name)).toEqual(['default-pool']);
    const managers = g.sim.sim.store.list<JsonObject>('instanceGroupManagers');
    expect(managers.map((m) => String(m.name)).filter((n) => n.includes(`-${POOL}-`))).toEqual([]);
  });

  it('deletes the cluster and forgets it; a second delete is 404', async () => {
    await ok('container', 'clusters', 'delete', CLUSTER, `--zone=${zone}`);
    expect(storedCluster(g)).toBeUndefined();
    // gcloud removes the cluster's entry from the kubeconfig it wrote.
    expect(readFileSync(String(g.env.KUBECONFIG), 'utf8')).not.toContain(
      `gke_${g.project}_${zone}_${CLUSTER}`,
    );
    expect(await okJson<JsonObject[]>('container', 'clusters', 'list')).toEqual([]);
    const again = await g.gcloud('container', 'clusters', 'delete', CLUSTER, `--zone=${zone}`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `code=404, message=Not found: projects/${g.project}/zones/${zone}/clusters/${CLUSTER}.`,
    );
  });
});

describe('operations that take a while: --async and operations wait', { timeout: 90_000 }, () => {
  let slow: GcloudSim;

  beforeAll(async () => {
    slow = await startGcloudSim({ containerOperationMs: 10_000 });
    const r1 = await slow.gcloud('compute', 'networks', 'create', 'n2', '--subnet-mode=custom');
    expect(r1.code, r1.stderr).toBe(0);
    const r2 = await slow.gcloud(
      'compute',
      'networks',
      'subnets',
      'create',
      's2',
      '--network=n2',
      `--region=${slow.region}`,
      '--range=10.20.0.0/20',
    );
    expect(r2.code, r2.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await slow?.close();
  });

  it('clusters create --async answers at once; operations wait returns once it is DONE', async () => {
    const cluster = await slow.json<JsonObject>(
      'container',
      'clusters',
      'create',
      'c2',
      `--zone=${slow.zone}`,
      '--network=n2',
      '--subnetwork=s2',
      '--num-nodes=1',
      '--async',
    );
    expect(cluster).toMatchObject({ name: 'c2', status: 'PROVISIONING' });
    expect(storedCluster(slow, 'c2', slow.zone)?.status).toBe('PROVISIONING');
    const [op] = await slow.json<JsonObject[]>(
      'container',
      'operations',
      'list',
      `--zone=${slow.zone}`,
      '--filter=operationType=CREATE_CLUSTER',
    );
    const name = String(op?.name);
    const described = await slow.json<JsonObject>(
      'container',
      'operations',
      'describe',
      name,
      `--zone=${slow.zone}`,
    );
    // Not DONE yet: the operation takes 10 s, each gcloud run about 1 s here.
    expect(described).toMatchObject({ operationType: 'CREATE_CLUSTER' });
    expect(['PENDING', 'RUNNING']).toContain(described.status);
    const w = await slow.gcloud('container', 'operations', 'wait', name, `--zone=${slow.zone}`);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toContain(`Waiting for ${name} to complete...`);
    expect(storedCluster(slow, 'c2', slow.zone)?.status).toBe('RUNNING');
    const done = await slow.json<JsonObject>(
      'container',
      'operations',
      'describe',
      name,
      `--zone=${slow.zone}`,
    );
    expect(done.status).toBe('DONE');
  });
});
