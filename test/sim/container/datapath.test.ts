/**
 * The simulated GKE cluster's `networkConfig.datapathProvider`
 * (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#NetworkConfig,
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/DatapathProvider): kept as
 * created, left out when not given, refused when it is no DatapathProvider or asks for Dataplane V2
 * on a routes-based cluster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../core/store.ts';
import { type RunningSim, startSim } from '../server.ts';
import { CLUSTERS, containerModule } from './index.ts';

const PROJECT = 'datapath';
const ZONE = 'us-central1-a';
const LOC = `/v1/projects/${PROJECT}/locations/${ZONE}`;

let running: RunningSim;
let dir: string;

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: JsonObject }> {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as JsonObject };
}

async function ok(method: string, path: string, body?: unknown): Promise<JsonObject> {
  const r = await call(method, path, body);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json;
}

const nativePolicy = {
  useIpAliases: true,
  clusterSecondaryRangeName: 'pods',
  servicesSecondaryRangeName: 'services',
};

function create(name: string, extra: JsonObject) {
  return call('POST', `${LOC}/clusters`, {
    cluster: { name, network: 'vpc', subnetwork: 'nodes', initialNodeCount: 1, ...extra },
  });
}

const networkConfig = async (name: string) =>
  (await ok('GET', `${LOC}/clusters/${name}`)).networkConfig as JsonObject;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-gke-datapath-'));
  running = await startSim({
    operationMs: 0,
    modules: [containerModule({ kubeconfigDir: dir, operationMs: 0 })],
  });
  await ok('POST', `/compute/v1/projects/${PROJECT}/global/networks`, {
    name: 'vpc',
    autoCreateSubnetworks: false,
  });
  await ok('POST', `/compute/v1/projects/${PROJECT}/regions/us-central1/subnetworks`, {
    name: 'nodes',
    network: `projects/${PROJECT}/global/networks/vpc`,
    ipCidrRange: '10.20.0.0/20',
    secondaryIpRanges: [
      { rangeName: 'pods', ipCidrRange: '10.24.0.0/14' },
      { rangeName: 'services', ipCidrRange: '10.28.0.0/20' },
    ],
  });
});

afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('networkConfig.datapathProvider', () => {
  it('a VPC-native cluster created with ADVANCED_DATAPATH reads back with it', async () => {
    const r = await create('dpv2', {
      ipAllocationPolicy: nativePolicy,
      networkConfig: { datapathProvider: 'ADVANCED_DATAPATH' },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(await networkConfig('dpv2')).toEqual({
      network: `projects/${PROJECT}/global/networks/vpc`,
      subnetwork: `projects/${PROJECT}/regions/us-central1/subnetworks/nodes`,
      datapathProvider: 'ADVANCED_DATAPATH',
    });
  });

  it('LEGACY_DATAPATH is kept; none given is left out, as proto3 JSON leaves out the default', async () => {
    expect(
      (await create('legacy', { networkConfig: { datapathProvider: 'LEGACY_DATAPATH' } })).status,
    ).toBe(200);
    expect((await networkConfig('legacy')).datapathProvider).toBe('LEGACY_DATAPATH');
    expect((await create('plain', {})).status).toBe(200);
    expect(await networkConfig('plain')).not.toHaveProperty('datapathProvider');
    expect(
      (
        await create('unspecified', {
          networkConfig: { datapathProvider: 'DATAPATH_PROVIDER_UNSPECIFIED' },
        })
      ).status,
    ).toBe(200);
    expect(await networkConfig('unspecified')).not.toHaveProperty('datapathProvider');
  });

  it('Dataplane V2 on a routes-based cluster is refused, and no cluster is left', async () => {
    const r = await create('routes-dpv2', {
      networkConfig: { datapathProvider: 'ADVANCED_DATAPATH' },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/VPC-native/),
    });
    expect(
      running.sim.store.get(CLUSTERS, `projects/${PROJECT}/locations/${ZONE}/clusters/routes-dpv2`),
    ).toBeUndefined();
  });

  it('takes the enum by number, as proto3 JSON parsers do, and answers with its name', async () => {
    const r = await create('by-number', {
      ipAllocationPolicy: nativePolicy,
      networkConfig: { datapathProvider: 2 },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect((await networkConfig('by-number')).datapathProvider).toBe('ADVANCED_DATAPATH');
    const bad = await create('bad-number', { networkConfig: { datapathProvider: 9 } });
    expect(bad.status).toBe(400);
  });

  it('a value that is no DatapathProvider is refused as JSON parsing refuses it', async () => {
    const r = await create('bogus', {
      ipAllocationPolicy: nativePolicy,
      networkConfig: { datapathProvider: 'EBPF' },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message:
        'Invalid value at \'cluster.network_config.datapath_provider\' (type.googleapis.com/google.container.v1.DatapathProvider), "EBPF"',
    });
  });
});
