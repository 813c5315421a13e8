/**
 * The one file peerlink reads at run time: the topology. The pure core gets its contents as data
 * (the agent's files are compiled into the build: manifests/generate.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Topology } from '../core/topology/schema.ts';
import { parseTopology } from '../core/topology/validate.ts';

/** Reads and validates a topology file. @throws TopologyError, or a file-system error. */
export async function loadTopology(file: string): Promise<Topology> {
  return parseTopology(await readFile(file, 'utf8'), file);
}
