/**
 * Scale: full sweeps over a bootstrapped ring of VPCs with a fixed latency on every API call,
 * as peerlink runs them (reads in parallel) and against the serial baseline: the same sweep with
 * the simulator admitting one API call at a time (concurrency 1), latency included.
 */
import { configure, record } from './lib/recorder.ts';
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
  readonly writes: number;
  readonly callsPerVpc: number;
  readonly callsPerCluster: number;
  readonly parallelMs: Summary;
  readonly serialMs: Summary;
  readonly speedup: number;
  readonly outcomes: string[];
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
  try {
    for (let i = 0; i < Math.max(parallelRuns, serialRuns); i++) {
      if (i < parallelRuns) {
        await w.faults({ seed: 1, methods: { '*': { latencyMs } } });
        configure({ kubeLatencyMs: latencyMs, serial: false, serialLatencyMs: 0 });
        const before = await w.stats();
        const t0 = performance.now();
        const r = await record(() => w.handlers().sweep());
        par.push(performance.now() - t0);
        calls = r.calls;
        writes =
          (await w.stats()).writes -
          before.writes +
          calls.filter((c) => c.api === 'kube' && c.kind === 'write').length;
        outcomes.push(String(r.value?.outcome));
      }
      if (i < serialRuns) {
        // Latency moves from the faults endpoint into the gate, so it is paid one call at a time.
        await w.faults({});
        configure({ kubeLatencyMs: 0, serial: true, serialLatencyMs: latencyMs });
        const t0 = performance.now();
        const r = await record(() => w.handlers().sweep());
        ser.push(performance.now() - t0);
        outcomes.push(`${String(r.value?.outcome)} (serial)`);
      }
    }
  } finally {
    await w.faults({});
    configure({ kubeLatencyMs: 0, serial: false, serialLatencyMs: 0 });
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
    writes,
    callsPerVpc: Math.round((calls.length / vpcs) * 100) / 100,
    callsPerCluster: Math.round((calls.length / clusters) * 100) / 100,
    parallelMs,
    serialMs,
    speedup: Math.round((serialMs.median / parallelMs.median) * 10) / 10,
    outcomes,
  };
}
