/** fast-check arbitraries for what may reach onAuditLog: anything at all, in every envelope. */
import fc from 'fast-check';
import { sharedEvent, syntheticEvent } from './events-fixtures.ts';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Any JSON value, and any string (mostly not JSON). */
export const jsonOrTextArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: 'grapheme' }),
  fc.json(),
);

/**
 * `inner` in each shape the decoder unwraps: as it is, as a Pub/Sub push body or bare message
 * (its JSON base64-encoded, or the value itself where base64 text is due), as a CloudEvent's
 * `data` or `data_base64`, and as JSON text or bytes.
 */
export function enveloped(inner: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const json = (v: unknown) => JSON.stringify(v) ?? 'undefined';
  return fc.oneof(
    inner,
    inner.map((v) => ({ message: { data: base64(json(v)), messageId: '1' }, subscription: 's' })),
    inner.map((v) => ({ message: { data: v, messageId: '1' } })),
    inner.map((v) => ({ data: base64(json(v)), messageId: '1' })),
    inner.map((v) => ({ specversion: '1.0', type: 't', data: v })),
    inner.map((v) => ({ specversion: '1.0', type: 't', data_base64: base64(json(v)) })),
    inner.map((v) => json(v)),
    inner.map((v) => Buffer.from(json(v), 'utf8')),
  );
}

const samples = [
  sharedEvent('nodepool_creation_finished.json'),
  sharedEvent('firewall-insert.json'),
  syntheticEvent('peering-add-last.json'),
  syntheticEvent('subnetwork-insert-last.json'),
].map((text) => JSON.parse(text) as Record<string, unknown>);

/** Fields the decoder and classifier read, as paths into an entry. */
const PATHS = [
  ['logName'],
  ['timestamp'],
  ['receiveTimestamp'],
  ['operation'],
  ['operation', 'id'],
  ['operation', 'first'],
  ['operation', 'last'],
  ['resource'],
  ['resource', 'labels'],
  ['resource', 'labels', 'project_id'],
  ['resource', 'labels', 'cluster_name'],
  ['protoPayload'],
  ['protoPayload', '@type'],
  ['protoPayload', 'serviceName'],
  ['protoPayload', 'methodName'],
  ['protoPayload', 'resourceName'],
  ['protoPayload', 'status'],
  ['protoPayload', 'status', 'code'],
  ['protoPayload', 'authenticationInfo'],
  ['protoPayload', 'authenticationInfo', 'principalEmail'],
  ['protoPayload', 'request'],
  ['protoPayload', 'request', 'name'],
  ['protoPayload', 'request', 'network'],
  ['protoPayload', 'request', 'cluster'],
  ['protoPayload', 'request', 'networkPeering'],
  ['protoPayload', 'request', 'networkPeering', 'network'],
] as const;

function setPath(entry: unknown, path: readonly string[], value: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  const object =
    typeof entry === 'object' && entry !== null && !Array.isArray(entry)
      ? (entry as Record<string, unknown>)
      : {};
  return { ...object, [key]: setPath(object[key], rest, value) };
}

/**
 * A real entry with up to three of the fields peerlink reads replaced by arbitrary JSON, so that
 * the classifier sees odd types where it expects names. Some of these are still valid entries.
 */
export const mutatedEntryArb: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.constantFrom(...samples),
    fc.array(fc.tuple(fc.constantFrom(...PATHS), jsonOrTextArb), { minLength: 1, maxLength: 3 }),
  )
  .map(([sample, edits]) =>
    edits.reduce<unknown>((entry, [path, value]) => setPath(entry, path, value), sample),
  );
