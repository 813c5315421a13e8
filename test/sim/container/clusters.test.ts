import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  GlobalOperationsClient,
  InstanceGroupManagersClient,
  InstancesClient,
  NetworksClient,
  RegionOperationsClient,
  SubnetworksClient,
} from '@google-cloud/compute';
import { ClusterManagerClient } from '@google-cloud/container';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerFromEvent } from '../../../functions/core/events/index.ts';
import { clientOptions } from '../compute/harness.ts';
import type { LogEntry } from '../core/audit.ts';
import type { JsonObject } from '../core/store.ts';
import { type RunningSim, startSim } from '../server.ts';
import { containerModule } from './index.ts';

const execFileAsync = promisify(execFile);
const PROJECT = 'your-project-id';
const ZONE = 'us-central1-a';
const PRINCIPAL = 'peerlink@your-project-id.iam.gserviceaccount.com';
const SAMPLES = join(import.meta.dirname, '../../../../shared/events');

interface Op {
  name?: string | null;
  status?: string | number | null;
  operationType?: string | number | null;
  error?: { code?: number | null; message?: string | null } | null;
}

let running: RunningSim;
let dir: string;
let gke: ClusterManagerClient;
let anonymous: ClusterManagerClient;
let compute: {
  networks: NetworksClient;
  subnetworks: SubnetworksClient;
  globalOps: GlobalOperationsClient;
  regionOps: RegionOperationsClient;
  igm: InstanceGroupManagersClient;
  instances: InstancesClient;
};

// Compute setup steps wait with the operations `wait` calls.
async function computeDone(result: unknown, region?: string): Promise<void> {
  const lro = (Array.isArray(result) ? result[0] : result) as {
    latestResponse?: { name?: string };
  };
  const name = String(lro.latestResponse?.name);
  for (let i = 0; i < 20; i++) {
    const [op] = region
      ? await compute.regionOps.wait({ project: PROJECT, region, operation: name })
      : await compute.globalOps.wait({ project: PROJECT, operation: name });
    if (op.status === 'DONE') return;
  }
  throw new Error(`compute operation ${name} not DONE`);
}

/** Polls a GKE operation with getOperation until DONE (GKE has no wait call). */
async function gkeDone(op: Op, client = gke, location = ZONE): Promise<Op> {
  let cur = op;
  for (let i = 0; i < 100 && cur.status !== 'DONE'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    [cur] = (await client.getOperation({
      name: `projects/${PROJECT}/locations/${location}/operations/${cur.name}`,
    })) as [Op, ...unknown[]];
  }
  if (cur.status !== 'DONE') throw new Error(`GKE operation ${cur.name} not DONE`);
  return cur;
}

async function grpcCode(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const x = e as { code?: number; message?: string };
    return { code: x.code ?? -1, message: x.message ?? '' };
  }
  throw new Error('expected the call to fail');
}

function logs(): LogEntry[] {
  return running.sim.audit.list();
}

function sample(name: string): JsonObject {
  return JSON.parse(readFileSync(join(SAMPLES, name), 'utf8')) as JsonObject;
}

/** Key paths of a JSON object (`a.b.c`), arrays by index: the shape to compare with samples. */
function shape(v: unknown, prefix = ''): string[] {
  if (typeof v !== 'object' || v === null) return [prefix];
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, x]) => shape(x, prefix ? `${prefix}.${k}` : k));
}

// The Compute client reports a 404 as gRPC NOT_FOUND (5) or as the HTTP status.
const NOT_FOUND = [5, 404];

