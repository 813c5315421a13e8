/**
 * Autopilot clusters in the GKE simulator (autopilot.ts): `autopilot.enabled` as the reference
 * gives it, what a create is refused for, Dataplane V2, and the EgressNATPolicy kind of their
 * Kubernetes API, which a Standard cluster lacks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../../local/actor.ts';
import { until } from '../../support/poll.ts';
import { DEFAULT_DESTINATIONS } from '../kube/egress-nat-policy.ts';
import { type RunningSim, startSim } from '../server.ts';
import { containerModule } from './index.ts';

const PROJECT = 'autopilot-project';
const REGION = 'europe-west1';

let running: RunningSim;
let dir: string;
let actor: Actor;

/** GKE's REST API, as gcloud calls it; the reply body and status. */
async function gke(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${running.url}/v1/projects/${PROJECT}/locations/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The request gcloud container clusters create-auto sends (captured from gcloud 528). */
function createAuto(name: string, extra: Record<string, unknown> = {}) {
  return {
    cluster: {
      name,
      autopilot: { enabled: true },
      network: 'net',
      subnetwork: 'subnet',
      ipAllocationPolicy: {
        useIpAliases: true,
        clusterSecondaryRangeName: 'pods',
        servicesSecondaryRangeName: 'services',
        createSubnetwork: false,
      },
      nodePools: [{ name: 'default-pool', initialNodeCount: 1, config: { oauthScopes: [] } }],
      ...extra,
    },
  };
}

async function running_(location: string, name: string): Promise<Record<string, unknown>> {
  let cluster: Record<string, unknown> = {};
  await until(
    async () => {
      cluster = (await gke('GET', `${location}/clusters/${name}`)).body;
      return cluster.status === 'RUNNING';
    },
    { what: `${name} to run`, timeoutMs: 10_000, intervalMs: 20 },
  );
  return cluster;
}

function kubeOf(cluster: Record<string, unknown>): KubernetesObjectApi {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    {
      name: String(cluster.name),
      server: `https://${String(cluster.endpoint)}`,
      caData: String((cluster.masterAuth as { clusterCaCertificate: string }).clusterCaCertificate),
      skipTLSVerify: false,
    },
    { name: 'u', token: 'principal:user@example.com' },
  );
  return KubernetesObjectApi.makeApiClient(kc);
}

const POLICY = { apiVersion: 'networking.gke.io/v1', kind: 'EgressNATPolicy' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-autopilot-'));
  running = await startSim({
    operationMs: 5,
    modules: [containerModule({ kubeconfigDir: dir, operationMs: 20 })],
  });
  actor = new Actor(running.url, PROJECT);
  await actor.compute('POST', 'global/networks', { name: 'net', autoCreateSubnetworks: false });
  await actor.compute('POST', `regions/${REGION}/subnetworks`, {
    name: 'subnet',
    network: `projects/${PROJECT}/global/networks/net`,
    ipCidrRange: '10.209.0.0/20',
    secondaryIpRanges: [
      { rangeName: 'pods', ipCidrRange: '45.10.0.0/16' },
      { rangeName: 'services', ipCidrRange: '10.210.0.0/20' },
    ],
  });
});
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an Autopilot cluster', () => {
  let cluster: Record<string, unknown>;

  beforeAll(async () => {
    const created = await gke('POST', `${REGION}/clusters`, createAuto('ap'));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    cluster = await running_(REGION, 'ap');
  });

  it('reports autopilot.enabled and runs Dataplane V2', () => {
    expect(cluster.autopilot).toEqual({ enabled: true });
    expect((cluster.networkConfig as { datapathProvider: string }).datapathProvider).toBe(
      'ADVANCED_DATAPATH',
    );
  });

  it('serves EgressNATPolicy, with the default policy and the GKE-managed one', async () => {
    const api = kubeOf(cluster);
    const list = await api.list(POLICY.apiVersion, POLICY.kind);
    const names = list.items.map((o) => o.metadata?.name);
    const managed = `gke-${String(cluster.id).slice(0, 8)}-1`;
    expect(names).toEqual(['default', managed]);
    const def = (await api.read({ ...POLICY, metadata: { name: 'default' } })) as unknown as {
      spec: { destinations: { cidr: string }[] };
    };
    expect(def.spec.destinations.map((d) => d.cidr)).toEqual(DEFAULT_DESTINATIONS);
    const own = (await api.read({ ...POLICY, metadata: { name: managed } })) as unknown as {
      spec: { destinations: { cidr: string }[] };
    };
    expect(own.spec.destinations.map((d) => d.cidr)).toEqual([
      '45.10.0.0/16',
      '10.210.0.0/20',
      '10.209.0.0/20',
    ]);
  });

  it('keeps its policies over a snapshot and load', async () => {
    const api = kubeOf(cluster);
    await api.patch(
      {
        ...POLICY,
        metadata: { name: 'default' },
        spec: { destinations: [{ cidr: '172.16.0.0/12' }] },
      } as never,
      undefined,
      undefined,
      'test',
      undefined,
      'application/merge-patch+json' as never,
    );
    const snap = await (await fetch(`${running.url}/__sim/snapshot`, { method: 'POST' })).json();
    await fetch(`${running.url}/__sim/snapshot`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(snap),
    });
    const reloaded = await running_(REGION, 'ap');
    const def = (await kubeOf(reloaded).read({
      ...POLICY,
      metadata: { name: 'default' },
    })) as unknown as { spec: { destinations: { cidr: string }[] } };
    expect(def.spec.destinations.map((d) => d.cidr)).toEqual(['172.16.0.0/12']);
  });
});

describe('a Standard cluster', () => {
  it('reports no autopilot and has no EgressNATPolicy kind', async () => {
    const body = createAuto('std');
    body.cluster.autopilot = { enabled: false };
    const created = await gke('POST', `${REGION}-b/clusters`, {
      cluster: { ...body.cluster, locations: [`${REGION}-b`] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const cluster = await running_(`${REGION}-b`, 'std');
    expect(cluster.autopilot).toBeUndefined();
    const err = await kubeOf(cluster)
      .list(POLICY.apiVersion, POLICY.kind)
      .then(
        () => undefined,
        (e: unknown) => e as { code?: number },
      );
    expect(err?.code).toBe(404);
  });
});

describe('an Autopilot create is refused', () => {
  it.each<[string, string, Record<string, unknown>, string]>([
    ['in a zone', `${REGION}-b`, {}, 'Autopilot clusters must be regional clusters.'],
    [
      'routes-based',
      REGION,
      { ipAllocationPolicy: { useIpAliases: false } },
      'Autopilot clusters are VPC-native',
    ],
    [
      'on the legacy datapath',
      REGION,
      { networkConfig: { datapathProvider: 'LEGACY_DATAPATH' } },
      'Autopilot clusters always run GKE Dataplane V2',
    ],
  ])('%s', async (_what, location, extra, message) => {
    const r = await gke('POST', `${location}/clusters`, createAuto('refused', extra));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringContaining(message),
    });
    expect((await gke('GET', `${location}/clusters/refused`)).status).toBe(404);
  });
});
