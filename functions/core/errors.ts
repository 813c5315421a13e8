/**
 * Typed errors every adapter maps its client's failures to. The executor decides what to do
 * from the class alone: retry, re-plan, treat as done, or stop.
 */

export class CloudError extends Error {
  /** HTTP status, when the failure came from an HTTP answer. */
  readonly status: number | undefined;
  /**
   * The request was carried out and its long-running operation ended in this error. Compute
   * answers a retry carrying the same requestId with that same failed operation, so a retry
   * needs a new requestId.
   */
  readonly operationFailed: boolean;
  constructor(
    message: string,
    options: { cause?: unknown; status?: number; operationFailed?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.operationFailed = options.operationFailed ?? false;
  }
}

/** 404. On delete it means done. */
export class NotFoundError extends CloudError {}

/** 409 on create (Compute `alreadyExists`, Kubernetes `AlreadyExists`). On create it means done. */
export class AlreadyExistsError extends CloudError {}

/** 412 (stale fingerprint) or a Kubernetes 409 Conflict on a stale resourceVersion: re-observe. */
export class PreconditionFailedError extends CloudError {}

/** 429, 5xx, timeouts, "operation in progress", resourceNotReady: retry with backoff. */
export class TransientError extends CloudError {}

/** Anything else: retrying cannot help (400 invalid, 403 permission denied, ...). */
export class TerminalError extends CloudError {}

export function isRetryable(e: unknown): boolean {
  return e instanceof TransientError;
}

/** Resolves to null when `p` fails with NotFoundError (the thing does not exist). */
export async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}

/** The environment or a setting is unusable: retrying cannot help until someone fixes it. */
export class ConfigError extends Error {}

export interface TopologyIssue {
  readonly path: string;
  readonly message: string;
}

/** The topology is invalid. Terminal: retrying cannot help until the file changes. */
export class TopologyError extends Error {
  readonly issues: readonly TopologyIssue[];
  constructor(issues: readonly TopologyIssue[], source = 'topology') {
    super(`${source} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'TopologyError';
    this.issues = issues;
  }
}

/**
 * An event peerlink cannot read: bad base64, not JSON, the wrong shape, not an audit-log entry,
 * too large, or carrying resource names no Google API produces (`..`, encoded slashes,
 * non-ASCII look-alikes). Terminal: redelivering the same bytes can never succeed.
 */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
  /** Always true: retrying cannot help. */
  readonly terminal = true;
}
