import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestUuid, stepRequestId } from '../../functions/core/request-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestUuid', () => {
  it('a UUID is kept (lower-cased)', () => {
    expect(requestUuid('6F1C2D9A-0000-4000-8000-000000000001')).toBe(
      '6f1c2d9a-0000-4000-8000-000000000001',
    );
  });

  it('the zero UUID is not accepted by Compute, so it is hashed', () => {
    expect(requestUuid('00000000-0000-0000-0000-000000000000')).toMatch(UUID);
  });

  it('any other string becomes a stable version-5 UUID, distinct per string', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const ua = requestUuid(`x${a}`);
        expect(ua).toMatch(UUID);
        expect(requestUuid(`x${a}`)).toBe(ua);
        if (a !== b) expect(requestUuid(`x${b}`)).not.toBe(ua);
      }),
    );
  });

  it('steps of one change get their own ids', () => {
    expect(stepRequestId('r', 'delete')).not.toBe(stepRequestId('r', 'insert'));
    expect(stepRequestId('r', 'delete')).toMatch(UUID);
  });
});
