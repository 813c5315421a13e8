import { type ApiError, errorForStatus } from './errors.ts';

/** One fault rule. */
export interface FaultRule {
  /** Share of calls (0..1) that fail with `status`. */
  errorRate?: number;
  /** HTTP status for failures (default 503). */
  status?: number;
  /** Error message for failures (default per status). */
  message?: string;
  /** Added latency per call, ms. */
  latencyMs?: number;
  /** The next N calls fail with `status` (counted down). */
  failNext?: number;
  /**
   * Peering calls answer "There is a peering operation in progress...": `true` always, a
   * number for the next N calls.
   */
  peeringInProgress?: boolean | number;
}

/**
 * Fault config as `PUT /__sim/faults` takes it. Keys of `methods` are route names
 * (`compute.networks.addPeering`), a prefix ending in `*` (`compute.networks.*`) or `*`.
 * The most specific key wins (exact, then longest prefix, then `*`).
 */
export interface FaultConfig {
  seed?: number;
  methods?: Record<string, FaultRule>;
}

/** What to do to one call. */
export interface FaultDecision {
  latencyMs: number;
  error: ApiError | null;
}

/** Injects errors and latency per method, deterministic for a given seed. */
export class Faults {
  #config: FaultConfig = {};
  #rand: () => number = mulberry32(1);

  configure(config: FaultConfig): void {
    this.#config = structuredClone(config ?? {});
    this.#rand = mulberry32(config?.seed ?? 1);
  }

  view(): FaultConfig {
    return structuredClone(this.#config);
  }

  reset(): void {
    this.configure({});
  }

  /** Decides the fault for one call to `method`, consuming `failNext` counts. */
  decide(method: string): FaultDecision {
    const rule = this.#rule(method);
    if (!rule) return { latencyMs: 0, error: null };
    const latencyMs = Math.max(0, rule.latencyMs ?? 0);
    const status = rule.status ?? 503;
    if (rule.failNext && rule.failNext > 0) {
      rule.failNext -= 1;
      return { latencyMs, error: errorForStatus(status, rule.message) };
    }
    if (rule.errorRate && this.#rand() < rule.errorRate) {
      return { latencyMs, error: errorForStatus(status, rule.message) };
    }
    return { latencyMs, error: null };
  }

  /** True when a forced "peering operation in progress" applies to this call (consumes one). */
  peeringInProgress(method: string): boolean {
    const rule = this.#rule(method);
    const p = rule?.peeringInProgress;
    if (p === true) return true;
    if (rule && typeof p === 'number' && p > 0) {
      rule.peeringInProgress = p - 1;
      return true;
    }
    return false;
  }

  #rule(method: string): FaultRule | undefined {
    const methods = this.#config.methods ?? {};
    if (methods[method]) return methods[method];
    let best: string | undefined;
    for (const key of Object.keys(methods)) {
      if (!key.endsWith('*')) continue;
      const prefix = key.slice(0, -1);
      if (method.startsWith(prefix) && (!best || prefix.length > best.length - 1)) best = key;
    }
    return best ? methods[best] : undefined;
  }
}

/** Small seeded PRNG (public-domain mulberry32) so fault sequences repeat for a seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
