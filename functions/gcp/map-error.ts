/**
 * Maps what the Google client libraries throw (GoogleError from gax's REST transport, or a
 * GaxiosError), and errors recorded in Compute operations, to the typed errors in `errors.ts`.
 */
import {
  AlreadyExistsError,
  CloudError,
  NotFoundError,
  PreconditionFailedError,
  TerminalError,
  TransientError,
} from '../core/errors.ts';

/** gax keeps the raw HTTP body here (non-enumerable) since google-gax 6. */
const RAW_PAYLOAD = Symbol.for('google-gax.rawHttpResponsePayload');

/** Reasons Google documents as retryable (https://cloud.google.com/compute/docs/api/handling-errors). */
const TRANSIENT_REASONS = new Set([
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'backendError',
  'internalError',
  'resourceNotReady',
  'RESOURCE_NOT_READY',
  'RATE_LIMIT_EXCEEDED',
]);

/** Messages of conflicts that clear by themselves: another operation holds the resource. */
const IN_PROGRESS = [
  /peering operation in progress/i,
  /operation .* (is )?(already )?in progress/i,
  /incompatible operation/i,
  /try again later/i,
];

/** gRPC codes (when no HTTP status is known) that mean "retry": 4, 8, 10, 13, 14. */
const TRANSIENT_GRPC = new Set([4, 8, 10, 13, 14]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

interface GoogleBody {
  readonly message?: string;
  readonly reason?: string;
}

function parseBody(text: unknown): GoogleBody {
  if (typeof text !== 'string' || !text.trimStart().startsWith('{')) return {};
  try {
    const json = JSON.parse(text) as {
      error?: { message?: unknown; errors?: { reason?: unknown }[]; status?: unknown };
    };
    const err = json.error;
    const reason = err?.errors?.[0]?.reason ?? err?.status;
    return {
      message: typeof err?.message === 'string' ? err.message : undefined,
      reason: typeof reason === 'string' ? reason : undefined,
    };
  } catch {
    return {};
  }
}

const field = (e: object, key: string | symbol): unknown =>
  (e as Record<string | symbol, unknown>)[key];

/** The HTTP status of a failed call, when the failure came from an HTTP answer. */
function httpStatus(e: object): number | undefined {
  const candidates = [
    field(e, 'httpStatusCode'),
    field(e, 'status'),
    (field(e, 'response') as { status?: unknown } | undefined)?.status,
  ];
  for (const c of candidates) if (typeof c === 'number' && c >= 100 && c < 600) return c;
  // GaxiosError: `code` is the HTTP status (gax's GoogleError uses gRPC codes 0-16 there).
  const code = field(e, 'code');
  if (typeof code === 'number' && code >= 100 && code < 600) return code;
  if (typeof code === 'string' && /^\d{3}$/.test(code)) return Number(code);
  return undefined;
}

/** Classifies by HTTP status, reason and message. */
export function classify(
  status: number | undefined,
  reason: string | undefined,
  message: string,
): typeof CloudError {
  if (IN_PROGRESS.some((re) => re.test(message))) return TransientError;
  if (reason && TRANSIENT_REASONS.has(reason)) return TransientError;
  if (status === 429 || (status !== undefined && status >= 500)) return TransientError;
  if (status === 404 || reason === 'notFound' || reason === 'NOT_FOUND') return NotFoundError;
  if (status === 409 || reason === 'alreadyExists' || reason === 'ALREADY_EXISTS')
    return AlreadyExistsError;
  if (status === 412 || reason === 'conditionNotMet') return PreconditionFailedError;
  return TerminalError;
}

/**
 * Maps a failure of a Google client call. `what` names the call for the message
 * (e.g. `firewalls.insert peerlink-x`).
 */
export function toCloudError(e: unknown, what: string): CloudError {
  if (e instanceof CloudError) return e;
  if (e === null || typeof e !== 'object') return new TerminalError(`${what}: ${String(e)}`);
  const status = httpStatus(e);
  const raw = field(e, RAW_PAYLOAD) ?? field(e, 'message');
  const body = parseBody(raw);
  const message = body.message ?? (e instanceof Error ? e.message : String(e));
  const text = `${what}: ${status ?? ''}${status ? ' ' : ''}${body.reason ?? ''}${body.reason ? ': ' : ''}${message}`;
  if (status === undefined) {
    const code = field(e, 'code');
    if (typeof code === 'string' && NETWORK_CODES.has(code))
      return new TransientError(text, { cause: e });
    if (typeof code === 'number' && TRANSIENT_GRPC.has(code))
      return new TransientError(text, { cause: e });
    const grpcReason = typeof code === 'number' ? GRPC_HTTP[code] : undefined;
    const Kind = classify(grpcReason, body.reason, message);
    return new Kind(text, { cause: e, status: grpcReason });
  }
  const Kind = classify(status, body.reason, message);
  return new Kind(text, { cause: e, status });
}

/** gRPC status → HTTP status for errors that reached us without one (gax REST maps both ways). */
const GRPC_HTTP: Readonly<Record<number, number>> = {
  3: 400,
  5: 404,
  6: 409,
  7: 403,
  9: 412,
  16: 401,
};

/** One entry of a Compute `operation.error.errors`. */
export interface OperationErrorItem {
  readonly code?: string | null;
  readonly message?: string | null;
}

/**
 * Maps a Compute operation that finished with `error`
 * (https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations).
 */
export function operationError(
  what: string,
  errors: readonly OperationErrorItem[],
  httpErrorStatusCode?: number | null,
): CloudError {
  const first = errors[0];
  const code = first?.code ?? '';
  const message = errors.map((x) => x.message ?? x.code ?? '').join('; ');
  const text = `${what}: operation failed: ${code}${code ? ': ' : ''}${message}`;
  const status = typeof httpErrorStatusCode === 'number' ? httpErrorStatusCode : undefined;
  const byCode: Readonly<Record<string, typeof CloudError>> = {
    RESOURCE_ALREADY_EXISTS: AlreadyExistsError,
    alreadyExists: AlreadyExistsError,
    RESOURCE_NOT_FOUND: NotFoundError,
    notFound: NotFoundError,
    CONDITION_NOT_MET: PreconditionFailedError,
    conditionNotMet: PreconditionFailedError,
  };
  if (IN_PROGRESS.some((re) => re.test(message)))
    return new TransientError(text, { status, operationFailed: true });
  // Only a retryable status decides by itself; otherwise the error code does.
  const retryable = status !== undefined && (status === 429 || status >= 500) ? status : undefined;
  const Kind = byCode[code] ?? classify(retryable, code, message);
  return new Kind(text, { status, operationFailed: true });
}
