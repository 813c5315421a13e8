/**
 * An Autopilot consumer end to end, through the simulator: the example topology with its frontend
 * an Autopilot cluster whose pods are on a privately used public range (test/support/autopilot.ts),
 * bootstrapped by the bootstrap function's runtime and swept by the sweep handler, each as its
 * deploy service account bound to exactly its deploy role. The frontend's default EgressNATPolicy
 * then masquerades the pods towards VPC A and keeps every other destination; the sweep's report
 * says what peerlink left; a removed peering puts the policy back as peerlink found it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADDED_ANNOTATION,
  GKE_DEFAULT_POLICY,
  REMOVED_ANNOTATION,
} from '../../functions/core/manifests/egress-nat-policy.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../functions/core/model/resources.ts';
import { aggregate, overlaps, subtract } from '../../functions/core/net/cidr.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { bootstrap } from '../../functions/engine/bootstrap.ts';
import type { ReconcileReport } from '../../functions/engine/reconcile.ts';
import { makeSweep } from '../../functions/handlers/sweep.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import { Actor } from '../local/actor.ts';
import { containerModule } from '../sim/container/index.ts';
import { type RunningSim, startSim } from '../sim/server.ts';
import { AUTOPILOT_PODS, autopilotYaml } from '../support/autopilot.ts';
import { bindDeployRoles, type DeployPrincipals, denied } from '../support/iam.ts';

const PEER = '10.193.0.0/16';
const POLICY = { apiVersion: 'networking.gke.io/v1', kind: 'EgressNATPolicy' };

let sim: RunningSim;
let dir: string;
let principals: DeployPrincipals;
let t: Topology;
const failedSteps: string[] = [];

const runtimeAs = (principal: string) =>
  createRuntime(
    {
      PEERLINK_COMPUTE_ENDPOINT: sim.url,
      PEERLINK_CONTAINER_ENDPOINT: sim.url,
      PEERLINK_ACCESS_TOKEN: `principal:${principal}`,
      PEERLINK_SERVICE_ACCOUNT: principal,
      PEERLINK_TOPOLOGY: path.join(dir, 'topology.yaml'),
    },
    { log: () => undefined },
  );

/** The frontend cluster's Kubernetes API, as kubectl reaches it (the kubeconfig GKE's part wrote). */
function frontendApi(): KubernetesObjectApi {
  const configs = sim.sim.info.kubeconfigs as Record<string, string>;
  const key = Object.keys(configs).find((k) => k.endsWith('/clusters/frontend-cluster'));
  if (!key) throw new Error('no kubeconfig for frontend-cluster');
  const kc = new KubeConfig();
  kc.loadFromFile(configs[key] as string);
  return KubernetesObjectApi.makeApiClient(kc);
}

interface Policy {
  metadata: { annotations?: Record<string, string> };
  spec: { action: string; destinations: { cidr: string }[] };
}

async function policy(name = 'default'): Promise<Policy> {
  return (await frontendApi().read({ ...POLICY, metadata: { name } })) as unknown as Policy;
}

const cidrs = (p: Policy) => p.spec.destinations.map((d) => d.cidr);

async function sweep(id: string): Promise<ReconcileReport> {
  const report = await makeSweep(runtimeAs(principals.reactor))({ id });
  if (!report) throw new Error('the sweep gave no report');
  return report;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'peerlink-autopilot-e2e-'));
  writeFileSync(path.join(dir, 'topology.yaml'), autopilotYaml());
  sim = await startSim({
    operationMs: 10,
    modules: [containerModule({ kubeconfigDir: path.join(dir, 'kube'), operationMs: 20 })],
  });
  t = await runtimeAs('nobody@example.com').topology();
  principals = await bindDeployRoles(sim.url, t.project);
  const run = bootstrap(t, await runtimeAs(principals.bootstrap).deps(), {
    dryRun: false,
    seed: 'autopilot-e2e',
    pollMs: 20,
    waitTimeoutMs: 30_000,
  });
  for (let n = await run.next(); !n.done; n = await run.next())
    if (n.value.status !== 'done') failedSteps.push(`${n.value.name}: ${n.value.error ?? ''}`);
}, 120_000);

afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an Autopilot consumer', () => {
  it('is bootstrapped: every step done, the cluster created as Autopilot', async () => {
    expect(failedSteps).toEqual([]);
    const res = await fetch(
      `${sim.url}/v1/projects/${t.project}/locations/europe-west1/clusters/frontend-cluster`,
    );
    const cluster = (await res.json()) as { autopilot?: { enabled?: boolean } };
    expect(cluster.autopilot?.enabled).toBe(true);
  });

  it("has VPC A's range taken out of its default policy, everything else kept", async () => {
    const p = await policy();
    expect(p.spec.action).toBe('NoSNAT');
    expect(overlaps(cidrs(p), [PEER])).toBe(false);
    expect(aggregate(cidrs(p))).toEqual(subtract(GKE_DEFAULT_POLICY, [PEER]));
    expect(p.metadata.annotations?.[REMOVED_ANNOTATION]).toBe('10.0.0.0/8');
    expect(p.metadata.annotations?.[ADDED_ANNOTATION]?.split(',').sort()).toEqual(
      subtract(['10.0.0.0/8'], [PEER]).sort(),
    );
    // The GKE-managed policy is untouched: the cluster's own ranges, pods among them.
    const list = await frontendApi().list(POLICY.apiVersion, POLICY.kind);
    const managed = list.items.find((o) => o.metadata?.name?.startsWith('gke-'));
    expect(cidrs(managed as unknown as Policy)).toContain(AUTOPILOT_PODS);
  });

  it('runs neither the agent nor an ip-masq-agent ConfigMap', async () => {
    const api = frontendApi();
    const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
    const kinds: [string, string][] = [
      ['apps/v1', 'DaemonSet'],
      ['v1', 'ConfigMap'],
    ];
    for (const [apiVersion, kind] of kinds) {
      const owned = await api.list(
        apiVersion,
        kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        selector,
      );
      expect(owned.items.map((o: KubernetesObject) => o.metadata?.name)).toEqual([]);
    }
  });

  it('is left as it is by the sweep, whose report says what peerlink left', async () => {
    const report = await sweep('sweep-1');
    expect(report.outcome).toBe('noop');
    expect(report.masquerade['frontend-cluster']).toEqual([PEER]);
    expect([...(report.left['frontend-cluster'] ?? [])].sort()).toEqual(
      GKE_DEFAULT_POLICY.filter((d) => d !== '10.0.0.0/8').sort(),
    );
  });

  it('keeps a destination someone else adds, and lists it with what it leaves', async () => {
    const p = await policy();
    await frontendApi().patch(
      {
        ...POLICY,
        metadata: { name: 'default' },
        spec: { destinations: [...p.spec.destinations, { cidr: '34.1.0.0/16' }] },
      } as KubernetesObject,
      undefined,
      undefined,
      'someone',
      undefined,
      'application/merge-patch+json' as never,
    );
    const report = await sweep('sweep-2');
    expect(report.outcome).toBe('noop');
    expect(report.left['frontend-cluster']).toContain('34.1.0.0/16');
    expect(cidrs(await policy())).toContain('34.1.0.0/16');
  });

  it('puts the policy back as it found it once VPC A is no longer peered', async () => {
    const actor = new Actor(sim.url, t.project);
    await actor.compute('POST', 'global/networks/vpc-b/removePeering', {
      name: 'peerlink-vpc-b-vpc-a',
    });
    const report = await sweep('sweep-3');
    expect(report.actions).toContainEqual(
      expect.objectContaining({ op: 'delete', key: 'egressNatPolicy/frontend-cluster/default' }),
    );
    expect(report.masquerade['frontend-cluster']).toEqual([]);
    const p = await policy();
    expect([...cidrs(p)].sort()).toEqual([...GKE_DEFAULT_POLICY, '34.1.0.0/16'].sort());
    expect(p.metadata.annotations?.[REMOVED_ANNOTATION]).toBeUndefined();
    expect(p.metadata.annotations?.[ADDED_ANNOTATION]).toBeUndefined();
    expect((await sweep('sweep-4')).outcome).toBe('noop');
  });

  it('needed nothing its deploy roles do not grant', async () => {
    expect(await denied(sim.url, principals.bootstrap)).toEqual([]);
    expect(await denied(sim.url, principals.reactor)).toEqual([]);
  });
});
