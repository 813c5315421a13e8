/**
 * Scale: full sweeps over a bootstrapped ring of VPCs with a fixed latency on every API call,
 * as peerlink runs them, against the serial baseline: the very calls of that sweep replayed one
 * at a time (concurrency 1) with the same latency.
 */
import { configure, record, replaySerially } from './lib/recorder.ts';
import { type Summary, summarise } from './lib/stats.ts';
import type { World } from './lib/world.ts';

export interface ScaleRow {
  readonly vpcs: number;
  readonly clusters: number;
  readonly nodePools: number;
  readonly bootstrapMs: number;
  readonly calls: number;
  readonly gcpCalls: number;
  readonly kubeCalls: number;
  /** Kubernetes API discovery requests (GET /api/v1, /apis/<group>/<version>) among them. */
  readonly kubeDiscoveryCalls: number;
  readonly writes: number;
  readonly callsPerVpc: number;
  readonly callsPerCluster: number;
  readonly parallelMs: Summary;
  readonly serialMs: Summary;
  readonly speedup: number;
  readonly outcomes: string[];
  /** HTTP statuses of the serial replay (all 200 means the same answers as the sweep got). */
  readonly replayStatuses: Record<string, number>;
}

export async function benchScale(
  w: World,
  latencyMs: number,
  parallelRuns: number,
  serialRuns: number,
): Promise<ScaleRow> {
  const par: number[] = [];
  const ser: number[] = [];
  const outcomes: string[] = [];
  let calls: Awaited<ReturnType<typeof record>>['calls'] = [];
  let writes = 0;
  // One untimed sweep first: loads modules, and proves the state is converged.
  await w.handlers().sweep();
  const statuses: Record<string, number> = {};
  await w.faults({ seed: 1, methods: { '*': { latencyMs } } });
  configure({ kubeLatencyMs: latencyMs });
  try {
    for (let i = 0; i < Math.max(parallelRuns, serialRuns); i++) {
      const before = await w.stats();
      const t0 = performance.now();
      const r = await record(() => w.handlers().sweep());
      const ms = performance.now() - t0;
      outcomes.push(String(r.value?.outcome));
      if (i < parallelRuns) par.push(ms);
      calls = r.calls;
      writes =
        (await w.stats()).writes -
        before.writes +
        calls.filter((c) => c.api === 'kube' && c.kind === 'write').length;
      if (i < serialRuns) {
        const s = await replaySerially(r.calls, w.sim.url);
        ser.push(s.ms);
        for (const [k, v] of Object.entries(s.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
      }
    }
  } finally {
    await w.faults({});
    configure({ kubeLatencyMs: 0 });
  }
  const vpcs = w.t.networks.length;
  const clusters = w.t.clusters.length;
  const parallelMs = summarise(par, 0);
  const serialMs = summarise(ser, 0);
  return {
    vpcs,
    clusters,
    nodePools: w.t.clusters.reduce((n, c) => n + c.nodePools.length, 0),
    bootstrapMs: w.bootstrapMs,
    calls: calls.length,
    gcpCalls: calls.filter((c) => c.api === 'gcp').length,
    kubeCalls: calls.filter((c) => c.api === 'kube').length,
    kubeDiscoveryCalls: calls.filter(
      (c) => c.api === 'kube' && /^\/(api\/v1|apis\/[^/]+\/[^/]+)$/.test(c.path),
    ).length,
    writes,
    callsPerVpc: Math.round((calls.length / vpcs) * 100) / 100,
    callsPerCluster: Math.round((calls.length / clusters) * 100) / 100,
    parallelMs,
    serialMs,
    speedup: Math.round((serialMs.median / parallelMs.median) * 10) / 10,
    outcomes,
    replayStatuses: statuses,
  };
}
