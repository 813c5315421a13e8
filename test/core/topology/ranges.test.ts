/** overlappingPairs: the sweep finds exactly the pairs a comparison of every pair finds. */
import { overlapCidr } from 'cidr-tools';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { overlappingPairs, spanOf } from '../../../functions/core/topology/ranges.ts';

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
