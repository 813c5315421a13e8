/** What every handler needs, injected so tests can point it anywhere. */
import type { ReconcileDeps } from '../reconcile/reconcile.ts';
import type { Logger } from '../runtime/log.ts';
import type { Settings } from '../runtime/settings.ts';
import type { Topology } from '../topology/schema.ts';

export interface Runtime {
  readonly settings: Settings;
  readonly logger: Logger;
  /** The validated topology. @throws TopologyError (terminal). */
  topology(): Promise<Topology>;
  /** The cloud ports, built on first use: clients load only when a reconcile needs them. */
  deps(): Promise<ReconcileDeps>;
  now(): number;
}
