/**
 * The IAM roles are kept honest by runs, so that a role cannot drift from what the code calls:
 * the scenarios run against the simulator through the real adapters, each function as its own
 * service account bound to exactly the custom role deploy creates for it, with the simulator
 * enforcing the roles. The simulator records every call each principal made (Compute, GKE and
 * Kubernetes) and the permissions its own table (test/sim/core/iam.ts) checked for it; each role
 * is compared with that record: nothing was refused, every method called is in the role's
 * method list, and the role grants nothing beyond the checked permissions plus its extras.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '../../../functions/core/desire/names.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../../functions/core/model/resources.ts';
import type { Topology } from '../../../functions/core/topology/schema.ts';
import { bootstrap } from '../../../functions/engine/bootstrap.ts';
import { MANAGED_KINDS, MANAGED_SELECTOR } from '../../../functions/gcp/kube.ts';
import { makeOnAuditLog } from '../../../functions/handlers/on-audit-log.ts';
import type { Runtime } from '../../../functions/handlers/runtime.ts';
import { makeSweep } from '../../../functions/handlers/sweep.ts';
import { createRuntime } from '../../../functions/runtime/runtime.ts';
import {
  BOOTSTRAP_EXTRAS,
  BOOTSTRAP_METHODS,
  BOOTSTRAP_ROLE,
  type CustomRole,
  type Extra,
  METHOD_PERMISSIONS,
  REACTOR_EXTRAS,
  REACTOR_METHODS,
  REACTOR_ROLE,
} from '../../../infra/iam/permissions.ts';
import { Actor } from '../../local/actor.ts';
import { THIRD_VPC } from '../../local/demo.ts';
import { containerModule } from '../../sim/container/index.ts';
import type { IamView, PrincipalRecord } from '../../sim/core/iam.ts';
import { type RunningSim, startSim } from '../../sim/server.ts';
import { bindDeployRoles, type DeployPrincipals, iamRecord } from '../../support/iam.ts';
import { until } from '../../support/poll.ts';
import { pubsubEvent } from '../../support/runtime.ts';
import { exampleTopologyPath } from '../../support/topology.ts';

let sim: RunningSim;
let rt: Runtime;
let t: Topology;
let principals: DeployPrincipals;
let record: IamView;
/** Bootstrap steps that did not end `done` (a refused call fails its step). */
const failedSteps: string[] = [];

interface Entry {
  operation?: { id: string; first?: boolean; last?: boolean };
}

async function logEntries(): Promise<Entry[]> {
  return ((await (await fetch(`${sim.url}/__sim/logs`)).json()) as { entries: Entry[] }).entries;
}

async function logCount(): Promise<number> {
  return (await logEntries()).length;
}

/** True once the entries since `from` exist and every operation they start has its last one. */
async function operationsEnded(from: number): Promise<boolean> {
  const open = new Set<string>();
  const entries = (await logEntries()).slice(from);
  for (const { operation: op } of entries) {
    if (op?.first) open.add(op.id);
    if (op?.last) open.delete(op.id);
  }
  return entries.length > 0 && open.size === 0;
}

/** Delivers every audit entry written since `from` to onAuditLog, as the push path would. */
async function deliverSince(from: number): Promise<void> {
  const entries = await logEntries();
  const handler = makeOnAuditLog(rt);
  for (const [i, e] of entries.slice(from).entries())
    await handler(pubsubEvent(e, `m-${from + i}`));
}

/** A person's change (an owner, not recorded against the roles), then the reactor's answer. */
async function scenario(change: () => Promise<void>): Promise<void> {
  const from = await logCount();
  await change();
  // The change's operations (a node pool's is not waited for) must end first, so that their
  // last audit entries are delivered too.
  await until(() => operationsEnded(from), {
    what: "the change's operations to end",
    timeoutMs: 10_000,
    intervalMs: 20,
  });
  await deliverSince(from);
}

const kubeconfigDir = mkdtempSync(path.join(tmpdir(), 'peerlink-iam-'));

