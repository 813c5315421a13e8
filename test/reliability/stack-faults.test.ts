/**
 * Faults through the full stack (test/local/stack.ts): the simulator's audit log goes through the
 * Pub/Sub emulator to onAuditLog served by functions-framework in its own process. With the
 * fault profile (faults.ts) on, and the backend service's patch failing six times in a row (one
 * more than the executor retries), the first delivery of the new node pool's entry must fail
 * loudly (the handler throws, functions-framework answers 500), Pub/Sub must deliver the same
 * message again, and that delivery must converge.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resourceName } from '../../functions/core/desire/names.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { loadTopology } from '../../functions/runtime/files.ts';
import { quiesce } from '../e2e/support.ts';
import { Actor } from '../local/actor.ts';
import { runBootstrap } from '../local/demo.ts';
import { type Stack, startStack } from '../local/stack.ts';
import type { LogEntry } from '../sim/core/audit.ts';
import { waitFor } from '../support/process-group.ts';
import { exampleTopologyPath } from '../support/topology.ts';
import { faultConfig, injectOperationErrors, seedFrom, standardFaultProfile } from './faults.ts';
import { apiMethods, control, duplicates, sweepPlan, type World } from './harness.ts';

const SEED = seedFrom('PEERLINK_FAULT_SEED', 7);
const stateDir = `/tmp/peerlink-reliability-stack-${process.pid}`;
let stack: Stack;
let t: Topology;
let w: World;
const lines: { source: string; json: Record<string, unknown> }[] = [];

beforeAll(async () => {
  t = await loadTopology(exampleTopologyPath);
  stack = await startStack({
    project: t.project,
    topologyPath: exampleTopologyPath,
    operationMs: 50,
    stateDir,
    onLog: (source, line) => {
      if (!line.startsWith('{')) return;
      try {
        lines.push({ source, json: JSON.parse(line) as Record<string, unknown> });
      } catch {
        // Not one of peerlink's JSON lines.
      }
    },
  });
  w = { running: stack.sim, t, close: async () => {} };
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

it('a delivery past the retry budget answers 500, and the redelivered message converges', async () => {
  const print = (l: string) => process.stdout.write(`[reliability stack] ${l}\n`);
  expect((await runBootstrap(stack, print)).ok).toBe(true);
  await quiesce(stack);
  const mark = (await control.logs(w)).next;
  const svc = t.services[0];
  const provider = t.clusters.find((c) => c.name === svc?.cluster);
  if (!svc || !provider) throw new Error('fixture');

  // The person's one call (creating the node pool) is left alone; everything else is faulted.
  const methods = (await apiMethods(w)).filter((m) => m !== 'container.nodePools.create');
  const config = faultConfig(standardFaultProfile(SEED), methods);
  const patch = 'compute.regionBackendServices.patch';
  await control.faults(w, {
    ...config,
    methods: { ...config.methods, [patch]: { ...config.methods?.[patch], failNext: 6 } },
  });
  const undo = injectOperationErrors(stack.sim.sim, stack.principal, SEED, 0.2, 1);
  const actor = new Actor(stack.sim.url, t.project);
  try {
    await actor.createNodePool(provider.location, provider.name, 'pool-2');
    await waitFor(
      'the backend service to list the new pool',
      async () =>
        (await actor.backendGroups(provider.region, resourceName(svc, 'bs'))).some((g) =>
          g.includes('-pool-2-'),
        ),
      120_000,
      500,
    );
  } finally {
    undo();
    await control.faults(w, {});
  }
  const own = () => lines.filter((l) => l.source === 'onAuditLog').map((l) => l.json);
  const retried = own().find(
    (l) => l.severity === 'WARNING' && String(l.message).includes('redelivery will retry'),
  );
  expect(retried, JSON.stringify(own().slice(-5))).toBeDefined();
  // The same message (Pub/Sub keeps its id) comes back and converges.
  await waitFor(
    'the redelivered message to converge',
    async () =>
      own().some(
        (l) =>
          l.eventId === retried?.eventId &&
          l.severity === 'NOTICE' &&
          String(l.message).startsWith('reconcile converged'),
      ),
    60_000,
    250,
  ).catch((e: unknown) => {
    const seen = own().map((l) => [l.severity, l.eventId, String(l.message).slice(0, 80)]);
    throw new Error(`${(e as Error).message}: ${JSON.stringify(seen)}`);
  });
  await quiesce(stack);
  const entries: LogEntry[] = (await control.logs(w, mark)).entries;
  expect(duplicates(entries)).toEqual([]);
  expect((await sweepPlan(w)).actions).toEqual([]);
}, 240_000);
