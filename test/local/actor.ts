/**
 * A person at the console: changes the simulated cloud through its REST API, as gcloud would,
 * under the default principal (user@example.com). peerlink learns of each change only from the
 * audit log.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '../support/process-group.ts';

interface Operation {
  name: string;
  status: string;
  error?: { errors?: { message?: string }[] };
  zone?: string;
  region?: string;
}

export class Actor {
  readonly #url: string;
  readonly project: string;
  constructor(simUrl: string, project: string) {
    this.#url = simUrl;
    this.project = project;
  }

  async #call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.#url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** A Compute mutation, waited for; retried while a peering operation is in progress. */
  async compute(method: string, path: string, body?: unknown): Promise<void> {
    const base = `/compute/v1/projects/${this.project}`;
    const op = (await waitFor(
      `${method} ${path}`,
      async () => {
        try {
          return (await this.#call(method, `${base}/${path}`, body)) as unknown as Operation;
        } catch (e) {
          if (/peering operation in progress/i.test(String(e))) return undefined;
          throw e;
        }
      },
      30_000,
      300,
    )) as Operation;
    const scope = op.zone
      ? `zones/${op.zone.split('/').pop()}`
      : op.region
        ? `regions/${op.region.split('/').pop()}`
        : 'global';
    const done = await waitFor(
      `operation ${op.name}`,
      async () => {
        const o = (await this.#call(
          'POST',
          `${base}/${scope}/operations/${op.name}/wait`,
        )) as unknown as Operation;
        return o.status === 'DONE' ? o : undefined;
      },
      60_000,
    );
    if (done.error) throw new Error(`${method} ${path} failed: ${JSON.stringify(done.error)}`);
  }

  /** A new custom-mode network with one subnet, peered both ways with `peer`. */
  async peerNewNetwork(opts: {
    name: string;
    subnet: string;
    range: string;
    region: string;
    peer: string;
  }): Promise<void> {
    const net = (n: string) => `projects/${this.project}/global/networks/${n}`;
    await this.compute('POST', 'global/networks', {
      name: opts.name,
      autoCreateSubnetworks: false,
    });
    await this.compute('POST', `regions/${opts.region}/subnetworks`, {
      name: opts.subnet,
      network: net(opts.name),
      ipCidrRange: opts.range,
    });
    for (const [a, b] of [
      [opts.peer, opts.name],
      [opts.name, opts.peer],
    ] as const) {
      await this.compute('POST', `global/networks/${a}/addPeering`, {
        networkPeering: { name: `${a}-to-${b}`, network: net(b), exchangeSubnetRoutes: true },
      });
    }
  }

  async get(path: string): Promise<Record<string, unknown> | null> {
    const res = await fetch(`${this.#url}/compute/v1/projects/${this.project}/${path}`);
    if (res.status === 404) return null;
    return (await res.json()) as Record<string, unknown>;
  }

  async createNodePool(location: string, cluster: string, name: string, nodes = 1): Promise<void> {
    await this.#call(
      'POST',
      `/v1/projects/${this.project}/locations/${location}/clusters/${cluster}/nodePools`,
      {
        nodePool: { name, initialNodeCount: nodes },
      },
    );
  }

  async nodePoolGroups(location: string, cluster: string, name: string): Promise<string[]> {
    const res = await fetch(
      `${this.#url}/v1/projects/${this.project}/locations/${location}/clusters/${cluster}/nodePools/${name}`,
    );
    if (!res.ok) return [];
    const pool = (await res.json()) as { instanceGroupUrls?: string[] };
    return pool.instanceGroupUrls ?? [];
  }

  async backendGroups(region: string, name: string): Promise<string[]> {
    const bs = await this.get(`regions/${region}/backendServices/${name}`);
    return ((bs?.backends as { group: string }[] | undefined) ?? []).map((b) => b.group);
  }

  async firewallNames(): Promise<string[]> {
    const list = await this.get('global/firewalls');
    return ((list?.items as { name: string }[] | undefined) ?? []).map((f) => f.name).sort();
  }

  /** A cluster's ConfigMap data, read through its simulated Kubernetes API. */
  async configMap(
    kubeconfigPath: string,
    namespace: string,
    name: string,
  ): Promise<Record<string, string> | null> {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    try {
      return (
        (await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace })).data ?? {}
      );
    } catch {
      return null;
    }
  }
}
