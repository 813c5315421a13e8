/**
 * The example topology with its frontend an Autopilot consumer: VPC-native in europe-west1 (a
 * region), no node pools, masquerade `auto`, and pods on a privately used public range
 * (45.10.0.0/16), which VPC A does not import, so the frontend's pods must reach VPC A
 * masqueraded.
 */
import { parse, stringify } from 'yaml';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { parseTopology } from '../../functions/core/topology/validate.ts';
import { exampleYaml } from './topology.ts';

export const AUTOPILOT_PODS = '45.10.0.0/16';

/** The YAML, with `pods` as the frontend's pod range. */
export function autopilotYaml(pods = AUTOPILOT_PODS): string {
  // biome-ignore lint/suspicious/noExplicitAny: a raw YAML document, edited as such
  const raw = parse(exampleYaml) as Record<string, any>;
  raw.networks[1].subnets[0].secondaryRanges = [
    { name: 'pods', range: pods },
    { name: 'services', range: '10.210.0.0/20' },
  ];
  const c = raw.clusters[1];
  for (const key of ['podRange', 'serviceRange', 'nodePools', 'masquerade']) delete c[key];
  Object.assign(c, {
    location: 'europe-west1',
    mode: 'vpc-native',
    podSecondaryRange: 'pods',
    serviceSecondaryRange: 'services',
    autopilot: true,
  });
  return stringify(raw);
}

export function autopilotTopology(pods = AUTOPILOT_PODS): Topology {
  return parseTopology(autopilotYaml(pods), 'autopilot topology');
}
