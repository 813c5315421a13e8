/**
 * The IAM roles are kept honest by runs, so that a role cannot drift from what the code calls:
 * the end-to-end scenarios run against the simulator through the real adapters, every API method
 * each function called is collected from the simulator's stats, mapped to its permission, and
 * compared with the role: every permission used is granted, and nothing is granted beyond the
 * used ones plus the listed extras.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '../../../functions/core/desire/names.ts';
import type { Topology } from '../../../functions/core/topology/schema.ts';
import { bootstrap } from '../../../functions/engine/bootstrap.ts';
import { makeOnAuditLog } from '../../../functions/handlers/on-audit-log.ts';
import type { Runtime } from '../../../functions/handlers/runtime.ts';
import { makeSweep } from '../../../functions/handlers/sweep.ts';
import { createRuntime } from '../../../functions/runtime/runtime.ts';
import {
  BOOTSTRAP_EXTRAS,
  BOOTSTRAP_ROLE,
  type CustomRole,
  type Extra,
  METHOD_PERMISSIONS,
  REACTOR_EXTRAS,
  REACTOR_ROLE,
} from '../../../infra/iam/permissions.ts';
import { Actor } from '../../local/actor.ts';
import { THIRD_VPC } from '../../local/demo.ts';
import { containerModule } from '../../sim/container/index.ts';
import { type RunningSim, startSim } from '../../sim/server.ts';
import { until } from '../../support/poll.ts';
import { pubsubEvent } from '../../support/runtime.ts';
import { exampleTopologyPath } from '../../support/topology.ts';

type Methods = Record<string, { reads: number; writes: number }>;

let sim: RunningSim;
let rt: Runtime;
let t: Topology;
const used = { reactor: new Set<string>(), bootstrap: new Set<string>() };

async function methods(): Promise<Methods> {
  return ((await (await fetch(`${sim.url}/__sim/stats`)).json()) as { methods: Methods }).methods;
}

/** Runs `body` and adds every method whose count moved to `into`. */
async function collect(into: Set<string>, body: () => Promise<void>): Promise<void> {
  const before = await methods();
  await body();
  const after = await methods();
  for (const [m, c] of Object.entries(after)) {
    const b = before[m];
    if (c.reads + c.writes > (b?.reads ?? 0) + (b?.writes ?? 0)) into.add(m);
  }
}

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

/** A person's change (not counted), then the reactor's answer to its audit entries (counted). */
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
  await collect(used.reactor, () => deliverSince(from));
}

const kubeconfigDir = mkdtempSync(path.join(tmpdir(), 'peerlink-iam-'));

beforeAll(async () => {
  sim = await startSim({
    operationMs: 10,
    modules: [containerModule({ kubeconfigDir })],
  });
  rt = createRuntime(
    {
      PEERLINK_COMPUTE_ENDPOINT: sim.url,
      PEERLINK_CONTAINER_ENDPOINT: sim.url,
      PEERLINK_ACCESS_TOKEN: 'principal:peerlink@peerlink-demo.iam.gserviceaccount.com',
      PEERLINK_SERVICE_ACCOUNT: 'peerlink@peerlink-demo.iam.gserviceaccount.com',
      PEERLINK_TOPOLOGY: exampleTopologyPath,
    },
    { log: () => undefined },
  );
  t = await rt.topology();
  const deps = await rt.deps();
  await collect(used.bootstrap, async () => {
    const run = bootstrap(t, deps, { dryRun: false, seed: 'iam', pollMs: 20 });
    for (let n = await run.next(); !n.done; n = await run.next())
      expect(n.value.status).toBe('done');
  });
  const actor = new Actor(sim.url, t.project);
  const svc = t.services[0];
  if (!svc) throw new Error('fixture');
  await scenario(() => actor.createNodePool('europe-west1-c', 'backend-cluster', 'pool-2'));
  await scenario(() =>
    actor.peerNewNetwork({ ...THIRD_VPC, region: 'europe-west1', peer: 'vpc-b' }),
  );
  // Every managed kind deleted by hand and recreated: the forwarding rule first, since it
  // holds the backend service, which holds the health check.
  await scenario(() =>
    actor.compute('DELETE', `global/firewalls/${resourceName(svc, 'consumers')}`),
  );
  await scenario(async () => {
    await actor.compute(
      'DELETE',
      `regions/europe-west1/forwardingRules/${resourceName(svc, 'fr')}`,
    );
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
  await collect(used.reactor, async () => {
    const report = await makeSweep(rt)({ id: 'sweep-1' });
    const deleted = report?.actions
      .filter((a) => a.op === 'delete')
      .map((a) => a.key.split('/').pop());
    expect(deleted?.sort()).toEqual([`${old}-bs`, `${old}-consumers`, `${old}-fr`, `${old}-hc`]);
  });
  await collect(used.reactor, async () => {
    expect((await makeSweep(rt)({ id: 'sweep-2' }))?.outcome).toBe('noop');
  });
}, 180_000);

afterAll(async () => {
  await sim?.close();
  rmSync(kubeconfigDir, { recursive: true, force: true });
});

function check(name: string, role: CustomRole, calls: Set<string>, extras: readonly Extra[]) {
  describe(`the ${name} role`, () => {
    it('maps every method the runs called', () => {
      expect([...calls].filter((m) => !METHOD_PERMISSIONS[m])).toEqual([]);
      expect(calls.size).toBeGreaterThan(5);
    });

    it('grants every permission the runs used', () => {
      const needed = new Set([...calls].flatMap((m) => METHOD_PERMISSIONS[m] ?? []));
      expect([...needed].filter((p) => !role.permissions.includes(p)).sort()).toEqual([]);
    });

    it('grants nothing beyond the used permissions and its listed extras', () => {
      const needed = new Set([...calls].flatMap((m) => METHOD_PERMISSIONS[m] ?? []));
      const extra = new Set(extras.map((e) => e.permission));
      expect(role.permissions.filter((p) => !needed.has(p) && !extra.has(p)).sort()).toEqual([]);
    });
  });
}

afterAll(() => {
  const list = (s: Set<string>) => [...s].sort().join(' ');
  process.stdout.write(
    `[iam] reactor called: ${list(used.reactor)}\n[iam] bootstrap called: ${list(used.bootstrap)}\n`,
  );
});

check('reactor', REACTOR_ROLE, used.reactor, REACTOR_EXTRAS);
check('bootstrap', BOOTSTRAP_ROLE, used.bootstrap, BOOTSTRAP_EXTRAS);
