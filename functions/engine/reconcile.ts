/**
 * One reconcile: observe the scope, compute desired state, plan, apply, and repeat the cycle
 * when a write met a stale precondition. Reads are not retried here (the adapters retry each
 * read call on its own, in gcp/read-retry.ts); a failure that may pass on its own is thrown as
 * TransientError so the caller's delivery is retried.
 */
import { type DesireScope, desire } from '../core/desire/desire.ts';
import { serviceId, servicePrefix } from '../core/desire/names.ts';
import { predictedFacts } from '../core/desire/predicted.ts';
import { TransientError } from '../core/errors.ts';
import { AGENT_SCRIPT_CONFIGMAP } from '../core/manifests/agent.ts';
import {
  DEFAULT_EGRESS_NAT_POLICY,
  EGRESS_NAT_POLICY_API_VERSION,
  EGRESS_NAT_POLICY_KIND,
} from '../core/manifests/egress-nat-policy.ts';
import {
  AGENT_NAMESPACE,
  CIDR_CONFIGMAP,
  IP_MASQ_AGENT_CONFIGMAP,
} from '../core/manifests/masquerade.ts';
import type { ClusterFacts, Facts, NetworkFacts } from '../core/model/facts.ts';
import { keyOf, type Observed, type Resource } from '../core/model/resources.ts';
import { type Action, type Plan, plan, summary } from '../core/plan/diff.ts';
import type { FactsPort, ListScope, ResourcePort } from '../core/ports.ts';
import type { ReconcileScope } from '../core/scope.ts';
import type { Cluster, Topology } from '../core/topology/schema.ts';
import { type ApplyOptions, type ApplyReport, apply } from './apply.ts';

export interface ReconcileDeps {
  readonly resources: ResourcePort;
  readonly facts: FactsPort;
}

export interface ReconcileOptions {
  /** Seeds request ids (the trigger's operation id, or the sweep's run id). */
  readonly seed: string;
  /** Observe and plan only: used for changes peerlink itself caused. */
  readonly readOnly?: boolean;
  /** Re-observe and re-plan at most this many times after stale preconditions. */
  readonly maxReplans?: number;
  readonly apply?: Omit<ApplyOptions, 'seed'>;
}

export type ReconcileOutcome = 'noop' | 'converged' | 'planned' | 'failed' | 'stale';

export interface ReconcileReport {
  readonly outcome: ReconcileOutcome;
  readonly scope: {
    readonly reason: string;
    readonly services: string[];
    readonly consumers: string[];
    readonly full: boolean;
  };
  readonly plan: ReturnType<typeof summary>;
  readonly actions: readonly { op: Action['op']; key: string; reason: string }[];
  readonly results: ApplyReport['results'];
  readonly pending: readonly string[];
  readonly masquerade: Readonly<Record<string, readonly string[]>>;
  /** What peerlink leaves as it is in configuration it shares (desire.ts `left`). */
  readonly left: Readonly<Record<string, readonly string[]>>;
  /** Masquerade objects left unwritten, and what that leaves undone (see masqueradeWarnings). */
  readonly warnings: readonly string[];
  readonly cycles: number;
  readonly durationsMs: { observe: number; apply: number; total: number };
}

function clustersOf(t: Topology, scope: ReconcileScope): Cluster[] {
  const names = new Set([
    ...scope.services.flatMap((s) => [s.cluster, ...s.consumers]),
    ...scope.consumers.map((c) => c.name),
  ]);
  return t.clusters.filter((c) => names.has(c.name));
}

/** Reads the facts desired state needs: the involved clusters and the consumers' networks. */
export async function observeFacts(
  t: Topology,
  scope: ReconcileScope,
  port: FactsPort,
): Promise<Facts> {
  const clusters = clustersOf(t, scope);
  // Consumers' networks for imported routes, providers' for the peerings that admit consumers.
  const providers = new Set(scope.services.map((s) => s.cluster));
  const networks = [
    ...new Set([
      ...scope.consumers.map((c) => c.network),
      ...clusters.filter((c) => providers.has(c.name)).map((c) => c.network),
    ]),
  ];
  const [cf, nf] = await Promise.all([
    Promise.all(clusters.map((c) => port.cluster(c.location, c.name))),
    Promise.all(networks.map((n) => port.network(n))),
  ]);
  return {
    clusters: Object.fromEntries(
      cf.filter((c): c is ClusterFacts => c !== null).map((c) => [c.name, c]),
    ),
    networks: Object.fromEntries(
      nf.filter((n): n is NetworkFacts => n !== null).map((n) => [n.name, n]),
    ),
  };
}