const clusterName = (name: string) => `projects/${PROJECT}/locations/${ZONE}/clusters/${name}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-gke-'));
  running = await startSim({
    operationMs: 10,
    waitCapMs: 2_000,
    modules: [containerModule({ kubeconfigDir: dir, operationMs: 80 })],
  });
  const o = clientOptions(running.port, PRINCIPAL);
  gke = new ClusterManagerClient(o);
  anonymous = new ClusterManagerClient(clientOptions(running.port));
  compute = {
    networks: new NetworksClient(o),
    subnetworks: new SubnetworksClient(o),
    globalOps: new GlobalOperationsClient(o),
    regionOps: new RegionOperationsClient(o),
    igm: new InstanceGroupManagersClient(o),
    instances: new InstancesClient(o),
  };
  for (const [net, subnet, range, secondary] of [
    ['vpc', 'nodes', '10.10.0.0/20', { pods: '10.64.0.0/14', services: '10.68.0.0/20' }],
    ['legacy', 'legacy-nodes', '10.20.0.0/24', {}],
  ] as const) {
    await computeDone(
      await compute.networks.insert({
        project: PROJECT,
        networkResource: { name: net, autoCreateSubnetworks: false },
      }),
    );
    await computeDone(
      await compute.subnetworks.insert({
        project: PROJECT,
        region: 'us-central1',
        subnetworkResource: {
          name: subnet,
          network: `projects/${PROJECT}/global/networks/${net}`,
          ipCidrRange: range,
          secondaryIpRanges: Object.entries(secondary).map(([rangeName, ipCidrRange]) => ({
            rangeName,
            ipCidrRange,
          })),
        },
      }),
      'us-central1',
    );
  }
});

afterAll(async () => {
  await Promise.all([gke, anonymous, ...Object.values(compute)].map((c) => c?.close()));
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GKE clusters through @google-cloud/container', () => {
  let clusterId = '';

  it('creates a VPC-native cluster as an operation; it provisions, then runs', async () => {
    const [op] = (await gke.createCluster({
      parent: `projects/${PROJECT}/locations/${ZONE}`,
      cluster: {
        name: 'blue',
        network: 'vpc',
        subnetwork: 'nodes',
        ipAllocationPolicy: {
          useIpAliases: true,
          clusterSecondaryRangeName: 'pods',
          servicesSecondaryRangeName: 'services',
        },
        nodePools: [{ name: 'default-pool', initialNodeCount: 2 }],
      },
    })) as [Op, ...unknown[]];
    expect(op.operationType).toBe('CREATE_CLUSTER');
    expect(['PENDING', 'RUNNING']).toContain(op.status);
    const [provisioning] = await gke.getCluster({ name: clusterName('blue') });
    expect(provisioning.status).toBe('PROVISIONING');

    const finished = await gkeDone(op);
    expect(finished.error ?? null).toBeNull();
    const [cluster] = await gke.getCluster({ name: clusterName('blue') });
    clusterId = String(cluster.id);
    expect(cluster).toMatchObject({
      status: 'RUNNING',
      network: 'vpc',
      subnetwork: 'nodes',
      clusterIpv4Cidr: '10.64.0.0/14',
      servicesIpv4Cidr: '10.68.0.0/20',
      location: ZONE,
      selfLink: `https://container.googleapis.com/v1/projects/${PROJECT}/zones/${ZONE}/clusters/blue`,
    });
    expect(cluster.ipAllocationPolicy).toMatchObject({
      useIpAliases: true,
      clusterSecondaryRangeName: 'pods',
    });
    const urls = cluster.nodePools?.[0]?.instanceGroupUrls ?? [];
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(
      new RegExp(
        `^https://www\\.googleapis\\.com/compute/v1/projects/${PROJECT}/zones/${ZONE}/instanceGroupManagers/gke-blue-default-pool-[0-9a-f]{8}-grp$`,
      ),
    );
  });

  it('backs node pools with tagged instances in a zonal instance group', async () => {
    const [cluster] = await gke.getCluster({ name: clusterName('blue') });
    const url = String(cluster.nodePools?.[0]?.instanceGroupUrls?.[0]);
    const [igm] = await compute.igm.get({
      project: PROJECT,
      zone: ZONE,
      instanceGroupManager: url.split('/').pop(),
    });
    expect(igm.targetSize).toBe(2);
    const [vms] = await compute.instances.list({ project: PROJECT, zone: ZONE });
    const tags = new Set(vms.flatMap((vm) => vm.tags?.items ?? []));
    expect([...tags]).toEqual([`gke-blue-${clusterId.slice(0, 8)}-node`]);
  });

  it("points endpoint and clusterCaCertificate at the cluster's own Kubernetes API", async () => {
    const [cluster] = await gke.getCluster({ name: clusterName('blue') });
    expect(cluster.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    // As a GKE client does it: https://<endpoint>, the cluster CA, and a Google access token.
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      {
        name: 'blue',
        server: `https://${cluster.endpoint}`,
        caData: String(cluster.masterAuth?.clusterCaCertificate),
        skipTLSVerify: false,
      },
      { name: 'me', token: `principal:${PRINCIPAL}` },
    );
    const core = kc.makeApiClient(CoreV1Api);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain('kube-system');
    // The pool's instances are the cluster's Nodes, each with a /24 of the pod range.
    const nodes = await core.listNode({
      labelSelector: 'cloud.google.com/gke-nodepool=default-pool',
    });
    expect(nodes.items).toHaveLength(2);
    for (const n of nodes.items) {
      expect(n.spec?.podCIDR).toMatch(/^10\.(64|65|66|67)\.\d+\.0\/24$/);
      expect(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toMatch(
        /^10\.10\./,
      );
      expect(n.metadata?.labels?.['topology.kubernetes.io/zone']).toBe(ZONE);
    }
    const kubeconfig = join(dir, `gke_${PROJECT}_${ZONE}_blue.yaml`);
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`server: https://${cluster.endpoint}`);
    // kubectl reads the written kubeconfig (GKE-style context names must not break the CA).
    // Async: the API server runs in this process, so a blocking call would starve it.
    const { stdout: out } = await execFileAsync(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'configmaps', '-A'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(out).toMatch(/kube-system\s+kube-root-ca\.crt/);
    const { stdout: nodeTable } = await execFileAsync(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'nodes'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(nodeTable).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
    expect(nodeTable).toMatch(
      /gke-blue-default-pool-[0-9a-f]{8}-[0-9a-f]{4}\s+Ready\s+<none>\s+\d+s\s+v1\.32/,
    );
    expect(running.sim.info.kubeconfigs).toMatchObject({
      [`projects/${PROJECT}/locations/${ZONE}/clusters/blue`]: kubeconfig,
    });
  });

  it('creates a node pool with one instance group per zone and refuses a concurrent operation', async () => {
    const [op] = (await gke.createNodePool({
      parent: clusterName('blue'),
      nodePool: {
        name: 'extra',
        initialNodeCount: 1,
        locations: ['us-central1-a', 'us-central1-b'],
      },
    })) as [Op, ...unknown[]];
    expect(op.operationType).toBe('CREATE_NODE_POOL');
    const busy = await grpcCode(
      gke.createNodePool({
        parent: clusterName('blue'),
        nodePool: { name: 'other', initialNodeCount: 1 },
      }),
    );
    expect(busy.code).toBe(9); // FAILED_PRECONDITION
    expect(busy.message).toContain(`Cluster is running incompatible operation ${op.name}`);
    await gkeDone(op);
    const [pool] = await gke.getNodePool({ name: `${clusterName('blue')}/nodePools/extra` });
    expect(pool.status).toBe('RUNNING');
    expect(pool.instanceGroupUrls?.map((u) => u.split('/')[8])).toEqual([
      'us-central1-a',
      'us-central1-b',
    ]);
    const [list] = await gke.listNodePools({ parent: clusterName('blue') });
    expect(list.nodePools?.map((n) => n.name)).toEqual(['default-pool', 'extra']);
  });

  it('updates node locations: a group is added for a new zone and removed for a dropped one', async () => {
    const name = `${clusterName('blue')}/nodePools/extra`;
    const [op] = (await gke.updateNodePool({
      name,
      locations: ['us-central1-b', 'us-central1-c'],
      nodeVersion: '-',
      imageType: 'COS_CONTAINERD',
    })) as [Op, ...unknown[]];
    expect(op.operationType).toBe('UPGRADE_NODES');
    await gkeDone(op);
    const [pool] = await gke.getNodePool({ name });
    expect(pool.locations).toEqual(['us-central1-b', 'us-central1-c']);
    expect(pool.instanceGroupUrls?.map((u) => u.split('/')[8]).sort()).toEqual([
      'us-central1-b',
      'us-central1-c',
    ]);
    const [groups] = await compute.igm.list({ project: PROJECT, zone: ZONE });
    expect(groups.map((g) => g.name).filter((n) => n?.includes('-extra-'))).toEqual([]);
    const update = logs().filter(
      (e) => e.protoPayload.methodName === 'google.container.v1.ClusterManager.UpdateNodePool',
    );
    expect(
      update.map((e) => (e.operation as JsonObject).first ?? (e.operation as JsonObject).last),
    ).toEqual([true, true]);
  });

  it('deletes a node pool and its instance groups', async () => {
    const [pool] = await gke.getNodePool({ name: `${clusterName('blue')}/nodePools/extra` });
    const [op] = (await gke.deleteNodePool({ name: `${clusterName('blue')}/nodePools/extra` })) as [
      Op,
      ...unknown[],
    ];
    expect(op.operationType).toBe('DELETE_NODE_POOL');
    await gkeDone(op);
    const [blue] = await gke.getCluster({ name: clusterName('blue') });
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      {
        name: 'blue',
        server: `https://${blue.endpoint}`,
        caData: String(blue.masterAuth?.clusterCaCertificate),
        skipTLSVerify: false,
      },
      { name: 'me', token: `principal:${PRINCIPAL}` },
    );
    const left = await kc.makeApiClient(CoreV1Api).listNode();
    expect(left.items.map((n) => n.metadata?.labels?.['cloud.google.com/gke-nodepool'])).toEqual([
      'default-pool',
      'default-pool',
    ]);
    const missing = await grpcCode(
      gke.getNodePool({ name: `${clusterName('blue')}/nodePools/extra` }),
    );
    expect(missing.code).toBe(5);
    for (const url of pool.instanceGroupUrls ?? []) {
      const zone = url.split('/')[8];
      const gone = await grpcCode(
        compute.igm.get({ project: PROJECT, zone, instanceGroupManager: url.split('/').pop() }),
      );
      expect(NOT_FOUND).toContain(gone.code);
    }
  });

  it('gives a routes-based cluster a /14, services in its last /20, and a route per node', async () => {
    const [op] = (await gke.createCluster({
      parent: `projects/${PROJECT}/locations/${ZONE}`,
      cluster: {
        name: 'green',
        network: 'legacy',
        subnetwork: 'legacy-nodes',
        initialNodeCount: 3,
      },
    })) as [Op, ...unknown[]];
    await gkeDone(op);
    const [cluster] = await gke.getCluster({ name: clusterName('green') });
    expect(cluster.clusterIpv4Cidr).toMatch(/^10\.\d+\.0\.0\/14$/);
    const base = Number(String(cluster.clusterIpv4Cidr).split('.')[1]);
    expect(cluster.servicesIpv4Cidr).toBe(`10.${base + 3}.240.0/20`);
    expect(cluster.nodePools?.map((n) => n.name)).toEqual(['default-pool']);
    const routes = running.sim.store.list<JsonObject>(
      'routes',
      `projects/${PROJECT}/global/routes/`,
    );
    expect(routes).toHaveLength(3);
    for (const r of routes) {
      expect(r.destRange).toMatch(new RegExp(`^10\\.${base}\\.\\d+\\.0/24$`));
      expect(r.name).toMatch(new RegExp(`^gke-green-${String(cluster.id).slice(0, 8)}-`));
      expect(r.network).toBe(
        `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/legacy`,
      );
    }
    expect(new Set(routes.map((r) => r.destRange)).size).toBe(3);
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      {
        name: 'green',
        server: `https://${cluster.endpoint}`,
        caData: String(cluster.masterAuth?.clusterCaCertificate),
        skipTLSVerify: false,
      },
      { name: 'me', token: `principal:${PRINCIPAL}` },
    );
    const nodes = await kc.makeApiClient(CoreV1Api).listNode();
    expect(nodes.items.map((n) => n.spec?.podCIDR).sort()).toEqual(
      routes.map((r) => String(r.destRange)).sort(),
    );
  });

  it('serves the older zones/ form of the paths', async () => {
    const [cluster] = await gke.getCluster({ projectId: PROJECT, zone: ZONE, clusterId: 'blue' });
    expect(cluster.name).toBe('blue');
    const [pools] = await gke.listNodePools({ projectId: PROJECT, zone: ZONE, clusterId: 'blue' });
    expect(pools.nodePools?.map((n) => n.name)).toEqual(['default-pool']);
    const [ops] = await gke.listOperations({ parent: `projects/${PROJECT}/locations/${ZONE}` });
    expect(ops.operations?.map((o) => o.operationType)).toContain('CREATE_CLUSTER');
  });

  it('spreads a regional cluster over three zones, with locations/ in its resource names', async () => {
    const from = logs().length;
    const [op] = (await gke.createCluster({
      parent: `projects/${PROJECT}/locations/us-central1`,
      cluster: {
        name: 'regional',
        network: 'vpc',
        subnetwork: 'nodes',
        initialNodeCount: 1,
        ipAllocationPolicy: { useIpAliases: true },
      },
    })) as [Op, ...unknown[]];
    await gkeDone(op, gke, 'us-central1');
    const [cluster] = await gke.getCluster({
      name: `projects/${PROJECT}/locations/us-central1/clusters/regional`,
    });
    expect(cluster.locations).toEqual(['us-central1-a', 'us-central1-b', 'us-central1-c']);
    expect(cluster.nodePools?.[0]?.instanceGroupUrls?.map((u) => u.split('/')[8])).toEqual(
      cluster.locations,
    );
    expect(cluster.currentNodeCount).toBe(3);
    expect(logs()[from]?.protoPayload.resourceName).toBe(
      `projects/${PROJECT}/locations/us-central1/clusters/regional`,
    );
    const [del] = (await gke.deleteCluster({
      name: `projects/${PROJECT}/locations/us-central1/clusters/regional`,
    })) as [Op, ...unknown[]];
    await gkeDone(del, gke, 'us-central1');
  });

  it('answers NOT_FOUND, ALREADY_EXISTS and INVALID_ARGUMENT as gRPC codes', async () => {
    expect((await grpcCode(gke.getCluster({ name: clusterName('nope') }))).code).toBe(5);
    const dup = await grpcCode(
      gke.createCluster({
        parent: `projects/${PROJECT}/locations/${ZONE}`,
        cluster: { name: 'blue', network: 'vpc' },
      }),
    );
    expect(dup.code).toBe(6);
    const before = logs().length;
    const bad = await grpcCode(
      gke.createCluster({
        parent: `projects/${PROJECT}/locations/${ZONE}`,
        cluster: { name: 'Bad_Name', network: 'vpc' },
      }),
    );
    expect(bad.code).toBe(3);
    // A refused create leaves a single ERROR record with status and no operation.
    const [rejected] = logs().slice(before);
    expect(rejected?.severity).toBe('ERROR');
    expect(rejected?.operation).toBeUndefined();
    expect(rejected?.protoPayload.status).toMatchObject({ code: 3 });
  });

  it('deletes a cluster: its groups, routes and Kubernetes API go away', async () => {
    const [cluster] = await gke.getCluster({ name: clusterName('green') });
    const kubeconfig = join(dir, `gke_${PROJECT}_${ZONE}_green.yaml`);
    expect(existsSync(kubeconfig)).toBe(true);
    const [op] = (await gke.deleteCluster({ name: clusterName('green') })) as [Op, ...unknown[]];
    expect(op.operationType).toBe('DELETE_CLUSTER');
    const [stopping] = await gke.getCluster({ name: clusterName('green') });
    expect(stopping.status).toBe('STOPPING');
    await gkeDone(op);
    expect((await grpcCode(gke.getCluster({ name: clusterName('green') }))).code).toBe(5);
    expect(running.sim.store.list('routes')).toHaveLength(0);
    const url = String(cluster.nodePools?.[0]?.instanceGroupUrls?.[0]);
    expect(
      (
        await grpcCode(
          compute.igm.get({
            project: PROJECT,
            zone: ZONE,
            instanceGroupManager: url.split('/').pop(),
          }),
        )
      ).code,
    ).toSatisfy((c: number) => NOT_FOUND.includes(c));
    for (let i = 0; i < 50 && existsSync(kubeconfig); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(kubeconfig)).toBe(false);
    await expect(fetch(`https://${cluster.endpoint}/version`)).rejects.toThrow();
    const [list] = await gke.listClusters({ parent: `projects/${PROJECT}/locations/-` });
    expect(list.clusters?.map((c) => c.name)).toEqual(['blue']);
  });
});

