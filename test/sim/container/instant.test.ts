import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../core/store.ts';
import { type RunningSim, startSim } from '../server.ts';
import { CLUSTERS, type Cluster, containerModule } from './index.ts';

// operationMs 0: every GKE operation is DONE in the response to its mutation (the simulator's
// documented mode for fast clients such as gcloud, which polls every 5 s). The state an
// operation leaves must be the same as when it runs for a while.

const PROJECT = 'instant';
const ZONE = 'us-central1-a';
const LOC = `/v1/projects/${PROJECT}/locations/${ZONE}`;

let running: RunningSim;
let dir: string;

async function call(method: string, path: string, body?: unknown): Promise<JsonObject> {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as JsonObject;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

const stored = () =>
  running.sim.store.get<Cluster>(CLUSTERS, `projects/${PROJECT}/locations/${ZONE}/clusters/c`);
const pool = (name: string) => stored()?.nodePools.find((p) => p.name === name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-gke-instant-'));
  running = await startSim({
    operationMs: 0,
    modules: [containerModule({ kubeconfigDir: dir, operationMs: 0 })],
  });
  await call('POST', `/compute/v1/projects/${PROJECT}/global/networks`, {
    name: 'default',
    autoCreateSubnetworks: false,
  });
  await call('POST', `/compute/v1/projects/${PROJECT}/regions/us-central1/subnetworks`, {
    name: 'default',
    network: `projects/${PROJECT}/global/networks/default`,
    ipCidrRange: '10.128.0.0/20',
  });
  const op = await call('POST', `${LOC}/clusters`, {
    cluster: { name: 'c', network: 'default', subnetwork: 'default', initialNodeCount: 1 },
  });
  expect(op.status).toBe('DONE');
});

afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GKE operations that are DONE in the response', () => {
  it('creates a node pool with its groups, RUNNING', async () => {
    const op = await call('POST', `${LOC}/clusters/c/nodePools`, {
      nodePool: { name: 'extra', initialNodeCount: 2 },
    });
    expect(op.status).toBe('DONE');
    expect(pool('extra')?.status).toBe('RUNNING');
    expect(pool('extra')?.instanceGroupUrls).toHaveLength(1);
  });

  it('resizes and moves a pool and leaves it RUNNING', async () => {
    await call('POST', `${LOC}/clusters/c/nodePools/extra:setSize`, { nodeCount: 3 });
    expect(pool('extra')?.status).toBe('RUNNING');
    await call('PUT', `${LOC}/clusters/c/nodePools/extra`, {
      locations: [ZONE, 'us-central1-b'],
      nodeVersion: '-',
      imageType: 'COS_CONTAINERD',
    });
    expect(pool('extra')?.status).toBe('RUNNING');
    expect(pool('extra')?.instanceGroupUrls).toHaveLength(2);
    await call('PUT', `${LOC}/clusters/c`, { update: { desiredLocations: [ZONE] } });
    expect(stored()?.status).toBe('RUNNING');
  });

  it('deletes a node pool', async () => {
    await call('DELETE', `${LOC}/clusters/c/nodePools/extra`);
    expect(pool('extra')).toBeUndefined();
  });

  it('keeps a pool whose deletion was refused RUNNING, and a refused cluster in ERROR', async () => {
    const [url] = pool('default-pool')?.instanceGroupUrls ?? [];
    const group = String(url).replace('/instanceGroupManagers/', '/instanceGroups/');
    await call('POST', `/compute/v1/projects/${PROJECT}/regions/us-central1/healthChecks`, {
      name: 'hc',
      type: 'TCP',
      tcpHealthCheck: { port: 80 },
    });
    await call('POST', `/compute/v1/projects/${PROJECT}/regions/us-central1/backendServices`, {
      name: 'ilb',
      loadBalancingScheme: 'INTERNAL',
      healthChecks: [`projects/${PROJECT}/regions/us-central1/healthChecks/hc`],
      backends: [{ group }],
    });
    const refused = await call('DELETE', `${LOC}/clusters/c/nodePools/default-pool`);
    expect(refused.statusMessage).toMatch(/^\(1\) Google Compute Engine: /);
    expect(pool('default-pool')?.status).toBe('RUNNING');
    await call('DELETE', `${LOC}/clusters/c`);
    expect(stored()?.status).toBe('ERROR');
  });
});
