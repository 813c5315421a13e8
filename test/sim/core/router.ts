import type { IncomingHttpHeaders } from 'node:http';

/** How a route is counted in stats and whether faults apply to it. */
export type RouteKind = 'read' | 'write' | 'control';

/** A parsed request as handlers see it. */
export interface SimRequest {
  readonly method: string;
  /** Path without the query string, percent-decoding left to params. */
  readonly path: string;
  /** Path parameters, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Parsed JSON body, or undefined when the body was empty. Raw text when not JSON. */
  readonly body: unknown;
  readonly rawBody: string;
  readonly headers: IncomingHttpHeaders;
  /** Caller identity, see identity.ts. */
  readonly principal: string;
  /** The matched route's name, e.g. `compute.firewalls.insert`. */
  readonly name: string;
}

/** What a handler answers. `body` is sent as JSON; undefined becomes `{}` (clients reject an empty 200). */
export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this text as-is instead of JSON. */
  text?: string;
}

export type Handler = (req: SimRequest) => Reply | Promise<Reply>;

/** A route: method + path pattern -> handler, named for stats and faults. */
export interface Route {
  method: string;
  /**
   * Path pattern: literal text with `{name}` for one segment (no `/`) and `{name=**}` for the
   * rest of the path. Text may follow a parameter inside a segment (`{cluster}:setSize`).
   */
  pattern: string;
  /** Stats/fault key, e.g. `compute.networks.addPeering`. */
  name: string;
  kind: RouteKind;
  handler: Handler;
}

interface Compiled {
  route: Route;
  regex: RegExp;
  keys: string[];
}

/** A match of a request against the table. */
export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** Runs before a read or write route's handler; a throw is answered instead (IAM). */
export type Guard = (req: SimRequest) => void | Promise<void>;

/** A small method + pattern router. First added route that matches wins. */
export class Router {
  readonly #routes: Compiled[] = [];
  #guard: Guard | undefined;

  /** Sets the guard every read and write route's handler runs behind (control routes not). */
  guard(fn: Guard): void {
    this.#guard = fn;
  }

  /** Adds a route. Throws when the same method + pattern is already registered. */
  add(route: Route): void {
    if (
      this.#routes.some((r) => r.route.method === route.method && r.route.pattern === route.pattern)
    ) {
      throw new Error(`route already registered: ${route.method} ${route.pattern}`);
    }
    const keys: string[] = [];
    const source = route.pattern
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const m = /^\{([A-Za-z_][A-Za-z0-9_]*)(=\*\*)?\}$/.exec(part);
        if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        keys.push(m[1] ?? '');
        return m[2] ? '(.+)' : '([^/]+?)';
      })
      .join('');
    this.#routes.push({ route, regex: new RegExp(`^${source}$`), keys });
  }

  /** Adds several routes. */
  addAll(routes: readonly Route[]): void {
    for (const r of routes) this.add(r);
  }

  /** Finds the route for a method and path; `methodMismatch` tells 405 from 404. */
  match(method: string, path: string): Match | { methodMismatch: boolean } {
    let pathMatched = false;
    for (const c of this.#routes) {
      const m = c.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (c.route.method !== method) continue;
      const params: Record<string, string> = {};
      c.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { route: this.#guarded(c.route), params };
    }
    return { methodMismatch: pathMatched };
  }

  #guarded(route: Route): Route {
    const guard = this.#guard;
    if (!guard || route.kind === 'control') return route;
    return {
      ...route,
      handler: async (req) => {
        await guard(req);
        return route.handler(req);
      },
    };
  }

  /** All routes, for listing. */
  routes(): Route[] {
    return this.#routes.map((c) => c.route);
  }
}
