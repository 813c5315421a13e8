/** The sweep runs for a Pub/Sub message and for nothing else, which it acknowledges at ERROR. */
import { describe, expect, it } from 'vitest';
import { sweepTriggered } from '../../functions/handlers/sweep-trigger.ts';
import type { Severity } from '../../functions/runtime/log.ts';

function logged(event: unknown): {
  triggered: boolean;
  lines: { severity: Severity; message: string }[];
} {
  const lines: { severity: Severity; message: string }[] = [];
  const triggered = sweepTriggered(
    { log: (severity, message) => lines.push({ severity, message }) },
    event,
  );
  return { triggered, lines };
}

describe('sweepTriggered', () => {
  it.each([
    [
      'a push converted to a CloudEvent',
      { id: 'm-1', data: { message: { data: 'e30=', messageId: 'm-1' } } },
    ],
    [
      'a push whose message has no data (not converted)',
      { message: { attributes: {}, messageId: 'm-2' }, subscription: 's' },
    ],
  ])('runs for %s', (_name, event) => {
    expect(logged(event)).toEqual({ triggered: true, lines: [] });
  });

  it.each([
    ['JSON of the wrong shape', { foo: [1, 2] }],
    ['an empty object', {}],
    ['an array', [{ message: {} }]],
    ['text', 'tick'],
    ['null', null],
    ['a CloudEvent without a message', { id: 'x', data: { foo: 1 } }],
  ])('acknowledges %s with an ERROR line and runs nothing', (_name, event) => {
    expect(logged(event)).toEqual({
      triggered: false,
      lines: [
        {
          severity: 'ERROR',
          message: expect.stringMatching(
            /^malformed request to sweep: the body is not a Pub\/Sub push/,
          ),
        },
      ],
    });
  });
});
