import { describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../../functions/core/errors.ts';
import { decodeEvent, MAX_EVENT_BYTES } from '../../../functions/core/events/decode.ts';
import { pushEnvelope, sharedEvent, wrappings } from './events-fixtures.ts';

const firewall = sharedEvent('firewall-insert.json');

describe('decodeEvent', () => {
  it.each(wrappings(firewall))('reads a LogEntry from a %s', (_shape, input) => {
    const entry = decodeEvent(input);
    expect(entry.logName).toBe('projects/scc-log-pubsub/logs/cloudaudit.googleapis.com%2Factivity');
    expect(entry.protoPayload?.methodName).toBe('v1.compute.firewalls.insert');
    // Unknown keys pass through: real entries carry far more than peerlink reads.
    expect(entry.protoPayload?.request?.direction).toBe('INGRESS');
  });

  it('accepts the real push envelope whose inner entry is a Data Access entry without protoPayload', () => {
    const entry = decodeEvent(sharedEvent('pubsub-push-envelope.json'));
    expect(entry.logName).toBe(
      'projects/test-project/logs/cloudaudit.googleapis.com%2Fdata_access',
    );
    expect(entry.protoPayload).toBeUndefined();
  });

  it('accepts status.code written as a decimal string (proto3 JSON)', () => {
    const entry = JSON.parse(sharedEvent('cluster_creation_started_with_error.json'));
    entry.protoPayload.status.code = '3';
    expect(decodeEvent(entry).protoPayload?.status?.code).toBe(3);
  });

  const envelope = pushEnvelope(firewall);
  const data = String(envelope.message.data);
  const withData = (d: unknown) => ({ ...envelope, message: { ...envelope.message, data: d } });
  const withoutPayload = { ...JSON.parse(firewall), protoPayload: undefined };
  const huge = JSON.stringify({ ...JSON.parse(firewall), padding: 'x'.repeat(MAX_EVENT_BYTES) });

  const malformed: Array<[string, unknown, RegExp]> = [
    ['truncated base64', withData(data.slice(0, -3)), /message\.data is not valid base64/],
    ['base64 with a stray character', withData(`*${data.slice(1)}`), /not valid base64/],
    [
      'base64 of non-JSON',
      withData(Buffer.from('not json').toString('base64')),
      /data is not JSON/,
    ],
    [
      'base64 of invalid UTF-8',
      withData(Buffer.from([0xff, 0xfe, 0xfd, 0xfc]).toString('base64')),
      /not valid UTF-8/,
    ],
    ['empty data', withData(''), /message\.data is empty/],
    ['data that is a number', withData(42), /message\.data is a number/],
    ['non-JSON text', 'this is not json', /input is not JSON/],
    ['truncated JSON', firewall.slice(0, 200), /input is not JSON/],
    [
      'a JSON array',
      '[{"logName":"projects/p/logs/x"}]',
      /input is an array, expected a JSON object/,
    ],
    ['a JSON number', '42', /input is a number/],
    ['null', null, /input is null/],
    ['an empty object', {}, /not a LogEntry: logName/],
    [
      'a logName of the wrong type',
      { ...JSON.parse(firewall), logName: 7 },
      /logName: Invalid type: Expected string but received 7/,
    ],
    [
      'a logName of the wrong form',
      { ...JSON.parse(firewall), logName: 'activity' },
      /logName: expected projects\/PROJECT\/logs\/LOG_ID/,
    ],
    ['a missing protoPayload', withoutPayload, /not an audit-log entry: protoPayload is missing/],
    [
      'a protoPayload without methodName',
      { ...JSON.parse(firewall), protoPayload: { serviceName: 'compute.googleapis.com' } },
      /protoPayload\.methodName/,
    ],
    [
      'a protoPayload of another @type',
      {
        ...JSON.parse(firewall),
        protoPayload: {
          ...JSON.parse(firewall).protoPayload,
          '@type': 'type.googleapis.com/google.cloud.audit.NotAudit',
        },
      },
      /protoPayload\.@type/,
    ],
    [
      'operation.first as a string',
      { ...JSON.parse(firewall), operation: { id: 'x', first: 'true' } },
      /operation\.first/,
    ],
    [
      'a timestamp that is not RFC 3339',
      { ...JSON.parse(firewall), timestamp: 'yesterday' },
      /timestamp: expected an RFC 3339 timestamp such as 2026-11-30T10:00:00\.123456789Z, got "yesterday"/,
    ],
    [
      'a timestamp of a day that does not exist',
      { ...JSON.parse(firewall), timestamp: '2026-13-01T00:00:00Z' },
      /timestamp: expected an RFC 3339 timestamp/,
    ],
    [
      'a receiveTimestamp that is a bare number',
      { ...JSON.parse(firewall), receiveTimestamp: '1' },
      /receiveTimestamp: expected an RFC 3339 timestamp/,
    ],
    ['a huge payload', huge, /more than the 10485760 allowed/],
    [
      'huge base64 data',
      withData('A'.repeat(Math.ceil(MAX_EVENT_BYTES / 3) * 4 + 4)),
      /larger than 10485760 bytes/,
    ],
    [
      'a CloudEvent without data',
      { specversion: '1.0', type: 'google.cloud.audit.log.v1.written' },
      /CloudEvent google\.cloud\.audit\.log\.v1\.written has no data/,
    ],
    [
      'a CloudEvent whose data is an array',
      { specversion: '1.0', type: 't', data: [] },
      /CloudEvent t data is an array/,
    ],
  ];

  it.each(malformed)(
    'rejects %s with a MalformedEventError naming the problem',
    (_name, input, message) => {
      let thrown: unknown;
      try {
        decodeEvent(input);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(MalformedEventError);
      expect((thrown as MalformedEventError).terminal).toBe(true);
      expect((thrown as Error).message).toMatch(message);
    },
  );
});

describe('objects that arrive as arrays', () => {
  it.each(['status', 'authenticationInfo'])('rejects protoPayload.%s as an array', (key) => {
    const entry = JSON.parse(firewall);
    entry.protoPayload[key] = [];
    expect(() => decodeEvent(entry)).toThrow(
      new RegExp(`protoPayload\\.${key}: Invalid type: Expected object but received array`),
    );
  });

  it.each(['operation', 'resource'])('rejects %s as an array', (key) => {
    expect(() => decodeEvent({ ...JSON.parse(firewall), [key]: [] })).toThrow(
      new RegExp(`${key}: Invalid type: Expected object but received array`),
    );
  });
});

describe('entries near the size limit', () => {
  /** The firewall entry padded so that its JSON is exactly `bytes` bytes (ASCII, so chars = bytes). */
  const entryOf = (bytes: number): string => {
    const base = JSON.stringify({ ...JSON.parse(firewall), padding: '' });
    return JSON.stringify({ ...JSON.parse(firewall), padding: 'x'.repeat(bytes - base.length) });
  };
  const decodeSized = (bytes: number) => {
    const json = entryOf(bytes);
    expect(Buffer.byteLength(json)).toBe(bytes);
    return decodeEvent(pushEnvelope(json));
  };

  it('decodes a 4 MiB entry in a push envelope', () => {
    expect(decodeSized(4 * 1024 * 1024).protoPayload?.methodName).toBe(
      'v1.compute.firewalls.insert',
    );
  });

  it('decodes an entry of exactly MAX_EVENT_BYTES', () => {
    expect(decodeSized(MAX_EVENT_BYTES).protoPayload?.methodName).toBe(
      'v1.compute.firewalls.insert',
    );
  });

  it('refuses an entry one byte over MAX_EVENT_BYTES, saying so', () => {
    expect(() => decodeSized(MAX_EVENT_BYTES + 1)).toThrow(
      new MalformedEventError(
        `input.message.data is ${MAX_EVENT_BYTES + 1} bytes once decoded, larger than ${MAX_EVENT_BYTES} bytes (Pub/Sub's maximum message size)`,
      ),
    );
  });
});
