/**
 * The production runtime: settings from the environment, the topology file read once, and the
 * cloud adapters built on first use, so an ignored event never loads a Google client.
 */

import type { Topology } from '../core/topology/schema.ts';
import type { ReconcileDeps } from '../engine/reconcile.ts';
import type { Runtime } from '../handlers/runtime.ts';
import { jsonLogger, type Logger } from './log.ts';
import { settings } from './settings.ts';

type Env = Readonly<Record<string, string | undefined>>;

export function createRuntime(env: Env, logger: Logger = jsonLogger()): Runtime {
  const s = settings(env);
  let topology: Promise<Topology> | undefined;
  let deps: Promise<ReconcileDeps> | undefined;
  const rt: Runtime = {
    settings: s,
    logger,
    now: () => Date.now(),
    topology() {
      // A failed load is not cached: the next event reads the file again.
      // Loaded here, not at start: an ignored entry never needs the schema or yaml.
      topology ??= import('./files.ts')
        .then(({ loadTopology }) => loadTopology(s.topologyPath))
        .catch((e: unknown) => {
          topology = undefined;
          throw e;
        });
      return topology;
    },
    deps() {
      deps ??= (async () => {
        const [{ createCloud }, { cloudConfig }, { desiredNodePools }] = await Promise.all([
          import('../gcp/cloud.ts'),
          import('../gcp/config.ts'),
          import('../core/desire/infra.ts'),
        ]);
        const t = await rt.topology().catch(() => undefined);
        // The project defaults to the topology's.
        const cloud = createCloud(cloudConfig({ PEERLINK_PROJECT: t?.project, ...env }), {
          initialNodePools: (c) =>
            t ? desiredNodePools(t).filter((p) => p.cluster === c.name) : [],
        });
        return { resources: cloud.resources, facts: cloud.facts };
      })();
      return deps;
    },
  };
  return rt;
}
