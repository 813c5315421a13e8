import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addressCount,
  aggregate,
  cidrProblem,
  intersect,
  overlaps,
  subtract,
} from '../../../functions/core/net/cidr.ts';

/** Random IPv4 CIDRs inside 10.0.0.0/8 and 172.16.0.0/12, host bits cleared. */
const cidrArb = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 24 - 1 }), fc.integer({ min: 8, max: 32 }), fc.boolean())
  .map(([offset, prefix, rfc]) => {
    const base = rfc ? 0x0a000000 : 0xac100000;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const addr = ((base + offset) & mask) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (addr >>> s) & 255).join('.')}/${prefix}`;
  });

describe('cidrProblem', () => {
  it.each([
    ['10.193.0.0/16', null],
    ['10.193.0.1/16', { kind: 'hostBits', suggestion: '10.193.0.0/16' }],
    ['10.193.0.0/33', { kind: 'syntax' }],
    ['10.193.0.0', { kind: 'syntax' }],
    ['010.193.0.0/16', { kind: 'syntax' }],
    ['10.0.0.0/8; reboot', { kind: 'syntax' }],
    ['256.1.1.0/24', { kind: 'syntax' }],
    ['10.1.2.3/32', null],
  ])('%s', (text, expected) => {
    expect(cidrProblem(text)).toEqual(expected);
  });
});

describe('set arithmetic', () => {
  it('aggregates adjacent and contained ranges', () => {
    expect(aggregate(['10.0.1.0/24', '10.0.0.0/24', '10.0.0.128/25', '10.9.9.9/32'])).toEqual([
      '10.0.0.0/23',
      '10.9.9.9/32',
    ]);
  });

  it('aggregation keeps the same address set', () => {
    fc.assert(
      fc.property(fc.array(cidrArb, { maxLength: 12 }), (nets) => {
        const agg = aggregate(nets);
        // Same set: nothing outside the inputs, and every input covered.
        expect(subtract(agg, nets)).toEqual([]);
        expect(subtract(nets, agg)).toEqual([]);
        expect(aggregate(agg)).toEqual(agg);
        for (let i = 1; i < agg.length; i++)
          expect(overlaps([agg[i - 1] ?? ''], [agg[i] ?? ''])).toBe(false);
      }),
    );
  });

  it('subtract and intersect partition the base set', () => {
    fc.assert(
      fc.property(
        fc.array(cidrArb, { maxLength: 6 }),
        fc.array(cidrArb, { maxLength: 6 }),
        (a, b) => {
          const rest = subtract(a, b);
          const both = intersect(a, b);
          expect(overlaps(rest, b)).toBe(false);
          expect(overlaps(rest, both)).toBe(false);
          expect(addressCount(rest) + addressCount(both)).toBe(addressCount(a));
        },
      ),
    );
  });
});
