/**
 * GKE's deletion as Google describes it: the pool (or cluster) is STOPPING at once, its nodes are
 * drained (`drainMs`), then its managed instance groups are deleted, and the operation ends in
 * error if a group is still a backend of a backend service at that moment
 * (https://cloud.google.com/sdk/gcloud/reference/container/node-pools/delete: "When you delete a
 * node pool, GKE drains all the nodes in the node pool"; instanceGroupManagers/delete: "the
 * instance group must not belong to a backend service").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../core/store.ts';
import { type RunningSim, startSim } from '../server.ts';
import { containerModule } from './index.ts';

const PROJECT = 'drain-project';
const ZONE = 'us-central1-a';
const REGION = 'us-central1';
const PRINCIPAL = 'tester@drain-project.iam.gserviceaccount.com';
const LOC = `/v1/projects/${PROJECT}/locations/${ZONE}`;
const COMPUTE = `/compute/v1/projects/${PROJECT}`;
// Long enough that the steps taken during a drain fit in it on a loaded machine.
const DRAIN_MS = 4_000;

let sim: RunningSim;
let dir: string;

async function http(method: string, path: string, body?: unknown): Promise<JsonObject> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer principal:${PRINCIPAL}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json()) as JsonObject;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A Compute mutation, waited for with `wait` (bounded). */
async function compute(method: string, path: string, body?: unknown): Promise<void> {
  let op = await http(method, `${COMPUTE}/${path}`, body);
  for (let i = 0; i < 20 && op.status !== 'DONE'; i++) {
    const scope = typeof op.region === 'string' ? `regions/${REGION}` : 'global';
    op = await http('POST', `${COMPUTE}/${scope}/operations/${op.name}/wait`);
  }
  expect(op.status).toBe('DONE');
  expect(op.error ?? null).toBeNull();
}

/** Polls a GKE operation until DONE (bounded: GKE has no wait). */
async function gkeDone(op: JsonObject): Promise<JsonObject> {
  let cur = op;
  for (let i = 0; i < 400 && cur.status !== 'DONE'; i++) {
    await new Promise((r) => setTimeout(r, 25));
    cur = await http('GET', `${LOC}/operations/${cur.name}`);
  }
  expect(cur.status).toBe('DONE');
  return cur;
}

const pool = async (name: string): Promise<JsonObject> =>
  http('GET', `${LOC}/clusters/c/nodePools/${name}`);

