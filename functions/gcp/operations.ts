/**
 * Waiting for Compute operations. A mutation answers with an operation; `*Operations.wait`
 * blocks on the server until it is DONE or about two minutes pass
 * (https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations/wait), so it is
 * called again until DONE, within a deadline. Then `operation.error` decides the outcome.
 */
import type { protos } from '@google-cloud/compute';
import { TransientError } from '../core/errors.ts';
import type { ComputeClients } from './clients.ts';
import { operationError, toCloudError } from './map-error.ts';
import { READ_ATTEMPTS } from './read-retry.ts';

export type Operation = protos.google.cloud.compute.v1.IOperation;

export interface WaitOptions {
  /** Total time to wait for DONE. Default 10 minutes. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const MAX_WAIT_CALLS = 200;

/** The Operation inside what a generated mutation method resolves to (an LROperation wrapper). */
export function operationOf(result: unknown): Operation {
  const op = (result as { latestResponse?: Operation } | undefined)?.latestResponse ?? result;
  if (op === null || typeof op !== 'object' || typeof (op as Operation).name !== 'string')
    throw new TransientError('Compute answered a mutation without an operation');
  return op as Operation;
}

const shortOf = (url: string | null | undefined): string | undefined =>
  url ? url.split('/').filter(Boolean).pop() : undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `op` is DONE with the operations client of its scope (zone, region or global),
 * then throws the mapped `operation.error` if there is one. A deadline that passes throws
 * TransientError (the operation may still finish; the requestId makes a retry safe).
 */
export async function waitOperation(
  clients: ComputeClients,
  project: string,
  op: Operation,
  what: string,
  options: WaitOptions = {},
): Promise<Operation> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const name = op.name ?? '';
  const zone = shortOf(op.zone);
  const region = shortOf(op.region);
  let current = op;
  let pause = 100;
  let failures = 0;
  for (let i = 0; current.status !== 'DONE'; i++) {
    const left = deadline - Date.now();
    if (i >= MAX_WAIT_CALLS || left <= 0)
      throw new TransientError(`${what}: operation ${name} not done in time (${current.status})`);
    const timeout = { timeout: Math.max(1000, left) };
    try {
      if (zone)
        [current] = await (await clients('zoneOperations')).wait(
          { project, zone, operation: name },
          timeout,
        );
      else if (region)
        [current] = await (await clients('regionOperations')).wait(
          { project, region, operation: name },
          timeout,
        );
      else
        [current] = await (await clients('globalOperations')).wait(
          { project, operation: name },
          timeout,
        );
    } catch (e) {
      const err = toCloudError(e, `${what}: waiting for ${name}`);
      // A failed wait says nothing about the operation: ask again, as often in a row as any
      // read is attempted (read-retry.ts), rather than fail and send the mutation again.
      failures += 1;
      if (!(err instanceof TransientError) || failures >= READ_ATTEMPTS) throw err;
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
      pause = Math.min(pause * 2, 2000);
      continue;
    }
    failures = 0;
    // wait may answer before DONE ("best effort"); do not spin on it.
    if (current.status !== 'DONE') {
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
      pause = Math.min(pause * 2, 2000);
    }
  }
  const errors = current.error?.errors ?? [];
  if (errors.length > 0) throw operationError(what, errors, current.httpErrorStatusCode);
  return current;
}
