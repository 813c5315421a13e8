/**
 * Kubernetes `Status` bodies, the shape every API error takes.
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-errors (and the API
 * conventions, "Response Status Kind":
 * https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#response-status-kind)
 */
export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

/** `Status.details`: which object the status is about, and field causes. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  /** The resource (plural, lower case), e.g. `configmaps`, as the real server writes it. */
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
}

/** A `Status` object as the API server sends it. */
export interface StatusBody {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** An API error that the server turns into a `Status` response with `code` as HTTP status. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** Which object an error is about: the resource's plural name and API group. */
export interface ErrorSubject {
  readonly plural: string;
  readonly group: string;
  readonly name: string;
}

function detailsOf(s: ErrorSubject): StatusDetails {
  return { name: s.name, ...(s.group ? { group: s.group } : {}), kind: s.plural };
}

function qualified(s: ErrorSubject): string {
  return s.group ? `${s.plural}.${s.group}` : s.plural;
}

/** 404 NotFound: `<resource> "<name>" not found`. */
export function notFound(s: ErrorSubject): KubeApiError {
  return new KubeApiError(404, 'NotFound', `${qualified(s)} "${s.name}" not found`, detailsOf(s));
}

/** 409 AlreadyExists on create. */
export function alreadyExists(s: ErrorSubject): KubeApiError {
  return new KubeApiError(
    409,
    'AlreadyExists',
    `${qualified(s)} "${s.name}" already exists`,
    detailsOf(s),
  );
}

/** Optimistic-concurrency failure: the request's `metadata.resourceVersion` is stale. */
export function staleConflict(s: ErrorSubject): KubeApiError {
  return new KubeApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(s)} "${s.name}": the object has been modified; please apply your changes to the latest version and try again`,
    detailsOf(s),
  );
}

/**
 * 403 Forbidden from the authorizer, as the apiserver words it (`NewForbidden` in
 * k8s.io/apimachinery/pkg/api/errors, `forbiddenMessage` in
 * k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go): `<resource>[ "<name>"] is
 * forbidden: User "<user>" cannot <verb> resource "<plural>" in API group "<group>" in the
 * namespace "<ns>"` (or `at the cluster scope`), then `: <reason>` when the authorizer gave one.
 */
export function forbidden(
  s: { readonly plural: string; readonly group: string; readonly name?: string | undefined },
  a: { readonly user: string; readonly verb: string; readonly namespace?: string | undefined },
  reason?: string,
): KubeApiError {
  const resource = qualified({ ...s, name: s.name ?? '' });
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const why = `User "${a.user}" cannot ${a.verb} resource "${s.plural}" in API group "${s.group}" ${scope}`;
  const subject = s.name ? `${resource} "${s.name}"` : resource;
  return new KubeApiError(
    403,
    'Forbidden',
    `${subject} is forbidden: ${why}${reason ? `: ${reason}` : ''}`,
    {
      ...(s.name ? { name: s.name } : {}),
      ...(s.group ? { group: s.group } : {}),
      kind: s.plural,
    },
  );
}

/** 400 BadRequest. */
export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, 'BadRequest', message);
}

/** 401 Unauthorized (missing or wrong bearer token). */
export function unauthorized(): KubeApiError {
  return new KubeApiError(401, 'Unauthorized', 'Unauthorized');
}

/** 404 for a URL the server does not serve. */
export function notFoundPath(path: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `the server could not find the requested resource`, {
    causes: [{ reason: 'UnexpectedServerResponse', message: `404 page not found: ${path}` }],
  });
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(method: string): KubeApiError {
  return new KubeApiError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method})`,
  );
}

/** 415 UnsupportedMediaType for a body or patch type not served. */
export function unsupportedMediaType(contentType: string): KubeApiError {
  return new KubeApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${contentType}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
  );
}
