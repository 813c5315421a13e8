import {
  AddressesClient,
  FirewallsClient,
  ForwardingRulesClient,
  GlobalOperationsClient,
  InstanceGroupManagersClient,
  InstanceGroupsClient,
  InstancesClient,
  NetworksClient,
  RegionBackendServicesClient,
  RegionHealthChecksClient,
  RegionOperationsClient,
  SubnetworksClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { OAuth2Client, PassThroughClient } from 'google-auth-library';
import type { SimOptions } from '../core/sim.ts';
import { type RunningSim, startSim } from '../server.ts';

/** The principal tests act as (sent as `Bearer principal:<email>`). */
export const PRINCIPAL = 'peerlink@p.iam.gserviceaccount.com';

/** The shape the Compute clients return for a mutation (an LRO wrapper). */
export interface LroLike {
  latestResponse?: unknown;
}

/** What a client mutation resolves to (`[lro, ...]`), the LRO, or an Operation. */
export type Mutated = readonly unknown[] | LroLike | Op;

/** An Operation as the clients decode it (only what tests read). */
export interface Op {
  name?: string | null;
  status?: string | null;
  zone?: string | null;
  region?: string | null;
  user?: string | null;
  error?: { errors?: { code?: string | null; message?: string | null }[] | null } | null;
  httpErrorStatusCode?: number | null;
  httpErrorMessage?: string | null;
}

/** Client options for the simulator; with a principal, an OAuth2 token names it. */
export function clientOptions(port: number, principal?: string) {
  let authClient: OAuth2Client | PassThroughClient = new PassThroughClient();
  if (principal) {
    const oauth = new OAuth2Client();
    oauth.setCredentials({
      access_token: `principal:${principal}`,
      expiry_date: Date.now() + 3_600_000,
    });
    authClient = oauth;
  }
  return { apiEndpoint: '127.0.0.1', port, protocol: 'http', fallback: true as const, authClient };
}

/** Real @google-cloud/compute clients pointed at a fresh in-process simulator. */
export async function computeHarness(options: Partial<SimOptions> = {}) {
  const running: RunningSim = await startSim({ operationMs: 20, waitCapMs: 5_000, ...options });
  const o = clientOptions(running.port, PRINCIPAL);
  const c = {
    networks: new NetworksClient(o),
    subnetworks: new SubnetworksClient(o),
    firewalls: new FirewallsClient(o),
    healthChecks: new RegionHealthChecksClient(o),
    backendServices: new RegionBackendServicesClient(o),
    forwardingRules: new ForwardingRulesClient(o),
    addresses: new AddressesClient(o),
    instances: new InstancesClient(o),
    instanceGroups: new InstanceGroupsClient(o),
    igm: new InstanceGroupManagersClient(o),
    globalOps: new GlobalOperationsClient(o),
    regionOps: new RegionOperationsClient(o),
    zoneOps: new ZoneOperationsClient(o),
  };

  /** Waits on an operation with the clients' `wait` calls until DONE (bounded), returns it. */
  async function wait(result: Mutated, project = 'p'): Promise<Op> {
    const lro = Array.isArray(result) ? (result[0] as LroLike) : (result as LroLike | Op);
    let op = ('latestResponse' in lro ? lro.latestResponse : lro) as Op;
    for (let i = 0; i < 20 && op.status !== 'DONE'; i++) {
      const name = String(op.name);
      if (op.zone)
        [op] = (await c.zoneOps.wait({
          project,
          zone: String(op.zone).split('/').pop(),
          operation: name,
        })) as [Op, ...unknown[]];
      else if (op.region)
        [op] = (await c.regionOps.wait({
          project,
          region: String(op.region).split('/').pop(),
          operation: name,
        })) as [Op, ...unknown[]];
      else [op] = (await c.globalOps.wait({ project, operation: name })) as [Op, ...unknown[]];
    }
    if (op.status !== 'DONE') throw new Error(`operation ${op.name} not DONE after 20 waits`);
    return op;
  }

  /** Waits and throws when the operation failed (for setup steps). */
  async function done(result: Mutated, project = 'p'): Promise<Op> {
    const op = await wait(result, project);
    if (op.error?.errors?.length) throw new Error(`operation failed: ${JSON.stringify(op.error)}`);
    return op;
  }

  async function close(): Promise<void> {
    await Promise.all(Object.values(c).map((x) => x.close()));
    await running.close();
  }

  /** JSON of a control endpoint. */
  async function control(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${running.url}/__sim/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} /__sim/${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  return { sim: running.sim, url: running.url, port: running.port, c, wait, done, close, control };
}

export type Harness = Awaited<ReturnType<typeof computeHarness>>;

/** Creates a custom-mode network and a subnetwork (with optional secondary ranges). */
export async function networkWithSubnet(
  h: Harness,
  net: string,
  subnet: { name: string; region?: string; range: string; secondary?: Record<string, string> },
  project = 'p',
): Promise<void> {
  if (!h.sim.store.get('networks', `projects/${project}/global/networks/${net}`)) {
    await h.done(
      await h.c.networks.insert({
        project,
        networkResource: { name: net, autoCreateSubnetworks: false },
      }),
      project,
    );
  }
  await h.done(
    await h.c.subnetworks.insert({
      project,
      region: subnet.region ?? 'us-central1',
      subnetworkResource: {
        name: subnet.name,
        network: `projects/${project}/global/networks/${net}`,
        ipCidrRange: subnet.range,
        secondaryIpRanges: Object.entries(subnet.secondary ?? {}).map(
          ([rangeName, ipCidrRange]) => ({ rangeName, ipCidrRange }),
        ),
      },
    }),
    project,
  );
}

/**
 * An internal passthrough load balancer in `region` over network `vpc` and its subnet `nodes`
 * (made by networkWithSubnet): TCP health check `hc` on 8080, backend service `bs`, forwarding
 * rule `fr` on port 80, in project `p`. `extra` adds fields to the backend service and the rule.
 */
export async function internalLoadBalancer(
  h: Harness,
  region: string,
  extra: {
    readonly backendService?: Record<string, unknown>;
    readonly forwardingRule?: Record<string, unknown>;
  } = {},
): Promise<void> {
  const link = (path: string) => `https://www.googleapis.com/compute/v1/projects/p/${path}`;
  await h.done(
    await h.c.healthChecks.insert({
      project: 'p',
      region,
      healthCheckResource: { name: 'hc', type: 'TCP', tcpHealthCheck: { port: 8080 } },
    }),
  );
  await h.done(
    await h.c.backendServices.insert({
      project: 'p',
      region,
      backendServiceResource: {
        name: 'bs',
        loadBalancingScheme: 'INTERNAL',
        network: link('global/networks/vpc'),
        healthChecks: [link(`regions/${region}/healthChecks/hc`)],
        ...extra.backendService,
      },
    }),
  );
  await h.done(
    await h.c.forwardingRules.insert({
      project: 'p',
      region,
      forwardingRuleResource: {
        name: 'fr',
        loadBalancingScheme: 'INTERNAL',
        ports: ['80'],
        backendService: link(`regions/${region}/backendServices/bs`),
        subnetwork: link(`regions/${region}/subnetworks/nodes`),
        ...extra.forwardingRule,
      },
    }),
  );
}

/** The HTTP status and message of a rejected client call. */
export async function rejection(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const x = e as { httpStatusCode?: number; code?: number; message?: string };
    return { status: x.httpStatusCode ?? x.code ?? 0, message: x.message ?? '' };
  }
  throw new Error('expected the call to fail');
}
