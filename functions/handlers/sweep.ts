/** sweep: the same reconcile over the whole topology, on a schedule, as a safety net. */
import { TransientError } from '../core/errors.ts';
import { fullScope } from '../core/scope.ts';
import type { Topology } from '../core/topology/schema.ts';
import { TopologyError } from '../core/topology/validate.ts';
import { type ReconcileReport, ReconcileRetryableError, reconcile } from '../engine/reconcile.ts';
import type { EventLike } from './on-audit-log.ts';
import type { Runtime } from './runtime.ts';

/** Returns the report, or null when the topology is invalid (logged; a retry cannot help). */
export function makeSweep(rt: Runtime): (event: EventLike) => Promise<ReconcileReport | null> {
  return async (event) => {
    let topology: Topology;
    try {
      topology = await rt.topology();
    } catch (e) {
      if (!(e instanceof TopologyError)) throw e;
      rt.logger.log('ERROR', `sweep: ${e.message}`, { eventId: event.id });
      return null;
    }
    try {
      const report = await reconcile(topology, fullScope(topology), await rt.deps(), {
        seed: `sweep-${event.id ?? rt.now()}`,
        apply: { concurrency: rt.settings.concurrency },
      });
      rt.logger.log(report.outcome === 'failed' ? 'ERROR' : 'NOTICE', `sweep ${report.outcome}`, {
        eventId: event.id,
        report,
      });
      return report;
    } catch (e) {
      // Every failure is rethrown (the scheduler's message is redelivered), but never silently.
      if (e instanceof ReconcileRetryableError)
        rt.logger.log('WARNING', `sweep: ${e.message}`, { eventId: event.id, report: e.report });
      else if (e instanceof TransientError)
        rt.logger.log('WARNING', `sweep: ${e.message}; redelivery will retry`, {
          eventId: event.id,
        });
      else
        rt.logger.log('ERROR', `sweep failed: ${e instanceof Error ? e.message : String(e)}`, {
          eventId: event.id,
        });
      throw e;
    }
  };
}
