/**
 * Which part of the topology a trigger can affect. Pure. Whatever the entry does not say is
 * widened, never guessed: an unknown network means every service.
 */
import { serviceId, servicePrefix } from './desire/names.ts';
import type { Trigger } from './events/classify.ts';
import { KINDS } from './model/kinds.ts';
import type { Cluster, Service, Topology } from './topology/schema.ts';

export interface ReconcileScope {
  /** Services whose firewall rules, ILB and backend objects to reconcile. */
  readonly services: readonly Service[];
  /** Consumer clusters whose masquerade configuration to reconcile. */
  readonly consumers: readonly Cluster[];
  /** A sweep: owned resources found anywhere it looks and not desired are deleted. */
  readonly full: boolean;
  readonly reason: string;
}

const EMPTY = (reason: string): ReconcileScope => ({
  services: [],
  consumers: [],
  full: false,
  reason,
});

export function fullScope(t: Topology, reason = 'sweep of the whole topology'): ReconcileScope {
  const consumerNames = new Set(t.services.flatMap((s) => s.consumers));
  return {
    services: t.services,
    consumers: t.clusters.filter((c) => consumerNames.has(c.name)),
    full: true,
    reason,
  };
}

function clusterOf(t: Topology, name: string): Cluster | undefined {
  return t.clusters.find((c) => c.name === name);
}

function touching(t: Topology, networks: ReadonlySet<string>, reason: string): ReconcileScope {
  const inNet = (name: string) => networks.has(clusterOf(t, name)?.network ?? '');
  const services = t.services.filter((s) => inNet(s.cluster) || s.consumers.some(inNet));
  const consumerNames = new Set(t.services.flatMap((s) => s.consumers));
  const consumers = t.clusters.filter((c) => consumerNames.has(c.name) && networks.has(c.network));
  return { services, consumers, full: false, reason };
}

/** The scope of one `reconcile` trigger. */
export function scopeOf(t: Topology, trigger: Trigger): ReconcileScope {
  if (trigger.project !== null && trigger.project !== t.project)
    return EMPTY(`project ${trigger.project} is not the topology's project ${t.project}`);
  const { scope } = trigger;
  const shape = trigger.kind === 'unknown' ? undefined : KINDS[trigger.kind].audit?.shape;
  switch (shape) {
    case 'cluster': {
      const c = scope.cluster ? clusterOf(t, scope.cluster) : undefined;
      if (!scope.cluster) return fullScope(t, `${trigger.kind} change without a cluster name`);
      if (!c) return EMPTY(`cluster ${scope.cluster} is not in the topology`);
      const services = t.services.filter(
        (s) => s.cluster === c.name || s.consumers.includes(c.name),
      );
      const consumer = t.services.some((s) => s.consumers.includes(c.name));
      return {
        services,
        consumers: consumer ? [c] : [],
        full: false,
        reason: `${trigger.kind} change in cluster ${c.name}`,
      };
    }
    case 'peering':
    case 'subnetwork': {
      const networks = new Set([scope.network, scope.peerNetwork].filter((n): n is string => !!n));
      if (networks.size === 0) return fullScope(t, `${trigger.kind} change without a network`);
      // A peering change moves both networks' imported routes, and an operation's last record
      // carries no request, so its peer is unknown: widen rather than guess.
      if (shape === 'peering' && !scope.peerNetwork)
        return fullScope(t, `peering change in network ${scope.network} with an unnamed peer`);
      return touching(t, networks, `${trigger.kind} change in network ${[...networks].join(', ')}`);
    }
    case 'owned': {
      const name = scope.resource ?? '';
      const owner = t.services.find((s) => name.startsWith(servicePrefix(s)));
      if (owner)
        return {
          ...EMPTY(`${trigger.kind} ${name} of service ${serviceId(owner)}`),
          services: [owner],
        };
      if (scope.network)
        return touching(
          t,
          new Set([scope.network]),
          `${trigger.kind} ${name} in network ${scope.network}`,
        );
      return fullScope(t, `${trigger.kind} ${name} of no known service`);
    }
    case undefined:
      return EMPTY('nothing peerlink manages');
  }
}
