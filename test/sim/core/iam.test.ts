import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirewallsClient } from '@google-cloud/compute';
import { ClusterManagerClient } from '@google-cloud/container';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../compute/harness.ts';
import { containerModule } from '../container/index.ts';
import { type RunningSim, startSim } from '../server.ts';
import { type IamView, METHOD_IAM } from './iam.ts';

const P = 'p';
const ZONE = 'us-central1-a';
const BOUND = 'bound@p.iam.gserviceaccount.com';
const ROLE = `projects/${P}/roles/firewallWriter`;

let running: RunningSim;
let dir: string;

async function call(method: string, path: string, body?: unknown, principal = BOUND) {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: { authorization: `Bearer principal:${principal}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const control = (method: string, path: string, body?: unknown) =>
  call(method, `/__sim/${path}`, body, 'nobody@example.com');

async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const fw = (name: string) => ({
  name,
  network: `projects/${P}/global/networks/n`,
  allowed: [{ IPProtocol: 'tcp' }],
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-iam-'));
  running = await startSim({
    operationMs: 0,
    modules: [containerModule({ kubeconfigDir: dir, operationMs: 0 })],
  });
  // The project's owner (no binding) builds a network, a subnet and a cluster.
  const owner = 'owner@example.com';
  await call('POST', `/compute/v1/projects/${P}/global/networks`, { name: 'n' }, owner);
  await call(
    'POST',
    `/compute/v1/projects/${P}/regions/us-central1/subnetworks`,
    { name: 's', network: `projects/${P}/global/networks/n`, ipCidrRange: '10.0.0.0/20' },
    owner,
  );
  const made = await call(
    'POST',
    `/v1/projects/${P}/locations/${ZONE}/clusters`,
    { cluster: { name: 'c', network: 'n', subnetwork: 's', initialNodeCount: 1 } },
    owner,
  );
  expect(made.status).toBe(200);
});
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await control('DELETE', 'iam');
});

describe('the permission table', () => {
  it('has a row, with its Google source, for every Compute and GKE route served', async () => {
    const { body } = await control('GET', 'routes');
    const routes = (body.routes as { name: string; kind: string }[]).filter(
      (r) => r.kind !== 'control',
    );
    expect(routes.length).toBeGreaterThan(50);
    expect([...new Set(routes.map((r) => r.name))].filter((n) => !METHOD_IAM[n])).toEqual([]);
    for (const [name, row] of Object.entries(METHOD_IAM)) {
      expect(row.source, name).toMatch(/^https:\/\/cloud\.google\.com\//);
    }
  });
});

describe('Compute', () => {
  it('lets an unbound principal act as the owner', async () => {
    const r = await call('POST', `/compute/v1/projects/${P}/global/firewalls`, fw('a'), 'x@y.z');
    expect(r.status).toBe(200);
  });

  it("answers a bound principal without the permission 403 in Compute's form", async () => {
    await control('POST', 'iam', { principal: BOUND, permissions: ['compute.firewalls.list'] });
    const r = await call('POST', `/compute/v1/projects/${P}/global/firewalls`, fw('b'));
    const message = `Required 'compute.firewalls.create' permission for 'projects/${P}/global/firewalls/b'`;
    expect(r).toEqual({
      status: 403,
      body: {
        error: { code: 403, message, errors: [{ message, domain: 'global', reason: 'forbidden' }] },
      },
    });
    expect((await call('GET', `/compute/v1/projects/${P}/global/firewalls`)).status).toBe(200);
    // Nothing was created.
    const got = await call(
      'GET',
      `/compute/v1/projects/${P}/global/firewalls/b`,
      undefined,
      'x@y.z',
    );
    expect(got.status).toBe(404);
  });

  it('names a list denial on the project, and the real client sees PERMISSION_DENIED', async () => {
    await control('POST', 'iam', { principal: BOUND, permissions: ['compute.networks.get'] });
    const client = new FirewallsClient(clientOptions(running.port, BOUND));
    const e = (await client.list({ project: P }).catch((x: unknown) => x)) as {
      code?: number;
      message?: string;
    };
    expect(e.message).toContain(`Required 'compute.firewalls.list' permission for 'projects/${P}'`);
    expect([7, 403]).toContain(e.code);
    await client.close();
  });

  it('needs every permission of a method: a patch needs get and the network policy too', async () => {
    await control('POST', 'iam/roles', {
      name: ROLE,
      includedPermissions: ['compute.firewalls.create', 'compute.firewalls.update'],
    });
    await control('POST', 'iam', { principal: BOUND, roles: [ROLE] });
    expect((await call('POST', `/compute/v1/projects/${P}/global/firewalls`, fw('c'))).status).toBe(
      200,
    );
    const path = `/compute/v1/projects/${P}/global/firewalls/c`;
    const denied = await call('PATCH', path, { sourceRanges: ['10.1.0.0/16'] });
    expect(denied.status).toBe(403);
    expect((denied.body.error as { message: string }).message).toBe(
      `Required 'compute.firewalls.get' permission for 'projects/${P}/global/firewalls/c'`,
    );
    await control('POST', 'iam', {
      principal: BOUND,
      permissions: ['compute.firewalls.get', 'compute.networks.updatePolicy'],
    });
    expect((await call('PATCH', path, { sourceRanges: ['10.1.0.0/16'] })).status).toBe(200);
  });

  it('records each principal’s calls and checks, granted or denied', async () => {
    await control('POST', 'iam', { principal: BOUND, permissions: ['compute.firewalls.list'] });
    await call('GET', `/compute/v1/projects/${P}/global/firewalls`);
    await call('GET', `/compute/v1/projects/${P}/global/firewalls/a`);
    const view = (await control('GET', 'iam')).body as unknown as IamView;
    expect(view.bindings[BOUND]).toEqual({ roles: [], permissions: ['compute.firewalls.list'] });
    expect(view.principals[BOUND]).toEqual({
      methods: { 'compute.firewalls.list': 1, 'compute.firewalls.get': 1 },
      permissions: {
        'compute.firewalls.list': { granted: 1, denied: 0 },
        'compute.firewalls.get': { granted: 0, denied: 1 },
      },
    });
  });
});

describe('control', () => {
  it.each([
    ['iam/roles', { name: 'peerlinkReactor', includedPermissions: [] }, /projects\/PROJECT\/roles/],
    ['iam/roles', { name: ROLE, includedPermissions: ['firewalls.create'] }, /not a permission/],
    ['iam', { principal: BOUND, roles: ['projects/p/roles/none'] }, /unknown role/],
    ['iam', { principal: 'not-an-email', permissions: [] }, /email/],
    ['iam', { principal: BOUND, roles: 'roles/owner' }, /list/],
  ])('refuses POST %s %j', async (path, body, message) => {
    const r = await control('POST', path, body);
    expect(r.status).toBe(400);
    expect((r.body.error as { message: string }).message).toMatch(message);
  });

  it('guards API routes only: a bound principal with nothing still reaches /__sim/', async () => {
    await control('POST', 'iam', { principal: BOUND, permissions: [] });
    expect((await call('GET', '/__sim/stats')).status).toBe(200);
    expect((await call('GET', `/compute/v1/projects/${P}/global/networks`)).status).toBe(403);
  });

  it('grants everything through roles/owner, and DELETE makes everyone an owner again', async () => {
    await control('POST', 'iam', { principal: BOUND, roles: ['roles/owner'] });
    expect((await call('GET', `/compute/v1/projects/${P}/global/firewalls`)).status).toBe(200);
    await control('POST', 'iam', { principal: 'other@example.com', permissions: [] });
    expect(
      (
        await call(
          'GET',
          `/compute/v1/projects/${P}/global/firewalls`,
          undefined,
          'other@example.com',
        )
      ).status,
    ).toBe(403);
    await control('DELETE', 'iam');
    const view = (await control('GET', 'iam')).body as unknown as IamView;
    expect(view).toEqual({ roles: {}, bindings: {}, principals: {} });
  });
});

describe('GKE', () => {
  const base = `/v1/projects/${P}/locations/${ZONE}`;

  it("answers 403 PERMISSION_DENIED in GKE's form, on the cluster for node pools", async () => {
    await control('POST', 'iam', { principal: BOUND, permissions: ['container.clusters.list'] });
    expect(await call('GET', `${base}/clusters/c/nodePools`)).toEqual({
      status: 403,
      body: {
        error: {
          code: 403,
          message: `Required "container.clusters.get" permission(s) for "projects/${P}/locations/${ZONE}/clusters/c".`,
          status: 'PERMISSION_DENIED',
        },
      },
    });
    expect((await call('GET', `${base}/clusters`)).status).toBe(200);
  });

  it('needs actAs on the nodes’ service account to create a cluster, checked on the project', async () => {
    await control('POST', 'iam', { principal: BOUND, permissions: ['container.clusters.create'] });
    const gke = new ClusterManagerClient(clientOptions(running.port, BOUND));
    const e = (await gke
      .createCluster({
        parent: `projects/${P}/locations/${ZONE}`,
        cluster: { name: 'd', network: 'n' },
      })
      .catch((x: unknown) => x)) as { code?: number; message?: string };
    expect(e.code).toBe(7);
    expect(e.message).toContain(
      `Required "iam.serviceAccounts.actAs" permission(s) for "projects/${P}".`,
    );
    await gke.close();
  });
});

describe('the Kubernetes API', () => {
  let endpoint: string;
  let ca: string;

  beforeAll(async () => {
    await until('the cluster to be RUNNING', async () => {
      const r = await call(
        'GET',
        `/v1/projects/${P}/locations/${ZONE}/clusters/c`,
        undefined,
        'o@x.y',
      );
      endpoint = String(r.body.endpoint ?? '');
      ca = Buffer.from(
        String((r.body.masterAuth as { clusterCaCertificate?: string }).clusterCaCertificate),
        'base64',
      ).toString();
      return r.body.status === 'RUNNING' && endpoint !== '';
    });
  });

  // Node's fetch cannot take a CA, so this goes through node:https.
  async function kube(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ) {
    const { request } = await import('node:https');
    return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        `https://${endpoint}${path}`,
        {
          method,
          ca,
          headers: { authorization: `Bearer principal:${BOUND}`, 'content-type': contentType },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it("answers a call without its container.* permission with Kubernetes' Forbidden Status", async () => {
    await control('POST', 'iam', { principal: BOUND, permissions: ['container.configMaps.list'] });
    expect((await kube('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
    expect(await kube('GET', '/apis/apps/v1/namespaces/kube-system/daemonsets/x')).toEqual({
      status: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `daemonsets.apps "x" is forbidden: User "${BOUND}" cannot get resource "daemonsets" in API group "apps" in the namespace "kube-system": requires one of ["container.daemonSets.get"] permission(s).`,
        reason: 'Forbidden',
        details: { name: 'x', group: 'apps', kind: 'daemonsets' },
        code: 403,
      },
    });
    const all = await kube('GET', '/api/v1/serviceaccounts');
    expect(all.body.message).toBe(
      `serviceaccounts is forbidden: User "${BOUND}" cannot list resource "serviceaccounts" in API group "" at the cluster scope: requires one of ["container.serviceAccounts.list"] permission(s).`,
    );
  });

  it('authorises a patch as update, and an apply that creates the object as create too', async () => {
    await control('POST', 'iam', {
      principal: BOUND,
      permissions: ['container.configMaps.update'],
    });
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' } });
    const path = '/api/v1/namespaces/default/configmaps/m?fieldManager=t';
    const denied = await kube('PATCH', path, cm, 'application/apply-patch+yaml');
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('cannot create resource "configmaps"');
    await control('POST', 'iam', {
      principal: BOUND,
      permissions: ['container.configMaps.create'],
    });
    expect((await kube('PATCH', path, cm, 'application/apply-patch+yaml')).status).toBe(201);
    const view = (await control('GET', 'iam')).body as unknown as IamView;
    expect(view.principals[BOUND]?.methods).toEqual({
      'kubernetes.configmaps.patch': 2,
      'kubernetes.configmaps.create': 2,
    });
  });
});

// Last: a reset empties the world the other tests use.
describe('a reset', () => {
  it('leaves the bindings alone', async () => {
    await control('POST', 'iam', { principal: BOUND, permissions: ['compute.firewalls.list'] });
    await control('POST', 'reset');
    const view = (await control('GET', 'iam')).body as unknown as IamView;
    expect(Object.keys(view.bindings)).toEqual([BOUND]);
  });
});