export function listScopeOf(
  t: Topology,
  scope: ReconcileScope,
  desired: readonly Resource[],
): ListScope {
  const clusters = clustersOf(t, scope);
  const providers = clusters.filter((c) => scope.services.some((s) => s.cluster === c.name));
  return {
    networks: [...new Set(clusters.map((c) => c.network))].sort(),
    regions: [...new Set(providers.map((c) => c.region))].sort(),
    clusters: clusters.map((c) => ({ name: c.name, location: c.location })),
    kubeNames: desired.flatMap((r) => {
      if (r.kind === 'egressNatPolicy')
        return [
          {
            cluster: r.cluster,
            apiVersion: EGRESS_NAT_POLICY_API_VERSION,
            kind: EGRESS_NAT_POLICY_KIND,
            namespace: '',
            name: r.name,
          },
        ];
      return r.kind === 'kube'
        ? [
            {
              cluster: r.cluster,
              apiVersion: r.apiVersion,
              kind: r.objectKind,
              namespace: r.namespace,
              name: r.name,
            },
          ]
        : [];
    }),
  };
}

/**
 * Every Kubernetes object desire could want in `scope`, whatever the facts turn out to be: the
 * clusters are assumed to exist, and each consumer in `auto` mode may run ip-masq-agent or not.
 */
function possibleObjects(t: Topology, scope: DesireScope): Resource[] {
  const facts = predictedFacts(t);
  const withAgent = (runsIpMasqAgent: boolean): Facts => ({
    ...facts,
    clusters: Object.fromEntries(
      Object.entries(facts.clusters).map(([k, c]) => [k, { ...c, runsIpMasqAgent }]),
    ),
  });
  const all = [true, false].flatMap((v) => desire(t, withAgent(v), scope).resources);
  const objects = all.filter((r) => r.kind === 'kube' || r.kind === 'egressNatPolicy');
  // An Autopilot consumer's default EgressNATPolicy may hold an edit of peerlink's to undo even
  // when desire wants none: it is read whatever the facts.
  const consumers = new Set(t.services.flatMap((s) => s.consumers));
  const policies = t.clusters
    .filter((c) => c.autopilot && consumers.has(c.name) && (scope.clusters?.has(c.name) ?? true))
    .map(
      (c): Resource => ({
        kind: 'egressNatPolicy',
        cluster: c.name,
        name: DEFAULT_EGRESS_NAT_POLICY,
        destinations: [],
        removed: [],
        added: [],
      }),
    );
  return [...new Map([...objects, ...policies].map((r) => [keyOf(r), r])).values()];
}

/**
 * What a scoped reconcile may consider. A sweep sees everything it listed; a narrower one only
 * the resources of its own services, so it never deletes another service's resources.
 */
function inScope(
  scope: ReconcileScope,
  desired: readonly Resource[],
  observed: readonly Observed[],
): Observed[] {
  if (scope.full) return [...observed];
  const wanted = new Set(desired.map(keyOf));
  const prefixes = scope.services.map(servicePrefix);
  return observed.filter((o) => {
    const r = o.resource;
    if (wanted.has(keyOf(r))) return true;
    return r.kind !== 'kube' && prefixes.some((p) => r.name.startsWith(p));
  });
}

/** What one cycle observes and plans: the plan, and what desire had to leave for later. */
export interface ScopePlan {
  readonly plan: Plan;
  readonly pending: readonly string[];
  readonly masquerade: Readonly<Record<string, readonly string[]>>;
  readonly left: Readonly<Record<string, readonly string[]>>;
  readonly warnings: readonly string[];
}

/** The masquerade objects of a consumer cluster, by name (all in kube-system). */
const MASQUERADE_OBJECTS = new Set([
  IP_MASQ_AGENT_CONFIGMAP,
  CIDR_CONFIGMAP,
  AGENT_SCRIPT_CONFIGMAP,
]);

/**
 * One line per masquerade object the plan leaves in conflict (an ip-masq-agent ConfigMap that is
 * not peerlink's, a list ip-masq-agent would refuse): the peer ranges then keep the pod source,
 * so the failure the object would fix goes on. Logged at WARNING ({@link reportSeverity}).
 */
export function masqueradeWarnings(
  p: Plan,
  masquerade: Readonly<Record<string, readonly string[]>>,
): string[] {
  return p.actions.flatMap((a) => {
    if (a.op !== 'conflict') return [];
    const r = a.desired;
    if (r.kind !== 'kube' || r.namespace !== AGENT_NAMESPACE) return [];
    if (!MASQUERADE_OBJECTS.has(r.name)) return [];
    const cidrs = masquerade[r.cluster] ?? [];
    const left = cidrs.length > 0 ? `; traffic to ${cidrs.join(', ')} keeps its pod source` : '';
    return [`cluster ${r.cluster}: ${r.objectKind} ${r.namespace}/${r.name}: ${a.reason}${left}`];
  });
}

