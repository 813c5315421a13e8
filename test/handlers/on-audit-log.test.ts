import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { MAX_EVENT_BYTES } from '../../functions/core/events/decode.ts';
import { TopologyError } from '../../functions/core/topology/validate.ts';
import { makeOnAuditLog } from '../../functions/handlers/on-audit-log.ts';
import { makeSweep } from '../../functions/handlers/sweep.ts';
import { enveloped, jsonOrTextArb } from '../core/events/event-arbitraries.ts';
import { nodePoolEntry, pubsubEvent, testRuntime } from '../support/runtime.ts';

describe('onAuditLog', () => {
  it('reconciles the scope of a finished node-pool creation and logs one report line', async () => {
    const rt = testRuntime();
    const outcome = await makeOnAuditLog(rt)(
      pubsubEvent(nodePoolEntry({ cluster: 'backend-cluster', record: 'last' })),
    );
    expect(outcome).toBe('reconciled');
    expect(rt.resources.writes).toBeGreaterThan(0);
    const reports = rt.lines.filter((l) => l.report);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      severity: 'NOTICE',
      message: expect.stringMatching(
        /^reconcile converged: nodePool change in cluster backend-cluster/,
      ),
      trigger: { kind: 'nodePool', action: 'reconcile' },
      report: {
        outcome: 'converged',
        plan: { create: expect.any(Number) },
        durationsMs: { total: expect.any(Number) },
      },
    });
  });

  it('acknowledges the first record of an operation without reading anything', async () => {
    const rt = testRuntime();
    expect(
      await makeOnAuditLog(rt)(
        pubsubEvent(nodePoolEntry({ cluster: 'backend-cluster', record: 'first' })),
      ),
    ).toBe('deferred');
    expect(rt.facts.reads).toBe(0);
  });

  it('ignores unrelated entries and leaves old ones to the sweep', async () => {
    const rt = testRuntime();
    const handler = makeOnAuditLog(rt);
    const unrelated = {
      ...nodePoolEntry({ cluster: 'x', record: 'last' }),
      protoPayload: {
        methodName: 'v1.compute.routes.insert',
        serviceName: 'compute.googleapis.com',
        resourceName: 'projects/p/global/routes/r',
      },
    };
    expect(await handler(pubsubEvent(unrelated))).toBe('ignored');
    const old = nodePoolEntry({
      cluster: 'backend-cluster',
      record: 'last',
      timestamp: '2026-11-30T08:00:00Z',
    });
    expect(await handler(pubsubEvent(old))).toBe('stale-event');
    expect(rt.resources.writes + rt.facts.reads).toBe(0);
  });

  it('honours PEERLINK_MAX_EVENT_AGE', async () => {
    const rt = testRuntime({ PEERLINK_MAX_EVENT_AGE: '3h' });
    const old = nodePoolEntry({
      cluster: 'backend-cluster',
      record: 'last',
      timestamp: '2026-11-30T08:00:00Z',
    });
    expect(await makeOnAuditLog(rt)(pubsubEvent(old))).toBe('reconciled');
  });

  it('logs malformed events as errors and acknowledges them', async () => {
    const rt = testRuntime();
    const outcome = await makeOnAuditLog(rt)({
      id: 'bad',
      data: { message: { data: 'not base64 json!!' } },
    });
    expect(outcome).toBe('malformed');
    expect(rt.lines).toEqual([expect.objectContaining({ severity: 'ERROR', eventId: 'bad' })]);
  });

  it('acknowledges with an error log when the topology is invalid', async () => {
    const rt = testRuntime();
    rt.topologyResult = new TopologyError([{ path: 'networks', message: 'broken' }]);
    expect(
      await makeOnAuditLog(rt)(
        pubsubEvent(nodePoolEntry({ cluster: 'backend-cluster', record: 'last' })),
      ),
    ).toBe('invalid-topology');
    expect(rt.lines.at(-1)).toMatchObject({
      severity: 'ERROR',
      message: expect.stringMatching(/networks: broken/),
    });
  });

  it('acknowledges a broken configuration, logged at ERROR on every delivery', async () => {
    const rt = testRuntime();
    rt.deps = async () => {
      throw new ConfigError('PEERLINK_COMPUTE_ENDPOINT: not a URL');
    };
    const event = pubsubEvent(nodePoolEntry({ cluster: 'backend-cluster', record: 'last' }));
    for (const _ of [1, 2]) {
      expect(await makeOnAuditLog(rt)(event)).toBe('invalid-configuration');
      expect(rt.lines.at(-1)).toMatchObject({
        severity: 'ERROR',
        message: expect.stringMatching(/PEERLINK_COMPUTE_ENDPOINT: not a URL/),
      });
    }
  });

  it('only plans for changes peerlink itself made', async () => {
    const rt = testRuntime();
    const own = nodePoolEntry({
      cluster: 'backend-cluster',
      record: 'last',
      principal: 'peerlink@peerlink-demo.iam.gserviceaccount.com',
    });
    expect(await makeOnAuditLog(rt)(pubsubEvent(own))).toBe('reconciled');
    expect(rt.resources.writes).toBe(0);
    expect(rt.lines.at(-1)).toMatchObject({ report: { outcome: 'planned' } });
  });

  it('throws on a transient failure so Pub/Sub redelivers, and converges on redelivery', async () => {
    const rt = testRuntime({ PEERLINK_CONCURRENCY: '2' });
    const handler = makeOnAuditLog(rt);
    const event = pubsubEvent(nodePoolEntry({ cluster: 'backend-cluster', record: 'last' }));
    const original = rt.resources.create.bind(rt.resources);
    let failing = true;
    rt.resources.create = async (r, id) => {
      if (failing) throw new (await import('../../functions/core/errors.ts')).TransientError('503');
      return original(r, id);
    };
    await expect(handler(event)).rejects.toThrow(/did not converge/);
    failing = false;
    expect(await handler(event)).toBe('reconciled');
    expect(rt.lines.at(-1)).toMatchObject({ report: { outcome: 'converged' } });
  }, 60_000);

  it('ignores entries about other projects', async () => {
    const rt = testRuntime();
    const other = nodePoolEntry({
      cluster: 'backend-cluster',
      record: 'last',
      project: 'someone-else',
    });
    expect(await makeOnAuditLog(rt)(pubsubEvent(other))).toBe('out-of-scope');
  });
});

