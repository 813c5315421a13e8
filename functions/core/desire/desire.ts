/**
 * Desired state: a pure function of the topology and the observed facts. It never reads the
 * cloud itself, so it is cheap to test and deterministic.
 */
import { type AgentFiles, agentManifests } from '../manifests/agent.ts';
import { AGENT_FILES } from '../manifests/agent-files.ts';
import { backendDeployment, backendService, type Manifest } from '../manifests/backend.ts';
import {
  IP_MASQ_AGENT_CONFIGMAP,
  ipMasqAgentConfigMap,
  masqueradeConfigMap,
} from '../manifests/masquerade.ts';
import type { ClusterFacts, Facts } from '../model/facts.ts';
import {
  type Address,
  type BackendService,
  type Firewall,
  type ForwardingRule,
  type HealthCheck,
  type KubeObject,
  keyOf,
  OWNER_MARKER,
  type Resource,
} from '../model/resources.ts';
import { aggregate } from '../net/cidr.ts';
import type { KnownConflict } from '../plan/diff.ts';
import type { Cluster, Service, Topology } from '../topology/schema.ts';
import { egressNatDesire } from './egress-nat.ts';
import {
  effectiveMode,
  ipMasqAgentNonMasquerade,
  ipMasqAgentRefusal,
  masqueradeCidrs,
  needsMasquerade,
} from './masquerade.ts';
import { nodePortOf, resourceName, serviceId } from './names.ts';

/** Google's health-check probers: https://cloud.google.com/load-balancing/docs/health-checks#fw-rule */
export const HEALTH_CHECK_RANGES = ['130.211.0.0/22', '35.191.0.0/16'] as const;

export interface Desired {
  readonly resources: readonly Resource[];
  /** Why some resources could not be described yet (e.g. a cluster with no nodes). */
  readonly pending: readonly string[];
  /** Masquerade CIDRs per consumer cluster, for reports. */
  readonly masquerade: Readonly<Record<string, readonly string[]>>;
  /**
   * Per consumer cluster, what peerlink leaves as it is in configuration it shares with others:
   * the destinations of an Autopilot cluster's default EgressNATPolicy it did not add, for reports.
   */
  readonly left: Readonly<Record<string, readonly string[]>>;
  /** Desired resources that must not be written, with why: the plan reports them as conflicts. */
  readonly conflicts: readonly KnownConflict[];
}

/** Which services and clusters to describe; everything when absent. */
export interface DesireScope {
  readonly services?: ReadonlySet<string>;
  readonly clusters?: ReadonlySet<string>;
}

function describe(what: string, s: Service): string {
  return `peerlink: ${what} for ${serviceId(s)} ${OWNER_MARKER}`;
}

function subnetOf(t: Topology, c: Cluster) {
  const subnet = t.networks
    .find((n) => n.name === c.network)
    ?.subnets.find((s) => s.name === c.subnet);
  if (!subnet)
    throw new Error(`cluster ${c.name}: subnet ${c.subnet} missing from a validated topology`);
  return subnet;
}

/** Where a consumer's traffic comes from, as the provider's firewall sees it. */
export function consumerSourceRanges(t: Topology, c: Cluster): string[] {
  const subnet = subnetOf(t, c);
  if (c.mode === 'routes') return [subnet.range]; // pod traffic is masqueraded to the node
  const pods = subnet.secondaryRanges.find((r) => r.name === c.podSecondaryRange)?.range;
  return aggregate(pods ? [subnet.range, pods] : [subnet.range]);
}

function servicePort(s: Service): number {
  return s.ilb === 'managed' ? nodePortOf(s) : s.port;
}

function globalAccessOf(t: Topology, s: Service, provider: Cluster): boolean {
  if (s.globalAccess !== undefined) return s.globalAccess;
  return s.consumers.some(
    (name) => t.clusters.find((c) => c.name === name)?.region !== provider.region,
  );
}

