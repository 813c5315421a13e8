import { STATUS_CODES } from 'node:http';

/**
 * An error the simulator answers with Google's JSON error body:
 * `{error:{code, message, errors:[{message, domain:'global', reason}]}}`.
 * Shape: https://cloud.google.com/compute/docs/api/handling-errors and
 * https://cloud.google.com/apis/design/errors#http_mapping (v1 "errors[]" form Compute still sends).
 */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
  }

  /** The HTTP body Google sends for this error. */
  toBody(): GoogleErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [{ message: this.message, domain: 'global', reason: this.reason }],
      },
    };
  }

  /**
   * The `error` field of a failed Compute operation: `errors[].code` is the upper-case code
   * Compute uses there (RESOURCE_NOT_FOUND, RESOURCE_ALREADY_EXISTS, CONDITION_NOT_MET, ...).
   * https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations (Operation.error)
   */
  toOperationError(): { errors: { code: string; message: string }[] } {
    return { errors: [{ code: operationCode(this.reason), message: this.message }] };
  }

  /** gRPC status code for audit `protoPayload.status.code` (google.rpc.Code). */
  get rpcCode(): number {
    return rpcCodeOf(this.code);
  }
}

/** Google JSON error body. */
export interface GoogleErrorBody {
  error: {
    code: number;
    message: string;
    errors: { message: string; domain: string; reason: string }[];
  };
}

const OPERATION_CODES: Record<string, string> = {
  notFound: 'RESOURCE_NOT_FOUND',
  alreadyExists: 'RESOURCE_ALREADY_EXISTS',
  conditionNotMet: 'CONDITION_NOT_MET',
  resourceNotReady: 'RESOURCE_NOT_READY',
  resourceInUseByAnotherResource: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE',
  invalid: 'INVALID_USAGE',
  badRequest: 'BAD_REQUEST',
  rateLimitExceeded: 'RATE_LIMIT_EXCEEDED',
  backendError: 'INTERNAL_ERROR',
};

function operationCode(reason: string): string {
  return OPERATION_CODES[reason] ?? reason.replace(/([A-Z])/g, '_$1').toUpperCase();
}

/** HTTP status -> google.rpc.Code, per https://cloud.google.com/apis/design/errors#handling_errors */
export function rpcCodeOf(http: number): number {
  switch (http) {
    case 400:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 409:
      return 6; // ALREADY_EXISTS (ABORTED shares 409; Compute uses it for alreadyExists)
    case 412:
      return 9; // FAILED_PRECONDITION
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 501:
      return 12; // UNIMPLEMENTED
    case 503:
      return 14; // UNAVAILABLE
    case 504:
      return 4; // DEADLINE_EXCEEDED
    default:
      return http >= 500 ? 13 : 2; // INTERNAL / UNKNOWN
  }
}

/** Upper-case HTTP reason phrase as Compute puts it in `httpErrorMessage` ("NOT FOUND", "CONFLICT"). */
export function httpErrorMessage(code: number): string {
  return (STATUS_CODES[code] ?? 'ERROR').toUpperCase();
}

/** `The resource 'projects/p/global/firewalls/x' was not found` (404 notFound). */
export function notFound(resource: string): ApiError {
  return new ApiError(404, 'notFound', `The resource '${resource}' was not found`);
}

/** `The resource '...' already exists` (409 alreadyExists). */
export function alreadyExists(resource: string): ApiError {
  return new ApiError(409, 'alreadyExists', `The resource '${resource}' already exists`);
}

/** 412 conditionNotMet, e.g. a stale fingerprint. */
export function conditionNotMet(message: string): ApiError {
  return new ApiError(412, 'conditionNotMet', message);
}

/** 400 invalid: a field value Compute rejects. */
export function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid', message);
}

/** 400 badRequest: a request Compute refuses in the current state. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'badRequest', message);
}

/** 400 resourceNotReady: the resource is busy with another operation. */
export function resourceNotReady(resource: string): ApiError {
  return new ApiError(400, 'resourceNotReady', `The resource '${resource}' is not ready`);
}

/**
 * 400 resourceInUseByAnotherResource, e.g. deleting a network that still has subnetworks:
 * "The network resource 'projects/p/global/networks/n' is already being used by '...'".
 */
export function resourceInUse(resource: string, user: string, kind?: string): ApiError {
  return new ApiError(
    400,
    'resourceInUseByAnotherResource',
    `The ${kind ? `${kind} ` : ''}resource '${resource}' is already being used by '${user}'`,
  );
}

/** An ApiError for an HTTP status chosen by a fault rule. */
export function errorForStatus(status: number, message?: string): ApiError {
  const reasons: Record<number, string> = {
    400: 'invalid',
    403: 'forbidden',
    404: 'notFound',
    409: 'alreadyExists',
    412: 'conditionNotMet',
    429: 'rateLimitExceeded',
    500: 'backendError',
    503: 'backendError',
  };
  const reason = reasons[status] ?? (status >= 500 ? 'backendError' : 'invalid');
  const text =
    message ??
    (status === 429
      ? 'Rate Limit Exceeded'
      : status >= 500
        ? 'Internal error. Please try again.'
        : `Simulated fault (${status})`);
  return new ApiError(status, reason, text);
}
