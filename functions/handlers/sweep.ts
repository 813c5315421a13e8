/** sweep: the same reconcile over the whole topology, on a schedule, as a safety net. */
import { fullScope } from '../core/scope.ts';
import { dispositionOf } from '../engine/disposition.ts';
import { type ReconcileReport, reconcile, reportSeverity } from '../engine/reconcile.ts';
import { eventIdOf, reportOf } from './on-audit-log.ts';
import type { Runtime } from './runtime.ts';

/**
 * Returns the report. Every failure is logged, then thrown or returned as `dispositionOf`
 * says: a broken topology or configuration is thrown too, so the sweep fails loudly and its
 * message ends in the dead-letter topic rather than being acknowledged in silence.
 *
 * The message is only a tick: its id, if it is a string, seeds the request ids (so a redelivery
 * acts once); nothing else of it is read, so no message, however unreadable, stops a sweep.
 */
export function makeSweep(rt: Runtime): (event: unknown) => Promise<ReconcileReport | null> {
  return async (event) => {
    const eventId = eventIdOf(event);
    const ids = eventId ? { eventId } : {};
    try {
      const topology = await rt.topology();
      const report = await reconcile(topology, fullScope(topology), await rt.deps(), {
        seed: `sweep-${eventId ?? rt.now()}`,
        apply: { concurrency: rt.settings.concurrency },
      });
      rt.logger.log(reportSeverity(report), `sweep ${report.outcome}`, {
        ...ids,
        report,
      });
      return report;
    } catch (e) {
      const d = dispositionOf(e, 'sweep');
      rt.logger.log(d.severity, `sweep: ${d.reason}`, {
        ...ids,
        failure: d.failure,
        ...reportOf(e),
      });
      if (d.action === 'retry') throw e;
      return null;
    }
  };
}
