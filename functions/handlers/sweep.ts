/** sweep: the same reconcile over the whole topology, on a schedule, as a safety net. */
import { fullScope } from '../core/scope.ts';
import { dispositionOf } from '../engine/disposition.ts';
import { type ReconcileReport, reconcile } from '../engine/reconcile.ts';
import { type EventLike, reportOf } from './on-audit-log.ts';
import type { Runtime } from './runtime.ts';

/**
 * Returns the report. Every failure is logged, then thrown or returned as `dispositionOf`
 * says: a broken topology or configuration is thrown too, so the sweep fails loudly and its
 * message ends in the dead-letter topic rather than being acknowledged in silence.
 */
export function makeSweep(rt: Runtime): (event: EventLike) => Promise<ReconcileReport | null> {
  return async (event) => {
    try {
      const topology = await rt.topology();
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
      const d = dispositionOf(e, 'sweep');
      rt.logger.log(d.severity, `sweep: ${d.reason}`, {
        eventId: event.id,
        failure: d.failure,
        ...reportOf(e),
      });
      if (d.action === 'retry') throw e;
      return null;
    }
  };
}
