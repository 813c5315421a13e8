/**
 * The EgressNATPolicy kind as an Autopilot cluster's API server serves it (egress-nat-policy.ts),
 * and its absence from a Standard cluster's, through the Kubernetes client and kubectl.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlFor } from '../../support/kubectl.ts';
import {
  DEFAULT_DESTINATIONS,
  EGRESS_NAT_POLICY,
  egressNatPolicies,
  managedPolicyName,
} from './egress-nat-policy.ts';
import { type KubeApi, startKubeApi } from './server.ts';

const CLUSTER = {
  hash: 'bbfa6c0e',
  nodeRange: '10.209.0.0/20',
  podRange: '45.10.0.0/16',
  servicesRange: '10.210.0.0/20',
};
const MANAGED = managedPolicyName(CLUSTER.hash);
const GROUP = '/apis/networking.gke.io/v1';

let autopilot: KubeApi;
let standard: KubeApi;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-enp-'));
  [autopilot, standard] = await Promise.all([
    startKubeApi({ name: 'autopilot', token: 't', custom: [egressNatPolicies(CLUSTER)] }),
    startKubeApi({ name: 'standard', token: 't' }),
  ]);
});
afterAll(async () => {
  await Promise.all([autopilot?.stop(), standard?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function clientOf(api: KubeApi): KubernetesObjectApi {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'sim', server: api.url, caData: api.caBase64, skipTLSVerify: false },
    { name: 'u', token: api.token },
  );
  return KubernetesObjectApi.makeApiClient(kc);
}

/** A request through the server's TLS with its token, answering status and parsed body. */
async function call(
  api: KubeApi,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${api.url}${path}`,
      {
        method,
        ca: api.caPem,
        headers: {
          authorization: `Bearer ${api.token}`,
          ...(text
            ? { 'content-type': contentType, 'content-length': Buffer.byteLength(text) }
            : {}),
        },
      },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => {
          data += c.toString('utf8');
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(data || '{}') }),
        );
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const cidrsOf = (o: Record<string, unknown>): string[] =>
  ((o.spec as { destinations?: { cidr?: string }[] }).destinations ?? []).map((d) => d.cidr ?? '');

describe('an Autopilot cluster serves EgressNATPolicy', () => {
  it('in discovery: group networking.gke.io, version v1, cluster-scoped', async () => {
    const groups = await call(autopilot, 'GET', '/apis');
    expect((groups.body.groups as { name: string }[]).map((g) => g.name)).toContain(
      'networking.gke.io',
    );
    const list = await call(autopilot, 'GET', GROUP);
    expect(list.status).toBe(200);
    expect(list.body.resources).toEqual([
      expect.objectContaining({
        name: 'egressnatpolicies',
        singularName: 'egressnatpolicy',
        kind: 'EgressNATPolicy',
        namespaced: false,
      }),
    ]);
    const paths = (await call(autopilot, 'GET', '/openapi/v3')).body.paths as object;
    expect(Object.keys(paths)).toContain('apis/networking.gke.io/v1');
  });

  it('with the default policy and the GKE-managed one that GKE creates', async () => {
    const list = await call(autopilot, 'GET', `${GROUP}/egressnatpolicies`);
    const items = list.body.items as Record<string, unknown>[];
    const byName = new Map(items.map((o) => [(o.metadata as { name: string }).name, o]));
    expect([...byName.keys()]).toEqual(['default', MANAGED]);
    const def = byName.get('default') ?? {};
    expect((def.spec as { action: string }).action).toBe('NoSNAT');
    expect(cidrsOf(def)).toEqual(DEFAULT_DESTINATIONS);
    expect(cidrsOf(byName.get(MANAGED) ?? {})).toEqual([
      CLUSTER.podRange,
      CLUSTER.servicesRange,
      CLUSTER.nodeRange,
    ]);
  });

  it('reads and merge-patches the default policy through the Kubernetes client', async () => {
    const client = clientOf(autopilot);
    const ref = {
      apiVersion: 'networking.gke.io/v1',
      kind: 'EgressNATPolicy',
      metadata: { name: 'default' },
    };
    const before = (await client.read(ref)) as unknown as Record<string, unknown>;
    const version = (before.metadata as { resourceVersion: string }).resourceVersion;
    const patched = (await client.patch(
      {
        ...ref,
        metadata: { name: 'default', resourceVersion: version, annotations: { a: 'b' } },
        spec: { destinations: [{ cidr: '172.16.0.0/12' }] },
      } as KubernetesObject,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    )) as unknown as Record<string, unknown>;
    // A merge patch replaces the list as a whole and keeps what it does not name.
    expect(cidrsOf(patched)).toEqual(['172.16.0.0/12']);
    expect((patched.spec as { action: string }).action).toBe('NoSNAT');
    expect((patched.metadata as { generation: number }).generation).toBe(2);
    // The same resourceVersion again is stale: 409 Conflict.
    const stale = await call(
      autopilot,
      'PATCH',
      `${GROUP}/egressnatpolicies/default`,
      { metadata: { resourceVersion: version }, spec: { destinations: [] } },
      'application/merge-patch+json',
    );
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
  });

  it('creates, replaces and deletes a policy of its own', async () => {
    const body = {
      apiVersion: 'networking.gke.io/v1',
      kind: 'EgressNATPolicy',
      metadata: { name: 'mine' },
      spec: { action: 'NoSNAT', destinations: [{ cidr: '192.0.2.0/24' }] },
    };
    const created = await call(autopilot, 'POST', `${GROUP}/egressnatpolicies`, body);
    expect(created.status).toBe(201);
    const got = await call(autopilot, 'GET', `${GROUP}/egressnatpolicies/mine`);
    const replaced = await call(autopilot, 'PUT', `${GROUP}/egressnatpolicies/mine`, {
      ...body,
      metadata: {
        name: 'mine',
        resourceVersion: (got.body.metadata as { resourceVersion: string }).resourceVersion,
      },
      spec: { action: 'NoSNAT', destinations: [{ cidr: '198.51.100.0/24' }] },
    });
    expect(replaced.status).toBe(200);
    expect(cidrsOf(replaced.body)).toEqual(['198.51.100.0/24']);
    expect((await call(autopilot, 'DELETE', `${GROUP}/egressnatpolicies/mine`)).status).toBe(200);
    expect((await call(autopilot, 'GET', `${GROUP}/egressnatpolicies/mine`)).status).toBe(404);
  });

  it('refuses to edit or delete the GKE-managed policy', async () => {
    const path = `${GROUP}/egressnatpolicies/${MANAGED}`;
    const edit = await call(
      autopilot,
      'PATCH',
      path,
      { spec: { destinations: [] } },
      'application/merge-patch+json',
    );
    expect(edit.status).toBe(403);
    expect(edit.body.message).toBe(
      `egressnatpolicies.networking.gke.io "${MANAGED}" is forbidden: the GKE-managed egress NAT policy is fixed and cannot be edited`,
    );
    const del = await call(autopilot, 'DELETE', path);
    expect(del.status).toBe(403);
    expect(del.body.message).toContain('cannot be deleted');
    expect(cidrsOf((await call(autopilot, 'GET', path)).body)).toHaveLength(3);
  });

  it("validates objects against the CRD's schema", async () => {
    const post = (spec: unknown) =>
      call(autopilot, 'POST', `${GROUP}/egressnatpolicies`, {
        apiVersion: 'networking.gke.io/v1',
        kind: 'EgressNATPolicy',
        metadata: { name: 'bad' },
        spec,
      });
    const missing = await post({ destinations: [] });
    expect(missing.status).toBe(422);
    expect(missing.body.message).toBe(
      'EgressNATPolicy.networking.gke.io "bad" is invalid: spec.action: Required value',
    );
    const wrongType = await post({ action: 'NoSNAT', destinations: [{ cidr: 10 }] });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.message).toBe(
      'EgressNATPolicy.networking.gke.io "bad" is invalid: spec.destinations[0].cidr: Invalid value: spec.destinations[0].cidr in body must be of type string: "integer"',
    );
    const namespaced = await call(
      autopilot,
      'GET',
      '/apis/networking.gke.io/v1/namespaces/default/egressnatpolicies',
    );
    expect(namespaced.status).toBe(404);
  });

  it('takes no strategic merge patch, as no custom resource does', async () => {
    const r = await call(
      autopilot,
      'PATCH',
      `${GROUP}/egressnatpolicies/default`,
      { spec: { action: 'NoSNAT' } },
      'application/strategic-merge-patch+json',
    );
    expect(r.status).toBe(415);
    expect(r.body.reason).toBe('UnsupportedMediaType');
  });

  it('works with kubectl get and apply', async () => {
    const kubeconfig = autopilot.kubeconfigPath(dir);
    const kubectl = kubectlFor(
      () => kubeconfig,
      () => dir,
    );
    const get = await kubectl('get', 'egressnatpolicies');
    expect(get.code, get.stderr).toBe(0);
    const rows = get.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+AGE$/);
    expect(rows.some((l) => new RegExp(`^${MANAGED}\\s+\\d+s$`).test(l))).toBe(true);
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      'apiVersion: networking.gke.io/v1\nkind: EgressNATPolicy\nmetadata: {name: from-kubectl}\nspec:\n  action: NoSNAT\n  destinations:\n  - cidr: 203.0.113.0/24\n',
    );
    const applied = await kubectl('apply', '-f', file);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.trim()).toBe('egressnatpolicy.networking.gke.io/from-kubectl created');
  });
});

describe('a Standard cluster has no EgressNATPolicy', () => {
  it('in discovery, and answers 404 for the kind', async () => {
    const groups = await call(standard, 'GET', '/apis');
    expect((groups.body.groups as { name: string }[]).map((g) => g.name)).not.toContain(
      'networking.gke.io',
    );
    expect((await call(standard, 'GET', GROUP)).status).toBe(404);
    expect((await call(standard, 'GET', `${GROUP}/egressnatpolicies/default`)).status).toBe(404);
    expect(EGRESS_NAT_POLICY.namespaced).toBe(false);
  });

  it('so the Kubernetes client cannot resolve the kind', async () => {
    const client = clientOf(standard);
    const err = await client
      .read({
        apiVersion: 'networking.gke.io/v1',
        kind: 'EgressNATPolicy',
        metadata: { name: 'default' },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(404);
  });
});