function kube(cluster: string, manifest: Manifest): KubeObject {
  const meta = manifest.metadata as { name: string; namespace?: string };
  return {
    kind: 'kube',
    cluster,
    apiVersion: String(manifest.apiVersion),
    objectKind: String(manifest.kind),
    namespace: meta.namespace ?? '',
    name: meta.name,
    manifest,
  };
}

/** GKE is deleting it: `STOPPING`, or its delete operation runs. */
const leaving = (x: { readonly status?: string; readonly deleting?: boolean }): boolean =>
  x.status === 'STOPPING' || x.deleting === true;

/**
 * The instance groups a managed ILB sends to: every node pool's, except those of pools and
 * clusters GKE is deleting. A group that is a backend cannot be deleted, so GKE's delete would
 * fail with resourceInUseByAnotherResource once its nodes are drained (as terraform-provider-google
 * and terraform-google-lb-http users report); leaving them out when the delete starts lets it
 * finish.
 */
function backendGroups(s: Service, cluster: ClusterFacts | undefined, pending: string[]): string[] {
  if (!cluster) return [];
  if (leaving(cluster)) {
    pending.push(`${serviceId(s)}: cluster ${cluster.name} is being deleted; no backends`);
    return [];
  }
  const gone = cluster.nodePools.filter(leaving);
  for (const p of gone)
    pending.push(
      `${serviceId(s)}: node pool ${p.name} of ${cluster.name} is being deleted; its instance groups leave the backend service`,
    );
  // A blue-green upgrade deletes one colour's groups inside the pool's own operation.
  const upgrading = (p: (typeof cluster.nodePools)[number]) =>
    p.instanceGroups.filter((g) => !p.leavingGroups?.includes(g));
  return [...new Set(cluster.nodePools.filter((p) => !leaving(p)).flatMap(upgrading))].sort();
}

/**
 * Why a managed ILB cannot have the provider's node pools as backends, if it cannot. "An instance
 * can belong to only one load-balanced instance group" (Compute refuses a second with
 * instanceInMultipleLoadBalancedIgs; https://cloud.google.com/load-balancing/docs/backend-service#restrictions_and_guidance),
 * and GKE's own internal LoadBalancer Services and Ingress balance to instance groups
 * `k8s-ig--<cluster id>` of the same nodes (kubernetes/cloud-provider-gcp,
 * providers/gce/gce_loadbalancer_naming.go), so whichever comes second fails.
 */
function loadBalancerClash(t: Topology, facts: Facts, s: Service): string | undefined {
  const gke = t.services.filter((o) => o.cluster === s.cluster && o.ilb === 'gke');
  if (gke.length > 0)
    return `cluster ${s.cluster} also serves ${gke.map(serviceId).join(', ')} with GKE's own load balancer (ilb: gke), whose k8s-ig-- instance groups hold the same nodes, and a VM can be in only one load-balanced instance group; give them one ilb mode`;
  const groups = facts.clusters[s.cluster]?.gkeLoadBalancedGroups ?? [];
  if (groups.length > 0)
    return `GKE's load-balanced instance groups ${groups.join(', ')} hold nodes of cluster ${s.cluster} (a LoadBalancer Service or Ingress GKE manages), and a VM can be in only one load-balanced instance group; left untouched`;
  return undefined;
}

