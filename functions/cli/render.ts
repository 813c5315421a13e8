/** `peerlink render manifests --topology FILE [--cluster NAME]`: the Kubernetes objects, as YAML. */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { desire } from '../core/desire/desire.ts';
import { predictedFacts } from '../core/desire/predicted.ts';
import { TopologyError } from '../core/errors.ts';
import { loadTopology } from '../runtime/files.ts';
import type { Command } from './main.ts';

export const renderManifestsCommand: Command = async (args, io) => {
  let values: { topology?: string; cluster?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { topology: { type: 'string' }, cluster: { type: 'string' } },
    }));
  } catch (e) {
    io.err(`peerlink render manifests: ${(e as Error).message}`);
    return 2;
  }
  if (!values.topology) {
    io.err('usage: peerlink render manifests --topology FILE [--cluster NAME]');
    return 2;
  }
  let topology: Awaited<ReturnType<typeof loadTopology>>;
  try {
    topology = await loadTopology(values.topology);
  } catch (e) {
    io.err(
      e instanceof TopologyError
        ? e.message
        : `cannot read ${values.topology}: ${(e as Error).message}`,
    );
    return 2;
  }
  if (values.cluster && !topology.clusters.some((c) => c.name === values.cluster)) {
    io.err(`no cluster '${values.cluster}' in ${values.topology}`);
    return 2;
  }
  const objects = desire(topology, predictedFacts(topology)).resources.flatMap((r) =>
    r.kind === 'kube' && (!values.cluster || r.cluster === values.cluster) ? [r] : [],
  );
  for (const o of objects) {
    io.out(`---\n# cluster: ${o.cluster}\n${stringify(o.manifest, { lineWidth: 0 }).trimEnd()}`);
  }
  return 0;
};
