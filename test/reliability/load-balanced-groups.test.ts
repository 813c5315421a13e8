/**
 * A VM can be in only one load-balanced instance group: when GKE's own load balancer
 * (`k8s-ig--...` groups) holds the provider's nodes, peerlink's sweep reports its backend
 * service as a conflict and makes no write Compute would refuse, every time; the rest of the
 * topology is reconciled as usual. Against the simulator, which refuses such a backend service
 * (instanceInMultipleLoadBalancedIgs), through the real adapters and the deployed roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '../../functions/core/desire/names.ts';
import type { ReconcileReport } from '../../functions/engine/reconcile.ts';
import { makeSweep } from '../../functions/handlers/sweep.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import { capturingLogger } from '../fixtures/bad-input/harness.ts';
import { startWorld, type World } from '../fixtures/bad-input/world.ts';
import { Actor } from '../local/actor.ts';
import type { JsonObject } from '../sim/core/store.ts';
import { waitFor } from '../support/process-group.ts';

const COMPUTE_URL = 'https://www.googleapis.com/compute/v1/';

let world: World;
let actor: Actor;
let sweep: ReturnType<typeof makeSweep>;
let k8sGroup = '';

const service = () => {
  const s = world.topology.services[0];
  if (!s) throw new Error('the example has no service');
  return s;
};
const provider = () => {
  const c = world.topology.clusters.find((x) => x.name === service().cluster);
  if (!c) throw new Error('no provider');
  return c;
};
const bsWrites = async () => {
  const m = (await world.stats()).methods;
  return ['patch', 'update', 'insert']
    .map((v) => m[`compute.regionBackendServices.${v}`]?.writes ?? 0)
    .reduce((a, b) => a + b, 0);
};
const backends = async () =>
  (await actor.backendGroups(provider().region, resourceName(service(), 'bs')))
    .map((g) => String(g.split('/').pop()))
    .sort();

beforeAll(async () => {
  world = await startWorld();
  actor = new Actor(world.sim.url, world.topology.project);
  sweep = makeSweep(createRuntime(world.env, capturingLogger([])));
  // A second pool: its group is one the backend service would have to take.
  await actor.createNodePool(provider().location, provider().name, 'pool-2');
  await waitFor(
    "pool-2's instance groups",
    async () => (await actor.nodePoolGroups(provider().location, provider().name, 'pool-2')).length,
    30_000,
  );
  // GKE's service controller groups one of the default pool's VMs for a LoadBalancer Service of
  // its own (no instanceGroups.insert route in the simulator: put in its store).
  const [manager] = await actor.nodePoolGroups(
    provider().location,
    provider().name,
    'default-pool',
  );
  const store = world.sim.sim.store;
  const igm = store.get<JsonObject>(
    'instanceGroupManagers',
    String(manager).replace(COMPUTE_URL, ''),
  );
  const group = store.get<JsonObject>(
    'instanceGroups',
    String(igm?.instanceGroup).replace(COMPUTE_URL, ''),
  );
  k8sGroup = `projects/${world.topology.project}/zones/${provider().location}/instanceGroups/k8s-ig--0123456789abcdef`;
  store.put('instanceGroups', k8sGroup, {
    kind: 'compute#instanceGroup',
    id: '4242',
    name: 'k8s-ig--0123456789abcdef',
    zone: `${COMPUTE_URL}projects/${world.topology.project}/zones/${provider().location}`,
    network: group?.network,
    size: 1,
    members: ((group?.members ?? []) as string[]).slice(0, 1),
    selfLink: `${COMPUTE_URL}${k8sGroup}`,
  });
}, 120_000);

afterAll(async () => {
  await world?.close();
});

describe("a managed ILB over nodes GKE's own load balancer holds", { timeout: 60_000 }, () => {
  it('is a conflict in the sweep, with the reason, and nothing is written to the backend service', async () => {
    const before = await backends();
    const writes = await bsWrites();
    const report = (await sweep({ id: 'lb-1' })) as ReconcileReport;
    const bs = report.actions.filter((a) => a.key.includes(resourceName(service(), 'bs')));
    expect(bs).toEqual([
      {
        op: 'conflict',
        key: expect.stringMatching(/^backendService\//),
        reason: expect.stringMatching(
          /k8s-ig--0123456789abcdef hold nodes of cluster backend-cluster .*only one load-balanced instance group/,
        ),
      },
    ]);
    expect(report.outcome).not.toBe('failed');
    expect(await bsWrites()).toBe(writes);
    expect(await backends()).toEqual(before);
  });

  it('stays a conflict on the next sweep: no write loop', async () => {
    const writes = await bsWrites();
    const report = (await sweep({ id: 'lb-2' })) as ReconcileReport;
    expect(report.plan.conflict).toBeGreaterThan(0);
    expect(report.outcome).toBe('noop');
    expect(await bsWrites()).toBe(writes);
  });

  it("once GKE's group is gone, the backend service takes the new pool", async () => {
    world.sim.sim.store.delete('instanceGroups', k8sGroup);
    const report = (await sweep({ id: 'lb-3' })) as ReconcileReport;
    expect(report.outcome).toBe('converged');
    const pool2 = (await actor.nodePoolGroups(provider().location, provider().name, 'pool-2')).map(
      (g) => String(g.split('/').pop()),
    );
    expect(await backends()).toEqual(expect.arrayContaining(pool2));
  });
});
