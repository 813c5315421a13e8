/**
 * Fills the doctor's snapshot (functions/core/doctor/snapshot.ts) through the existing Compute,
 * FactsPort and Kubernetes adapters. Every read stands alone: one refused or failed leaves its
 * field undefined (the hop says unknown) rather than failing the diagnosis; a 404 is null.
 */
import { parse } from 'yaml';
import { resourceName } from '../core/desire/names.ts';
import type {
  DaemonSetStatus,
  DoctorSnapshot,
  FirewallRule,
  PeeringSide,
} from '../core/doctor/snapshot.ts';
import { NotFoundError } from '../core/errors.ts';
import {
  AGENT_NAMESPACE,
  CIDR_CONFIGMAP,
  IP_MASQ_AGENT_CONFIGMAP,
} from '../core/manifests/masquerade.ts';
import type { ClusterFacts, Facts, NetworkFacts } from '../core/model/facts.ts';
import type { Direction, ProtocolPorts } from '../core/net/firewall.ts';
import type { FactsPort } from '../core/ports.ts';
import type { Cluster, Service, Topology } from '../core/topology/schema.ts';
import type { ApiFirewall, Compute } from './compute.ts';
import { shortName } from './convert.ts';
import type { Kube } from './kube.ts';

export interface DoctorReadDeps {
  readonly compute: Compute;
  readonly facts: FactsPort;
  readonly kube: Kube;
}

/** The value, null on a 404, undefined on any other failure (refused, unreachable). */
async function attempt<T>(read: () => Promise<T>): Promise<T | null | undefined> {
  try {
    return await read();
  } catch (e) {
    return e instanceof NotFoundError ? null : undefined;
  }
}

const strings = (xs: readonly (string | null | undefined)[] | null | undefined): string[] =>
  (xs ?? []).filter((x): x is string => typeof x === 'string');

function ruleOf(f: ApiFirewall): FirewallRule {
  const pp = (
    xs: readonly { IPProtocol?: string | null; ports?: string[] | null }[] | null | undefined,
  ) =>
    (xs ?? []).map(
      (x): ProtocolPorts => ({ IPProtocol: x.IPProtocol ?? '', ports: strings(x.ports) }),
    );
  return {
    name: f.name ?? '',
    direction: (f.direction ?? 'INGRESS') as Direction,
    priority: f.priority ?? 1000,
    disabled: f.disabled ?? false,
    allowed: pp(f.allowed),
    denied: pp(f.denied),
    sourceRanges: strings(f.sourceRanges),
    destinationRanges: strings(f.destinationRanges),
    sourceTags: strings(f.sourceTags),
    sourceServiceAccounts: strings(f.sourceServiceAccounts),
    targetTags: strings(f.targetTags),
    targetServiceAccounts: strings(f.targetServiceAccounts),
    description: f.description ?? '',
  };
}

