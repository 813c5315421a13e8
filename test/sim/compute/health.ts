import { invalid } from '../core/errors.ts';
import { ok } from '../core/http.ts';
import { computeLink, refPath } from '../core/links.ts';
import type { Route } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { contains } from './cidr.ts';
import { bodyObject, mustGet, param, type Resource, requireString, route } from './common.ts';

/**
 * Where Google's health check probes come from for internal passthrough load balancers; an
 * ingress rule must admit both (https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges).
 */
const PROBE_RANGES = ['35.191.0.0/16', '130.211.0.0/22'];

/**
 * regionBackendServices.getHealth: "the most recent health check results" for one group listed
 * in the backend service (https://cloud.google.com/compute/docs/reference/rest/v1/regionBackendServices/getHealth).
 * One HealthStatus per instance (`ipAddress` its internal IP) and forwarding rule using the
 * service (`forwardingRule`, `forwardingRuleIp`). Nothing is probed here: an instance is HEALTHY
 * when it is RUNNING and the firewall admits both probe ranges to it on the health check's port,
 * as the firewall decides (highest priority first, deny before allow at a tie, implied deny
 * ingress: https://cloud.google.com/firewall/docs/firewalls); its workload is taken to answer.
 */
export function healthRoutes(sim: Sim): Route[] {
  return [
    route(
      'POST',
      'regions/{region}/backendServices/{backendService}/getHealth',
      'regionBackendServices',
      'getHealth',
      'read',
      (req) => {
        const project = param(req, 'project');
        const key = `projects/${project}/regions/${param(req, 'region')}/backendServices/${param(req, 'backendService')}`;
        const bs = mustGet(sim, 'backendServices', key);
        const groupKey = refPath(
          requireString(bodyObject(req), 'group', 'resourceGroupReference'),
          project,
        );
        const listed = ((bs.backends as JsonObject[] | undefined) ?? []).some(
          (b) => typeof b.group === 'string' && refPath(b.group, project) === groupKey,
        );
        if (!listed) {
          throw invalid(
            `Invalid value for field 'resourceGroupReference.group': '${computeLink(groupKey)}'. The instance group is not a backend of '${key}'.`,
          );
        }
        const group = mustGet(sim, 'instanceGroups', groupKey);
        const hc = sim.store.get<Resource>(
          'healthChecks',
          refPath(String((bs.healthChecks as string[] | undefined)?.[0] ?? ''), project),
        );
        const rules = sim.store
          .list<Resource>('forwardingRules')
          .filter((f) => f.backendService === bs.selfLink);
        const healthStatus: JsonObject[] = [];
        for (const url of (group.members as string[] | undefined) ?? []) {
          const vm = sim.store.get<Resource>('instances', refPath(url, ''));
          if (!vm) continue;
          const nic = (vm.networkInterfaces as JsonObject[] | undefined)?.[0];
          const base: JsonObject = {
            ipAddress: typeof nic?.networkIP === 'string' ? nic.networkIP : '',
            instance: vm.selfLink,
            healthState:
              vm.status === 'RUNNING' && hc && probesAdmitted(sim, vm, hc)
                ? 'HEALTHY'
                : 'UNHEALTHY',
          };
          if (rules.length === 0) healthStatus.push(base);
          for (const f of rules) {
            healthStatus.push({
              ...base,
              forwardingRule: f.selfLink,
              forwardingRuleIp: f.IPAddress ?? '',
            });
          }
        }
        const body: JsonObject = { kind: 'compute#backendServiceGroupHealth' };
        if (healthStatus.length > 0) body.healthStatus = healthStatus;
        return ok(body);
      },
    ),
  ];
}

/** The port a health check probes; each protocol's block defaults to 80 (HealthCheck REST reference). */
function probePort(hc: Resource): number {
  const type = String(hc.type ?? 'TCP').toLowerCase();
  const block = hc[`${type === 'http2' ? 'http2' : type}HealthCheck`] as JsonObject | undefined;
  return typeof block?.port === 'number' ? block.port : 80;
}

/** Whether the instance's firewall admits TCP from every probe range to the probe port. */
function probesAdmitted(sim: Sim, vm: Resource, hc: Resource): boolean {
  const nic = (vm.networkInterfaces as JsonObject[] | undefined)?.[0];
  const network = typeof nic?.network === 'string' ? computeLink(refPath(nic.network, '')) : '';
  const tags = ((vm.tags as JsonObject | undefined)?.items as string[] | undefined) ?? [];
  const port = probePort(hc);
  const applies = (fw: Resource) =>
    fw.network === network &&
    fw.direction === 'INGRESS' &&
    fw.disabled !== true &&
    (!Array.isArray(fw.targetTags) || (fw.targetTags as string[]).some((t) => tags.includes(t)));
  const allows = (fw: Resource) => Array.isArray(fw.allowed) && fw.allowed.length > 0;
  const rules = sim.store
    .list<Resource>('firewalls', `${refPath(network, '').split('/global/')[0]}/`)
    .filter(applies)
    .sort(
      (a, b) =>
        Number(a.priority ?? 1000) - Number(b.priority ?? 1000) ||
        Number(allows(a)) - Number(allows(b)),
    );
  return PROBE_RANGES.every((probe) => {
    const first = rules.find(
      (fw) =>
        ((fw.sourceRanges as string[] | undefined) ?? []).some((r) => contains(r, probe)) &&
        matchesTcp((allows(fw) ? fw.allowed : fw.denied) as JsonObject[] | undefined, port),
    );
    return first !== undefined && allows(first);
  });
}

function matchesTcp(entries: JsonObject[] | undefined, port: number): boolean {
  return (entries ?? []).some((e) => {
    const proto = String(e.IPProtocol ?? '').toLowerCase();
    if (proto !== 'tcp' && proto !== 'all' && proto !== '6') return false;
    const ports = e.ports as string[] | undefined;
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
      const [lo, hi] = p.split('-').map(Number);
      return lo !== undefined && port >= lo && port <= (hi ?? lo);
    });
  });
}
