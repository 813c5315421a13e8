/** `peerlink render manifests --topology FILE [--cluster NAME]`: the Kubernetes objects, as YAML. */
import { stringify } from 'yaml';
import { desire } from '../core/desire/desire.ts';
import { predictedFacts } from '../core/desire/predicted.ts';
import { ConfigError } from '../core/errors.ts';
import { keyOf } from '../core/model/resources.ts';
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
    const d = desire(topology, predictedFacts(topology));
    const objects = d.resources.flatMap((r) =>
      r.kind === 'kube' && (!cluster || r.cluster === cluster) ? [r] : [],
    );
    // An object desire knows must not be written (an ip-masq-agent list over its cidrLimit) is
    // left out and said why, as `plan` reports it as a conflict: exit 1.
    const refused = new Map(d.conflicts.map((c) => [c.key, c.reason]));
    let left = 0;
    for (const o of objects) {
      const why = refused.get(keyOf(o));
      if (why !== undefined) {
        io.err(
          `not rendered: cluster ${o.cluster}: ${o.objectKind} ${o.namespace}/${o.name}: ${why}`,
        );
        left += 1;
        continue;
      }
      io.out(`---\n# cluster: ${o.cluster}\n${stringify(o.manifest, { lineWidth: 0 }).trimEnd()}`);
    }
    return left > 0 ? 1 : 0;
  });
