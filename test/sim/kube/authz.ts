import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Authorization of the simulated Kubernetes API. Every resource request is checked after
 * authentication and before it acts, with the attributes of
 * https://kubernetes.io/docs/reference/access-authn-authz/authorization/#review-your-request-attributes
 * (GKE answers them from IAM: https://cloud.google.com/kubernetes-engine/docs/how-to/iam).
 */
export interface KubeRequestAttributes {
  /** The Authorization header as sent. */
  readonly authorization: string | undefined;
  /** get, list, create, update, patch or delete. */
  readonly verb: string;
  readonly group: string;
  /** Plural, as in the URL. */
  readonly resource: string;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
}

/** The decision; `reason` is appended to the Forbidden message as the apiserver does. */
export interface KubeDecision {
  readonly allowed: boolean;
  /** The user the message names. */
  readonly user: string;
  readonly reason?: string;
}

export type KubeAuthorizer = (attributes: KubeRequestAttributes) => KubeDecision;

// An API server started inside `withKubeAuthorizer` keeps that authorizer: the GKE part starts
// one per cluster while handling a simulator request, and the simulator runs its requests and
// modules inside its own.
const inherited = new AsyncLocalStorage<KubeAuthorizer>();

/** Runs `fn` so that API servers it starts authorize with `authorizer`. */
export function withKubeAuthorizer<T>(authorizer: KubeAuthorizer, fn: () => T): T {
  return inherited.run(authorizer, fn);
}

/** The authorizer of the surrounding `withKubeAuthorizer`, if any. */
export function inheritedKubeAuthorizer(): KubeAuthorizer | undefined {
  return inherited.getStore();
}

/**
 * The verb of a resource request: GET a name is get, GET a collection list, POST create, PUT
 * update, PATCH patch, DELETE delete.
 * https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb
 */
export function requestVerb(method: string, name: string | undefined): string | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name === undefined ? 'deletecollection' : 'delete';
    default:
      return undefined;
  }
}