function serviceResources(
  t: Topology,
  facts: Facts,
  s: Service,
  pending: string[],
  conflicts: KnownConflict[],
): Resource[] {
  const provider = t.clusters.find((c) => c.name === s.cluster);
  if (!provider) return [];
  // Only consumers whose network is the provider's or ACTIVE-peered with it are admitted: a
  // removed peering takes their ranges out of the rules.
  const peered = new Set(
    facts.networks[provider.network]?.peerings
      .filter((p) => p.state === 'ACTIVE')
      .map((p) => p.peerNetwork),
  );
  const consumers = t.clusters.filter(
    (c) =>
      s.consumers.includes(c.name) && (c.network === provider.network || peered.has(c.network)),
  );
  if (consumers.length < s.consumers.length)
    pending.push(
      `${serviceId(s)}: some consumers are not peered with ${provider.network} (ACTIVE) yet`,
    );
  const port = String(servicePort(s));
  const tcp = [{ IPProtocol: 'tcp', ports: [port] }];
  const observed = facts.clusters[provider.name];
  const tags = [...(observed?.nodeTags ?? [])].sort();
  const globalAccess = globalAccessOf(t, s, provider);
  // Kubernetes objects need the cluster's API; until the cluster exists they wait.
  const out: Resource[] = observed
    ? [
        kube(provider.name, backendDeployment(s)),
        kube(provider.name, backendService(s, nodePortOf(s), globalAccess)),
      ]
    : [];
  if (!observed) pending.push(`${serviceId(s)}: cluster ${provider.name} does not exist yet`);

  const firewall = (
    suffix: string,
    fields: Omit<Firewall, 'kind' | 'name' | 'priority' | 'description'>,
    what: string,
  ): Firewall => ({
    kind: 'firewall',
    name: resourceName(s, suffix),
    priority: 1000,
    description: describe(what, s),
    ...fields,
  });

  // Ingress rules target the provider's nodes; without their tag a rule would open every VM.
  if (tags.length === 0)
    pending.push(
      `${serviceId(s)}: cluster ${provider.name} has no nodes yet; its firewall rules wait`,
    );
  else {
    if (consumers.length > 0)
      out.push(
        firewall(
          'consumers',
          {
            network: provider.network,
            direction: 'INGRESS',
            sourceRanges: aggregate(consumers.flatMap((c) => consumerSourceRanges(t, c))),
            destinationRanges: [],
            targetTags: tags,
            allowed: tcp,
          },
          'consumer ingress',
        ),
      );
    if (s.ilb === 'managed')
      out.push(
        firewall(
          'health',
          {
            network: provider.network,
            direction: 'INGRESS',
            sourceRanges: [...HEALTH_CHECK_RANGES],
            destinationRanges: [],
            targetTags: tags,
            allowed: tcp,
          },
          'health-check ingress',
        ),
      );
  }

  const providerRange = subnetOf(t, provider).range;
  for (const network of [...new Set(consumers.map((c) => c.network))].sort()) {
    if (network === provider.network) continue;
    const consumerTags = consumers
      .filter((c) => c.network === network)
      .flatMap((c) => facts.clusters[c.name]?.nodeTags ?? []);
    out.push(
      firewall(
        `egress-${network}`.slice(0, 20).replace(/-+$/, ''),
        {
          network,
          direction: 'EGRESS',
          sourceRanges: [],
          destinationRanges: [providerRange],
          targetTags: [...new Set(consumerTags)].sort(),
          allowed: tcp,
        },
        `egress from ${network}`,
      ),
    );
  }

  if (s.ilb === 'managed') {
    const hc: HealthCheck = {
      kind: 'healthCheck',
      name: resourceName(s, 'hc'),
      region: provider.region,
      port: nodePortOf(s),
      description: describe('ILB health check', s),
    };
    const bs: BackendService = {
      kind: 'backendService',
      name: resourceName(s, 'bs'),
      region: provider.region,
      network: provider.network,
      healthCheck: hc.name,
      backends: backendGroups(s, observed, pending),
      description: describe('ILB backend service', s),
    };
    // A reserved address keeps the ILB's IP when the forwarding rule is created again.
    const address: Address = {
      kind: 'address',
      name: resourceName(s, 'ip'),
      region: provider.region,
      subnetwork: provider.subnet,
      address: s.address ?? '',
      description: describe('ILB address', s),
    };
    const fr: ForwardingRule = {
      kind: 'forwardingRule',
      name: resourceName(s, 'fr'),
      region: provider.region,
      network: provider.network,
      subnetwork: provider.subnet,
      backendService: bs.name,
      ports: [port],
      allowGlobalAccess: globalAccess,
      address: address.name,
      IPAddress: address.address,
      description: describe('ILB forwarding rule', s),
    };
    // Groups that are being deleted were reported by backendGroups.
    if (!observed?.nodePools.some((p) => p.instanceGroups.length > 0))
      pending.push(`${serviceId(s)}: cluster ${provider.name} has no instance groups yet`);
    const clash = loadBalancerClash(t, facts, s);
    if (clash !== undefined) conflicts.push({ key: keyOf(bs), reason: clash });
    out.push(hc, bs, address, fr);
  }
  return out;
}

