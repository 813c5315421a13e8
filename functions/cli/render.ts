/** `peerlink render manifests --topology FILE [--cluster NAME]`: the Kubernetes objects, as YAML. */
import { stringify } from 'yaml';
import { desire } from '../core/desire/desire.ts';
import { predictedFacts } from '../core/desire/predicted.ts';
import { ConfigError } from '../core/errors.ts';
import { loadTopology } from '../runtime/files.ts';
import { SETTINGS } from '../runtime/settings.ts';
import { runCommand, unreadable } from './flags.ts';
import type { Command } from './io.ts';
import { RENDER_MANIFESTS } from './specs.ts';

export const renderManifestsCommand: Command = (args, io) =>
  runCommand(RENDER_MANIFESTS, args, io, async (p) => {
    const file = p.required(SETTINGS.topology);
    const cluster = p.value(SETTINGS.cluster);
    const topology = await loadTopology(file).catch((e: unknown) => {
      throw unreadable(file, e);
    });
    if (cluster && !topology.clusters.some((c) => c.name === cluster))
      throw new ConfigError(`no cluster '${cluster}' in ${file}`);
    const objects = desire(topology, predictedFacts(topology)).resources.flatMap((r) =>
      r.kind === 'kube' && (!cluster || r.cluster === cluster) ? [r] : [],
    );
    for (const o of objects) {
      io.out(`---\n# cluster: ${o.cluster}\n${stringify(o.manifest, { lineWidth: 0 }).trimEnd()}`);
    }
    return 0;
  });
