import { ApiError, type GoogleErrorBody } from '../core/errors.ts';

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  500: 'INTERNAL',
};

/**
 * A GKE API error. The Container API answers with the google.rpc.Status JSON form,
 * `{error:{code, message, status}}` (no `errors[]` list as Compute sends), e.g.
 * `{"error":{"code":404,"message":"Not found: projects/p/zones/z/clusters/c.","status":"NOT_FOUND"}}`.
 * https://cloud.google.com/apis/design/errors#http_mapping
 */
export class ContainerError extends ApiError {
  readonly status: string;

  constructor(code: number, status: string, message: string) {
    super(code, status, message);
    this.name = 'ContainerError';
    this.status = status;
  }

  override toBody(): GoogleErrorBody {
    return {
      error: { code: this.code, message: this.message, status: this.status },
    } as unknown as GoogleErrorBody;
  }

  /** google.rpc.Code of the status, for audit `status.code` and operation `error.code`. */
  override get rpcCode(): number {
    return RPC[this.status] ?? 2;
  }
}

const RPC: Record<string, number> = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
};

/** 404 NOT_FOUND for a resource path. */
export function notFound(name: string): ContainerError {
  return new ContainerError(404, 'NOT_FOUND', `Not found: ${name}.`);
}

/** 409 ALREADY_EXISTS for a resource path. */
export function alreadyExists(name: string): ContainerError {
  return new ContainerError(409, 'ALREADY_EXISTS', `Already exists: ${name}.`);
}

/** 400 INVALID_ARGUMENT. */
export function invalidArgument(message: string): ContainerError {
  return new ContainerError(400, 'INVALID_ARGUMENT', message);
}

/**
 * 400 FAILED_PRECONDITION: the resource is not in the state the request needs (a stale label
 * fingerprint; a group still in use). google.rpc.Code FAILED_PRECONDITION, "the system is not in
 * a state required for the operation's execution" (https://cloud.google.com/apis/design/errors).
 */
export function failedPrecondition(message: string): ContainerError {
  return new ContainerError(400, 'FAILED_PRECONDITION', message);
}

/**
 * A path or verb no GKE method is bound to. Google's front end answers such a request with
 * `{"error":{"code":404,"message":"Method not found.","status":"NOT_FOUND"}}` in the API's own
 * error form; the bindings are the `google.api.http` options of
 * google/container/v1/cluster_service.proto (googleapis/googleapis).
 */
export function methodNotFound(): ContainerError {
  return new ContainerError(404, 'NOT_FOUND', 'Method not found.');
}

/**
 * GKE serialises operations on a cluster: another mutation while one runs fails with
 * FAILED_PRECONDITION (HTTP 400), which callers retry.
 * https://cloud.google.com/kubernetes-engine/docs/troubleshooting/troubleshoot-operations
 */
export function incompatibleOperation(operation: string): ContainerError {
  return new ContainerError(
    400,
    'FAILED_PRECONDITION',
    `Cluster is running incompatible operation ${operation}.`,
  );
}

export { STATUS as HTTP_STATUS_NAMES };