describe('onAuditLog: entries from the future', () => {
  // The test clock is 2026-11-30T10:00:00Z.
  const at = (timestamp: string) =>
    pubsubEvent(nodePoolEntry({ cluster: 'backend-cluster', record: 'last', timestamp }));

  it('acknowledges an entry timestamped in 2999 as malformed, saying why, touching nothing', async () => {
    const rt = testRuntime();
    expect(await makeOnAuditLog(rt)(at('2999-01-01T00:00:00Z'))).toBe('malformed');
    expect(rt.lines).toEqual([
      expect.objectContaining({
        severity: 'ERROR',
        message: expect.stringMatching(
          /timestamp 2999-01-01T00:00:00Z is in the future: more than 5 minutes ahead of this function's clock.*; acknowledged$/,
        ),
      }),
    ]);
    expect(rt.resources.writes + rt.facts.reads).toBe(0);
  });

  it('allows 5 minutes of clock skew and no more', async () => {
    const rt = testRuntime();
    const handler = makeOnAuditLog(rt);
    expect(await handler(at('2026-11-30T10:04:59Z'))).toBe('reconciled');
    expect(await handler(at('2026-11-30T10:05:00.001Z'))).toBe('malformed');
  });

  it('judges ignored entries the same way', async () => {
    const rt = testRuntime();
    const entry = nodePoolEntry({
      cluster: 'backend-cluster',
      record: 'first',
      timestamp: '2999-01-01T00:00:00Z',
    });
    expect(await makeOnAuditLog(rt)(pubsubEvent(entry))).toBe('malformed');
  });
});

describe('sweep', () => {
  it('reconciles everything, and a second sweep writes nothing', async () => {
    const rt = testRuntime();
    const sweep = makeSweep(rt);
    expect((await sweep({ id: 's1' }))?.outcome).toBe('converged');
    const writes = rt.resources.writes;
    expect((await sweep({ id: 's2' }))?.outcome).toBe('noop');
    expect(rt.resources.writes).toBe(writes);
  });

  it('logs an invalid topology at ERROR and fails, so the dead-letter topic keeps the evidence', async () => {
    const rt = testRuntime();
    rt.topologyResult = new TopologyError([{ path: 'x', message: 'y' }]);
    await expect(makeSweep(rt)({ id: 's' })).rejects.toBeInstanceOf(TopologyError);
    expect(rt.lines.at(-1)).toMatchObject({
      severity: 'ERROR',
      message: expect.stringMatching(/x: y/),
    });
  });
});

describe('sweep failures', () => {
  it('logs a transient failure before rethrowing it for redelivery', async () => {
    const rt = testRuntime();
    rt.facts.network = async () => {
      throw new (await import('../../functions/core/errors.ts')).TransientError(
        '429 rateLimitExceeded',
      );
    };
    await expect(makeSweep(rt)({ id: 's-t' })).rejects.toThrow(/429/);
    expect(rt.lines.at(-1)).toMatchObject({
      severity: 'WARNING',
      message: expect.stringMatching(/429 rateLimitExceeded; redelivery will retry/),
    });
  }, 60_000);
});

