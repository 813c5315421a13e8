/**
 * Why can't this cluster reach that service: the path a request takes from a consumer pod to a
 * service's internal load balancer, checked hop by hop against an observed snapshot. Pure. What
 * *should* be there comes from peerlink's own desire, so the doctor and reconcile never disagree.
 */
import { desire } from '../desire/desire.ts';
import { effectiveMode, needsMasquerade, nonMasqueradeBase } from '../desire/masquerade.ts';
import { nodePortOf, resourceName, serviceId } from '../desire/names.ts';
import type { BackendService, Firewall } from '../model/resources.ts';
import { NAME_PREFIX, OWNER_MARKER } from '../model/resources.ts';
import { overlaps } from '../net/cidr.ts';
import { evaluateFirewall, IMPLIED_DENY_INGRESS, type Packet } from '../net/firewall.ts';
import type { Cluster, Service, Topology } from '../topology/schema.ts';
import type { DoctorSnapshot, FirewallRule, NodeEndpoint } from './snapshot.ts';

export type HopName =
  | 'source address'
  | 'masquerade'
  | 'consumer egress firewall'
  | 'peering'
  | 'routes'
  | 'provider ingress firewall'
  | 'load balancer'
  | 'kubernetes';

export type HopStatus = 'ok' | 'fail' | 'warn' | 'unknown';

export interface Evidence {
  readonly resource: string;
  readonly field: string;
  readonly value: unknown;
}

export interface Hop {
  readonly hop: HopName;
  readonly status: HopStatus;
  /** One line a person reads: what was found. */
  readonly summary: string;
  readonly evidence: readonly Evidence[];
  /** The peerlink command that repairs it, or the setting to change when peerlink owns nothing of it. */
  readonly fix?: string;
}

export interface Diagnosis {
  readonly from: string;
  readonly to: string;
  readonly reachable: boolean;
  readonly hops: readonly Hop[];
  /** The first failing hop, or null when the path is open. */
  readonly verdict: Hop | null;
}

/** A `--from` or `--to` that the topology does not know. */
export class DoctorInputError extends Error {}

export interface DoctorInput {
  readonly topology: Topology;
  /** The path of the topology file, for the fixes' commands. */
  readonly topologyFile: string;
  /** The consumer cluster's name. */
  readonly from: string;
  /** The service: its topology name, or `namespace/name`, or `cluster/namespace/name`. */
  readonly to: string;
  readonly snapshot: DoctorSnapshot;
}

export function findService(t: Topology, to: string): Service {
  const hits = t.services.filter(
    (s) => s.name === to || `${s.namespace}/${s.name}` === to || serviceId(s) === to,
  );
  if (hits.length === 1 && hits[0]) return hits[0];
  if (hits.length > 1)
    throw new DoctorInputError(
      `service ${to} is ambiguous: ${hits.map(serviceId).join(', ')}; name it as cluster/namespace/name`,
    );
  throw new DoctorInputError(
    `no service ${to} in the topology (services: ${t.services.map(serviceId).join(', ') || 'none'})`,
  );
}

function findCluster(t: Topology, name: string): Cluster {
  const c = t.clusters.find((x) => x.name === name);
  if (!c)
    throw new DoctorInputError(
      `no cluster ${name} in the topology (clusters: ${t.clusters.map((x) => x.name).join(', ') || 'none'})`,
    );
  return c;
}

const within = (address: string, ranges: readonly string[]) =>
  ranges.length > 0 && overlaps([`${address}/32`], ranges);

/** The `n`-th address of a CIDR (n = 2: the first one GCP gives a VM of a subnet). */
function hostOf(cidr: string, n: number): string {
  const [base = '0.0.0.0'] = cidr.split('/');
  const v = base.split('.').reduce((a, o) => a * 256 + Number(o), 0) + n;
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
}

function subnetRange(t: Topology, c: Cluster): string {
  const r = t.networks
    .find((n) => n.name === c.network)
    ?.subnets.find((s) => s.name === c.subnet)?.range;
  if (!r)
    throw new DoctorInputError(`cluster ${c.name}: subnet ${c.subnet} is not in the topology`);
  return r;
}

function podRange(t: Topology, c: Cluster): string | undefined {
  if (c.mode === 'routes') return c.podRange;
  return t.networks
    .find((n) => n.name === c.network)
    ?.subnets.find((s) => s.name === c.subnet)
    ?.secondaryRanges.find((r) => r.name === c.podSecondaryRange)?.range;
}