function masqueradeResources(
  t: Topology,
  facts: Facts,
  c: Cluster,
  files: AgentFiles,
  out: Record<string, readonly string[]>,
  pending: string[],
  conflicts: KnownConflict[],
  left: Record<string, readonly string[]>,
): Resource[] {
  const cf = facts.clusters[c.name];
  const mode = effectiveMode(c, cf);
  const cidrs = masqueradeCidrs(t, c, facts.networks[c.network], cf);
  if (!cf) return []; // no cluster, no API to write to: the cluster's creation will trigger us
  out[c.name] = cidrs;
  // Autopilot: the default EgressNATPolicy, edited for the targets, or put back (none).
  if (mode === 'egress-nat-policy' || (mode === 'none' && (cf.autopilot ?? c.autopilot))) {
    const d = egressNatDesire(t, c, facts.networks[c.network], cf, mode);
    out[c.name] = d.targets;
    if (d.pending) pending.push(d.pending);
    if (d.left) left[c.name] = d.left;
    return d.edit ? [d.edit] : [];
  }
  // A VPC-native cluster left to auto needs nothing: GKE's defaults stay, and nothing is owned.
  if (!needsMasquerade(c)) return [];
  if (mode === 'agent')
    return [...masqueradeConfigMap(cidrs), ...agentManifests(files)].map((m) => kube(c.name, m));
  if (mode !== 'ip-masq-agent') return [];
  const nonMasquerade = ipMasqAgentNonMasquerade(c, cidrs);
  const config = kube(c.name, ipMasqAgentConfigMap(nonMasquerade));
  const refusal = ipMasqAgentRefusal(nonMasquerade);
  if (refusal !== null) conflicts.push({ key: keyOf(config), reason: refusal });
  if (cf.runsIpMasqAgent === false && cf.datapath === 'legacy')
    pending.push(
      `cluster ${c.name}: ip-masq-agent mode, but the cluster runs neither GKE's ip-masq-agent DaemonSet nor Dataplane V2, so nothing reads the ${IP_MASQ_AGENT_CONFIGMAP} ConfigMap yet`,
    );
  return [config];
}

/**
 * Everything that should exist for the services and consumer clusters in scope. `files` are the
 * agent's shipped script and DaemonSet, compiled into the build (manifests/generate.ts).
 */
export function desire(
  t: Topology,
  facts: Facts,
  scope: DesireScope = {},
  files: AgentFiles = AGENT_FILES,
): Desired {
  const pending: string[] = [];
  const masquerade: Record<string, readonly string[]> = {};
  const resources: Resource[] = [];
  const conflicts: KnownConflict[] = [];
  const left: Record<string, readonly string[]> = {};
  for (const s of t.services) {
    if (scope.services && !scope.services.has(serviceId(s))) continue;
    resources.push(...serviceResources(t, facts, s, pending, conflicts));
  }
  const consumers = new Set(t.services.flatMap((s) => s.consumers));
  for (const c of t.clusters) {
    if (!consumers.has(c.name) || (scope.clusters && !scope.clusters.has(c.name))) continue;
    resources.push(
      ...masqueradeResources(t, facts, c, files, masquerade, pending, conflicts, left),
    );
  }
  return { resources, pending, masquerade, conflicts, left };
}