/** The zonal instance group of a pool's first manager (instanceGroupManagers.get). */
async function groupOf(name: string): Promise<string> {
  const url = String((((await pool(name)).instanceGroupUrls as string[]) ?? [])[0]);
  const manager = url.replace(/^https:\/\/[^/]+\/compute\/v1\/projects\/[^/]+\//, '');
  return String((await http('GET', `${COMPUTE}/${manager}`)).instanceGroup);
}

async function setBackends(groups: string[]): Promise<void> {
  const bs = await http('GET', `${COMPUTE}/regions/${REGION}/backendServices/ilb`);
  await compute('PATCH', `regions/${REGION}/backendServices/ilb`, {
    backends: groups.map((group) => ({ group })),
    fingerprint: bs.fingerprint,
  });
}

const auditRecords = (method: string) =>
  sim.sim.audit
    .list()
    .filter((e) => e.protoPayload.methodName === `google.container.v1.ClusterManager.${method}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-gke-drain-'));
  sim = await startSim({
    operationMs: 5,
    waitCapMs: 2_000,
    modules: [containerModule({ kubeconfigDir: dir, operationMs: 20, drainMs: DRAIN_MS })],
  });
  await compute('POST', 'global/networks', { name: 'net', autoCreateSubnetworks: false });
  await compute('POST', `regions/${REGION}/subnetworks`, {
    name: 'nodes',
    network: `projects/${PROJECT}/global/networks/net`,
    ipCidrRange: '10.10.0.0/20',
  });
  await gkeDone(
    await http('POST', `${LOC}/clusters`, {
      cluster: {
        name: 'c',
        network: 'net',
        subnetwork: 'nodes',
        nodePools: ['main', 'side', 'third'].map((name) => ({ name, initialNodeCount: 1 })),
      },
    }),
  );
  await compute('POST', `regions/${REGION}/healthChecks`, {
    name: 'hc',
    type: 'TCP',
    tcpHealthCheck: { port: 80 },
  });
  await compute('POST', `regions/${REGION}/backendServices`, {
    name: 'ilb',
    loadBalancingScheme: 'INTERNAL',
    healthChecks: [`projects/${PROJECT}/regions/${REGION}/healthChecks/hc`],
    backends: await Promise.all(
      ['main', 'side', 'third'].map(async (p) => ({ group: await groupOf(p) })),
    ),
  });
}, 60_000);

afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DeleteNodePool drains, then deletes the groups', { timeout: 30_000 }, () => {
  it('is STOPPING while it drains; a group that leaves the backend service then is deleted', async () => {
    const side = await groupOf('side');
    const main = await groupOf('main');
    const third = await groupOf('third');
    const op = await http('DELETE', `${LOC}/clusters/c/nodePools/side`);
    expect(op.operationType).toBe('DELETE_NODE_POOL');
    // The first record is written when the operation starts, before the drain.
    expect(auditRecords('DeleteNodePool').map((e) => e.operation)).toEqual([
      expect.objectContaining({ id: op.name, first: true }),
    ]);
    expect((await pool('side')).status).toBe('STOPPING');
    expect((await http('GET', `${LOC}/operations/${op.name}`)).status).not.toBe('DONE');
    await setBackends([main, third]);
    const done = await gkeDone(op);
    expect(done.error ?? null).toBeNull();
    const c = await http('GET', `${LOC}/clusters/c`);
    expect((c.nodePools as JsonObject[]).map((p) => p.name)).toEqual(['main', 'third']);
    const gone = await fetch(`${sim.url}${side.replace(/^https:\/\/[^/]+/, '')}`, {
      headers: { authorization: `Bearer principal:${PRINCIPAL}` },
    });
    expect(gone.status).toBe(404);
    expect(auditRecords('DeleteNodePool').pop()?.operation).toMatchObject({ last: true });
  });

  it('ends in error when the group is still a backend once the nodes are drained', async () => {
    const op = await http('DELETE', `${LOC}/clusters/c/nodePools/third`);
    expect((await pool('third')).status).toBe('STOPPING');
    const done = await gkeDone(op);
    expect(done.error).toMatchObject({ code: 9 });
    expect(String(done.statusMessage)).toMatch(
      /^\(1\) Google Compute Engine: The instance_template resource '.+' is already being used by '.+\/instanceGroupManagers\/gke-c-third-[0-9a-f]{8}-grp'$/,
    );
    expect((await pool('third')).status).toBe('RUNNING');
    const last = auditRecords('DeleteNodePool').pop();
    expect(last?.operation).toMatchObject({ id: op.name, last: true });
    expect(last?.protoPayload.status).toMatchObject({ code: 9 });
  });
});

describe('DeleteCluster drains too', { timeout: 30_000 }, () => {
  it('is STOPPING while it drains; with no group left in the backend service the cluster goes', async () => {
    const op = await http('DELETE', `${LOC}/clusters/c`);
    expect(op.operationType).toBe('DELETE_CLUSTER');
    expect((await http('GET', `${LOC}/clusters/c`)).status).toBe('STOPPING');
    await setBackends([]);
    const done = await gkeDone(op);
    expect(done.error ?? null).toBeNull();
    const res = await fetch(`${sim.url}${LOC}/clusters/c`, {
      headers: { authorization: `Bearer principal:${PRINCIPAL}` },
    });
    expect(res.status).toBe(404);
  });
});