/** Whether peerlink owns a firewall rule: its name prefix and its description marker. */
function owned(rule: FirewallRule): boolean {
  return rule.name.startsWith(NAME_PREFIX) && (rule.description ?? '').includes(OWNER_MARKER);
}

function parseCidrFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

interface Path {
  readonly t: Topology;
  readonly file: string;
  readonly consumer: Cluster;
  readonly provider: Cluster;
  readonly service: Service;
  readonly snap: DoctorSnapshot;
  readonly port: number;
  /** The ILB's address, once known. */
  readonly ilb: string | undefined;
  readonly pod: string | undefined;
  readonly node: NodeEndpoint;
  readonly providerNode: NodeEndpoint;
  /** The source address the provider sees. */
  readonly translated: string;
  readonly desiredMasquerade: readonly string[];
  readonly desiredFirewalls: readonly Firewall[];
  readonly desiredBackends: BackendService | undefined;
}

const hop = (
  name: HopName,
  status: HopStatus,
  summary: string,
  evidence: Evidence[],
  fix?: string,
): Hop => ({ hop: name, status, summary, evidence, ...(fix !== undefined ? { fix } : {}) });

function sourceHop(p: Path): Hop {
  const ev: Evidence[] = [
    {
      resource: `topology service ${p.service.name}`,
      field: 'consumers',
      value: p.service.consumers,
    },
  ];
  if (!p.service.consumers.includes(p.consumer.name))
    return hop(
      'source address',
      'fail',
      `${p.consumer.name} is not a consumer of ${serviceId(p.service)}: peerlink opens nothing for it`,
      ev,
      `add ${p.consumer.name} to the consumers of service ${p.service.name} in ${p.file}, then peerlink apply --topology ${p.file}`,
    );
  ev.push({ resource: `cluster ${p.consumer.name}`, field: 'pod range', value: p.pod ?? null });
  const rewritten = p.translated !== p.pod;
  return hop(
    'source address',
    p.pod === undefined ? 'unknown' : 'ok',
    rewritten
      ? `pod ${p.pod} → SNAT node ${p.translated}`
      : `pod ${p.pod ?? '(unknown)'} keeps its address`,
    ev,
  );
}

