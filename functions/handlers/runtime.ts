/** What every handler needs, injected so tests can point it anywhere. */

import type { Topology } from '../core/topology/schema.ts';
import type { ReconcileDeps } from '../engine/reconcile.ts';
import type { Logger } from '../runtime/log.ts';
import type { Settings } from '../runtime/settings.ts';

export interface Runtime {
  readonly settings: Settings;
  readonly logger: Logger;
  /** The validated topology. @throws TopologyError (terminal). */
  topology(): Promise<Topology>;
  /** The cloud ports, built on first use: clients load only when a reconcile needs them. */
  deps(): Promise<ReconcileDeps>;
  now(): number;
}
