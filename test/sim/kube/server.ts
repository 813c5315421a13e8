import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { inheritedKubeAuthorizer, type KubeAuthorizer, requestVerb } from './authz.ts';
import { generateClusterCerts } from './certs.ts';
import * as discovery from './discovery.ts';
import type { Json, JsonObject } from './json.ts';
import { openApiV2, openApiV3Paths, openApiV3Schema } from './openapi.ts';
import { findResource, type ResourceType } from './resources.ts';
import {
  badRequest,
  forbidden,
  KubeApiError,
  methodNotAllowed,
  notFoundPath,
  unauthorized,
  unsupportedMediaType,
} from './status.ts';
import { KubeStore, type KubeStoreOptions, type WriteOptions } from './store.ts';
import { tableContentType, toTable, wantsTable } from './table.ts';

/** Options of one simulated Kubernetes API server. */
export interface KubeApiOptions extends Omit<KubeStoreOptions, 'caPem'> {
  /** Bearer token clients must present. Default: a random one. */
  readonly token?: string;
  /**
   * Accepts other bearer tokens too, as GKE accepts any Google access token of an authorised
   * caller (the GKE part passes the simulator's `principal:<email>` tokens).
   */
  readonly acceptToken?: (token: string) => boolean;
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  readonly port?: number;
  /** Name used for the kubeconfig's cluster, user and context. Default `peerlink-sim`. */
  readonly name?: string;
  /**
   * Decides every resource request (see authz.ts). Default: the authorizer of the surrounding
   * `withKubeAuthorizer` when started inside one, else every authenticated request is allowed.
   */
  readonly authorize?: KubeAuthorizer;
}

/** A running simulated Kubernetes API server. */
export interface KubeApi {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** PEM of the CA that signed the server certificate. */
  readonly caPem: string;
  /** base64 of `caPem`, as GKE's `masterAuth.clusterCaCertificate` and kubeconfigs carry it. */
  readonly caBase64: string;
  readonly token: string;
  readonly store: KubeStore;
  /** Writes `<dir>/<name>.yaml`, a kubeconfig for this server, and returns its path. */
  kubeconfigPath(dir: string): string;
  /** The kubeconfig as YAML text. */
  kubeconfig(): string;
  /** Every stored object, for snapshots (restore with `store.restore`). */
  objects(): JsonObject[];
  /** Closes all connections and the server. */
  stop(): Promise<void>;
}

/** Paths that answer without a token, as `system:public-info-viewer` allows on real clusters. */
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

/**
 * Starts a Kubernetes API server over HTTPS on 127.0.0.1 with a CA generated now.
 * Throws when the port cannot be bound.
 */
