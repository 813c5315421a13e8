import * as v from 'valibot';

/**
 * The parts of a Cloud Logging `LogEntry` and its `AuditLog` payload that peerlink reads.
 * Objects are loose: real entries carry many more fields, which pass through untouched.
 *
 * Validated with valibot rather than zod (used elsewhere): every audit entry, ignored or not,
 * goes through this schema on a cold start, and valibot loads in a fraction of zod's time
 * (BENCHMARKS.md, cold start).
 *
 * LogEntry: https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry
 * AuditLog: https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog
 */

/** proto3 JSON writes int32 as a number but parsers must also accept a decimal string. */
const int32 = v.union([
  v.pipe(v.number(), v.integer()),
  v.pipe(v.string(), v.regex(/^-?\d{1,10}$/), v.transform(Number)),
]);

/** valibot's object schemas accept arrays (and copy them into objects); JSON objects here never are. */
function noArray<T extends v.GenericSchema>(schema: T) {
  return v.pipe(
    v.custom<unknown>((x) => !Array.isArray(x), 'Invalid type: Expected object but received array'),
    schema,
  );
}

const record = noArray(v.record(v.string(), v.unknown()));

/**
 * A google.protobuf.Timestamp in JSON: RFC 3339, "Z"-normalized with 0, 3, 6 or 9 fractional
 * digits when Google writes it, other offsets accepted when read (the LogEntry reference, and
 * src/google/protobuf/timestamp.proto in protocolbuffers/protobuf). Date.parse alone would take
 * "1" or "2026-02-30", so the fields are checked as a calendar date.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

function isRfc3339(text: string): boolean {
  const m = RFC3339.exec(text);
  if (m === null) return false;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, oh = 0, om = 0] = m
    .slice(1)
    .map((part) => Number(part ?? 0));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  // Second 60 is RFC 3339's leap second.
  return (
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    oh <= 23 &&
    om <= 59
  );
}

const timestamp = v.pipe(
  v.string(),
  v.check(
    isRfc3339,
    (issue) =>
      `expected an RFC 3339 timestamp such as 2026-11-30T10:00:00.123456789Z, got ${JSON.stringify(issue.input).slice(0, 80)}`,
  ),
);

export const AuditLogSchema = noArray(
  v.looseObject({
    '@type': v.optional(v.literal('type.googleapis.com/google.cloud.audit.AuditLog')),
    serviceName: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    methodName: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
    resourceName: v.optional(v.pipe(v.string(), v.maxLength(2048))),
    status: v.optional(
      noArray(v.looseObject({ code: v.optional(int32), message: v.optional(v.string()) })),
    ),
    authenticationInfo: v.optional(
      noArray(v.looseObject({ principalEmail: v.optional(v.string()) })),
    ),
    request: v.optional(record),
    response: v.optional(record),
  }),
);

export const LogEntryOperationSchema = noArray(
  v.looseObject({
    id: v.optional(v.string()),
    producer: v.optional(v.string()),
    first: v.optional(v.boolean()),
    last: v.optional(v.boolean()),
  }),
);

export const MonitoredResourceSchema = noArray(
  v.looseObject({
    type: v.string(),
    labels: v.optional(noArray(v.record(v.string(), v.string()))),
  }),
);

export const LogEntrySchema = v.looseObject({
  // `projects/P/logs/L`, or the organizations/folders/billingAccounts forms.
  logName: v.pipe(
    v.string(),
    v.maxLength(2048),
    v.regex(
      /^(projects|organizations|folders|billingAccounts)\/[^/]+\/logs\/.+$/,
      'expected projects/PROJECT/logs/LOG_ID (or organizations/, folders/, billingAccounts/)',
    ),
  ),
  resource: v.optional(MonitoredResourceSchema),
  timestamp: v.optional(timestamp),
  receiveTimestamp: v.optional(timestamp),
  insertId: v.optional(v.string()),
  severity: v.optional(v.string()),
  operation: v.optional(LogEntryOperationSchema),
  protoPayload: v.optional(AuditLogSchema),
});

/** A validated LogEntry; `protoPayload` is absent only for Data Access entries (see decode). */
export type LogEntry = v.InferOutput<typeof LogEntrySchema>;
export type AuditLog = v.InferOutput<typeof AuditLogSchema>;

/** Validates `value`; the problems come back as `path: message` lines. */
export function parseLogEntry(value: unknown): { entry: LogEntry } | { problems: string[] } {
  const parsed = v.safeParse(LogEntrySchema, value);
  if (parsed.success) return { entry: parsed.output };
  return {
    problems: parsed.issues.map((i) => {
      const path = (i.path ?? []).map((p) => String(p.key)).join('.');
      return `${path || '(root)'}: ${i.message}`;
    }),
  };
}

/** True for `.../logs/cloudaudit.googleapis.com%2Fdata_access` (or an unencoded slash). */
export function isDataAccessLog(logName: string): boolean {
  return /\/logs\/cloudaudit\.googleapis\.com(%2F|\/)data_access$/i.test(logName);
}
