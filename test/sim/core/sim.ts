import { AuditLog, type LogEntry } from './audit.ts';
import { Faults } from './faults.ts';
import type { RecordedReply } from './http.ts';
import { Operations } from './operations.ts';
import { Router } from './router.ts';
import { LogSink } from './sink.ts';
import { Stats } from './stats.ts';
import { Store, type StoreData } from './store.ts';

/** Simulator options. */
export interface SimOptions {
  /** Listen address; loopback only. */
  host: string;
  /** HTTP port for Compute, Container and control; 0 = any free port. */
  port: number;
  /** Compute operation time, PENDING -> DONE (ms). */
  operationMs: number;
  /** Longest an operations `wait` call blocks (ms). Google: about 2 minutes. */
  waitCapMs: number;
  /** How long a requestId is remembered (ms). Google: at least 60 minutes. */
  requestIdWindowMs: number;
}

export const DEFAULT_OPTIONS: SimOptions = {
  host: '127.0.0.1',
  port: 8787,
  operationMs: 50,
  waitCapMs: 120_000,
  requestIdWindowMs: 60 * 60_000,
};

/**
 * State a simulator part keeps outside the store (e.g. the Kubernetes servers' objects),
 * included in snapshots under its name.
 */
export interface SnapshotPart {
  save(): unknown;
  load(data: unknown): void | Promise<void>;
  reset(): void | Promise<void>;
}

/** The whole snapshot, as `POST /__sim/snapshot` returns and `PUT /__sim/snapshot` takes it. */
export interface Snapshot {
  version: 1;
  store: StoreData;
  logs: LogEntry[];
  parts: Record<string, unknown>;
}

/** The simulator's shared context: every part registers routes and keeps state through it. */
export class Sim {
  readonly options: SimOptions;
  readonly store = new Store();
  readonly audit = new AuditLog();
  readonly sink = new LogSink();
  readonly stats = new Stats();
  readonly faults = new Faults();
  readonly router = new Router();
  readonly ops: Operations;
  readonly #parts = new Map<string, SnapshotPart>();
  readonly #closers: (() => void | Promise<void>)[] = [];
  /** Extra facts for `.peerlink/sim.json` (e.g. `kubeconfigs`); parts add to it. */
  readonly info: Record<string, unknown> = {};
  /** Sees every reply of the main listener as sent, when set (test/sim/conformance.test.ts). */
  recorder: ((entry: RecordedReply) => void) | undefined;

  constructor(options: Partial<SimOptions> = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    this.ops = new Operations(this.store, this.audit, this.options);
    this.audit.onEntry((e) => this.sink.offer(e));
  }

  /** Registers state kept outside the store, for snapshot/reset. Throws on a duplicate name. */
  addSnapshotPart(name: string, part: SnapshotPart): void {
    if (this.#parts.has(name)) throw new Error(`snapshot part already registered: ${name}`);
    this.#parts.set(name, part);
  }

  /** Registers cleanup to run when the simulator closes (servers, timers). */
  onClose(fn: () => void | Promise<void>): void {
    this.#closers.push(fn);
  }

  /** Snapshot after letting running operations finish (bounded). */
  async snapshot(): Promise<Snapshot> {
    await this.ops.drain();
    const parts: Record<string, unknown> = {};
    for (const [name, p] of this.#parts) parts[name] = structuredClone(p.save());
    return { version: 1, store: this.store.save(), logs: this.audit.save(), parts };
  }

  /** Replaces all state with a snapshot. Throws on a malformed snapshot. */
  async load(s: Snapshot): Promise<void> {
    if (s?.version !== 1 || typeof s.store !== 'object') {
      throw new Error('not a simulator snapshot (want {version: 1, store, logs, parts})');
    }
    this.ops.cancelAll();
    this.store.load(s.store);
    this.audit.load(s.logs ?? []);
    for (const [name, p] of this.#parts) {
      if (s.parts && name in s.parts) await p.load(s.parts[name]);
      else await p.reset();
    }
  }

  /** Empties state, stats, faults and the sink. */
  async reset(): Promise<void> {
    this.ops.cancelAll();
    this.store.reset();
    this.audit.reset();
    this.stats.reset();
    this.faults.reset();
    this.sink.configure(null);
    for (const p of this.#parts.values()) await p.reset();
  }

  /** Runs close hooks (last registered first). */
  async close(): Promise<void> {
    this.ops.cancelAll();
    for (const fn of [...this.#closers].reverse()) await fn();
  }
}
