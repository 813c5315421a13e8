import { refPath } from '../core/links.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { failedPrecondition } from './errors.ts';

/** Compute's backend services, as compute/lb.ts stores them (collection `backendServices`). */
const BACKEND_SERVICES = 'backendServices';

/** A node-pool group that a backend service lists as a backend. */
export interface GroupInUse {
  /** `projects/P/zones/Z/instanceGroupManagers/G`. */
  manager: string;
  /** `projects/P/global/instanceTemplates/T`: the manager's template. */
  template: string;
  /** `projects/P/regions/R/backendServices/B`: a backend service using the group. */
  user: string;
}

/**
 * The groups of `instanceGroupUrls` (GKE lists the managers) whose instance group is a backend
 * of a backend service. Compute refuses to delete such a group: "the instance group must not
 * belong to a backend service"
 * (https://cloud.google.com/compute/docs/reference/rest/v1/instanceGroupManagers/delete).
 */
export function groupsInUse(
  sim: Sim,
  project: string,
  instanceGroupUrls: readonly string[],
): GroupInUse[] {
  const services = sim.store.list<JsonObject>(BACKEND_SERVICES);
  const out: GroupInUse[] = [];
  for (const url of instanceGroupUrls) {
    const manager = refPath(url, project);
    const igm = sim.store.get<JsonObject>('instanceGroupManagers', manager);
    if (!igm || typeof igm.instanceGroup !== 'string') continue;
    const group = refPath(igm.instanceGroup, project);
    const user = services.find((bs) =>
      ((bs.backends as JsonObject[] | undefined) ?? []).some(
        (b) => typeof b.group === 'string' && refPath(b.group, project) === group,
      ),
    );
    if (!user) continue;
    out.push({
      manager,
      template: refPath(String(igm.instanceTemplate ?? ''), project),
      user: refPath(String(user.selfLink ?? ''), project),
    });
  }
  return out;
}

/**
 * Throws what a GKE deletion ends with when groups are still backends: the operation's
 * `statusMessage` (and `error.message`) as GKE words it, one numbered Compute refusal per
 * group. Deleting the manager fails, so deleting its template then fails too, and GKE reports
 * "(1) Google Compute Engine: The instance_template resource '<template>' is already being used
 * by '<manager>'" (as terraform-provider-google and terraform-google-lb-http users report from a
 * node pool whose group an HTTP load balancer used). FAILED_PRECONDITION: the resource state is
 * what blocks it (https://cloud.google.com/apis/design/errors).
 */
export function refuseIfInUse(
  sim: Sim,
  project: string,
  instanceGroupUrls: readonly string[],
): void {
  const blocked = groupsInUse(sim, project, instanceGroupUrls);
  if (blocked.length === 0) return;
  throw failedPrecondition(
    blocked
      .map(
        (g, i) =>
          `(${i + 1}) Google Compute Engine: The instance_template resource '${g.template}' is already being used by '${g.manager}'`,
      )
      .join('\n'),
  );
}
