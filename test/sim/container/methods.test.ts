import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GlobalOperationsClient,
  InstanceGroupManagersClient,
  InstancesClient,
  NetworksClient,
  RegionBackendServicesClient,
  RegionHealthChecksClient,
  RegionOperationsClient,
  SubnetworksClient,
} from '@google-cloud/compute';
import { ClusterManagerClient } from '@google-cloud/container';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions } from '../compute/harness.ts';
import { type RunningSim, startSim } from '../server.ts';
import { containerModule } from './index.ts';

// GKE methods beyond create/get/delete, against their REST reference
// (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters).

const PROJECT = 'methods-project';
const ZONE = 'us-central1-a';
const REGION = 'us-central1';
const PRINCIPAL = 'tester@methods-project.iam.gserviceaccount.com';
const LOC = `projects/${PROJECT}/locations/${ZONE}`;
const cluster = (name: string) => `${LOC}/clusters/${name}`;
const pool = (c: string, p: string) => `${cluster(c)}/nodePools/${p}`;

interface Op {
  name?: string | null;
  status?: string | number | null;
  operationType?: string | number | null;
  statusMessage?: string | null;
  error?: { code?: number | null; message?: string | null } | null;
}

let running: RunningSim;
let dir: string;
let gke: ClusterManagerClient;
let compute: {
  networks: NetworksClient;
  subnetworks: SubnetworksClient;
  globalOps: GlobalOperationsClient;
  regionOps: RegionOperationsClient;
  igm: InstanceGroupManagersClient;
  instances: InstancesClient;
  healthChecks: RegionHealthChecksClient;
  backendServices: RegionBackendServicesClient;
};

async function computeDone(result: unknown, region?: string): Promise<void> {
  const lro = (Array.isArray(result) ? result[0] : result) as {
    latestResponse?: { name?: string };
  };
  const name = String(lro.latestResponse?.name);
  for (let i = 0; i < 20; i++) {
    const [op] = region
      ? await compute.regionOps.wait({ project: PROJECT, region, operation: name })
      : await compute.globalOps.wait({ project: PROJECT, operation: name });
    if (op.status === 'DONE') {
      if (op.error) throw new Error(`compute operation ${name}: ${JSON.stringify(op.error)}`);
      return;
    }
  }
  throw new Error(`compute operation ${name} not DONE`);
}

/** Polls a GKE operation until DONE (bounded), as clients do: GKE has no wait call. */
async function gkeDone(result: unknown): Promise<Op> {
  let cur = (Array.isArray(result) ? result[0] : result) as Op;
  for (let i = 0; i < 200 && cur.status !== 'DONE'; i++) {
    await new Promise((r) => setTimeout(r, 10));
    [cur] = (await gke.getOperation({ name: `${LOC}/operations/${cur.name}` })) as [
      Op,
      ...unknown[],
    ];
  }
  if (cur.status !== 'DONE') throw new Error(`GKE operation ${cur.name} not DONE`);
  return cur;
}

async function failure(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const x = e as { code?: number; message?: string };
    return { code: x.code ?? -1, message: x.message ?? '' };
  }
  throw new Error('expected the call to fail');
}

/** A raw HTTP call, to see status and body as Google sends them. */
async function http(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: { authorization: `Bearer principal:${PRINCIPAL}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function igmSizes(c: string, p: string): Promise<Record<string, number>> {
  const [np] = await gke.getNodePool({ name: pool(c, p) });
  const out: Record<string, number> = {};
  for (const url of np.instanceGroupUrls ?? []) {
    const zone = String(url.split('/')[8]);
    const [igm] = await compute.igm.get({
      project: PROJECT,
      zone,
      instanceGroupManager: url.split('/').pop(),
    });
    out[zone] = Number(igm.targetSize);
  }
  return out;
}

async function nodeNames(c: string, p: string): Promise<string[]> {
  const [cl] = await gke.getCluster({ name: cluster(c) });
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    {
      name: c,
      server: `https://${cl.endpoint}`,
      caData: String(cl.masterAuth?.clusterCaCertificate),
      skipTLSVerify: false,
    },
    { name: 'me', token: `principal:${PRINCIPAL}` },
  );
  const nodes = await kc
    .makeApiClient(CoreV1Api)
    .listNode({ labelSelector: `cloud.google.com/gke-nodepool=${p}` });
  return nodes.items.map((n) => String(n.metadata?.name)).sort();
}

