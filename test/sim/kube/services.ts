import { IpPool } from './ipalloc.ts';
import { ensureObject, isObject, type Json, type JsonObject } from './json.ts';
import { KubeApiError } from './status.ts';

/** Address ranges and hooks for Service allocations. */
export interface ServiceAllocatorOptions {
  /** Range for Service cluster IPs (GKE: the cluster's services range). Default 10.96.0.0/16. */
  readonly servicesCidr?: string;
  /** Range internal load balancers take their IP from when no hook is given. Default 10.250.0.0/24. */
  readonly loadBalancerCidr?: string;
  /**
   * Gives an internal LoadBalancer Service its IP (GKE takes it from the cluster's subnet).
   * Returning undefined falls back to `loadBalancerCidr`.
   */
  readonly allocateLoadBalancerIp?: (service: JsonObject) => string | undefined;
}

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

// GKE's annotations for an internal passthrough load balancer.
// https://cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing
const INTERNAL_ANNOTATIONS = [
  'networking.gke.io/load-balancer-type',
  'cloud.google.com/load-balancer-type',
];

/**
 * Service defaults and allocations, as the API server does them on create and update:
 * clusterIP from the services range; nodePort in 30000-32767 for NodePort and LoadBalancer
 * types; for internal LoadBalancers, `status.loadBalancer.ingress[].ip` at once.
 * https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
 * Simplification: the ingress IP stands in for the cloud controller creating a forwarding rule;
 * external LoadBalancers stay pending (no external IPs here).
 */
export class ServiceAllocator {
  private clusterIps: IpPool;
  private lbIps: IpPool;
  private readonly nodePorts = new Set<number>();
  private readonly hook: ServiceAllocatorOptions['allocateLoadBalancerIp'];
  private readonly options: ServiceAllocatorOptions;

  constructor(options: ServiceAllocatorOptions) {
    this.options = options;
    this.clusterIps = new IpPool(options.servicesCidr ?? '10.96.0.0/16');
    this.lbIps = new IpPool(options.loadBalancerCidr ?? '10.250.0.0/24');
    this.hook = options.allocateLoadBalancerIp;
  }

  clear(): void {
    this.nodePorts.clear();
    this.clusterIps = new IpPool(this.options.servicesCidr ?? '10.96.0.0/16');
    this.lbIps = new IpPool(this.options.loadBalancerCidr ?? '10.250.0.0/24');
  }

