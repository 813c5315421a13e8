import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  NotFoundError,
  PreconditionFailedError,
  TerminalError,
  TransientError,
} from '../../functions/core/errors.ts';
import { kubeError } from '../../functions/gcp/kube.ts';
import { operationError, toCloudError } from '../../functions/gcp/map-error.ts';

const body = (code: number, reason: string, message = 'm') =>
  JSON.stringify({ error: { code, message, errors: [{ reason, message, domain: 'global' }] } });

/** A GaxiosError as older gax versions threw it: `code` is the status, `message` the body. */
const gaxios = (code: number, reason: string, message?: string) =>
  Object.assign(new Error(body(code, reason, message)), { code });

/** gax 6's GoogleError: gRPC `code`, `httpStatusCode`, the raw body under a symbol. */
const googleError = (grpc: number, status: number, reason: string, message = 'm') =>
  Object.assign(new Error(message), {
    code: grpc,
    httpStatusCode: status,
    [Symbol.for('google-gax.rawHttpResponsePayload')]: body(status, reason, message),
  });

describe('toCloudError', () => {
  it.each([
    ['404 notFound', gaxios(404, 'notFound'), NotFoundError],
    ['409 alreadyExists', gaxios(409, 'alreadyExists'), AlreadyExistsError],
    ['412 conditionNotMet', gaxios(412, 'conditionNotMet'), PreconditionFailedError],
    ['429 rateLimitExceeded', gaxios(429, 'rateLimitExceeded'), TransientError],
    ['503 backendError', gaxios(503, 'backendError'), TransientError],
    ['403 rateLimitExceeded', gaxios(403, 'rateLimitExceeded'), TransientError],
    ['400 resourceNotReady', gaxios(400, 'resourceNotReady'), TransientError],
    [
      '400 peering in progress',
      gaxios(
        400,
        'badRequest',
        'There is a peering operation in progress on the local or peer network. Try again later.',
      ),
      TransientError,
    ],
    ['400 invalid', gaxios(400, 'invalid'), TerminalError],
    ['403 forbidden', gaxios(403, 'forbidden'), TerminalError],
    ['GoogleError 404', googleError(5, 404, 'notFound'), NotFoundError],
    ['GoogleError 412', googleError(9, 412, 'conditionNotMet'), PreconditionFailedError],
    ['GoogleError 500', googleError(13, 500, 'backendError'), TransientError],
    [
      'gRPC DEADLINE_EXCEEDED, no HTTP status',
      Object.assign(new Error('t'), { code: 4 }),
      TransientError,
    ],
    ['connection refused', Object.assign(new Error('c'), { code: 'ECONNREFUSED' }), TransientError],
    ['anything else', new Error('boom'), TerminalError],
  ])('%s', (_name, error, kind) => {
    const e = toCloudError(error, 'call');
    expect(e).toBeInstanceOf(kind);
    expect(e.cause).toBe(error);
  });

  it('keeps the HTTP status', () => {
    expect(toCloudError(googleError(5, 404, 'notFound'), 'x').status).toBe(404);
  });
});

describe('operationError', () => {
  it.each([
    [[{ code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' }], undefined, AlreadyExistsError],
    [[{ code: 'alreadyExists' }], 409, AlreadyExistsError],
    [[{ code: 'RESOURCE_NOT_FOUND' }], 404, NotFoundError],
    [[{ code: 'RESOURCE_NOT_READY' }], 400, TransientError],
    [
      [
        {
          code: 'INVALID_USAGE',
          message:
            'There is a peering operation in progress on the local or peer network. Try again later.',
        },
      ],
      400,
      TransientError,
    ],
    [[{ code: 'INTERNAL_ERROR' }], 503, TransientError],
    [[{ code: 'INVALID_USAGE', message: 'overlaps' }], 400, TerminalError],
  ])('%j (HTTP %s)', (errors, status, kind) => {
    expect(operationError('op', errors, status)).toBeInstanceOf(kind);
  });
});

describe('kubeError', () => {
  /** ApiException of @kubernetes/client-node: numeric `code`, Status JSON `body`. */
  const apiException = (code: number, reason: string) =>
    Object.assign(new Error('HTTP-Code'), {
      code,
      body: JSON.stringify({ kind: 'Status', status: 'Failure', reason, code, message: reason }),
      headers: {},
    });

  it.each([
    [404, 'NotFound', NotFoundError],
    [409, 'AlreadyExists', AlreadyExistsError],
    [409, 'Conflict', PreconditionFailedError],
    [429, 'TooManyRequests', TransientError],
    [503, 'ServiceUnavailable', TransientError],
    [422, 'Invalid', TerminalError],
    [403, 'Forbidden', TerminalError],
  ])('%i %s', (code, reason, kind) => {
    const e = kubeError(apiException(code, reason), 'k');
    expect(e).toBeInstanceOf(kind);
    expect(e.status).toBe(code);
  });
});
