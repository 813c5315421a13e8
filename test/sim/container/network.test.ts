/**
 * A routes-based cluster's ranges in the GKE simulator (network.ts, ranges.ts): the pod range
 * given in clusterIpv4Cidr, and a services range GKE chooses itself in the last /16 of it,
 * whatever the request says: Cluster.servicesIpv4Cidr is output only and IPAllocationPolicy's
 * services fields apply only with IP aliases
 * (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../../local/actor.ts';
import { until } from '../../support/poll.ts';
import { type RunningSim, startSim } from '../server.ts';
import { containerModule } from './index.ts';

const PROJECT = 'routes-project';
const ZONE = 'europe-west1-b';

let running: RunningSim;
let dir: string;

async function gke(method: string, path: string, body?: unknown) {
  const res = await fetch(`${running.url}/v1/projects/${PROJECT}/locations/${ZONE}/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Creates a cluster and waits until it runs; returns it as GKE reports it. */
async function create(cluster: Record<string, unknown>): Promise<Record<string, unknown>> {
  const created = await gke('POST', 'clusters', {
    cluster: { network: 'legacy', subnetwork: 'nodes', initialNodeCount: 1, ...cluster },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return until(
    async () => {
      const got = (await gke('GET', `clusters/${String(cluster.name)}`)).body;
      return got.status === 'RUNNING' ? got : undefined;
    },
    { what: `${String(cluster.name)} to run`, timeoutMs: 10_000, intervalMs: 20 },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-routes-'));
  running = await startSim({
    operationMs: 5,
    modules: [containerModule({ kubeconfigDir: dir, operationMs: 10 })],
  });
  const actor = new Actor(running.url, PROJECT);
  await actor.compute('POST', 'global/networks', { name: 'legacy', autoCreateSubnetworks: false });
  await actor.compute('POST', 'regions/europe-west1/subnetworks', {
    name: 'nodes',
    network: `projects/${PROJECT}/global/networks/legacy`,
    ipCidrRange: '10.20.0.0/20',
    secondaryIpRanges: [{ rangeName: 'services', ipCidrRange: '10.30.0.0/20' }],
  });
});
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a routes-based cluster', () => {
  it('gets its services range from GKE, in the last /16 of its pod range', async () => {
    const c = await create({ name: 'plain', clusterIpv4Cidr: '10.100.0.0/14' });
    expect(c.clusterIpv4Cidr).toBe('10.100.0.0/14');
    expect(c.servicesIpv4Cidr).toBe('10.103.240.0/20');
  });

  it('ignores a servicesIpv4Cidr in the request: the field is output only', async () => {
    const c = await create({
      name: 'asked',
      clusterIpv4Cidr: '10.104.0.0/14',
      servicesIpv4Cidr: '10.250.0.0/20',
    });
    expect(c.servicesIpv4Cidr).toBe('10.107.240.0/20');
  });

  it('ignores the services fields of an IPAllocationPolicy without IP aliases', async () => {
    const c = await create({
      name: 'policy',
      clusterIpv4Cidr: '10.108.0.0/14',
      ipAllocationPolicy: {
        useIpAliases: false,
        useRoutes: true,
        servicesIpv4CidrBlock: '10.251.0.0/20',
        servicesSecondaryRangeName: 'services',
      },
    });
    expect(c.servicesIpv4Cidr).toBe('10.111.240.0/20');
  });
});

describe('a VPC-native cluster, by contrast', () => {
  it('takes the services range the policy names', async () => {
    const c = await create({
      name: 'native',
      ipAllocationPolicy: {
        useIpAliases: true,
        clusterIpv4CidrBlock: '/16',
        servicesSecondaryRangeName: 'services',
      },
    });
    expect(c.servicesIpv4Cidr).toBe('10.30.0.0/20');
  });
});
