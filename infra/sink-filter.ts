/**
 * The Cloud Logging sink filter, generated from the classifier's own method table so that the
 * two cannot drift apart. Query language:
 * https://cloud.google.com/logging/docs/view/logging-query-language
 *
 * Choices, each checked by test/infra/sink-filter.test.ts:
 * - Admin Activity only (`logName:"cloudaudit.googleapis.com%2Factivity"`): mutations are
 *   written there and it is always on; Data Access entries are reads and never triggers.
 * - Method names are listed in full, one per version prefix (`v1.`, `beta.`, `alpha.`,
 *   `google.container.v1.`, `google.container.v1beta1.`), and matched with `=`. A substring match
 *   (`:`) on bare names would also pass prefixes the classifier does not know (a future `v2.`),
 *   which it then ignores: the exact list passes precisely what `findWatchedMethod` accepts. The
 *   list is about 4 KB, well under the 20,000-character limit on queries.
 * - Failed calls (`protoPayload.status.code` > 0) are dropped, as the classifier ignores them,
 *   except those of the methods it reconciles on failure (deletes of node pools and clusters).
 *   Written as `NOT ... > 0` so that a successful entry (no status code, or an empty status)
 *   passes whether Logging treats the missing code as absent or as 0. The exception needs no
 *   parentheses: OR binds tighter than AND (`"a" OR NOT "b" AND NOT "c" OR "d"` is
 *   `("a" OR (NOT "b")) AND ((NOT "c") OR "d")`, "Boolean operators" in the reference).
 * - Firewall rules, forwarding rules, backend services and health checks are NOT restricted to
 *   `peerlink-` names here, although the classifier ignores foreign ones. The name sits in
 *   `resourceName`'s last segment or in `request.name` depending on the method, and the
 *   classifier parses it strictly; repeating that in the query language would be a second
 *   implementation that can silently miss peerlink's own changes. Admin Activity changes to these
 *   kinds are rare, so the cost is a few cheap acknowledged invocations.
 */
import { SERVICES, WATCHED_METHODS, watchedMethodNames } from '../functions/core/events/methods.ts';

/** The Admin Activity audit log's id, URL-encoded as it appears in `logName`. */
export const ADMIN_ACTIVITY_LOG = 'cloudaudit.googleapis.com%2Factivity';

/** Longest query Cloud Logging accepts. */
export const MAX_FILTER_LENGTH = 20_000;

const quote = (s: string): string => JSON.stringify(s);

/** The sink filter: one clause per line, joined by AND. */
export function sinkFilter(): string {
  const services = SERVICES.map((s) => s.serviceName).filter((name) =>
    WATCHED_METHODS.some((m) => m.serviceName === name),
  );
  const methods = watchedMethodNames();
  const onFailure = watchedMethodNames((m) => m.reconcileOnFailure === true);
  const succeeded = 'NOT protoPayload.status.code>0';
  return [
    `logName:${quote(ADMIN_ACTIVITY_LOG)}`,
    `protoPayload.serviceName=(${services.map(quote).join(' OR ')})`,
    `protoPayload.methodName=(${methods.map(quote).join(' OR ')})`,
    onFailure.length === 0
      ? succeeded
      : `${succeeded} OR protoPayload.methodName=(${onFailure.map(quote).join(' OR ')})`,
  ].join('\nAND ');
}
