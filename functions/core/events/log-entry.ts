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
  timestamp: v.optional(v.string()),
  receiveTimestamp: v.optional(v.string()),
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
