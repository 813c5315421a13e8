/**
 * Whatever reaches the decoder, the only error it may throw is MalformedEventError, which the
 * handler acknowledges; anything else would be answered 500 and redelivered until dead-lettered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedEventError, triggerFromEvent } from '../../../functions/core/events/index.ts';
import { enveloped, jsonOrTextArb, mutatedEntryArb } from './event-arbitraries.ts';

/** Runs `input` through triggerFromEvent; returns what it threw that it must not have. */
function wrongThrow(input: unknown): unknown {
  try {
    triggerFromEvent(input, { selfPrincipal: 'peerlink@p.iam.gserviceaccount.com' });
    return undefined;
  } catch (err) {
    return err instanceof MalformedEventError ? undefined : err;
  }
}

describe('triggerFromEvent on arbitrary input', () => {
  it('throws nothing but MalformedEventError for any JSON value or string, in any envelope', () => {
    fc.assert(
      fc.property(enveloped(jsonOrTextArb), (input) => {
        expect(wrongThrow(input)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('never reconciles arbitrary JSON or text', () => {
    fc.assert(
      fc.property(enveloped(jsonOrTextArb), (input) => {
        try {
          expect(triggerFromEvent(input).action).not.toBe('reconcile');
        } catch (err) {
          if (!(err instanceof MalformedEventError)) throw err;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('throws nothing but MalformedEventError for real entries with odd values in the fields it reads', () => {
    fc.assert(
      fc.property(enveloped(mutatedEntryArb), (input) => {
        expect(wrongThrow(input)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['a Buffer of text', Buffer.from('hello')],
    ['a number', 42],
    ['an array', [1, 2]],
    ['null', null],
    ['undefined', undefined],
    ['text that is not JSON', 'text/plain body'],
    ['a boolean', true],
  ])('refuses %s with a MalformedEventError', (_name, input) => {
    expect(() => triggerFromEvent(input)).toThrow(MalformedEventError);
  });
});
