/** What bootstrap creates for a cluster's datapath, and that an unnamed one is never a difference. */
import { describe, expect, it } from 'vitest';
import { desiredClusters } from '../../../functions/core/desire/infra.ts';
import type { ClusterResource } from '../../../functions/core/model/resources.ts';
import { plan } from '../../../functions/core/plan/diff.ts';
import { parseTopology } from '../../../functions/core/topology/validate.ts';
import { exampleYaml } from '../../support/topology.ts';

/** The example with the frontend VPC-native, on `datapath` when given. */
function topology(datapath?: string) {
  return parseTopology(
    exampleYaml
      .replace(
        '        range: 10.209.0.0/16\n',
        '        range: 10.209.0.0/16\n        secondaryRanges:\n          - { name: pods, range: 10.40.0.0/14 }\n          - { name: services, range: 10.44.0.0/20 }\n',
      )
      .replace(
        '    mode: routes\n    podRange: 10.132.0.0/14\n    serviceRange: 10.136.0.0/20\n    masquerade: agent\n',
        `    mode: vpc-native\n    podSecondaryRange: pods\n    serviceSecondaryRange: services\n${datapath ? `    datapath: ${datapath}\n` : ''}`,
      ),
    'infra.test.ts',
  );
}

const frontend = (t: ReturnType<typeof topology>) =>
  desiredClusters(t).find((c) => c.name === 'frontend-cluster') as ClusterResource;

describe('desiredClusters: the datapath', () => {
  it('carries the topology datapath, for the create request', () => {
    expect(frontend(topology('dataplane-v2')).datapath).toBe('dataplane-v2');
    expect(frontend(topology('legacy')).datapath).toBe('legacy');
  });

  it('leaves it out when the topology does not name it, so whatever the cluster runs is no conflict', () => {
    const want = frontend(topology());
    expect(want).not.toHaveProperty('datapath');
    const observed = { resource: { ...want, datapath: 'dataplane-v2' as const }, owned: true };
    expect(plan([want], [observed]).actions).toEqual([]);
  });

  it('reports a cluster running another datapath than the topology names, and changes nothing', () => {
    const want = frontend(topology('dataplane-v2'));
    const observed = { resource: { ...want, datapath: 'legacy' as const }, owned: true };
    expect(plan([want], [observed]).actions).toEqual([
      expect.objectContaining({ op: 'conflict', reason: expect.stringMatching(/datapath/) }),
    ]);
  });
});