function masqueradeHop(p: Path): Hop {
  const cf = p.snap.facts.clusters[p.consumer.name];
  const mode = effectiveMode(p.consumer, cf);
  const m = p.snap.masquerade;
  const ev: Evidence[] = [
    { resource: `cluster ${p.consumer.name}`, field: 'masquerade mechanism', value: mode },
  ];
  const name = 'masquerade';
  if (!needsMasquerade(p.consumer))
    return hop(name, 'ok', 'VPC-native: the pod range is a subnet range the peering exchanges', ev);
  if (p.ilb === undefined) return hop(name, 'unknown', "the ILB's address is not known", ev);
  ev.push({ resource: 'peerlink desire', field: 'masquerade CIDRs', value: p.desiredMasquerade });
  const ilb = p.ilb;
  // Live configuration that leaves the ILB out: apply repairs it when desire covers the ILB;
  // otherwise it follows from the routes the consumer network lacks, which that hop names.
  const uncovered = (summary: string): Hop =>
    within(ilb, p.desiredMasquerade)
      ? hop(name, 'fail', summary, ev, `peerlink apply --topology ${p.file}`)
      : hop(
          name,
          'warn',
          `${summary}; peerlink would not masquerade it either while ${p.consumer.network} imports no route to it`,
          ev,
          'see the peering and routes hops',
        );
  if (mode === 'none')
    return hop(
      name,
      'fail',
      `nothing masquerades ${p.ilb}: pods keep addresses the peering does not know`,
      ev,
      `set masquerade to auto (or agent) for cluster ${p.consumer.name} in ${p.file}, then peerlink apply --topology ${p.file}`,
    );
  if (mode === 'agent') {
    if (m.agentCidrs === undefined || m.agentDaemonSet === undefined)
      return hop(name, 'unknown', "the agent's ConfigMap or DaemonSet could not be read", ev);
    const listed = m.agentCidrs === null ? null : parseCidrFile(m.agentCidrs);
    ev.push({
      resource: 'ConfigMap kube-system/peerlink-masquerade-cidrs',
      field: 'data.cidrs',
      value: listed,
    });
    if (listed === null || !within(p.ilb, listed))
      return uncovered(
        listed === null
          ? "the agent's CIDR ConfigMap is missing"
          : `the agent's CIDR ConfigMap does not list ${p.ilb}`,
      );
    const ds = m.agentDaemonSet;
    ev.push({
      resource: 'DaemonSet kube-system/peerlink-masquerade-agent',
      field: 'status',
      value: ds,
    });
    if (ds === null)
      return hop(
        name,
        'fail',
        'the masquerade agent DaemonSet is missing',
        ev,
        `peerlink apply --topology ${p.file}`,
      );
    // Rolled out as kubectl rollout status judges it: every scheduled pod updated and ready
    // (kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go, DaemonSetStatusViewer).
    const behind = Math.max(
      ds.desiredNumberScheduled - ds.numberReady,
      ds.desiredNumberScheduled - ds.updatedNumberScheduled,
    );
    if (behind > 0)
      return hop(
        name,
        'fail',
        `the masquerade agent is not rolled out on ${behind} of ${ds.desiredNumberScheduled} nodes`,
        ev,
        `kubectl -n kube-system rollout status daemonset/peerlink-masquerade-agent on ${p.consumer.name}; the pods that are not ready say why`,
      );
    return hop(name, 'ok', `the agent masquerades ${p.ilb} on ${ds.numberReady} nodes`, ev);
  }
  if (mode === 'ip-masq-agent') {
    if (m.ipMasqAgentNonMasquerade === undefined)
      return hop(name, 'unknown', 'the ip-masq-agent ConfigMap could not be read', ev);
    // nonMasqueradeCIDRs keep the pod source; without the ConfigMap the defaults do
    // (https://cloud.google.com/kubernetes-engine/docs/concepts/ip-masquerade-agent).
    const nonMasq = m.ipMasqAgentNonMasquerade ?? nonMasqueradeBase(p.consumer);
    ev.push({
      resource: 'ConfigMap kube-system/ip-masq-agent',
      field: 'nonMasqueradeCIDRs',
      value: m.ipMasqAgentNonMasquerade,
    });
    if (within(p.ilb, nonMasq)) return uncovered(`ip-masq-agent leaves ${p.ilb} unmasqueraded`);
    return hop(name, 'ok', `ip-masq-agent masquerades ${p.ilb}`, ev);
  }
  // The policy's destinations (action NoSNAT) keep the pod source
  // (https://cloud.google.com/kubernetes-engine/docs/how-to/egress-nat-policy-ip-masq-autopilot).
  const policy = cf?.egressNatPolicy;
  if (policy === undefined)
    return hop(name, 'unknown', 'the default EgressNATPolicy could not be read', ev);
  ev.push({
    resource: 'EgressNATPolicy default',
    field: 'spec.destinations',
    value: policy?.destinations ?? null,
  });
  if (policy !== null && within(p.ilb, policy.destinations))
    return uncovered(`the default EgressNATPolicy leaves ${p.ilb} unmasqueraded`);
  return hop(name, 'ok', `the egress NAT policy masquerades ${p.ilb}`, ev);
}

/** A firewall verdict as a hop: a deny names its rule and who can change it. */
function firewallHop(
  p: Path,
  name: HopName,
  network: string,
  packet: Packet,
  wanted: Firewall | undefined,
): Hop {
  const rules = p.snap.firewalls[network];
  if (rules === undefined)
    return hop(name, 'unknown', `the firewall rules of ${network} could not be read`, []);
  const v = evaluateFirewall(rules, packet);
  const ev: Evidence[] = [
    {
      resource: `network ${network}`,
      field: 'firewall verdict',
      value: `${v.action} by ${v.rule} (priority ${v.priority})`,
    },
  ];
  const present = wanted === undefined || rules.some((r) => r.name === wanted.name);
  if (wanted) ev.push({ resource: `firewall ${wanted.name}`, field: 'exists', value: present });
  const what = `${packet.protocol}:${packet.port} ${packet.source.address} → ${packet.destination.address}`;
  if (v.action === 'deny') {
    const rule = rules.find((r) => r.name === v.rule);
    const fix =
      v.rule === IMPLIED_DENY_INGRESS || (rule && owned(rule))
        ? `peerlink apply --topology ${p.file}`
        : `firewall rule ${v.rule} of ${network} is not peerlink's: change or remove it (gcloud compute firewall-rules update|delete ${v.rule}), or allow ${what} at a higher priority`;
    return hop(
      name,
      'fail',
      `${what} denied by ${v.rule === IMPLIED_DENY_INGRESS && !present ? `${v.rule}: peerlink's rule ${wanted?.name} is missing` : v.rule}`,
      ev,
      fix,
    );
  }
  if (!present)
    return hop(
      name,
      'warn',
      `${what} allowed by ${v.rule}, but peerlink's rule ${wanted?.name} is missing`,
      ev,
      `peerlink apply --topology ${p.file}`,
    );
  return hop(name, 'ok', `${what} allowed by ${v.rule}`, ev);
}

