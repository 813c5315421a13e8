/**
 * What is deployed is what is tested. The source `peerlink deploy` uploads is staged by the
 * deploy's own stage step (npm run build, in a copy of this checkout), its production
 * dependencies are installed as Google's buildpack installs them, and each function is served
 * from that tree by its own functions-framework with the environment the deploy sets, against
 * the simulator. bootstrap provisions the example topology (agent mode), onAuditLog reconciles
 * an entry, and a sweep puts back the frontend cluster's masquerade agent.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AGENT_NAMESPACE, CIDR_CONFIGMAP } from '../../functions/core/manifests/masquerade.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../functions/core/model/resources.ts';
import { loadTopology } from '../../functions/runtime/files.ts';
import { FUNCTIONS, TOPOLOGY_IN_SOURCE } from '../../infra/deploy/config.ts';
import { containerModule } from '../sim/container/index.ts';
import { clusterKey } from '../sim/container/names.ts';
import { type RunningSim, startSim } from '../sim/server.ts';
import { exampleTopologyPath } from '../support/topology.ts';
import {
  copyCheckout,
  type DeployedFunction,
  devOnlyPackages,
  installAsBuildpack,
  installed,
  logLines,
  pushBody,
  type ServedFunction,
  serve,
  stageAsDeployed,
} from './artifact.ts';

const topology = await loadTopology(exampleTopologyPath);
const project = topology.project;
const AGENT_DAEMONSET = 'peerlink-masquerade-agent';

let tmp: string | undefined;
let stageDir = '';
let deployed: DeployedFunction[] = [];
let sim: RunningSim | undefined;
const served = new Map<string, ServedFunction>();

function fn(entryPoint: string): ServedFunction {
  const f = served.get(entryPoint);
  if (!f) throw new Error(`${entryPoint} is not served`);
  return f;
}

/** The deploy's environment, plus where the simulator is and the token to call it with. */
function runtimeEnv(f: DeployedFunction, simUrl: string): Record<string, string> {
  return {
    ...f.env,
    PEERLINK_COMPUTE_ENDPOINT: simUrl,
    PEERLINK_CONTAINER_ENDPOINT: simUrl,
    // The simulator names the caller after the token: the function's own service account.
    PEERLINK_ACCESS_TOKEN: `principal:${f.env.PEERLINK_SERVICE_ACCOUNT}`,
    // Outside local mode bootstrap verifies its caller's ID token with Google's certificates,
    // fetched from Google (handlers/id-token.ts; index.ts takes no other verifier). Local mode
    // skips only that check, and only bootstrap reads it: the others run without it.
    ...(f.entryPoint === 'bootstrap' ? { PEERLINK_LOCAL: '1' } : {}),
  };
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'peerlink-artifact-'));
  const checkout = path.join(tmp, 'checkout');
  await mkdir(checkout);
  await copyCheckout(checkout);
  stageDir = path.join(tmp, 'source');
  deployed = await stageAsDeployed({
    checkout,
    topologyFile: exampleTopologyPath,
    stageDir,
    project,
    region: topology.region,
  });
  await installAsBuildpack(stageDir);
  sim = await startSim({
    port: 0,
    operationMs: 20,
    waitCapMs: 5_000,
    modules: [containerModule({ kubeconfigDir: path.join(tmp, 'kube'), operationMs: 30 })],
  });
  const url = sim.url;
  await Promise.all(
    deployed.map(async (f) => served.set(f.entryPoint, await serve(f, runtimeEnv(f, url)))),
  );
}, 150_000);