async function createCluster(name: string, pools: { name: string; count: number }[]) {
  const op = await gkeDone(
    await gke.createCluster({
      parent: LOC,
      cluster: {
        name,
        network: 'net',
        subnetwork: 'nodes',
        ipAllocationPolicy: {
          useIpAliases: true,
          clusterSecondaryRangeName: 'pods',
          servicesSecondaryRangeName: 'services',
        },
        nodePools: pools.map((p) => ({ name: p.name, initialNodeCount: p.count })),
      },
    }),
  );
  expect(op.error ?? null).toBeNull();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-gke-methods-'));
  running = await startSim({
    operationMs: 10,
    waitCapMs: 2_000,
    modules: [containerModule({ kubeconfigDir: dir, operationMs: 30 })],
  });
  const o = clientOptions(running.port, PRINCIPAL);
  gke = new ClusterManagerClient(o);
  compute = {
    networks: new NetworksClient(o),
    subnetworks: new SubnetworksClient(o),
    globalOps: new GlobalOperationsClient(o),
    regionOps: new RegionOperationsClient(o),
    igm: new InstanceGroupManagersClient(o),
    instances: new InstancesClient(o),
    healthChecks: new RegionHealthChecksClient(o),
    backendServices: new RegionBackendServicesClient(o),
  };
  await computeDone(
    await compute.networks.insert({
      project: PROJECT,
      networkResource: { name: 'net', autoCreateSubnetworks: false },
    }),
  );
  await computeDone(
    await compute.subnetworks.insert({
      project: PROJECT,
      region: REGION,
      subnetworkResource: {
        name: 'nodes',
        network: `projects/${PROJECT}/global/networks/net`,
        ipCidrRange: '10.10.0.0/20',
        secondaryIpRanges: [
          { rangeName: 'pods', ipCidrRange: '10.64.0.0/14' },
          { rangeName: 'services', ipCidrRange: '10.68.0.0/20' },
        ],
      },
    }),
    REGION,
  );
  await createCluster('alpha', [
    { name: 'main', count: 2 },
    { name: 'side', count: 1 },
  ]);
});

afterAll(async () => {
  await Promise.all([gke, ...Object.values(compute)].map((c) => c?.close()));
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GKE nodePools.setSize', () => {
  it('resizes every zone of the pool: instances and Nodes added, then removed', async () => {
    const before = await nodeNames('alpha', 'main');
    expect(before).toHaveLength(2);
    const grow = await gkeDone(
      await gke.setNodePoolSize({ name: pool('alpha', 'main'), nodeCount: 4 }),
    );
    expect(grow.operationType).toBe('SET_NODE_POOL_SIZE');
    expect(grow.error ?? null).toBeNull();
    expect(await igmSizes('alpha', 'main')).toEqual({ [ZONE]: 4 });
    const grown = await nodeNames('alpha', 'main');
    expect(grown).toHaveLength(4);
    // Growing keeps the nodes that were there.
    expect(grown).toEqual(expect.arrayContaining(before));
    const [vms] = await compute.instances.list({ project: PROJECT, zone: ZONE });
    expect(vms.filter((v) => v.name?.startsWith('gke-alpha-main-'))).toHaveLength(4);
    // NodePool.initialNodeCount stays what it was created with; the cluster counts its nodes.
    const [np] = await gke.getNodePool({ name: pool('alpha', 'main') });
    expect(np.initialNodeCount).toBe(2);
    const [cl] = await gke.getCluster({ name: cluster('alpha') });
    expect(cl.currentNodeCount).toBe(5);

    await gkeDone(await gke.setNodePoolSize({ name: pool('alpha', 'main'), nodeCount: 1 }));
    expect(await igmSizes('alpha', 'main')).toEqual({ [ZONE]: 1 });
    expect(await nodeNames('alpha', 'main')).toHaveLength(1);
    const [left] = await compute.instances.list({ project: PROJECT, zone: ZONE });
    expect(left.filter((v) => v.name?.startsWith('gke-alpha-main-'))).toHaveLength(1);
  });

  it('grows a pool from zero and serves the zones/ form POST .../nodePools/{np}/setSize', async () => {
    await gkeDone(await gke.setNodePoolSize({ name: pool('alpha', 'side'), nodeCount: 0 }));
    expect(await igmSizes('alpha', 'side')).toEqual({ [ZONE]: 0 });
    expect(await nodeNames('alpha', 'side')).toEqual([]);
    const { status, json } = await http(
      'POST',
      `/v1/projects/${PROJECT}/zones/${ZONE}/clusters/alpha/nodePools/side/setSize`,
      { nodeCount: 2 },
    );
    expect(status).toBe(200);
    expect(json.operationType).toBe('SET_NODE_POOL_SIZE');
    await gkeDone(json);
    expect(await igmSizes('alpha', 'side')).toEqual({ [ZONE]: 2 });
    expect(await nodeNames('alpha', 'side')).toHaveLength(2);
  });

  it('refuses a negative size and an unknown pool', async () => {
    const negative = await failure(
      gke.setNodePoolSize({ name: pool('alpha', 'main'), nodeCount: -1 }),
    );
    expect(negative.code).toBe(3);
    const missing = await failure(
      gke.setNodePoolSize({ name: pool('alpha', 'nope'), nodeCount: 1 }),
    );
    expect(missing.code).toBe(5);
  });
});

