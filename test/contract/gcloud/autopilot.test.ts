/**
 * gcloud and kubectl against the simulated Autopilot (test/sim/container/autopilot.ts): the
 * request `gcloud container clusters create-auto` sends is accepted, the cluster describes as
 * Autopilot, a zonal one is refused with the API's message, and kubectl through the kubeconfig
 * gcloud wrote lists and edits the cluster's EgressNATPolicies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GcloudRun,
  type GcloudSim,
  kubectl,
  requireKubectl,
  startGcloudSim,
} from './gcloud.ts';

let g: GcloudSim;

async function ok(...args: string[]): Promise<GcloudRun> {
  const r = await g.gcloud(...args);
  expect(r.code, `gcloud ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

const kube = (args: string[], stdin?: string) =>
  kubectl(g, ['--request-timeout=20s', ...args], {
    timeoutMs: 60_000,
    ...(stdin === undefined ? {} : { stdin }),
  });

const createAuto = (name: string, where: string) =>
  g.gcloud(
    'container',
    'clusters',
    'create-auto',
    name,
    where,
    '--network=n1',
    '--subnetwork=s1',
    '--cluster-secondary-range-name=pods',
    '--services-secondary-range-name=services',
  );

beforeAll(async () => {
  requireKubectl();
  g = await startGcloudSim({ containerOperationMs: 0 });
  await ok('compute', 'networks', 'create', 'n1', '--subnet-mode=custom');
  await ok(
    'compute',
    'networks',
    'subnets',
    'create',
    's1',
    '--network=n1',
    `--region=${g.region}`,
    '--range=10.0.0.0/20',
    '--secondary-range=pods=45.4.0.0/16,services=10.8.0.0/20',
  );
}, 120_000);

afterAll(async () => {
  await g?.close();
});

describe('gcloud container clusters create-auto', { timeout: 90_000 }, () => {
  it('creates an Autopilot cluster that describes as one', async () => {
    const r = await createAuto('ap1', `--region=${g.region}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('kubeconfig entry generated for ap1.');
    const c = (await g.json(
      'container',
      'clusters',
      'describe',
      'ap1',
      `--region=${g.region}`,
    )) as {
      autopilot?: { enabled?: boolean };
      networkConfig?: { datapathProvider?: string };
      status?: string;
    };
    expect(c.autopilot?.enabled).toBe(true);
    expect(c.networkConfig?.datapathProvider).toBe('ADVANCED_DATAPATH');
    expect(c.status).toBe('RUNNING');
  });

  it('is refused in a zone, with the API message', async () => {
    const r = await createAuto('ap2', `--zone=${g.zone}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Autopilot clusters must be regional clusters.');
  });

  it("kubectl lists the cluster's two egress NAT policies and edits the default one", async () => {
    const list = await kube(['get', 'egressnatpolicies', '-o', 'name']);
    expect(list.code, list.stderr).toBe(0);
    const names = list.stdout.trim().split('\n');
    expect(names[0]).toBe('egressnatpolicy.networking.gke.io/default');
    expect(names[1]).toMatch(/^egressnatpolicy\.networking\.gke\.io\/gke-[0-9a-f]{8}-1$/);
    const patched = await kube([
      'patch',
      'egressnatpolicy',
      'default',
      '--type=merge',
      '-p',
      '{"spec":{"destinations":[{"cidr":"172.16.0.0/12"}]}}',
    ]);
    expect(patched.code, patched.stderr).toBe(0);
    const got = await kube([
      'get',
      'egressnatpolicy',
      'default',
      '-o',
      'jsonpath={.spec.destinations[*].cidr}',
    ]);
    expect(got.stdout).toBe('172.16.0.0/12');
    const managed = names[1]?.split('/')[1] ?? '';
    const refused = await kube(['delete', 'egressnatpolicy', managed]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is fixed and cannot be deleted');
  });
});