/** Reads everything the doctor needs for one consumer and one service of a validated topology. */
export async function readDoctorSnapshot(
  deps: DoctorReadDeps,
  t: Topology,
  consumer: Cluster,
  service: Service,
): Promise<DoctorSnapshot> {
  const { compute, kube } = deps;
  const provider = t.clusters.find((c) => c.name === service.cluster);
  if (!provider)
    throw new Error(`service ${service.name}: cluster ${service.cluster} is not in the topology`);
  const networks = [...new Set([consumer.network, provider.network])];
  const clusters = [...new Map([consumer, provider].map((c) => [c.name, c])).values()];

  const [netFacts, clusterFacts, apiNetworks, firewalls] = await Promise.all([
    Promise.all(networks.map((n) => attempt(() => deps.facts.network(n)))),
    Promise.all(clusters.map((c) => attempt(() => deps.facts.cluster(c.location, c.name)))),
    Promise.all(networks.map((n) => attempt(() => compute.networks.get(n)))),
    // The whole policy of each network, peerlink's rules or not.
    attempt(() => compute.firewalls.list()),
  ]);
  const facts: Facts = {
    networks: Object.fromEntries(
      netFacts.filter((n): n is NetworkFacts => !!n).map((n) => [n.name, n]),
    ),
    clusters: Object.fromEntries(
      clusterFacts.filter((c): c is ClusterFacts => !!c).map((c) => [c.name, c]),
    ),
  };
  const byNetwork = (n: string) =>
    firewalls === undefined
      ? undefined
      : (firewalls ?? []).filter((f) => shortName(f.network ?? '') === n).map(ruleOf);
  const peeringsOf = (i: number): readonly PeeringSide[] | undefined => {
    const n = apiNetworks[i];
    if (n === undefined) return undefined;
    return (n?.peerings ?? []).map((p) => ({
      name: p.name ?? '',
      peerNetwork: shortName(p.network ?? ''),
      state: p.state === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE',
      ...(typeof p.exchangeSubnetRoutes === 'boolean'
        ? { exchangeSubnetRoutes: p.exchangeSubnetRoutes }
        : {}),
    }));
  };

  const frName = resourceName(service, 'fr');
  const bsName = resourceName(service, 'bs');
  const managed = service.ilb === 'managed';
  const [frs, bs] = await Promise.all([
    managed
      ? attempt(() => compute.forwardingRules.list(provider.region, `name = "${frName}"`))
      : Promise.resolve(null),
    managed
      ? attempt(() => compute.backendServices.get(provider.region, bsName))
      : Promise.resolve(null),
  ]);
  const fr = frs?.find((f) => f.name === frName);

  const get = (
    cluster: string,
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ) => attempt(() => kube.get(cluster, { apiVersion, kind, namespace, name }));
  const [cidrs, ds, ipMasq, svc, deploy] = await Promise.all([
    get(consumer.name, 'v1', 'ConfigMap', AGENT_NAMESPACE, CIDR_CONFIGMAP),
    get(consumer.name, 'apps/v1', 'DaemonSet', AGENT_NAMESPACE, 'peerlink-masquerade-agent'),
    get(consumer.name, 'v1', 'ConfigMap', AGENT_NAMESPACE, IP_MASQ_AGENT_CONFIGMAP),
    get(provider.name, 'v1', 'Service', service.namespace, service.name),
    get(provider.name, 'apps/v1', 'Deployment', service.namespace, service.name),
  ]);
  const data = (m: typeof cidrs) =>
    (m as { data?: Record<string, string> } | null | undefined)?.data;
  const status =
    ds === undefined || ds === null
      ? ds
      : ((ds as { status?: Partial<DaemonSetStatus> }).status ?? {});
  const ports = (
    svc as { spec?: { ports?: { port?: number; nodePort?: number }[] } } | null | undefined
  )?.spec?.ports;
  const nodePort = ports?.find((p) => p.port === service.port)?.nodePort;

  return {
    facts,
    firewalls: Object.fromEntries(networks.map((n) => [n, byNetwork(n)])),
    peerings: Object.fromEntries(networks.map((n, i) => [n, peeringsOf(i)])),
    importedRoutes: Object.fromEntries(networks.map((n, i) => [n, netFacts[i]?.importedRanges])),
    forwardingRule:
      frs === undefined
        ? undefined
        : fr
          ? {
              name: frName,
              IPAddress: fr.IPAddress ?? '',
              ports: strings(fr.ports),
              allowGlobalAccess: fr.allowGlobalAccess ?? false,
            }
          : null,
    backendService:
      bs === undefined || bs === null
        ? bs
        : {
            name: bsName,
            backends: (bs.backends ?? []).map((b) => instanceGroupOf(b.group ?? '')),
          },
    masquerade: {
      agentCidrs: cidrs === undefined ? undefined : (data(cidrs)?.cidrs ?? null),
      agentDaemonSet:
        status === undefined || status === null
          ? status
          : {
              desiredNumberScheduled: status.desiredNumberScheduled ?? 0,
              numberReady: status.numberReady ?? 0,
              updatedNumberScheduled: status.updatedNumberScheduled ?? 0,
            },
      ipMasqAgentNonMasquerade:
        ipMasq === undefined || ipMasq === null
          ? ipMasq
          : strings(
              (parse(data(ipMasq)?.config ?? '') as { nonMasqueradeCIDRs?: string[] } | null)
                ?.nonMasqueradeCIDRs,
            ),
    },
    serviceNodePort: svc === undefined || svc === null ? svc : (nodePort ?? null),
    // `readyReplicas` is omitted from the status when zero (apps/v1 DeploymentStatus).
    deploymentReadyReplicas:
      deploy === undefined || deploy === null
        ? deploy
        : ((deploy as { status?: { readyReplicas?: number } }).status?.readyReplicas ?? 0),
  };
}

/** `projects/P/zones/Z/instanceGroups/NAME` of a backend's group URL. */
function instanceGroupOf(url: string): string {
  const m = /(projects\/[^/]+\/zones\/[^/]+\/instanceGroups\/[^/]+)$/.exec(url);
  return m?.[1] ?? url;
}