  /** Records a restored Service's allocations. */
  reserve(svc: JsonObject): void {
    const spec = isObject(svc.spec) ? svc.spec : {};
    if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None') {
      this.safe(() => this.clusterIps.reserve(spec.clusterIP as string));
    }
    for (const p of portsOf(spec))
      if (typeof p.nodePort === 'number') this.nodePorts.add(p.nodePort);
    for (const ip of ingressIps(svc)) this.safe(() => this.lbIps.reserve(ip));
  }

  release(svc: JsonObject): void {
    const spec = isObject(svc.spec) ? svc.spec : {};
    if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None') {
      this.safe(() => this.clusterIps.release(spec.clusterIP as string));
    }
    for (const p of portsOf(spec))
      if (typeof p.nodePort === 'number') this.nodePorts.delete(p.nodePort);
    for (const ip of ingressIps(svc)) this.safe(() => this.lbIps.release(ip));
  }

  create(svc: JsonObject): void {
    const spec = ensureObject(svc, 'spec');
    spec.type ??= 'ClusterIP';
    if (spec.type !== 'ExternalName') {
      if (spec.clusterIP === undefined || spec.clusterIP === '')
        spec.clusterIP = this.clusterIps.allocate();
      else if (spec.clusterIP !== 'None') this.clusterIps.reserve(String(spec.clusterIP));
      spec.clusterIPs = [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
    }
    spec.sessionAffinity ??= 'None';
    this.finish(svc, undefined);
  }

  /** Carries allocations over from `before` when the update omits them, then allocates the rest. */
  update(before: JsonObject, after: JsonObject): void {
    const old = isObject(before.spec) ? before.spec : {};
    const spec = ensureObject(after, 'spec');
    spec.type ??= 'ClusterIP';
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      if (old.clusterIP !== undefined) spec.clusterIP = old.clusterIP;
      if (old.clusterIPs !== undefined) spec.clusterIPs = old.clusterIPs;
    } else if (old.clusterIP !== undefined && spec.clusterIP !== old.clusterIP) {
      throw new KubeApiError(
        422,
        'Invalid',
        `Service "${nameOf(after)}" is invalid: spec.clusterIPs[0]: Invalid value: ${JSON.stringify([spec.clusterIP])}: may not change once set`,
      );
    }
    for (const k of ['sessionAffinity', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy']) {
      if (spec[k] === undefined && old[k] !== undefined) spec[k] = old[k] as Json;
    }
    const oldPorts = portsOf(old);
    for (const p of portsOf(spec)) {
      if (p.nodePort !== undefined) continue;
      const prev = oldPorts.find(
        (o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
      );
      if (prev?.nodePort !== undefined) p.nodePort = prev.nodePort;
    }
    const held = [...this.nodePorts];
    for (const p of oldPorts) if (typeof p.nodePort === 'number') this.nodePorts.delete(p.nodePort);
    try {
      this.finish(after, ingressIps(before));
    } catch (e) {
      // A refused update keeps the ports the Service held.
      this.nodePorts.clear();
      for (const port of held) this.nodePorts.add(port);
      throw e;
    }
  }

  private finish(svc: JsonObject, oldIngress: string[] | undefined): void {
    const spec = ensureObject(svc, 'spec');
    const wantsNodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    for (const p of portsOf(spec)) {
      p.protocol ??= 'TCP';
      if (p.targetPort === undefined) p.targetPort = p.port ?? null;
      if (!wantsNodePort) {
        delete p.nodePort;
        continue;
      }
      if (typeof p.nodePort === 'number') {
        if (p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX) {
          throw new KubeApiError(
            422,
            'Invalid',
            `Service "${nameOf(svc)}" is invalid: spec.ports[].nodePort: Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`,
          );
        }
        if (this.nodePorts.has(p.nodePort)) {
          throw new KubeApiError(
            422,
            'Invalid',
            `Service "${nameOf(svc)}" is invalid: spec.ports[].nodePort: Invalid value: ${p.nodePort}: provided port is already allocated`,
          );
        }
      } else {
        p.nodePort = this.freeNodePort();
      }
      this.nodePorts.add(p.nodePort);
    }
    if (wantsNodePort) spec.externalTrafficPolicy ??= 'Cluster';
    if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
    const status = ensureObject(svc, 'status');
    if (spec.type === 'LoadBalancer' && isInternal(svc)) {
      const ip =
        oldIngress?.[0] ??
        (typeof spec.loadBalancerIP === 'string' && spec.loadBalancerIP !== ''
          ? spec.loadBalancerIP
          : undefined) ??
        this.hook?.(svc) ??
        this.lbIps.allocate();
      status.loadBalancer = { ingress: [{ ip, ipMode: 'VIP' }] };
    } else {
      for (const ip of oldIngress ?? []) this.safe(() => this.lbIps.release(ip));
      status.loadBalancer = {};
    }
  }

  private freeNodePort(): number {
    for (let p = NODE_PORT_MIN; p <= NODE_PORT_MAX; p++) if (!this.nodePorts.has(p)) return p;
    throw new KubeApiError(500, 'InternalError', 'range of valid node ports is exhausted');
  }

  private safe(f: () => void): void {
    try {
      f();
    } catch {
      // An address outside the pool (given explicitly) is not tracked.
    }
  }
}

function portsOf(spec: JsonObject): JsonObject[] {
  return Array.isArray(spec.ports) ? spec.ports.filter((p): p is JsonObject => isObject(p)) : [];
}

function ingressIps(svc: JsonObject): string[] {
  const status = isObject(svc.status) ? svc.status : {};
  const lb = isObject(status.loadBalancer) ? status.loadBalancer : {};
  const ingress = Array.isArray(lb.ingress) ? lb.ingress : [];
  return ingress.flatMap((i) => (isObject(i) && typeof i.ip === 'string' ? [i.ip] : []));
}

function isInternal(svc: JsonObject): boolean {
  const meta = isObject(svc.metadata) ? svc.metadata : {};
  const ann = isObject(meta.annotations) ? meta.annotations : {};
  return INTERNAL_ANNOTATIONS.some((a) => String(ann[a] ?? '').toLowerCase() === 'internal');
}

function nameOf(obj: JsonObject): string {
  return isObject(obj.metadata) ? String(obj.metadata.name) : '';
}