export async function startKubeApi(options: KubeApiOptions = {}): Promise<KubeApi> {
  const certs = generateClusterCerts(options.name ?? 'peerlink-sim');
  const token = options.token ?? randomBytes(24).toString('base64url');
  const store = new KubeStore({ ...options, caPem: certs.ca.certPem });
  const name = options.name ?? 'peerlink-sim';
  const authorize = options.authorize ?? inheritedKubeAuthorizer();
  let serverAddress = '127.0.0.1:0';
  const server: Server = createServer(
    { cert: certs.server.certPem, key: certs.server.keyPem },
    (req, res) => {
      handle(req, res, {
        store,
        token,
        serverAddress,
        acceptToken: options.acceptToken,
        authorize,
      }).catch((e: unknown) => {
        const err =
          e instanceof KubeApiError
            ? e
            : new KubeApiError(500, 'InternalError', `Internal error occurred: ${String(e)}`);
        send(res, err.code, err.toStatus() as unknown as Json);
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  serverAddress = `127.0.0.1:${port}`;
  const url = `https://127.0.0.1:${port}`;
  const caBase64 = Buffer.from(certs.ca.certPem).toString('base64');
  const kubeconfig = (): string =>
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server: url, 'certificate-authority-data': caBase64 } }],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: name, user: name } }],
      'current-context': name,
      preferences: {},
    });
  return {
    url,
    port,
    caPem: certs.ca.certPem,
    caBase64,
    token,
    store,
    kubeconfig,
    kubeconfigPath(dir) {
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${name}.yaml`);
      writeFileSync(path, kubeconfig(), { mode: 0o600 });
      return path;
    },
    objects: () => store.snapshot(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Context {
  readonly store: KubeStore;
  readonly token: string;
  readonly acceptToken: ((token: string) => boolean) | undefined;
  readonly serverAddress: string;
  readonly authorize: KubeAuthorizer | undefined;
}

function send(
  res: ServerResponse,
  code: number,
  body: Json,
  contentType = 'application/json',
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The manager name the real server derives from the User-Agent when fieldManager is absent. */
function managerFromUserAgent(ua: string | undefined): string {
  const prefix = (ua ?? '').split('/')[0]?.trim() ?? '';
  return prefix.slice(0, 128) || 'unknown';
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (!PUBLIC_PATHS.has(path)) {
    // https://kubernetes.io/docs/reference/access-authn-authz/authentication/#putting-a-bearer-token-in-a-request
    const auth = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (auth === undefined || (auth !== ctx.token && !ctx.acceptToken?.(auth)))
      throw unauthorized();
  }
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
  const seg = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);

  if (path === '/version') return send(res, 200, discovery.version());
  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
    return;
  }
  if (path === '/api') return send(res, 200, discovery.coreVersions(ctx.serverAddress));
  const types = ctx.store.types;
  if (path === '/apis') return send(res, 200, discovery.groupList(types));
  if (seg[0] === 'openapi') return serveOpenApi(res, seg, url, types);
  if (seg[0] === 'apis' && seg.length === 2) {
    const g = discovery.group(seg[1] ?? '', types);
    if (!g) throw notFoundPath(path);
    return send(res, 200, g);
  }
  const [groupName, version, rest] =
    seg[0] === 'api' ? ['', seg[1], seg.slice(2)] : [seg[1], seg[2], seg.slice(3)];
  if ((seg[0] !== 'api' && seg[0] !== 'apis') || groupName === undefined || version === undefined) {
    throw notFoundPath(path);
  }
  if (rest.length === 0) {
    const list = discovery.resourceList(groupName, version, types);
    if (!list) throw notFoundPath(path);
    return send(res, 200, list);
  }
  const target = resolve(groupName, version, rest, types);
  if (!target) throw notFoundPath(path);
  const { rt, ns, name } = target;
  const q = url.searchParams;
  const force = q.get('force');
  const opts: WriteOptions = {
    fieldManager: q.get('fieldManager') ?? undefined,
    defaultManager: managerFromUserAgent(req.headers['user-agent']),
    force: force === null ? undefined : force === 'true',
    dryRun: q.get('dryRun') === 'All',
  };
  const accept = req.headers.accept;
  const reply = (code: number, obj: JsonObject): void => {
    if (method === 'GET' && wantsTable(accept)) {
      send(res, code, toTable(rt, obj), tableContentType());
    } else send(res, code, obj);
  };

  if (q.get('watch') === 'true' || q.get('watch') === '1') {
    // Watches are not simulated; answering with a list would be misread as an event stream.
    throw new KubeApiError(
      405,
      'MethodNotAllowed',
      'watch is not supported by the simulated API server',
    );
  }
  // Authorization comes before the request acts, and before it is told the object is missing.
  const check = (verb: string | undefined): void => {
    if (!ctx.authorize || verb === undefined) return;
    const attributes = { verb, group: rt.group, resource: rt.plural, namespace: ns, name };
    const d = ctx.authorize({ authorization: req.headers.authorization, ...attributes });
    if (!d.allowed)
      throw forbidden(
        { plural: rt.plural, group: rt.group, name },
        { ...attributes, user: d.user },
        d.reason,
      );
  };
  check(requestVerb(method, name));
  if (name === undefined) {
    if (method === 'GET') {
      return reply(200, ctx.store.list(rt, ns, q.get('labelSelector'), q.get('fieldSelector')));
    }
    if (method === 'POST') return reply(201, ctx.store.create(rt, ns, parseBody(body, req), opts));
    throw methodNotAllowed(method);
  }
  switch (method) {
    case 'GET':
      return reply(200, ctx.store.get(rt, ns, name));
    case 'PUT':
      return reply(200, ctx.store.replace(rt, ns, name, parseBody(body, req), opts));
    case 'PATCH': {
      const existed = exists(ctx.store, rt, ns, name);
      // An apply that creates the object is authorised as a create too (handlers/patch.go in
      // k8s.io/apiserver: createValidation withAuthorization, verb "create").
      if (!existed && (req.headers['content-type'] ?? '').startsWith('application/apply-patch'))
        check('create');
      const out = ctx.store.patch(rt, ns, name, req.headers['content-type'] ?? '', body, opts);
      // Apply that creates the object answers 201, as the real server does.
      return reply(existed ? 200 : 201, out);
    }
    case 'DELETE':
      return reply(200, ctx.store.delete(rt, ns, name, opts.dryRun === true));
    default:
      throw methodNotAllowed(method);
  }
}

function exists(store: KubeStore, rt: ResourceType, ns: string | undefined, name: string): boolean {
  try {
    store.get(rt, ns, name);
    return true;
  } catch {
    return false;
  }
}

// Only JSON bodies are served; protobuf (kubectl create's default for built-in kinds) gets
// 415, and client-go then retries with JSON.
function parseBody(raw: string, req: IncomingMessage): Json {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
  if (type !== 'application/json' && type !== '') throw unsupportedMediaType(type);
  try {
    return JSON.parse(raw) as Json;
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

interface Target {
  readonly rt: ResourceType;
  readonly ns: string | undefined;
  readonly name: string | undefined;
}

// Resource URL shapes: /<plural>[/<name>] and /namespaces/<ns>/<plural>[/<name>].
// https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris
function resolve(
  group: string,
  version: string,
  rest: string[],
  types: readonly ResourceType[],
): Target | undefined {
  const [a, b, c, d, ...more] = rest;
  if (more.length > 0 || a === undefined) return undefined;
  if (a === 'namespaces' && b !== undefined && c !== undefined) {
    const rt = findResource(group, version, c, types);
    if (!rt?.namespaced) return undefined;
    return { rt, ns: b, name: d };
  }
  if (c !== undefined) return undefined;
  const rt = findResource(group, version, a, types);
  if (!rt) return undefined;
  // A namespaced type at /<plural> is the all-namespaces list; it has no items there.
  if (rt.namespaced && b !== undefined) return undefined;
  return { rt, ns: undefined, name: b };
}

function serveOpenApi(
  res: ServerResponse,
  seg: string[],
  url: URL,
  types: readonly ResourceType[],
): void {
  let doc: JsonObject | undefined;
  if (seg[1] === 'v2' && seg.length === 2) doc = openApiV2();
  else if (seg[1] === 'v3' && seg.length === 2) doc = openApiV3Paths(types);
  else if (seg[1] === 'v3') doc = openApiV3Schema(seg.slice(2).join('/'), types);
  if (!doc) throw notFoundPath(url.pathname);
  send(res, 200, doc);
}
