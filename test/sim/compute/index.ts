import type { Sim } from '../core/sim.ts';
import { firewallRoutes } from './firewalls.ts';
import { operationRoutes } from './operations.ts';

/** Registers every Compute v1 route on the simulator's router. */
export function registerCompute(sim: Sim): void {
  sim.router.addAll([...operationRoutes(sim), ...firewallRoutes(sim)]);
}