describe('GKE clusters.setResourceLabels', () => {
  it('sets labels with the current fingerprint and refuses a stale one', async () => {
    const [before] = await gke.getCluster({ name: cluster('alpha') });
    const stale = await failure(
      gke.setLabels({
        name: cluster('alpha'),
        resourceLabels: { team: 'net' },
        labelFingerprint: 'deadbeef',
      }),
    );
    expect(stale.code).toBe(9); // FAILED_PRECONDITION
    expect(stale.message).toContain(
      `Labels could not be set due to fingerprint mismatch; try again with the proper fingerprint: incorrect fingerprint supplied was "deadbeef", the expected one is "${before.labelFingerprint}".`,
    );
    const op = await gkeDone(
      await gke.setLabels({
        name: cluster('alpha'),
        resourceLabels: { team: 'net', env: 'test' },
        labelFingerprint: String(before.labelFingerprint),
      }),
    );
    expect(op.operationType).toBe('UPDATE_CLUSTER');
    const [after] = await gke.getCluster({ name: cluster('alpha') });
    expect(after.resourceLabels).toEqual({ team: 'net', env: 'test' });
    expect(after.labelFingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(after.labelFingerprint).not.toBe(before.labelFingerprint);
  });
});

describe('GKE clusters.update and nodePools autoscaling', () => {
  it('sets a pool autoscaling through ClusterUpdate.desiredNodePoolAutoscaling', async () => {
    const op = await gkeDone(
      await gke.updateCluster({
        name: cluster('alpha'),
        update: {
          desiredNodePoolId: 'main',
          desiredNodePoolAutoscaling: { enabled: true, minNodeCount: 1, maxNodeCount: 5 },
        },
      }),
    );
    expect(op.operationType).toBe('UPDATE_CLUSTER');
    expect(op.error ?? null).toBeNull();
    const [np] = await gke.getNodePool({ name: pool('alpha', 'main') });
    expect(np.autoscaling).toMatchObject({ enabled: true, minNodeCount: 1, maxNodeCount: 5 });
    const [side] = await gke.getNodePool({ name: pool('alpha', 'side') });
    expect(side.autoscaling ?? null).toBeNull();
  });

  it('needs desiredNodePoolId when the cluster has several pools, and min <= max', async () => {
    const noPool = await failure(
      gke.updateCluster({
        name: cluster('alpha'),
        update: { desiredNodePoolAutoscaling: { enabled: true, minNodeCount: 1, maxNodeCount: 2 } },
      }),
    );
    expect(noPool.code).toBe(3);
    const inverted = await failure(
      gke.updateCluster({
        name: cluster('alpha'),
        update: {
          desiredNodePoolId: 'main',
          desiredNodePoolAutoscaling: { enabled: true, minNodeCount: 4, maxNodeCount: 2 },
        },
      }),
    );
    expect(inverted.code).toBe(3);
  });

  it('sets autoscaling with nodePools.setAutoscaling', async () => {
    const op = await gkeDone(
      await gke.setNodePoolAutoscaling({
        name: pool('alpha', 'side'),
        autoscaling: { enabled: true, minNodeCount: 0, maxNodeCount: 3 },
      }),
    );
    expect(op.operationType).toBe('UPDATE_CLUSTER');
    const [side] = await gke.getNodePool({ name: pool('alpha', 'side') });
    expect(side.autoscaling).toMatchObject({ enabled: true, maxNodeCount: 3 });
  });

  it('moves every pool with ClusterUpdate.desiredLocations, keeping the primary zone', async () => {
    const refused = await failure(
      gke.updateCluster({
        name: cluster('alpha'),
        update: { desiredLocations: ['us-central1-b'] },
      }),
    );
    expect(refused.code).toBe(3);
    await gkeDone(
      await gke.updateCluster({
        name: cluster('alpha'),
        update: { desiredLocations: [ZONE, 'us-central1-b'] },
      }),
    );
    const [cl] = await gke.getCluster({ name: cluster('alpha') });
    expect(cl.locations).toEqual([ZONE, 'us-central1-b']);
    // New zones get the pool's current per-zone size (setSize: "used for all replicas").
    expect(await igmSizes('alpha', 'main')).toEqual({ [ZONE]: 1, 'us-central1-b': 1 });
    expect(await igmSizes('alpha', 'side')).toEqual({ [ZONE]: 2, 'us-central1-b': 2 });
    await gkeDone(
      await gke.updateCluster({ name: cluster('alpha'), update: { desiredLocations: [ZONE] } }),
    );
    expect(await igmSizes('alpha', 'main')).toEqual({ [ZONE]: 1 });
  });
});

describe('GKE getServerConfig', () => {
  it('answers ServerConfig for projects/P/locations/L/serverConfig and the zones/ form', async () => {
    const [config] = await gke.getServerConfig({ name: LOC });
    expect(config.defaultClusterVersion).toMatch(/^1\.\d+\.\d+-gke\.\d+$/);
    expect(config.validMasterVersions).toContain(config.defaultClusterVersion);
    expect(config.validNodeVersions).toContain(config.defaultClusterVersion);
    expect(config.defaultImageType).toBe('COS_CONTAINERD');
    expect(config.validImageTypes).toContain('COS_CONTAINERD');
    expect(config.channels?.map((c) => c.channel)).toEqual([
      'RAPID',
      'REGULAR',
      'STABLE',
      'EXTENDED',
    ]);
    const zonal = await http('GET', `/v1/projects/${PROJECT}/zones/${ZONE}/serverconfig`);
    expect(zonal.status).toBe(200);
    expect(zonal.json.defaultClusterVersion).toBe(config.defaultClusterVersion);
  });
});

describe('GKE resource names in errors', () => {
  it('names a zonal resource with zones/ and a regional one with locations/', async () => {
    const zonal = await http('GET', `/v1/${cluster('nope')}`);
    expect(zonal.json).toEqual({
      error: {
        code: 404,
        message: `Not found: projects/${PROJECT}/zones/${ZONE}/clusters/nope.`,
        status: 'NOT_FOUND',
      },
    });
    const regional = await http('GET', `/v1/projects/${PROJECT}/locations/${REGION}/clusters/nope`);
    expect((regional.json.error as { message?: string }).message).toBe(
      `Not found: projects/${PROJECT}/locations/${REGION}/clusters/nope.`,
    );
    const pool404 = await http('GET', `/v1/${pool('alpha', 'nope')}`);
    expect((pool404.json.error as { message?: string }).message).toBe(
      `Not found: projects/${PROJECT}/zones/${ZONE}/clusters/alpha/nodePools/nope.`,
    );
    const dup = await http('POST', `/v1/${LOC}/clusters`, { cluster: { name: 'alpha' } });
    expect(dup.status).toBe(409);
    expect((dup.json.error as { message?: string }).message).toBe(
      `Already exists: projects/${PROJECT}/zones/${ZONE}/clusters/alpha.`,
    );
  });
});

describe('GKE errors for methods it does not have', () => {
  it('answers an unknown method and a wrong verb with google.rpc.Status, not Compute errors[]', async () => {
    for (const [method, path] of [
      ['POST', `/v1/${cluster('alpha')}:frobnicate`],
      ['POST', `/v1/${pool('alpha', 'main')}:frobnicate`],
      ['PATCH', `/v1/${cluster('alpha')}`],
      ['GET', `/v1/projects/${PROJECT}/zones/${ZONE}/clusters/alpha/nodePools/main/frobnicate`],
    ] as const) {
      const { status, json } = await http(method, path, method === 'GET' ? undefined : {});
      expect({ method, path, status }).toEqual({ method, path, status: 404 });
      expect(json).toEqual({
        error: { code: 404, message: 'Method not found.', status: 'NOT_FOUND' },
      });
    }
  });
});

describe('GKE deletion while a group is a backend service backend', () => {
  let groupUrl = '';

  it('ends DELETE_NODE_POOL in error and leaves the pool as it was', async () => {
    const [np] = await gke.getNodePool({ name: pool('alpha', 'side') });
    const igmUrl = String(np.instanceGroupUrls?.[0]);
    const [igm] = await compute.igm.get({
      project: PROJECT,
      zone: ZONE,
      instanceGroupManager: igmUrl.split('/').pop(),
    });
    groupUrl = String(igm.instanceGroup);
    await computeDone(
      await compute.healthChecks.insert({
        project: PROJECT,
        region: REGION,
        healthCheckResource: { name: 'hc', type: 'TCP', tcpHealthCheck: { port: 80 } },
      }),
      REGION,
    );
    await computeDone(
      await compute.backendServices.insert({
        project: PROJECT,
        region: REGION,
        backendServiceResource: {
          name: 'ilb',
          loadBalancingScheme: 'INTERNAL',
          healthChecks: [`projects/${PROJECT}/regions/${REGION}/healthChecks/hc`],
          backends: [{ group: groupUrl }],
        },
      }),
      REGION,
    );
    const nodes = await nodeNames('alpha', 'side');
    const op = await gkeDone(await gke.deleteNodePool({ name: pool('alpha', 'side') }));
    expect(op.operationType).toBe('DELETE_NODE_POOL');
    expect(op.error?.code).toBe(9);
    const template = `projects/${PROJECT}/global/instanceTemplates/${String(igm.instanceTemplate).split('/').pop()}`;
    const manager = `projects/${PROJECT}/zones/${ZONE}/instanceGroupManagers/${igm.name}`;
    expect(op.statusMessage).toBe(
      `(1) Google Compute Engine: The instance_template resource '${template}' is already being used by '${manager}'`,
    );
    expect(op.error?.message).toBe(op.statusMessage);
    const [still] = await gke.getNodePool({ name: pool('alpha', 'side') });
    expect(still.status).toBe('RUNNING');
    expect(still.instanceGroupUrls).toEqual(np.instanceGroupUrls);
    expect(await nodeNames('alpha', 'side')).toEqual(nodes);
    const [group] = await compute.igm.get({
      project: PROJECT,
      zone: ZONE,
      instanceGroupManager: igmUrl.split('/').pop(),
    });
    expect(group.targetSize).toBe(2);
    const last = running.sim.audit
      .list()
      .filter(
        (e) => e.protoPayload.methodName === 'google.container.v1.ClusterManager.DeleteNodePool',
      )
      .pop();
    expect(last?.severity).toBe('ERROR');
    expect(last?.protoPayload.status).toMatchObject({ code: 9 });
  });

  it('ends DELETE_CLUSTER in error: the cluster enters ERROR with its pools in place', async () => {
    const op = await gkeDone(await gke.deleteCluster({ name: cluster('alpha') }));
    expect(op.operationType).toBe('DELETE_CLUSTER');
    expect(op.statusMessage).toMatch(
      /^\(1\) Google Compute Engine: The instance_template resource '.+' is already being used by '.+\/instanceGroupManagers\/gke-alpha-side-[0-9a-f]{8}-grp'$/,
    );
    const [cl] = await gke.getCluster({ name: cluster('alpha') });
    expect(cl.status).toBe('ERROR');
    expect(cl.nodePools?.map((p) => [p.name, p.status])).toEqual([
      ['main', 'RUNNING'],
      ['side', 'RUNNING'],
    ]);
    expect(await nodeNames('alpha', 'main')).toHaveLength(1);
  });

  it('deletes the pool once no backend service lists its group', async () => {
    await computeDone(
      await compute.backendServices.delete({
        project: PROJECT,
        region: REGION,
        backendService: 'ilb',
      }),
      REGION,
    );
    const op = await gkeDone(await gke.deleteNodePool({ name: pool('alpha', 'side') }));
    expect(op.error ?? null).toBeNull();
    expect(op.statusMessage ?? '').toBe('');
    const missing = await failure(gke.getNodePool({ name: pool('alpha', 'side') }));
    expect(missing.code).toBe(5);
    const del = await gkeDone(await gke.deleteCluster({ name: cluster('alpha') }));
    expect(del.error ?? null).toBeNull();
    expect((await failure(gke.getCluster({ name: cluster('alpha') }))).code).toBe(5);
  });
});
