import type { Sim } from '../core/sim.ts';
import { addressRoutes } from './addresses.ts';
import { firewallRoutes } from './firewalls.ts';
import { groupRoutes } from './groups.ts';
import { healthRoutes } from './health.ts';
import { lbRoutes } from './lb.ts';
import { networkRoutes } from './networks.ts';
import { operationRoutes } from './operations.ts';
import { routeRoutes } from './routes.ts';
import { subnetworkRoutes } from './subnetworks.ts';

export {
  clusterHashOf,
  createNodeGroup,
  deleteNodeGroup,
  type NodeGroup,
  type NodeGroupSpec,
} from './groups.ts';

/** Registers every Compute v1 route on the simulator's router. */
export function registerCompute(sim: Sim): void {
  sim.router.addAll([
    ...operationRoutes(sim),
    ...networkRoutes(sim),
    ...subnetworkRoutes(sim),
    ...firewallRoutes(sim),
    ...lbRoutes(sim),
    ...addressRoutes(sim),
    ...healthRoutes(sim),
    ...groupRoutes(sim),
    ...routeRoutes(sim),
  ]);
}