function egressHop(p: Path): Hop {
  const wanted = p.desiredFirewalls.find(
    (f) => f.network === p.consumer.network && f.direction === 'EGRESS',
  );
  if (p.ilb === undefined)
    return hop('consumer egress firewall', 'unknown', "the ILB's address is not known", []);
  return firewallHop(
    p,
    'consumer egress firewall',
    p.consumer.network,
    {
      direction: 'EGRESS',
      source: { ...p.node, address: p.translated },
      destination: { address: p.ilb },
      protocol: 'tcp',
      port: p.port,
    },
    wanted,
  );
}

function peeringHop(p: Path): Hop {
  const a = p.consumer.network;
  const b = p.provider.network;
  const name = 'peering';
  if (a === b) return hop(name, 'ok', `same network ${a}`, []);
  const fix = `peerlink bootstrap --topology ${p.file}`;
  const ev: Evidence[] = [];
  // Both sides are read before judging, so that a side left INACTIVE names the one missing.
  const sides = (
    [
      [a, b],
      [b, a],
    ] as const
  ).map(([from, to]) => ({ from, to, list: p.snap.peerings[from] }));
  for (const { from, list } of sides)
    if (list === undefined)
      return hop(name, 'unknown', `the peerings of ${from} could not be read`, ev);
  const found = sides.map(({ from, to, list }) => {
    const side = list?.find((x) => x.peerNetwork === to);
    ev.push({ resource: `network ${from}`, field: `peering to ${to}`, value: side ?? null });
    return { from, to, side };
  });
  const inactive = found.find((f) => f.side !== undefined && f.side.state !== 'ACTIVE');
  const missing = found.find((f) => f.side === undefined);
  if (inactive?.side)
    return hop(
      name,
      'fail',
      `peering ${inactive.side.name} of ${inactive.from} is ${inactive.side.state}: ${
        missing ? `${missing.from} has no peering to ${missing.to}` : 'the other side is not ACTIVE'
      }`,
      ev,
      fix,
    );
  if (missing) return hop(name, 'fail', `${missing.from} has no peering to ${missing.to}`, ev, fix);
  for (const { from, side } of found)
    if (side?.exchangeSubnetRoutes === false)
      return hop(
        name,
        'fail',
        `peering ${side.name} of ${from} does not exchange subnet routes`,
        ev,
        fix,
      );
  const sa = subnetRange(p.t, p.consumer);
  const sb = subnetRange(p.t, p.provider);
  if (overlaps([sa], [sb]))
    return hop(
      name,
      'fail',
      `subnets ${sa} and ${sb} overlap`,
      ev,
      `change a subnet range in ${p.file}`,
    );
  return hop(name, 'ok', `peering ${a}↔${b} ACTIVE`, ev);
}

function routesHop(p: Path): Hop {
  const name = 'routes';
  const imports = (net: string) =>
    p.snap.importedRoutes[net] ?? p.snap.facts.networks[net]?.importedRanges;
  if (p.consumer.network === p.provider.network)
    return hop(name, 'ok', 'same network: subnet routes', []);
  const inC = imports(p.consumer.network);
  const inP = imports(p.provider.network);
  const ev: Evidence[] = [
    { resource: `network ${p.consumer.network}`, field: 'imported routes', value: inC ?? null },
    { resource: `network ${p.provider.network}`, field: 'imported routes', value: inP ?? null },
  ];
  if (inC === undefined || inP === undefined || p.ilb === undefined)
    return hop(name, 'unknown', 'the imported routes or the ILB address could not be read', ev);
  const fix = `check the peering's subnet route exchange (gcloud compute networks peerings list-routes); then peerlink bootstrap --topology ${p.file}`;
  if (!within(p.ilb, inC))
    return hop(name, 'fail', `${p.consumer.network} imports no route to ${p.ilb}`, ev, fix);
  if (!within(p.translated, inP))
    return hop(
      name,
      'fail',
      `${p.provider.network} imports no return route to ${p.translated}`,
      ev,
      fix,
    );
  return hop(
    name,
    'ok',
    `${p.consumer.network} → ${p.ilb}, ${p.provider.network} → ${p.translated}`,
    ev,
  );
}