/**
 * The severity of a reconcile's log line: ERROR when it failed, WARNING when masquerading was
 * left undone ({@link masqueradeWarnings}), else NOTICE.
 */
export function reportSeverity(r: Pick<ReconcileReport, 'outcome' | 'warnings'>): LogSeverity {
  if (r.outcome === 'failed') return 'ERROR';
  return r.warnings.length > 0 ? 'WARNING' : 'NOTICE';
}

export type LogSeverity = 'NOTICE' | 'WARNING' | 'ERROR';

/** Observes `scope` and plans it, writing nothing: one cycle of reconcile, and `peerlink plan`. */
export async function planScope(
  t: Topology,
  scope: ReconcileScope,
  deps: ReconcileDeps,
): Promise<ScopePlan> {
  const desireScope = {
    services: new Set(scope.services.map(serviceId)),
    clusters: new Set(scope.consumers.map((c) => c.name)),
  };
  // Facts and managed resources are read at the same time: what to list does not depend on
  // the facts, only on the topology (every object desire could want, in any masquerade mode).
  const [facts, observed] = await Promise.all([
    observeFacts(t, scope, deps.facts),
    deps.resources.list(listScopeOf(t, scope, possibleObjects(t, desireScope))),
  ]);
  const d = desire(t, facts, desireScope);
  const p = plan(d.resources, inScope(scope, d.resources, observed), d.conflicts);
  return {
    plan: p,
    pending: d.pending,
    masquerade: d.masquerade,
    left: d.left,
    warnings: masqueradeWarnings(p, d.masquerade),
  };
}

/** Runs observe → desire → plan → apply over `scope`. */
export async function reconcile(
  t: Topology,
  scope: ReconcileScope,
  deps: ReconcileDeps,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const started = performance.now();
  let observeMs = 0;
  let applyMs = 0;
  const maxCycles = 1 + (options.maxReplans ?? 3);
  let last: {
    p: Plan;
    applied: ApplyReport | null;
    pending: readonly string[];
    masquerade: Record<string, readonly string[]>;
    left: Readonly<Record<string, readonly string[]>>;
    warnings: readonly string[];
  } | null = null;
  let cycles = 0;
  while (cycles < maxCycles) {
    cycles += 1;
    const t0 = performance.now();
    const { plan: p, pending, masquerade, left, warnings } = await planScope(t, scope, deps);
    observeMs += performance.now() - t0;
    last = { p, applied: null, pending, masquerade, left, warnings };
    if (options.readOnly || p.actions.every((a) => a.op === 'conflict')) break;
    const t1 = performance.now();
    last.applied = await apply(p, deps.resources, {
      ...options.apply,
      seed: `${options.seed}#${cycles}`,
    });
    applyMs += performance.now() - t1;
    if (!last.applied.stale) break;
  }
  if (!last) throw new Error('reconcile ran no cycle');
  const { p, applied } = last;
  const outcome = outcomeOf(p, applied);
  const report: ReconcileReport = {
    outcome,
    scope: {
      reason: scope.reason,
      services: scope.services.map(serviceId),
      consumers: scope.consumers.map((c) => c.name),
      full: scope.full,
    },
    plan: summary(p),
    actions: p.actions.map((a) => ({ op: a.op, key: a.key, reason: a.reason })),
    results: applied?.results ?? [],
    pending: last.pending,
    masquerade: last.masquerade,
    left: last.left,
    warnings: last.warnings,
    cycles,
    durationsMs: {
      observe: Math.round(observeMs),
      apply: Math.round(applyMs),
      total: Math.round(performance.now() - started),
    },
  };
  if (applied?.failed && applied.retryable) throw new ReconcileRetryableError(report);
  if (outcome === 'stale') throw new ReconcileRetryableError(report);
  return report;
}

function outcomeOf(p: Plan, applied: ApplyReport | null): ReconcileOutcome {
  if (!applied) return p.actions.some((a) => a.op !== 'conflict') ? 'planned' : 'noop';
  if (applied.failed) return 'failed';
  return applied.stale ? 'stale' : 'converged';
}

/** The reconcile did not converge for reasons that may pass: redeliver. Carries the report. */
export class ReconcileRetryableError extends TransientError {
  readonly report: ReconcileReport;
  constructor(report: ReconcileReport) {
    super(`reconcile did not converge (${report.outcome}); a retry may succeed`);
    this.report = report;
  }
}
