/**
 * The one file peerlink reads at run time: the topology. The pure core gets its contents as data
 * (the agent's files are compiled into the build: manifests/generate.ts).
 */
import { open } from 'node:fs/promises';
import { LIMITS, type Topology } from '../core/topology/schema.ts';
import { parseTopology, sizeProblem, TopologyError } from '../core/topology/validate.ts';

/**
 * Reads and validates a topology file. A file over `LIMITS.bytes` is refused from its size
 * before it is read, and no more than that is ever read (a pipe or a device has no size to
 * check). @throws TopologyError, or a file-system error.
 */
export async function loadTopology(file: string): Promise<Topology> {
  const handle = await open(file, 'r');
  try {
    const tooLarge = sizeProblem((await handle.stat()).size);
    if (tooLarge) throw new TopologyError([tooLarge], file);
    // One byte more than the limit tells a file that grew since, or has no size, from one that fits.
    const buffer = Buffer.alloc(LIMITS.bytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      const grown = length === buffer.length ? sizeProblem(length, 'more') : undefined;
      if (grown) throw new TopologyError([grown], file);
    }
    return parseTopology(buffer.toString('utf8', 0, length), file);
  } finally {
    await handle.close();
  }
}
