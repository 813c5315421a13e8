/**
 * GKE's EgressNATPolicy, which an Autopilot cluster's API server serves through the CRD
 * `egressnatpolicies.networking.gke.io` (`kubectl get crds egressnatpolicies.networking.gke.io`,
 * https://cloud.google.com/kubernetes-engine/docs/how-to/egress-nat-policy-ip-masq-autopilot):
 * `networking.gke.io/v1`, cluster-scoped (`kubectl get egressnatpolicies` takes no namespace),
 * `spec.action: NoSNAT` and `spec.destinations[].cidr`. A Standard cluster has no such CRD.
 *
 * GKE creates two policies with the cluster (same page: "GKE supports two automatically
 * generated egress NAT policies: Managed by GKE, which are fixed and not editable; the default
 * policy, which is editable"; `kubectl get egressnatpolicies` lists `default` and
 * `gke-bbfa6c0e-1`). What they hold is on GKE's IP masquerade concepts page, Autopilot row
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/ip-masquerade-agent): pods keep
 * their source address towards "a set of default non-masquerade destinations" (the default
 * policy) and towards "the internal IP ranges for Pods, Services, and nodes on the cluster"
 * (the GKE-managed one).
 */
import type { AdmissionOperation, CustomResource } from './custom.ts';
import { isObject, type Json, type JsonObject } from './json.ts';
import type { ResourceType } from './resources.ts';
import { KubeApiError } from './status.ts';
import { type FieldError, type GoValue, invalid, Path, required } from './validation/field.ts';
import { validateObjectMeta } from './validation/meta.ts';
import { nameIsDNSSubdomain } from './validation/names.ts';

export const EGRESS_NAT_POLICY: ResourceType = {
  group: 'networking.gke.io',
  version: 'v1',
  kind: 'EgressNATPolicy',
  plural: 'egressnatpolicies',
  singular: 'egressnatpolicy',
  namespaced: false,
  shortNames: [],
  // A custom resource's generation follows its spec, with a status subresource: status is
  // not written through the main resource (custom-resource-definitions, "Status subresource").
  tracksGeneration: true,
  hasStatus: true,
};

/** The editable policy GKE creates. */
export const DEFAULT_POLICY = 'default';

/**
 * The default non-masquerade destinations the concepts page lists (RFC 1918 and the reserved
 * ranges), which the `default` policy holds as GKE creates it.
 */
export const DEFAULT_DESTINATIONS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
];

/** What GKE knows of the cluster when it creates the policies. */
export interface AutopilotCluster {
  /** The first 8 hex digits of the cluster id, as in its node tags. */
  readonly hash: string;
  readonly nodeRange: string;
  readonly podRange: string;
  readonly servicesRange: string;
}

/** `gke-<hash>-1`, the shape of the GKE-managed policy's name in the how-to page's listing. */
export function managedPolicyName(hash: string): string {
  return `gke-${hash}-1`;
}

function policy(name: string, cidrs: readonly string[]): JsonObject {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'EgressNATPolicy',
    metadata: { name },
    spec: { action: 'NoSNAT', destinations: cidrs.map((cidr) => ({ cidr })) },
  };
}

/** Go's JSON type name of a value, as kube-openapi's type errors print it. */
function jsonType(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * A kube-openapi type error as apiextensions-apiserver reports it for a custom resource
 * (`<path>: Invalid value: <path> in body must be of type <type>: "<actual>"`, the form of
 * pkg/apiserver/validation/validation.go for Kubernetes 1.32; the simulator gives it reason
 * FieldValueInvalid, where 1.32 says FieldValueTypeInvalid).
 */
function typeError(path: string, want: string, v: Json): FieldError {
  const omitted: GoValue = { t: 'omit' };
  return invalid(path, omitted, `${path} in body must be of type ${want}: "${jsonType(v)}"`);
}

/**
 * The CRD's schema as the how-to page's objects show it: `spec.action` a string and
 * `spec.destinations` a list of objects whose `cidr` is a string, both required in a spec;
 * metadata as for every custom resource (a DNS subdomain name, cluster-scoped: no namespace;
 * k8s.io/apiextensions-apiserver pkg/registry/customresource/strategy.go Validate).
 */
export function validateEgressNatPolicy(obj: JsonObject): FieldError[] {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const errs = validateObjectMeta(meta, false, nameIsDNSSubdomain, Path.root('metadata'));
  if (obj.spec === undefined) return errs;
  if (!isObject(obj.spec)) return [...errs, typeError('spec', 'object', obj.spec)];
  const spec = obj.spec;
  if (spec.action === undefined) errs.push(required('spec.action'));
  else if (typeof spec.action !== 'string')
    errs.push(typeError('spec.action', 'string', spec.action));
  const destinations = spec.destinations;
  if (destinations === undefined) errs.push(required('spec.destinations'));
  else if (!Array.isArray(destinations))
    errs.push(typeError('spec.destinations', 'array', destinations));
  else
    destinations.forEach((d, i) => {
      const at = `spec.destinations[${i}]`;
      if (!isObject(d)) errs.push(typeError(at, 'object', d));
      else if (d.cidr !== undefined && typeof d.cidr !== 'string')
        errs.push(typeError(`${at}.cidr`, 'string', d.cidr));
    });
  return errs;
}

/**
 * The EgressNATPolicy kind of one Autopilot cluster, with the two policies GKE creates. The
 * GKE-managed one is "fixed and not editable": an update or delete of it is refused with a 403.
 * Autopilot holds GKE's cluster-scoped resources against mutation
 * (ClusterPolicyConfig.no_system_mutation in google/container/v1/cluster_service.proto); GKE
 * documents no wording for the refusal, so the message is the simulator's.
 */
export function egressNatPolicies(cluster: AutopilotCluster): CustomResource {
  const managed = managedPolicyName(cluster.hash);
  return {
    type: EGRESS_NAT_POLICY,
    seed: [
      policy(DEFAULT_POLICY, DEFAULT_DESTINATIONS),
      policy(managed, [cluster.podRange, cluster.servicesRange, cluster.nodeRange]),
    ],
    validate: validateEgressNatPolicy,
    admit(operation: AdmissionOperation, name: string) {
      if (name !== managed || operation === 'CREATE') return;
      throw new KubeApiError(
        403,
        'Forbidden',
        `egressnatpolicies.networking.gke.io "${name}" is forbidden: the GKE-managed egress NAT policy is fixed and cannot be ${operation === 'DELETE' ? 'deleted' : 'edited'}`,
        { name, group: EGRESS_NAT_POLICY.group, kind: EGRESS_NAT_POLICY.plural },
      );
    },
  };
}