beforeAll(async () => {
  sim = await startSim({
    operationMs: 10,
    modules: [containerModule({ kubeconfigDir })],
  });
  const runtimeAs = (principal: string) =>
    createRuntime(
      {
        PEERLINK_COMPUTE_ENDPOINT: sim.url,
        PEERLINK_CONTAINER_ENDPOINT: sim.url,
        PEERLINK_ACCESS_TOKEN: `principal:${principal}`,
        PEERLINK_SERVICE_ACCOUNT: principal,
        PEERLINK_TOPOLOGY: exampleTopologyPath,
      },
      { log: () => undefined },
    );
  const probe = runtimeAs('nobody@example.com');
  t = await probe.topology();
  principals = await bindDeployRoles(sim.url, t.project);
  rt = runtimeAs(principals.reactor);
  const provision = async (seed: string) => {
    const run = bootstrap(t, await runtimeAs(principals.bootstrap).deps(), {
      dryRun: false,
      seed,
      pollMs: 20,
    });
    for (let n = await run.next(); !n.done; n = await run.next())
      if (n.value.status !== 'done') failedSteps.push(`${seed} ${n.value.name}: ${n.value.status}`);
  };
  await provision('iam');
  const actor = new Actor(sim.url, t.project);
  const svc = t.services[0];
  if (!svc) throw new Error('fixture');
  // The load balancer changed before bootstrap runs again (by hand here; in a deployment also by
  // the reactor answering bootstrap's own audit entries first): the rerun patches it back.
  const lb = 'regions/europe-west1';
  await actor.compute('PATCH', `${lb}/healthChecks/${resourceName(svc, 'hc')}`, {
    tcpHealthCheck: { port: 30001 },
  });
  const bs = `${lb}/backendServices/${resourceName(svc, 'bs')}`;
  // Backend service patches must carry the current fingerprint.
  await actor.compute('PATCH', bs, {
    backends: [],
    fingerprint: (await actor.get(bs))?.fingerprint,
  });
  await actor.compute('PATCH', `${lb}/forwardingRules/${resourceName(svc, 'fr')}`, {
    allowGlobalAccess: true,
  });
  await provision('iam-again');
  await scenario(() => actor.createNodePool('europe-west1-c', 'backend-cluster', 'pool-2'));
  await scenario(() =>
    actor.peerNewNetwork({ ...THIRD_VPC, region: 'europe-west1', peer: 'vpc-b' }),
  );
  // Every managed kind deleted by hand and recreated: the forwarding rule first, since it
  // holds the backend service, which holds the health check, and its address.
  await scenario(() =>
    actor.compute('DELETE', `global/firewalls/${resourceName(svc, 'consumers')}`),
  );
  await scenario(async () => {
    await actor.compute(
      'DELETE',
      `regions/europe-west1/forwardingRules/${resourceName(svc, 'fr')}`,
    );
    await actor.compute('DELETE', `regions/europe-west1/addresses/${resourceName(svc, 'ip')}`);
    await actor.compute(
      'DELETE',
      `regions/europe-west1/backendServices/${resourceName(svc, 'bs')}`,
    );
    await actor.compute('DELETE', `regions/europe-west1/healthChecks/${resourceName(svc, 'hc')}`);
  });
  // Managed resources edited by hand (drift): peerlink patches them back.
  await scenario(() =>
    actor.compute('PATCH', `global/firewalls/${resourceName(svc, 'consumers')}`, {
      sourceRanges: ['0.0.0.0/0'],
    }),
  );
  await scenario(() =>
    actor.compute('PATCH', `regions/europe-west1/healthChecks/${resourceName(svc, 'hc')}`, {
      tcpHealthCheck: { port: 30001 },
    }),
  );
  await scenario(() =>
    actor.compute('PATCH', `regions/europe-west1/forwardingRules/${resourceName(svc, 'fr')}`, {
      allowGlobalAccess: true,
    }),
  );
  await scenario(() =>
    actor.compute('POST', 'global/networks/vpc-b/removePeering', {
      name: `vpc-b-to-${THIRD_VPC.name}`,
    }),
  );
  // Every Kubernetes object peerlink wrote deleted by hand, and one it owns that is no longer
  // wanted: the sweep writes them back (apply: patch, and create) and deletes the leftover.
  const owned: KubernetesObject[] = [];
  const leftovers: string[] = [];
  for (const path of Object.values(sim.sim.info.kubeconfigs as Record<string, string>)) {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const api = KubernetesObjectApi.makeApiClient(kc);
    for (const { apiVersion, kind } of MANAGED_KINDS) {
      const list = await api.list(
        apiVersion,
        kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        MANAGED_SELECTOR,
      );
      for (const o of list.items) {
        const ref = {
          apiVersion,
          kind,
          metadata: { name: o.metadata?.name, namespace: o.metadata?.namespace },
        };
        await api.delete(ref);
        owned.push(ref);
      }
    }
    // One leftover of each kind peerlink manages.
    const metadata = {
      name: 'peerlink-retired',
      namespace: 'kube-system',
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, app: 'peerlink-retired' },
    };
    const selector = { matchLabels: { app: 'peerlink-retired' } };
    const template = {
      metadata: { labels: { app: 'peerlink-retired' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    };
    for (const o of [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: {} },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata,
        spec: { selector: { app: 'x' }, ports: [{ port: 80 }] },
      },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { selector, template } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata, spec: { selector, template } },
    ]) {
      await api.create(o);
      leftovers.push(`${o.kind}/kube-system/peerlink-retired`);
    }
  }
  expect(owned.length).toBeGreaterThan(3);
  const rewritten = await makeSweep(rt)({ id: 'sweep-kube' });
  const ops = (op: string) =>
    (rewritten?.actions ?? []).filter((a) => a.op === op && a.key.startsWith('kube/'));
  expect(ops('create')).toHaveLength(owned.length);
  expect(
    ops('delete')
      .map((a) => a.key.split('/').slice(2).join('/'))
      .sort(),
  ).toEqual(leftovers.sort());

  // Leftovers of a service no longer in the topology, one of each kind: the sweep deletes them.
  const mark = 'peerlink: retired [managed-by=peerlink]';
  const old = 'peerlink-retired-abcdef';
  const region = `projects/${t.project}/regions/europe-west1`;
  const vpcA = `projects/${t.project}/global/networks/vpc-a`;
  await actor.compute('POST', 'global/firewalls', {
    name: `${old}-consumers`,
    description: mark,
    network: vpcA,
    sourceRanges: ['10.209.0.0/16'],
    allowed: [{ IPProtocol: 'tcp', ports: ['30000'] }],
  });
  await actor.compute('POST', 'regions/europe-west1/healthChecks', {
    name: `${old}-hc`,
    description: mark,
    type: 'TCP',
    tcpHealthCheck: { port: 30000 },
  });
  await actor.compute('POST', 'regions/europe-west1/backendServices', {
    name: `${old}-bs`,
    description: mark,
    loadBalancingScheme: 'INTERNAL',
    protocol: 'TCP',
    network: vpcA,
    healthChecks: [`${region}/healthChecks/${old}-hc`],
  });
  await actor.compute('POST', 'regions/europe-west1/forwardingRules', {
    name: `${old}-fr`,
    description: mark,
    loadBalancingScheme: 'INTERNAL',
    IPProtocol: 'TCP',
    ports: ['30000'],
    network: vpcA,
    subnetwork: `${region}/subnetworks/vpc-a-europe-west1`,
    backendService: `${region}/backendServices/${old}-bs`,
  });
  await actor.compute('POST', 'regions/europe-west1/addresses', {
    name: `${old}-ip`,
    description: mark,
    addressType: 'INTERNAL',
    subnetwork: `${region}/subnetworks/vpc-a-europe-west1`,
  });
  const report = await makeSweep(rt)({ id: 'sweep-1' });
  const deleted = report?.actions
    .filter((a) => a.op === 'delete')
    .map((a) => a.key.split('/').pop());
  expect(deleted?.sort()).toEqual([
    `${old}-bs`,
    `${old}-consumers`,
    `${old}-fr`,
    `${old}-hc`,
    `${old}-ip`,
  ]);
  expect((await makeSweep(rt)({ id: 'sweep-2' }))?.outcome).toBe('noop');
  record = await iamRecord(sim.url);
}, 180_000);

