/** `peerlink validate --topology FILE`: every problem of a topology file, or that it is valid. */
import { TopologyError } from '../core/errors.ts';
import { loadTopology } from '../runtime/files.ts';
import { SETTINGS } from '../runtime/settings.ts';
import { EXIT, runCommand, unreadable } from './flags.ts';
import type { Command } from './io.ts';
import { VALIDATE } from './specs.ts';

export const validateCommand: Command = (args, io) =>
  runCommand(VALIDATE, args, io, async (p) => {
    const file = p.required(SETTINGS.topology);
    try {
      const t = await loadTopology(file);
      const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
      io.out(
        `${file}: valid (${n(t.networks.length, 'network')}, ${n(t.clusters.length, 'cluster')}, ${n(t.services.length, 'service')})`,
      );
      return EXIT.ok;
    } catch (e) {
      // The problems are this command's answer: printed as the topology error words them.
      if (e instanceof TopologyError) {
        io.err(e.message);
        return EXIT.error;
      }
      throw unreadable(file, e);
    }
  });
