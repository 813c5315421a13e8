import { invalid } from './errors.ts';
import type { FaultConfig } from './faults.ts';
import { ok } from './http.ts';
import type { Route } from './router.ts';
import type { Sim, Snapshot } from './sim.ts';
import type { SinkConfig } from './sink.ts';

/**
 * Control endpoints under `/__sim/` (simulator-only, not a Google API):
 * - `GET /__sim/logs?since=N` -> `{entries, next}` audit entries from index N.
 * - `GET|PUT|DELETE /__sim/sink` -> sink status / `{topic, filter?, emulatorHost?}` / clear.
 * - `GET /__sim/stats` -> `{reads, writes, methods: {name: {reads, writes}}}`.
 * - `GET|PUT /__sim/faults` -> {@link FaultConfig}.
 * - `POST /__sim/reset`; `POST /__sim/snapshot` -> snapshot; `PUT /__sim/snapshot` loads one.
 * - `GET /__sim/info` -> options, endpoints and parts' info.
 * - `GET /__sim/routes` -> the route table.
 * - `GET|POST|DELETE /__sim/iam`, `POST /__sim/iam/roles`: bindings and custom roles (iam.ts,
 *   registered by server.ts); reset and snapshots leave them alone.
 */
export function controlRoutes(sim: Sim): Route[] {
  const r = (method: string, path: string, name: string, handler: Route['handler']): Route => ({
    method,
    pattern: `/__sim/${path}`,
    name: `sim.${name}`,
    kind: 'control',
    handler,
  });
  return [
    r('GET', 'logs', 'logs', (req) => {
      const since = Number(req.query.get('since') ?? '0');
      if (!Number.isInteger(since) || since < 0)
        throw invalid('since must be a non-negative integer');
      return ok({ entries: sim.audit.list(since), next: sim.audit.size });
    }),
    r('GET', 'sink', 'sink.get', () => ok(sim.sink.status())),
    r('PUT', 'sink', 'sink.put', async (req) => {
      try {
        sim.sink.configure(req.body as SinkConfig);
      } catch (e) {
        throw invalid(e instanceof Error ? e.message : String(e));
      }
      return ok(sim.sink.status());
    }),
    r('DELETE', 'sink', 'sink.delete', async () => {
      await sim.sink.flush();
      sim.sink.configure(null);
      return ok(sim.sink.status());
    }),
    r('POST', 'sink/flush', 'sink.flush', async () => {
      await sim.sink.flush();
      return ok(sim.sink.status());
    }),
    r('GET', 'stats', 'stats', () => ok(sim.stats.view())),
    r('GET', 'faults', 'faults.get', () => ok(sim.faults.view())),
    r('PUT', 'faults', 'faults.put', (req) => {
      const body = (req.body ?? {}) as FaultConfig;
      if (typeof body !== 'object' || Array.isArray(body))
        throw invalid('faults body must be an object');
      sim.faults.configure(body);
      return ok(sim.faults.view());
    }),
    r('POST', 'reset', 'reset', async () => {
      await sim.reset();
      return ok({});
    }),
    r('POST', 'snapshot', 'snapshot.save', async () => ok(await sim.snapshot())),
    r('PUT', 'snapshot', 'snapshot.load', async (req) => {
      try {
        await sim.load(req.body as Snapshot);
      } catch (e) {
        throw invalid(e instanceof Error ? e.message : String(e));
      }
      return ok({});
    }),
    r('GET', 'info', 'info', () => ok({ options: sim.options, ...sim.info })),
    r('GET', 'routes', 'routes', () =>
      ok({
        routes: sim.router
          .routes()
          .map((x) => ({ method: x.method, pattern: x.pattern, name: x.name, kind: x.kind })),
      }),
    ),
  ];
}
