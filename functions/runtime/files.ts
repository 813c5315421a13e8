/**
 * The files peerlink reads at run time: the topology, and the masquerade agent's script and
 * DaemonSet shipped in `manifests/`. The pure core receives their contents as data.
 */
import { readFile } from 'node:fs/promises';
import { parseTopology } from '../core/topology/validate.ts';
import type { Topology } from '../core/topology/schema.ts';

/** Reads and validates a topology file. @throws TopologyError, or a file-system error. */
export async function loadTopology(file: string): Promise<Topology> {
  return parseTopology(await readFile(file, 'utf8'), file);
}