afterAll(async () => {
  await sim?.close();
  rmSync(kubeconfigDir, { recursive: true, force: true });
});

/** What the simulator recorded for the function's service account. */
const recorded = (fn: keyof DeployPrincipals): PrincipalRecord =>
  record?.principals[principals[fn]] ?? { methods: {}, permissions: {} };

function check(
  fn: keyof DeployPrincipals,
  role: CustomRole,
  methods: readonly string[],
  extras: readonly Extra[],
) {
  describe(`the ${fn} role`, () => {
    it('was bound to its service account, and the runs made their calls as it', () => {
      expect(record.bindings[principals[fn]]?.roles).toEqual([
        `projects/${t.project}/roles/${role.id}`,
      ]);
      expect(Object.keys(recorded(fn).methods).length).toBeGreaterThan(5);
    });

    if (fn === 'bootstrap')
      it('completed every bootstrap step', () => {
        expect(failedSteps).toEqual([]);
      });

    it('had no call refused: the role grants every permission the simulator checked', () => {
      const refused = Object.entries(recorded(fn).permissions).filter(([, c]) => c.denied > 0);
      expect(refused.map(([p]) => p).sort()).toEqual([]);
    });

    it("lists every method the runs called, each mapped in the deploy's table", () => {
      const called = Object.keys(recorded(fn).methods).sort();
      expect(called.filter((m) => !methods.includes(m))).toEqual([]);
      expect(called.filter((m) => !METHOD_PERMISSIONS[m])).toEqual([]);
      // A listed method the runs never called would grant its permissions unseen.
      expect(methods.filter((m) => !called.includes(m))).toEqual([]);
    });

    it('grants nothing beyond the permissions checked and its listed extras', () => {
      const checked = new Set(Object.keys(recorded(fn).permissions));
      const extra = new Set(extras.map((e) => e.permission));
      expect(role.permissions.filter((p) => !checked.has(p) && !extra.has(p)).sort()).toEqual([]);
      // An extra is for what the runs cannot show, not a second grant of what they did.
      expect([...extra].filter((p) => checked.has(p)).sort()).toEqual([]);
    });
  });
}

// Runs before the simulator closes (after-hooks run last registered first), so that a run that
// failed still shows what was refused.
afterAll(async () => {
  if (!principals) return;
  record ??= await iamRecord(sim.url);
  for (const fn of ['reactor', 'bootstrap'] as const) {
    const r = recorded(fn);
    const refused = Object.entries(r.permissions).filter(([, c]) => c.denied > 0);
    process.stdout.write(
      `[iam] ${fn} called: ${Object.keys(r.methods).sort().join(' ')}\n` +
        `[iam] ${fn} refused: ${
          refused
            .map(([p]) => p)
            .sort()
            .join(' ') || '-'
        }\n`,
    );
  }
});

check('reactor', REACTOR_ROLE, REACTOR_METHODS, REACTOR_EXTRAS);
check('bootstrap', BOOTSTRAP_ROLE, BOOTSTRAP_METHODS, BOOTSTRAP_EXTRAS);