function ingressHop(p: Path): Hop {
  const name = 'provider ingress firewall';
  if (p.ilb === undefined) return hop(name, 'unknown', "the ILB's address is not known", []);
  // A passthrough ILB delivers packets with the forwarding rule's address as destination
  // (https://cloud.google.com/load-balancing/docs/internal#firewall_rules).
  const destination = { ...p.providerNode, address: p.ilb };
  const consumers = p.desiredFirewalls.find((f) => f.name === resourceName(p.service, 'consumers'));
  const main = firewallHop(
    p,
    name,
    p.provider.network,
    {
      direction: 'INGRESS',
      source: { address: p.translated },
      destination,
      protocol: 'tcp',
      port: p.port,
    },
    consumers,
  );
  if (main.status !== 'ok' || p.service.ilb !== 'managed') return main;
  // The health checks come from Google's probers; blocked, every backend is unhealthy.
  const health = p.desiredFirewalls.find((f) => f.name === resourceName(p.service, 'health'));
  const probe = firewallHop(
    p,
    name,
    p.provider.network,
    {
      direction: 'INGRESS',
      source: { address: '35.191.0.1' },
      destination,
      protocol: 'tcp',
      port: p.port,
    },
    health,
  );
  return probe.status === 'ok'
    ? hop(name, 'ok', main.summary, [...main.evidence, ...probe.evidence])
    : { ...probe, summary: `health checks: ${probe.summary}` };
}

function loadBalancerHop(p: Path): Hop {
  const name = 'load balancer';
  const fix = `peerlink apply --topology ${p.file}`;
  if (p.service.ilb !== 'managed') return hop(name, 'ok', "GKE's own load balancer (ilb: gke)", []);
  const fr = p.snap.forwardingRule;
  if (fr === undefined) return hop(name, 'unknown', 'the forwarding rule could not be read', []);
  const ev: Evidence[] = [
    { resource: `forwarding rule ${resourceName(p.service, 'fr')}`, field: 'state', value: fr },
  ];
  if (fr === null) return hop(name, 'fail', 'the forwarding rule is missing', ev, fix);
  if (!fr.ports.includes(String(p.port)))
    return hop(
      name,
      'fail',
      `the forwarding rule serves ports ${fr.ports.join(',')}, not the node port ${p.port}`,
      ev,
      fix,
    );
  // Clients in other regions need global access (https://cloud.google.com/load-balancing/docs/internal#global_access).
  if (p.consumer.region !== p.provider.region && !fr.allowGlobalAccess)
    return hop(
      name,
      'fail',
      `${p.consumer.name} is in ${p.consumer.region}, the ILB in ${p.provider.region}, and allowGlobalAccess is false`,
      ev,
      p.service.globalAccess === false
        ? `set globalAccess: true for service ${p.service.name} in ${p.file}, then peerlink apply --topology ${p.file}`
        : fix,
    );
  const bs = p.snap.backendService;
  if (bs === undefined) return hop(name, 'unknown', 'the backend service could not be read', ev);
  ev.push({
    resource: `backend service ${resourceName(p.service, 'bs')}`,
    field: 'backends',
    value: bs?.backends ?? null,
  });
  if (bs === null) return hop(name, 'fail', 'the backend service is missing', ev, fix);
  const missing = (p.desiredBackends?.backends ?? []).filter((g) => !bs.backends.includes(g));
  if (missing.length > 0)
    return hop(
      name,
      'fail',
      `the backend service lacks instance groups ${missing.join(', ')}`,
      ev,
      fix,
    );
  const health = p.snap.backendHealth;
  const at = `ILB ${fr.IPAddress}:${p.port}`;
  if (health === undefined) return hop(name, 'ok', `${at} (backend health not read)`, ev);
  const healthy = health.filter((h) => h.healthState === 'HEALTHY').length;
  ev.push({ resource: `backend service ${bs.name}`, field: 'getHealth', value: health });
  const count = `${healthy}/${health.length} healthy`;
  if (healthy === 0)
    return hop(
      name,
      'fail',
      `${at}: no backend is healthy (${count})`,
      ev,
      `see the kubernetes hop and the health-check firewall; the backends answer the health check on node port ${p.port}`,
    );
  if (healthy < health.length) return hop(name, 'warn', `${at} (${count})`, ev);
  return hop(name, 'ok', `${at} (${count})`, ev);
}

