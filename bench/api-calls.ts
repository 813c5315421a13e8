/**
 * API calls per event type, from the simulator's stats (Compute and GKE) and the recorder
 * (Kubernetes), on a bootstrapped ring of VPCs. Each event is a real change made through the
 * REST API as a person would; its audit entries are handed to onAuditLog (a fresh runtime, as a
 * new function instance). The scope an event read is the set of clusters and networks its calls
 * named; the full sweep's figures are the baseline it is compared with.
 */
import { servicePrefix } from '../functions/core/desire/names.ts';
import { triggerFromEvent } from '../functions/core/events/index.ts';
import { scopeOf as triggerScope } from '../functions/core/scope.ts';
import { type Call, record } from './lib/recorder.ts';
import { type LogEntry, lastEntry, type Stats, type World, waitOp } from './lib/world.ts';

export interface EventCalls {
  readonly event: string;
  readonly entries: number;
  readonly outcomes: string[];
  readonly reads: number;
  readonly writes: number;
  readonly kubeReads: number;
  readonly kubeWrites: number;
  readonly methods: Record<string, { reads: number; writes: number }>;
  readonly clustersRead: string[];
  readonly networksRead: string[];
  /** The clusters of the scope peerlink derives from the entries (all of them for a sweep). */
  readonly scopeClusters: string[];
  /** Every cluster read lies in the scope. */
  readonly withinScope: boolean;
}

export interface ApiCallsResult {
  readonly topology: { vpcs: number; clusters: number; networks: number };
  readonly events: EventCalls[];
}

/** Names of the clusters and networks a set of calls touched. */
function scopeOf(calls: readonly Call[], kubeHosts: ReadonlyMap<string, string>) {
  const clusters = new Set<string>();
  const networks = new Set<string>();
  for (const c of calls) {
    if (c.api === 'kube') {
      const name = kubeHosts.get(c.host);
      if (name) clusters.add(name);
      continue;
    }
    const cl = /\/clusters\/([^/]+)/.exec(c.path)?.[1];
    if (cl) clusters.add(cl);
    const gke = /\/(?:instanceGroups|instances)\/gke-(c\d+-[ab])-/.exec(c.path)?.[1];
    if (gke) clusters.add(gke);
    const net = /\/networks\/([^/]+)/.exec(c.path)?.[1];
    if (net) networks.add(net);
  }
  return { clusters: [...clusters].sort(), networks: [...networks].sort() };
}

function delta(before: Stats, after: Stats) {
  const methods: Record<string, { reads: number; writes: number }> = {};
  for (const [m, v] of Object.entries(after.methods)) {
    const b = before.methods[m] ?? { reads: 0, writes: 0 };
    if (v.reads - b.reads || v.writes - b.writes)
      methods[m] = { reads: v.reads - b.reads, writes: v.writes - b.writes };
  }
  return { reads: after.reads - before.reads, writes: after.writes - before.writes, methods };
}

async function kubeHostMap(w: World): Promise<Map<string, string>> {
  const list = await w.call('GET', `/v1/projects/${w.t.project}/locations/-/clusters`);
  const clusters = (list.clusters as { name: string; endpoint?: string }[] | undefined) ?? [];
  return new Map(clusters.flatMap((c) => (c.endpoint ? [[c.endpoint, c.name] as const] : [])));
}

/** Delivers `entries` one after another and counts what peerlink did for them. */
async function measure(
  w: World,
  event: string,
  run: () => Promise<string[]>,
  hosts: ReadonlyMap<string, string>,
  entries: readonly LogEntry[] | 'sweep',
): Promise<EventCalls> {
  const scoped = new Set<string>();
  if (entries === 'sweep') for (const c of w.t.clusters) scoped.add(c.name);
  else
    for (const e of entries) {
      const trigger = triggerFromEvent(e);
      if (trigger.action !== 'reconcile') continue;
      const s = triggerScope(w.t, trigger);
      for (const svc of s.services) for (const c of [svc.cluster, ...svc.consumers]) scoped.add(c);
      for (const c of s.consumers) scoped.add(c.name);
    }
  const before = await w.stats();
  const { value: outcomes, calls } = await record(run);
  const d = delta(before, await w.stats());
  const scope = scopeOf(calls, hosts);
  const kube = calls.filter((c) => c.api === 'kube');
  return {
    event,
    entries: outcomes.length,
    outcomes,
    reads: d.reads,
    writes: d.writes,
    kubeReads: kube.filter((c) => c.kind === 'read').length,
    kubeWrites: kube.filter((c) => c.kind === 'write').length,
    methods: d.methods,
    clustersRead: scope.clusters,
    networksRead: scope.networks,
    scopeClusters: [...scoped].sort(),
    withinScope: scope.clusters.every((c) => scoped.has(c)),
  };
}

