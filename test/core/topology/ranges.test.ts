/**
 * overlappingPairs: the sweep finds exactly the pairs a comparison of every pair finds; and the
 * ranges a routes-based cluster occupies.
 */
import { overlapCidr } from 'cidr-tools';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clusterRanges,
  overlappingPairs,
  ownRanges,
  spanOf,
} from '../../../functions/core/topology/ranges.ts';
import { exampleTopology } from '../../support/topology.ts';

interface Sided {
  readonly range: string;
  readonly side: number;
}

const pairsOf = (list: readonly Sided[], limit: number) =>
  overlappingPairs(
    list.map((r) => spanOf(r.range)),
    (i) => list[i]?.side ?? 0,
    limit,
  );

/** A CIDR block inside 10.0.0.0/16, so that random blocks often overlap. */
const block = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 16 - 1 }), fc.integer({ min: 16, max: 32 }))
  .map(([offset, prefix]) => {
    const size = 2 ** (32 - prefix);
    const start = 10 * 2 ** 24 + (offset - (offset % size));
    const octets = [24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256);
    return `${octets.join('.')}/${prefix}`;
  });
const sided = fc.record({ range: block, side: fc.constantFrom(0, 1, 2) });

function everyPair(list: readonly Sided[]): [number, number][] {
  const out: [number, number][] = [];
  list.forEach((x, i) => {
    list.forEach((y, j) => {
      if (i < j && x.side !== y.side && overlapCidr(x.range, y.range)) out.push([i, j]);
    });
  });
  return out;
}

describe('overlappingPairs', () => {
  it('finds the pairs a comparison of every pair finds', () => {
    fc.assert(
      fc.property(fc.array(sided, { maxLength: 40 }), (list) => {
        expect(pairsOf(list, Number.POSITIVE_INFINITY)).toEqual({
          pairs: everyPair(list),
          more: false,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('stops at the limit and says there are more', () => {
    const list = Array.from({ length: 100 }, (_, i) => ({ range: '10.0.0.0/16', side: i }));
    const { pairs, more } = pairsOf(list, 10);
    expect({ count: pairs.length, more }).toEqual({ count: 10, more: true });
  });

  it('pairs identical ranges on different sides only', () => {
    const list = [
      { range: '10.0.0.0/16', side: 0 },
      { range: '10.0.0.0/16', side: 0 },
      { range: '10.0.0.0/16', side: 1 },
    ];
    expect(pairsOf(list, Number.POSITIVE_INFINITY).pairs).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });
});

describe("a routes-based cluster's own ranges", () => {
  const t = exampleTopology();
  const backend = t.clusters.find((c) => c.name === 'backend-cluster');
  if (backend?.mode !== 'routes') throw new Error('the example has a routes cluster');

  it('count a service range inside the pod range as the pod range', () => {
    expect(clusterRanges({ ...backend, serviceRange: '10.123.240.0/20' })).toEqual([
      { path: 'podRange', range: '10.120.0.0/14' },
    ]);
    expect(clusterRanges({ ...backend, serviceRange: '10.124.0.0/20' })).toEqual([
      { path: 'podRange', range: '10.120.0.0/14' },
      { path: 'serviceRange', range: '10.124.0.0/20' },
    ]);
  });

  it('take the service range GKE chose when the cluster reports one', () => {
    const declared = { ...backend, serviceRange: '10.124.0.0/20' };
    expect(ownRanges(t, declared)).toEqual(['10.193.0.0/16', '10.120.0.0/14', '10.124.0.0/20']);
    expect(ownRanges(t, declared, '10.123.240.0/20')).toEqual([
      '10.193.0.0/16',
      '10.120.0.0/14',
      '10.123.240.0/20',
    ]);
  });
});