function kubernetesHop(p: Path): Hop {
  const name = 'kubernetes';
  const fix = `peerlink apply --topology ${p.file}`;
  const np = p.snap.serviceNodePort;
  const ready = p.snap.deploymentReadyReplicas;
  const svc = `${p.service.namespace}/${p.service.name}`;
  const ev: Evidence[] = [
    { resource: `Service ${svc}`, field: 'spec.ports[].nodePort', value: np ?? null },
    { resource: `Deployment ${svc}`, field: 'status.readyReplicas', value: ready ?? null },
  ];
  if (np === undefined || ready === undefined)
    return hop(
      name,
      'unknown',
      `the Service or Deployment on ${p.provider.name} could not be read`,
      ev,
    );
  if (np === null) return hop(name, 'fail', `the Service ${svc} is missing`, ev, fix);
  if (p.service.ilb === 'managed' && np !== p.port)
    return hop(name, 'fail', `the Service's node port is ${np}, the ILB's ${p.port}`, ev, fix);
  if (ready === null) return hop(name, 'fail', `the Deployment ${svc} is missing`, ev, fix);
  if (ready === 0)
    return hop(
      name,
      'fail',
      `the Deployment ${svc} has no ready replicas`,
      ev,
      `kubectl -n ${p.service.namespace} describe deployment ${p.service.name} on ${p.provider.name} (scaled to zero, or pods failing); peerlink apply --topology ${p.file} restores its replicas`,
    );
  return hop(name, 'ok', `${p.provider.name} ${svc}: node port ${np}, ${ready} ready`, ev);
}

/** Every hop of the path, in order; the verdict is the first that fails. */
export function diagnose(input: DoctorInput): Diagnosis {
  const { topology: t, snapshot: snap } = input;
  const consumer = findCluster(t, input.from);
  const service = findService(t, input.to);
  const provider = findCluster(t, service.cluster);
  const wanted = desire(t, snap.facts, {
    services: new Set([serviceId(service)]),
    clusters: new Set([consumer.name]),
  });
  const port = service.ilb === 'managed' ? nodePortOf(service) : service.port;
  const node: NodeEndpoint = snap.consumerNode ?? {
    address: hostOf(subnetRange(t, consumer), 2),
    tags: snap.facts.clusters[consumer.name]?.nodeTags ?? [],
  };
  const providerNode: NodeEndpoint = snap.providerNode ?? {
    address: hostOf(subnetRange(t, provider), 2),
    tags: snap.facts.clusters[provider.name]?.nodeTags ?? [],
  };
  const pods = podRange(t, consumer);
  const pod = pods === undefined ? undefined : hostOf(pods, 2);
  const ilb = snap.forwardingRule?.IPAddress || service.address || undefined;
  const masq = wanted.masquerade[consumer.name] ?? [];
  // A routes-based pod is seen as its node where masquerading applies; a VPC-native one as itself.
  const rewritten =
    consumer.mode === 'routes' &&
    effectiveMode(consumer, snap.facts.clusters[consumer.name]) !== 'none';
  const path: Path = {
    t,
    file: input.topologyFile,
    consumer,
    provider,
    service,
    snap,
    port,
    ilb,
    pod,
    node,
    providerNode,
    translated: rewritten || pod === undefined ? node.address : pod,
    desiredMasquerade: masq,
    desiredFirewalls: wanted.resources.filter((r): r is Firewall => r.kind === 'firewall'),
    desiredBackends: wanted.resources.find((r): r is BackendService => r.kind === 'backendService'),
  };
  const hops = [
    sourceHop,
    masqueradeHop,
    egressHop,
    peeringHop,
    routesHop,
    ingressHop,
    loadBalancerHop,
    kubernetesHop,
  ].map((f) => f(path));
  const verdict = hops.find((h) => h.status === 'fail') ?? null;
  return {
    from: consumer.name,
    to: serviceId(service),
    reachable: verdict === null,
    hops,
    verdict,
  };
}
