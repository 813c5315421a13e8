/**
 * The end-to-end scenarios, as changes a person makes to a bootstrapped topology (the demo's
 * steps, test/local/demo.ts). Each `change` acts through the simulator's REST API under the
 * default principal; peerlink learns of it only from the audit entries it writes.
 */
import { resourceName } from '../../functions/core/desire/names.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { Actor } from '../local/actor.ts';
import { THIRD_VPC } from '../local/demo.ts';
import { waitFor } from '../support/process-group.ts';
import type { World } from './harness.ts';

export interface Scenario {
  readonly name: string;
  change(w: World): Promise<void>;
}

function parts(t: Topology) {
  const svc = t.services[0];
  const provider = t.clusters.find((c) => c.name === svc?.cluster);
  const consumer = t.clusters.find((c) => c.name === svc?.consumers[0]);
  if (!svc || !provider || !consumer)
    throw new Error('the scenarios need a service and a consumer');
  return { svc, provider, consumer };
}

export const newNodePool: Scenario = {
  name: 'new node pool',
  async change(w) {
    const { provider } = parts(w.t);
    const actor = new Actor(w.running.url, w.t.project);
    await actor.createNodePool(provider.location, provider.name, 'pool-2');
    await waitFor(
      'the new node pool to have instance groups',
      async () =>
        (await actor.nodePoolGroups(provider.location, provider.name, 'pool-2')).length > 0,
      20_000,
      20,
    );
  },
};

export const peeringAdded: Scenario = {
  name: 'peering added',
  async change(w) {
    const { consumer } = parts(w.t);
    const actor = new Actor(w.running.url, w.t.project);
    await actor.peerNewNetwork({ ...THIRD_VPC, region: consumer.region, peer: consumer.network });
  },
};

export const peeringRemoved: Scenario = {
  name: 'peering removed',
  async change(w) {
    const { consumer, provider } = parts(w.t);
    const actor = new Actor(w.running.url, w.t.project);
    await actor.compute('POST', `global/networks/${consumer.network}/removePeering`, {
      name: `peerlink-${consumer.network}-${provider.network}`,
    });
  },
};

export const managedResourceDeleted: Scenario = {
  name: 'managed resource deleted',
  async change(w) {
    const { svc } = parts(w.t);
    const actor = new Actor(w.running.url, w.t.project);
    await actor.compute('DELETE', `global/firewalls/${resourceName(svc, 'consumers')}`);
  },
};

/** The scenarios that start from a bootstrapped topology (bootstrap itself is run apart). */
export const SCENARIOS: readonly Scenario[] = [
  newNodePool,
  peeringAdded,
  peeringRemoved,
  managedResourceDeleted,
];