describe('GKE snapshots', () => {
  it('keeps Kubernetes objects across snapshot, reset and load, on a new endpoint and CA', async () => {
    const kubeFor = async (name: string) => {
      const [c] = await gke.getCluster({ name: clusterName(name) });
      const kc = new KubeConfig();
      kc.loadFromClusterAndUser(
        {
          name,
          server: `https://${c.endpoint}`,
          caData: String(c.masterAuth?.clusterCaCertificate),
          skipTLSVerify: false,
        },
        { name: 'me', token: `principal:${PRINCIPAL}` },
      );
      return { core: kc.makeApiClient(CoreV1Api), endpoint: String(c.endpoint) };
    };
    const before = await kubeFor('blue');
    await before.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'kept' }, data: { a: '1' } },
    });
    const snap = await running.sim.snapshot();
    await running.sim.reset();
    expect((await grpcCode(gke.getCluster({ name: clusterName('blue') }))).code).toBe(5);
    await running.sim.load(snap);
    const after = await kubeFor('blue');
    expect(after.endpoint).not.toBe(before.endpoint);
    const cm = await after.core.readNamespacedConfigMap({ name: 'kept', namespace: 'default' });
    expect(cm.data).toEqual({ a: '1' });
  });
});

describe('GKE audit entries', () => {
  // The real samples' cluster and pool: gke-basic-1 / default in your-project-id, us-central1-a.
  const realPool = `projects/${PROJECT}/locations/${ZONE}/clusters/gke-basic-1`;
  let poolEntries: LogEntry[] = [];
  let deleteEntries: LogEntry[] = [];
  let clusterEntries: LogEntry[] = [];

  beforeAll(async () => {
    let from = logs().length;
    const [create] = (await anonymous.createCluster({
      parent: `projects/${PROJECT}/locations/${ZONE}`,
      cluster: {
        name: 'gke-basic-1',
        network: 'vpc',
        subnetwork: 'nodes',
        nodePools: [{ name: 'seed', initialNodeCount: 1 }],
        ipAllocationPolicy: { useIpAliases: true },
      },
    })) as [Op, ...unknown[]];
    await gkeDone(create, anonymous);
    clusterEntries = logs().slice(from);
    from = logs().length;
    const [op] = (await anonymous.createNodePool({
      parent: realPool,
      nodePool: {
        name: 'default',
        initialNodeCount: 3,
        locations: [ZONE],
        config: { machineType: 'e2-standard-8' },
      },
    })) as [Op, ...unknown[]];
    await gkeDone(op, anonymous);
    poolEntries = logs().slice(from);
    from = logs().length;
    const [del] = (await anonymous.deleteNodePool({ name: `${realPool}/nodePools/default` })) as [
      Op,
      ...unknown[],
    ];
    await gkeDone(del, anonymous);
    deleteEntries = logs().slice(from);
  });

  it('adds GKE-managed secondary ranges for a VPC-native cluster without named ranges', async () => {
    const [cluster] = await anonymous.getCluster({ name: realPool });
    const hash = String(cluster.id).slice(0, 8);
    expect(cluster.ipAllocationPolicy).toMatchObject({
      clusterSecondaryRangeName: `gke-gke-basic-1-pods-${hash}`,
      servicesSecondaryRangeName: `gke-gke-basic-1-services-${hash}`,
    });
    const [subnet] = await compute.subnetworks.get({
      project: PROJECT,
      region: 'us-central1',
      subnetwork: 'nodes',
    });
    expect(subnet.secondaryIpRanges?.map((r) => r.rangeName)).toEqual(
      expect.arrayContaining([`gke-gke-basic-1-pods-${hash}`, `gke-gke-basic-1-services-${hash}`]),
    );
  });

  it('writes a first and a last record sharing operation.id, producer container.googleapis.com', () => {
    for (const entries of [clusterEntries, poolEntries, deleteEntries]) {
      expect(entries).toHaveLength(2);
      const [first, last] = entries as [LogEntry, LogEntry];
      expect(first.operation).toEqual({
        id: expect.stringMatching(/^operation-\d+-[0-9a-f-]{36}$/),
        first: true,
        producer: 'container.googleapis.com',
      });
      expect(last.operation).toEqual({
        id: (first.operation as JsonObject).id,
        last: true,
        producer: 'container.googleapis.com',
      });
    }
    expect(poolEntries[0]?.protoPayload.methodName).toBe(
      'google.container.v1.ClusterManager.CreateNodePool',
    );
    expect(deleteEntries[0]?.protoPayload.methodName).toBe(
      'google.container.v1.ClusterManager.DeleteNodePool',
    );
    expect(poolEntries[0]?.protoPayload.resourceName).toBe(
      `projects/${PROJECT}/zones/${ZONE}/clusters/gke-basic-1/nodePools/default`,
    );
    expect(poolEntries[0]?.resource).toEqual({
      type: 'gke_nodepool',
      labels: {
        cluster_name: 'gke-basic-1',
        location: ZONE,
        nodepool_name: 'default',
        project_id: PROJECT,
      },
    });
    expect(clusterEntries[0]?.resource).toEqual({
      type: 'gke_cluster',
      labels: { cluster_name: 'gke-basic-1', location: ZONE, project_id: PROJECT },
    });
    expect(clusterEntries[0]?.protoPayload.authenticationInfo).toEqual({
      principalEmail: 'user@example.com',
    });
  });

  it.each([
    ['nodepool_creation_started.json', () => poolEntries[0]],
    ['nodepool_creation_finished.json', () => poolEntries[1]],
    ['cluster_creation_started.json', () => clusterEntries[0]],
    ['cluster_creation_finished.json', () => clusterEntries[1]],
  ])('has the shape of the real %s', (file, ours) => {
    const real = sample(file);
    const entry = ours() as JsonObject;
    // Compare key paths down to protoPayload's direct fields (request/response bodies differ
    // with the request; principalSubject and serviceAccountDelegationInfo are not simulated).
    const top = (o: JsonObject) =>
      shape(o)
        .map((k) =>
          k
            .split('.')
            .slice(0, k.startsWith('protoPayload.') ? 2 : 3)
            .join('.'),
        )
        .filter((k) => !/^protoPayload\.(request|response)$/.test(k));
    const ours2 = new Set(top(entry));
    const want = new Set(top(real));
    expect([...want].filter((k) => !ours2.has(k))).toEqual([]);
    expect([...ours2].filter((k) => !want.has(k))).toEqual([]);
    expect((entry.protoPayload as JsonObject).methodName).toBe(
      (real.protoPayload as JsonObject).methodName,
    );
  });

  it('deletes the cluster with DeleteCluster records and drops its managed ranges', async () => {
    const from = logs().length;
    const [op] = (await anonymous.deleteCluster({ name: realPool })) as [Op, ...unknown[]];
    await gkeDone(op, anonymous);
    const entries = logs().slice(from);
    expect(entries.map((e) => [e.protoPayload.methodName, e.protoPayload.resourceName])).toEqual([
      [
        'google.container.v1.ClusterManager.DeleteCluster',
        `projects/${PROJECT}/zones/${ZONE}/clusters/gke-basic-1`,
      ],
      [
        'google.container.v1.ClusterManager.DeleteCluster',
        `projects/${PROJECT}/zones/${ZONE}/clusters/gke-basic-1`,
      ],
    ]);
    expect(triggerFromEvent(entries[1])).toMatchObject({
      action: 'reconcile',
      kind: 'cluster',
      scope: { cluster: 'gke-basic-1', location: ZONE },
    });
    const [subnet] = await compute.subnetworks.get({
      project: PROJECT,
      region: 'us-central1',
      subnetwork: 'nodes',
    });
    expect(subnet.secondaryIpRanges?.map((r) => r.rangeName).sort()).toEqual(['pods', 'services']);
  });

  it('classifies node-pool records exactly as the real samples', () => {
    const strip = (t: ReturnType<typeof triggerFromEvent>) => ({
      ...t,
      timestamp: null,
      operationId: null,
      reason: t.reason.replace(/operation-\S+/, 'OP'),
    });
    expect(strip(triggerFromEvent(poolEntries[0]))).toEqual(
      strip(triggerFromEvent(sample('nodepool_creation_started.json'))),
    );
    expect(strip(triggerFromEvent(poolEntries[1]))).toEqual(
      strip(triggerFromEvent(sample('nodepool_creation_finished.json'))),
    );
    const deleted = triggerFromEvent(deleteEntries[1]);
    expect(deleted).toMatchObject({
      action: 'reconcile',
      kind: 'nodePool',
      scope: { cluster: 'gke-basic-1', nodePool: 'default', location: ZONE },
    });
  });
});
