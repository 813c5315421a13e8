/**
 * Event to converged: a node pool is added to the provider cluster, with a fixed latency on
 * every API call; how long onAuditLog takes from the CreateNodePool entry to the backend service
 * listing the pool's instance groups, and how many API round trips lie on its critical path.
 *
 * The baseline, measured in the same run, is the least the API allows, written as plain REST
 * calls: read the pool and the backend service at once, patch the backend service, wait for the
 * operation. Three sequential round trips.
 */
import { resourceName } from '../functions/core/desire/names.ts';
import { type Call, configure, label, record, sequentialChain } from './lib/recorder.ts';
import { type Summary, summarise } from './lib/stats.ts';
import { lastEntry, type World } from './lib/world.ts';

const CREATE_NODE_POOL = 'google.container.v1.ClusterManager.CreateNodePool';

export interface EventResult {
  readonly latencyMs: number;
  readonly runs: number;
  readonly minimumRoundTrips: number;
  readonly peerlink: { wallMs: Summary; roundTrips: Summary; calls: Summary; chain: string[] };
  readonly baseline: { wallMs: Summary; roundTrips: Summary; calls: Summary; chain: string[] };
  readonly outcomes: string[];
}

interface Backend {
  group?: string;
  [k: string]: unknown;
}

function context(w: World) {
  const svc = w.t.services[0];
  const provider = w.t.clusters.find((c) => c.name === svc?.cluster);
  if (!svc || !provider) throw new Error('the event bench needs a topology with a service');
  const p = w.t.project;
  const poolPath = (pool: string) =>
    `/v1/projects/${p}/locations/${provider.location}/clusters/${provider.name}/nodePools/${pool}`;
  const bsPath = `/compute/v1/projects/${p}/regions/${provider.region}/backendServices/${resourceName(svc, 'bs')}`;
  return { svc, provider, poolPath, bsPath };
}

const groupPath = (url: string) =>
  (url.split('/compute/v1/')[1] ?? url).replace('/instanceGroupManagers/', '/instanceGroups/');

async function addPool(w: World, pool: string) {
  const { provider } = context(w);
  const cursor = await w.logCursor();
  await w.call(
    'POST',
    `/v1/projects/${w.t.project}/locations/${provider.location}/clusters/${provider.name}/nodePools`,
    { nodePool: { name: pool, initialNodeCount: 1 } },
  );
  return lastEntry(w, cursor, CREATE_NODE_POOL);
}

/** Whether the backend service lists every instance group of `pool`. */
async function converged(w: World, pool: string): Promise<boolean> {
  const { poolPath, bsPath } = context(w);
  const np = await w.call('GET', poolPath(pool));
  const bs = await w.call('GET', bsPath);
  const have = new Set(
    ((bs.backends as Backend[] | undefined) ?? []).map((b) => groupPath(b.group ?? '')),
  );
  const want = ((np.instanceGroupUrls as string[] | undefined) ?? []).map(groupPath);
  return want.length > 0 && want.every((g) => have.has(g));
}

/** The least the API allows: 1 parallel read, 1 patch, 1 operation wait. */
async function minimal(w: World, pool: string): Promise<void> {
  const { poolPath, bsPath, provider } = context(w);
  const [np, bs] = await Promise.all([w.call('GET', poolPath(pool)), w.call('GET', bsPath)]);
  const backends = (bs.backends as Backend[] | undefined) ?? [];
  const template = backends[0] ?? {};
  const have = new Set(backends.map((b) => groupPath(b.group ?? '')));
  const added = ((np.instanceGroupUrls as string[] | undefined) ?? [])
    .filter((u) => !have.has(groupPath(u)))
    .map((u) => ({ ...template, group: u.replace('/instanceGroupManagers/', '/instanceGroups/') }));
  const op = await w.call('PATCH', bsPath, {
    backends: [...backends, ...added],
    fingerprint: bs.fingerprint,
  });
  const done = await w.call(
    'POST',
    `/compute/v1/projects/${w.t.project}/regions/${provider.region}/operations/${String(op.name)}/wait`,
  );
  if (done.status !== 'DONE' || done.error)
    throw new Error(`baseline patch: ${JSON.stringify(done)}`);
}

async function timed(
  fn: () => Promise<unknown>,
): Promise<{ ms: number; calls: Call[]; value: unknown }> {
  const t0 = performance.now();
  const { value, calls } = await record(fn);
  return { ms: performance.now() - t0, calls, value };
}

export async function benchEvent(w: World, runs: number, latencyMs: number): Promise<EventResult> {
  await w.faults({ seed: 1, methods: { '*': { latencyMs } } });
  configure({ kubeLatencyMs: latencyMs });
  const p = { ms: [] as number[], rt: [] as number[], n: [] as number[], chain: [] as string[] };
  const b = { ms: [] as number[], rt: [] as number[], n: [] as number[], chain: [] as string[] };
  const outcomes: string[] = [];
  try {
    // Warm-up: the first event of the process loads the client modules; not counted.
    await w.handlers().onAuditLog(await addPool(w, 'bench-warm'));
    for (let i = 0; i < runs; i++) {
      // peerlink: a fresh runtime per event, as a new function instance (no cached cluster data).
      const entry = await addPool(w, `bench-p${i}`);
      const h = w.handlers();
      const r = await timed(() => h.onAuditLog(entry));
      outcomes.push(String(r.value));
      if (!(await converged(w, `bench-p${i}`)))
        throw new Error(`peerlink run ${i} did not converge`);
      const chain = sequentialChain(r.calls);
      p.ms.push(r.ms);
      p.rt.push(chain.length);
      p.n.push(r.calls.length);
      if (i === 0) p.chain = chain.map(label);

      await addPool(w, `bench-m${i}`);
      const m = await timed(() => minimal(w, `bench-m${i}`));
      if (!(await converged(w, `bench-m${i}`)))
        throw new Error(`baseline run ${i} did not converge`);
      const mchain = sequentialChain(m.calls);
      b.ms.push(m.ms);
      b.rt.push(mchain.length);
      b.n.push(m.calls.length);
      if (i === 0) b.chain = mchain.map(label);
    }
  } finally {
    await w.faults({});
    configure({ kubeLatencyMs: 0 });
  }
  return {
    latencyMs,
    runs,
    minimumRoundTrips: 3,
    peerlink: {
      wallMs: summarise(p.ms, 0),
      roundTrips: summarise(p.rt, 0),
      calls: summarise(p.n, 0),
      chain: p.chain,
    },
    baseline: {
      wallMs: summarise(b.ms, 0),
      roundTrips: summarise(b.rt, 0),
      calls: summarise(b.n, 0),
      chain: b.chain,
    },
    outcomes,
  };
}