afterAll(async () => {
  await Promise.all([...served.values()].map((f) => f.stop()));
  await sim?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 30_000);

function kube(cluster: string): { apps: AppsV1Api; core: CoreV1Api } {
  const c = topology.clusters.find((x) => x.name === cluster);
  const files = (sim?.sim.info.kubeconfigs ?? {}) as Record<string, string>;
  const file = c && files[clusterKey(project, c.location, c.name)];
  if (!file) throw new Error(`no kubeconfig for ${cluster}: ${JSON.stringify(files)}`);
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return { apps: kc.makeApiClient(AppsV1Api), core: kc.makeApiClient(CoreV1Api) };
}

const frontend = () => {
  const c = topology.clusters.find((x) => x.masquerade === 'agent');
  if (!c) throw new Error('the example topology has no agent-mode cluster');
  return c.name;
};

/** The provider's subnet ranges, which the frontend's nodes must masquerade towards. */
function providerRanges(): string[] {
  const service = topology.services[0];
  const cluster = topology.clusters.find((c) => c.name === service?.cluster);
  const network = topology.networks.find((n) => n.name === cluster?.network);
  return network?.subnets.map((s) => s.range) ?? [];
}

async function expectAgent(cluster: string): Promise<void> {
  const { apps, core } = kube(cluster);
  const ds = await apps.readNamespacedDaemonSet({
    name: AGENT_DAEMONSET,
    namespace: AGENT_NAMESPACE,
  });
  expect(ds.metadata?.labels?.[MANAGED_BY_LABEL]).toBe(MANAGED_BY_VALUE);
  const cm = await core.readNamespacedConfigMap({
    name: CIDR_CONFIGMAP,
    namespace: AGENT_NAMESPACE,
  });
  const cidrs = (cm.data?.cidrs ?? '').split('\n').filter((l) => l && !l.startsWith('#'));
  expect(providerRanges().length).toBeGreaterThan(0);
  for (const r of providerRanges()) expect(cidrs).toContain(r);
}

/** POSTs a push body to a served function, as the deploy's push subscription would. */
async function push(f: ServedFunction, subscription: string, data: unknown, id: string) {
  const res = await fetch(f.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(pushBody(project, subscription, data, id)),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, text: await res.text() };
}

it('stages what the deploy uploads, with the production dependencies only', async () => {
  expect(deployed.map((f) => f.entryPoint).sort()).toEqual(['bootstrap', 'onAuditLog', 'sweep']);
  for (const f of deployed) {
    // gcloud uploads the directory the stage step filled, and the functions run in it.
    expect(f.source).toBe(stageDir);
    expect(f.env.PEERLINK_TOPOLOGY).toBe(TOPOLOGY_IN_SOURCE);
  }
  expect(installed(stageDir, 'node_modules/@google-cloud/functions-framework')).toBe(true);
  const dev = await devOnlyPackages(stageDir);
  expect(dev.length).toBeGreaterThan(0);
  expect(dev.filter((p) => installed(stageDir, p))).toEqual([]);
});

it('bootstraps the deployed topology through the staged bootstrap function', async () => {
  // No body: the deployed topology is what is provisioned.
  const res = await fetch(fn('bootstrap').url, {
    method: 'POST',
    signal: AbortSignal.timeout(90_000),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const last = JSON.parse(text.trim().split('\n').at(-1) ?? '{}') as { report?: { ok?: boolean } };
  expect(last.report?.ok, `${text}\n${fn('bootstrap').lines.join('\n')}`).toBe(true);
  await expectAgent(frontend());
}, 100_000);

it('reconciles an audit entry through the staged onAuditLog function', async () => {
  const logs = (await (await fetch(`${sim?.url}/__sim/logs`)).json()) as {
    entries: { protoPayload?: { methodName?: string }; operation?: { last?: boolean } }[];
  };
  const entry = logs.entries.findLast(
    (e) => /firewalls\.insert$/.test(e.protoPayload?.methodName ?? '') && e.operation?.last,
  );
  expect(entry, 'bootstrap wrote no firewall').toBeDefined();
  const sub = FUNCTIONS.onAuditLog.subscription;
  const r = await push(fn('onAuditLog'), sub, entry, 'artifact-audit-1');
  const lines = logLines(fn('onAuditLog'));
  expect(r.status, `${r.text}\n${fn('onAuditLog').lines.join('\n')}`).toBe(204);
  const done = lines.find((l) => /^reconcile /.test(String(l.message)));
  expect(done, fn('onAuditLog').lines.join('\n')).toBeDefined();
  expect(done?.severity).not.toBe('ERROR');
}, 60_000);

it('sweeps through the staged sweep function, putting back the masquerade agent', async () => {
  const { apps, core } = kube(frontend());
  await apps.deleteNamespacedDaemonSet({ name: AGENT_DAEMONSET, namespace: AGENT_NAMESPACE });
  await core.deleteNamespacedConfigMap({ name: CIDR_CONFIGMAP, namespace: AGENT_NAMESPACE });
  // What Cloud Scheduler publishes to the sweep topic (infra/deploy/steps.ts --message-body).
  const r = await push(fn('sweep'), FUNCTIONS.sweep.subscription, { trigger: 'schedule' }, 's-1');
  expect(r.status, `${r.text}\n${fn('sweep').lines.join('\n')}`).toBe(204);
  const done = logLines(fn('sweep')).find((l) => /^sweep /.test(String(l.message)));
  expect(done?.message, fn('sweep').lines.join('\n')).toBe('sweep converged');
  expect(done?.severity).toBe('NOTICE');
  await expectAgent(frontend());
}, 60_000);