describe('onAuditLog: entries near the size limit', () => {
  /** A finished node-pool creation padded so that its JSON is exactly `bytes` bytes. */
  const paddedEvent = (bytes: number) => {
    const entry = nodePoolEntry({ cluster: 'backend-cluster', record: 'last' });
    const base = JSON.stringify({ ...entry, padding: '' }).length;
    return pubsubEvent({ ...entry, padding: 'x'.repeat(bytes - base) }, `msg-${bytes}`);
  };

  it('reconciles a 4 MiB entry', async () => {
    const rt = testRuntime();
    expect(await makeOnAuditLog(rt)(paddedEvent(4 * 1024 * 1024))).toBe('reconciled');
    expect(rt.lines.at(-1)).toMatchObject({ severity: 'NOTICE', report: { outcome: 'converged' } });
  });

  it('acknowledges an entry one byte over the limit with an ERROR line, touching nothing', async () => {
    const rt = testRuntime();
    expect(await makeOnAuditLog(rt)(paddedEvent(MAX_EVENT_BYTES + 1))).toBe('malformed');
    expect(rt.lines).toEqual([
      expect.objectContaining({
        severity: 'ERROR',
        message: expect.stringContaining(
          `is ${MAX_EVENT_BYTES + 1} bytes once decoded, larger than ${MAX_EVENT_BYTES} bytes`,
        ),
      }),
    ]);
    expect(rt.resources.writes + rt.facts.reads).toBe(0);
  });
});

describe('onAuditLog: events of any type', () => {
  /** What functions-framework may hand over: a CloudEvent, or the body as it came. */
  const eventArb = fc.oneof(
    jsonOrTextArb,
    fc.constantFrom(null, undefined),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    fc.record(
      { id: fc.oneof(fc.string(), jsonOrTextArb), data: enveloped(jsonOrTextArb) },
      { requiredKeys: [] },
    ),
  );

  it('acknowledges anything that is not an audit entry, never reconciling, never throwing', async () => {
    const rt = testRuntime();
    const handler = makeOnAuditLog(rt);
    await fc.assert(
      fc.asyncProperty(eventArb, async (event) => {
        rt.lines.length = 0;
        const outcome = await handler(event);
        expect(['malformed', 'ignored', 'deferred']).toContain(outcome);
        if (outcome === 'malformed') {
          expect(rt.lines).toEqual([expect.objectContaining({ severity: 'ERROR' })]);
        }
      }),
      { numRuns: 500 },
    );
    expect(rt.resources.writes + rt.facts.reads).toBe(0);
  });

  it.each([
    ['null', null, 'the event is null'],
    ['undefined', undefined, 'the event is missing'],
    ['text', 'text/plain body', 'the event is a string'],
    ['a number', 42, 'the event is a number'],
    ['an array', [{ data: 'x' }], 'the event is an array'],
    ['a Buffer', Buffer.from('hello'), 'the event is bytes'],
  ])(
    'acknowledges an event that is %s with an ERROR line saying what came',
    async (_n, event, what) => {
      const rt = testRuntime();
      expect(await makeOnAuditLog(rt)(event)).toBe('malformed');
      expect(rt.lines).toEqual([
        {
          severity: 'ERROR',
          message: expect.stringContaining(`malformed audit-log event: ${what}, not a CloudEvent`),
          failure: 'bad-input',
        },
      ]);
    },
  );

  it('logs an event id only when it is a string', async () => {
    const rt = testRuntime();
    expect(await makeOnAuditLog(rt)({ id: { nested: true }, data: 'x' })).toBe('malformed');
    expect(rt.lines[0]).not.toHaveProperty('eventId');
    expect(rt.lines[0]?.message).toMatch(/^malformed audit-log event: /);
  });
});

describe('sweep: an unreadable message', () => {
  // The sweep reads only the message's id: whatever the message is, the sweep runs.
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['text', 'text/plain body'],
    ['a Buffer', Buffer.from([0xff, 0xfe])],
    ['an object id', { id: { nested: true } }],
  ])('runs when the message is %s', async (_n, event) => {
    const rt = testRuntime();
    const report = await makeSweep(rt)(event);
    expect(report?.outcome).toBe('converged');
    expect(rt.lines.at(-1)).toMatchObject({ severity: 'NOTICE', message: 'sweep converged' });
    expect(rt.lines.at(-1)).not.toHaveProperty('eventId');
  });
});