export async function benchApiCalls(w: World): Promise<ApiCallsResult> {
  const p = w.t.project;
  const hosts = await kubeHostMap(w);
  const deliver = async (entries: readonly LogEntry[]) => {
    const h = w.handlers();
    const out: string[] = [];
    for (const e of entries) out.push(await h.onAuditLog(e));
    return out;
  };
  const compute = async (method: string, path: string, body?: unknown) => {
    const cursor = await w.logCursor();
    await waitOp(w, await w.call(method, `/compute/v1/projects/${p}/${path}`, body));
    return cursor;
  };
  const svc = w.t.services[1] ?? w.t.services[0];
  const provider = w.t.clusters.find((c) => c.name === svc?.cluster);
  const consumer = w.t.clusters.find((c) => c.name === svc?.consumers[0]);
  if (!svc || !provider || !consumer) throw new Error('api-calls bench needs a service');
  const events: EventCalls[] = [];

  // A sweep where nothing needs changing: target zero writes. Its reads are the baseline an
  // event's scoped reconcile is compared with.
  events.push(
    await measure(
      w,
      'no-op sweep (whole topology)',
      async () => [String((await w.handlers().sweep())?.outcome)],
      hosts,
      'sweep',
    ),
  );

  // A change peerlink does not manage: a user's own firewall rule.
  {
    const cursor = await compute('POST', 'global/firewalls', {
      name: 'allow-ssh-bench',
      network: `projects/${p}/global/networks/${provider.network}`,
      allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
      sourceRanges: ['35.235.240.0/20'],
    });
    const e = await lastEntry(w, cursor, 'v1.compute.firewalls.insert');
    events.push(
      await measure(w, 'firewall rule not managed by peerlink created', () => deliver([e]), hosts, [
        e,
      ]),
    );
  }

  // Node pool created / deleted in a provider cluster.
  {
    const base = `/v1/projects/${p}/locations/${provider.location}/clusters/${provider.name}/nodePools`;
    let cursor = await w.logCursor();
    await w.call('POST', base, { nodePool: { name: 'bench-pool', initialNodeCount: 1 } });
    let e = await lastEntry(w, cursor, 'google.container.v1.ClusterManager.CreateNodePool');
    events.push(
      await measure(w, `node pool created (provider ${provider.name})`, () => deliver([e]), hosts, [
        e,
      ]),
    );
    cursor = await w.logCursor();
    await w.call('DELETE', `${base}/bench-pool`);
    e = await lastEntry(w, cursor, 'google.container.v1.ClusterManager.DeleteNodePool');
    events.push(
      await measure(w, `node pool deleted (provider ${provider.name})`, () => deliver([e]), hosts, [
        e,
      ]),
    );
  }

  // Node pool created in a consumer cluster.
  {
    const base = `/v1/projects/${p}/locations/${consumer.location}/clusters/${consumer.name}/nodePools`;
    const cursor = await w.logCursor();
    await w.call('POST', base, { nodePool: { name: 'bench-pool', initialNodeCount: 1 } });
    const e = await lastEntry(w, cursor, 'google.container.v1.ClusterManager.CreateNodePool');
    events.push(
      await measure(w, `node pool created (consumer ${consumer.name})`, () => deliver([e]), hosts, [
        e,
      ]),
    );
  }

  // A managed firewall rule deleted by hand: peerlink restores it.
  {
    const list = await w.call('GET', `/compute/v1/projects/${p}/global/firewalls`);
    const name = ((list.items as { name: string }[] | undefined) ?? [])
      .map((f) => f.name)
      .find((n) => n.startsWith(servicePrefix(svc)));
    if (!name) throw new Error(`no managed firewall rule of ${svc.name}`);
    const cursor = await compute('DELETE', `global/firewalls/${name}`);
    const e = await lastEntry(w, cursor, 'v1.compute.firewalls.delete');
    events.push(await measure(w, 'managed firewall rule deleted', () => deliver([e]), hosts, [e]));
  }

  // A new VPC peered with the consumer's network (both sides), then the peering removed.
  {
    const net = (n: string) => `projects/${p}/global/networks/${n}`;
    await compute('POST', 'global/networks', { name: 'vpc-x', autoCreateSubnetworks: false });
    await compute('POST', `regions/${consumer.region}/subnetworks`, {
      name: 'vpc-x-sub',
      network: net('vpc-x'),
      ipCidrRange: '10.250.0.0/20',
    });
    const pairs = [
      [consumer.network, 'vpc-x'],
      ['vpc-x', consumer.network],
    ] as const;
    const added: LogEntry[] = [];
    for (const [a, b] of pairs) {
      const cursor = await compute('POST', `global/networks/${a}/addPeering`, {
        networkPeering: { name: `${a}-to-${b}`, network: net(b), exchangeSubnetRoutes: true },
      });
      added.push(await lastEntry(w, cursor, 'v1.compute.networks.addPeering'));
    }
    events.push(
      await measure(
        w,
        `peering added (${consumer.network} ↔ vpc-x, both sides)`,
        () => deliver(added),
        hosts,
        added,
      ),
    );
    const removed: LogEntry[] = [];
    for (const [a, b] of pairs) {
      const cursor = await compute('POST', `global/networks/${a}/removePeering`, {
        name: `${a}-to-${b}`,
      });
      removed.push(await lastEntry(w, cursor, 'v1.compute.networks.removePeering'));
    }
    events.push(
      await measure(
        w,
        `peering removed (${consumer.network} ↔ vpc-x, both sides)`,
        () => deliver(removed),
        hosts,
        removed,
      ),
    );
  }
  return {
    topology: {
      vpcs: w.t.networks.length,
      clusters: w.t.clusters.length,
      networks: w.t.networks.length,
    },
    events,
  };
}
