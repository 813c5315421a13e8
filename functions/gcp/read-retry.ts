/**
 * The one place reads are retried. Each Compute, GKE and Kubernetes read call is retried on its
 * own, and nothing above retries a read again: a reconcile's observe step makes about ten reads,
 * so retrying them as a whole fails about ten times as often under a brown-out, and retrying at
 * two depths multiplies the attempts a read that fails for good gets before its delivery fails.
 */
import pRetry from 'p-retry';
import { isRetryable } from '../core/errors.ts';

/** Attempts per read, the first included. */
export const READ_ATTEMPTS = 5;

/** The policy: 4 retries, backoff 100 ms doubling to 1 s with jitter, 5 s in all at most. */
export const READ_RETRY = {
  retries: READ_ATTEMPTS - 1,
  factor: 2,
  minTimeout: 100,
  maxTimeout: 1_000,
  randomize: true,
  maxRetryTime: 5_000,
} as const;

/** Runs `read`, retrying TransientError by READ_RETRY. */
export function retryRead<T>(read: () => Promise<T>): Promise<T> {
  return pRetry(read, { ...READ_RETRY, shouldRetry: ({ error }) => isRetryable(error) });
}
