/**
 * An in-memory ResourcePort for executor tests. It keeps state like an API would: a create of an
 * existing key is a 409, a delete of a missing one a 404, and a requestId seen before returns the
 * first answer without acting again, as Compute does.
 */
import {
  AlreadyExistsError,
  NotFoundError,
  PreconditionFailedError,
  TerminalError,
  TransientError,
} from '../../functions/core/errors.ts';
import { keyOf, type Observed, type Resource } from '../../functions/core/model/resources.ts';
import type { ListScope, ResourcePort } from '../../functions/core/ports.ts';

export type Fault = 'transient' | 'lostResponse' | 'precondition' | 'terminal';

export class MemoryPort implements ResourcePort {
  readonly state = new Map<string, Observed>();
  readonly requestIds = new Set<string>();
  /** Faults to inject, consumed one per call for the given key. */
  readonly faults = new Map<string, Fault[]>();
  writes = 0;
  inFlight = 0;
  maxInFlight = 0;

  async list(_scope: ListScope): Promise<Observed[]> {
    return [...this.state.values()];
  }

  async create(r: Resource, requestId: string): Promise<void> {
    await this.#call(keyOf(r), requestId, () => {
      if (this.state.has(keyOf(r)))
        throw new AlreadyExistsError(`${keyOf(r)} exists`, { status: 409 });
      this.state.set(keyOf(r), { resource: r, owned: true, version: '1' });
    });
  }

  async update(r: Resource, observed: Observed, requestId: string): Promise<void> {
    await this.#call(keyOf(r), requestId, () => {
      const have = this.state.get(keyOf(r));
      if (!have) throw new NotFoundError(`${keyOf(r)} missing`, { status: 404 });
      if (have.version !== observed.version)
        throw new PreconditionFailedError('stale fingerprint', { status: 412 });
      this.state.set(keyOf(r), {
        resource: r,
        owned: true,
        version: String(Number(have.version) + 1),
      });
    });
  }

  async delete(observed: Observed, requestId: string): Promise<void> {
    const key = keyOf(observed.resource);
    await this.#call(key, requestId, () => {
      if (!this.state.delete(key)) throw new NotFoundError(`${key} missing`, { status: 404 });
    });
  }

  async #call(key: string, requestId: string, act: () => void): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 2));
      const fault = this.faults.get(key)?.shift();
      if (fault === 'transient') throw new TransientError('503 backendError', { status: 503 });
      if (fault === 'precondition')
        throw new PreconditionFailedError('412 conditionNotMet', { status: 412 });
      if (fault === 'terminal') throw new TerminalError('400 invalid', { status: 400 });
      if (this.requestIds.has(requestId)) return; // Compute answers a repeated requestId with the first result
      this.requestIds.add(requestId);
      act();
      this.writes += 1;
      if (fault === 'lostResponse')
        throw new TransientError('connection reset after the write', { status: 503 });
    } finally {
      this.inFlight -= 1;
    }
  }
}
