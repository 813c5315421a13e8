/**
 * One read call retried on its own. A reconcile's observe step makes about ten reads and retries
 * them as a whole, so with a share p of calls failing the whole fails about ten times as often
 * as one call; retrying each read here keeps a brown-out from failing every attempt of the whole.
 */
import pRetry from 'p-retry';
import { isRetryable } from '../core/errors.ts';

const RETRY = { retries: 3, factor: 2, minTimeout: 100, maxTimeout: 1_000, randomize: true };

/** Runs `read`, retrying TransientError up to 3 times (about 0.7 s of backoff at most). */
export function retryRead<T>(read: () => Promise<T>): Promise<T> {
  return pRetry(read, { ...RETRY, shouldRetry: ({ error }) => isRetryable(error) });
}
