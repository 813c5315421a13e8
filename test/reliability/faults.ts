/**
 * Fault profiles for the reliability suite, all derived from one seed so a failing run can be
 * replayed: the simulator's own faults (`PUT /__sim/faults`: error rate, status, latency, forced
 * "peering operation in progress"), plus operations that end in error, which the faults endpoint
 * does not offer and which are injected at the simulator's operation engine instead.
 */
import { ApiError } from '../sim/core/errors.ts';
import type { FaultConfig, FaultRule } from '../sim/core/faults.ts';
import type { Sim } from '../sim/core/sim.ts';

/** Small seeded PRNG (mulberry32, public domain), as the simulator's faults use. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultProfile {
  readonly seed: number;
  /** Share of calls failing with 503 or 429 (per method, one of the two). */
  readonly errorRate: number;
  /** Latency range per call, ms: each method gets one value in it, drawn from the seed. */
  readonly latencyMs: readonly [number, number];
  /** Forced "peering operation in progress" answers on addPeering and removePeering, each. */
  readonly peeringInProgress: number;
  /** Share of peerlink's Compute operations that end in error (DONE with `error`). */
  readonly operationErrorRate: number;
  /** The first N of peerlink's Compute operations end in error whatever the draw, so every run meets one. */
  readonly firstOperationsFail: number;
}

/**
 * The fault profile the reliability tests run under: 20 % 503/429, 50–200 ms, forced conflicts,
 * failed operations.
 */
export function standardFaultProfile(seed: number): FaultProfile {
  return {
    seed,
    errorRate: 0.2,
    latencyMs: [50, 200],
    peeringInProgress: 2,
    operationErrorRate: 0.2,
    firstOperationsFail: 1,
  };
}

/**
 * The simulator fault config for `profile` over `methods` (route names of Compute and GKE). The
 * simulator's rule takes one status and one latency per method, so the seed picks, per method,
 * 503 or 429 and a latency in the range; the error draws then come from the simulator's own PRNG
 * seeded with the same seed.
 */
export function faultConfig(profile: FaultProfile, methods: readonly string[]): FaultConfig {
  const rand = prng(profile.seed);
  const [lo, hi] = profile.latencyMs;
  const rules: Record<string, FaultRule> = {};
  for (const m of [...methods].sort()) {
    rules[m] = {
      errorRate: profile.errorRate,
      status: rand() < 0.5 ? 503 : 429,
      latencyMs: Math.round(lo + rand() * (hi - lo)),
    };
  }
  for (const m of ['compute.networks.addPeering', 'compute.networks.removePeering']) {
    const rule = rules[m];
    if (rule) rule.peeringInProgress = profile.peeringInProgress;
  }
  return { seed: profile.seed, methods: rules };
}

/**
 * Makes a seeded share of the Compute operations started by `principal` end in error: DONE with
 * `operation.error` and `httpErrorStatusCode` 503, and an ERROR `last` audit record, which is how
 * Compute reports an operation that failed on the server side
 * (https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations: `error`,
 * `httpErrorStatusCode`). Only the caller's own operations fail, so the person changing the cloud
 * in a scenario is not disturbed. The first `first` of them fail whatever the draw. Returns a
 * function that undoes the injection and tells how many operations were failed.
 */
export function injectOperationErrors(
  sim: Sim,
  principal: string,
  seed: number,
  rate: number,
  first = 0,
): () => number {
  const rand = prng(seed ^ 0x5eed);
  const original = sim.ops.start.bind(sim.ops);
  let seen = 0;
  let failed = 0;
  sim.ops.start = (spec) => {
    if (spec.user !== principal) return original(spec);
    seen += 1;
    if (rand() >= rate && seen > first) return original(spec);
    failed += 1;
    return original({
      ...spec,
      apply: () => {
        throw new ApiError(503, 'backendError', 'Internal error. Please try again.');
      },
    });
  };
  return () => {
    sim.ops.start = original;
    return failed;
  };
}

/** The seed from `name` in the environment (to replay a failure), else `fallback`. */
export function seedFrom(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) ? v : fallback;
}
