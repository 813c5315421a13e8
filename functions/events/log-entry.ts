import { z } from 'zod';

/**
 * The parts of a Cloud Logging `LogEntry` and its `AuditLog` payload that peerlink reads.
 * Objects are loose: real entries carry many more fields, which pass through untouched.
 *
 * LogEntry: https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry
 * AuditLog: https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog
 */

/** proto3 JSON writes int32 as a number but parsers must also accept a decimal string. */
const int32 = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d{1,10}$/)
    .transform(Number),
]);

export const AuditLogSchema = z.looseObject({
  '@type': z.literal('type.googleapis.com/google.cloud.audit.AuditLog').optional(),
  serviceName: z.string().min(1).max(256),
  methodName: z.string().min(1).max(512),
  resourceName: z.string().max(2048).optional(),
  status: z
    .looseObject({
      code: int32.optional(),
      message: z.string().optional(),
    })
    .optional(),
  authenticationInfo: z
    .looseObject({
      principalEmail: z.string().optional(),
    })
    .optional(),
  request: z.record(z.string(), z.unknown()).optional(),
  response: z.record(z.string(), z.unknown()).optional(),
});

export const LogEntryOperationSchema = z.looseObject({
  id: z.string().optional(),
  producer: z.string().optional(),
  first: z.boolean().optional(),
  last: z.boolean().optional(),
});

export const MonitoredResourceSchema = z.looseObject({
  type: z.string(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const LogEntrySchema = z.looseObject({
  // `projects/P/logs/L`, or the organizations/folders/billingAccounts forms.
  logName: z
    .string()
    .max(2048)
    .regex(
      /^(projects|organizations|folders|billingAccounts)\/[^/]+\/logs\/.+$/,
      'expected projects/PROJECT/logs/LOG_ID (or organizations/, folders/, billingAccounts/)',
    ),
  resource: MonitoredResourceSchema.optional(),
  timestamp: z.string().optional(),
  receiveTimestamp: z.string().optional(),
  insertId: z.string().optional(),
  severity: z.string().optional(),
  operation: LogEntryOperationSchema.optional(),
  protoPayload: AuditLogSchema.optional(),
});

/** A validated LogEntry; `protoPayload` is absent only for Data Access entries (see decode). */
export type LogEntry = z.infer<typeof LogEntrySchema>;
export type AuditLog = z.infer<typeof AuditLogSchema>;

/** True for `.../logs/cloudaudit.googleapis.com%2Fdata_access` (or an unencoded slash). */
export function isDataAccessLog(logName: string): boolean {
  return /\/logs\/cloudaudit\.googleapis\.com(%2F|\/)data_access$/i.test(logName);
}
