import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CustomResource } from '../kube/custom.ts';
import type { JsonObject as KubeObject } from '../kube/json.ts';
import { type KubeApi, startKubeApi } from '../kube/server.ts';

/** Where a cluster's Kubernetes API is, as GKE publishes it on the Cluster. */
export interface ClusterEndpoint {
  /** `127.0.0.1:<port>`: GKE gives a bare IP; clients connect to `https://<endpoint>`. */
  endpoint: string;
  /** `masterAuth.clusterCaCertificate`: base64 of the CA's PEM. */
  caBase64: string;
  kubeconfigPath: string;
}

/** How to start a cluster's API server. */
export interface KubeStartSpec {
  /** Context name, `gke_<project>_<location>_<cluster>` as gcloud writes it. */
  contextName: string;
  servicesCidr?: string;
  nodeCount: number;
  objects?: KubeObject[];
  /** Kinds served through CRDs, such as an Autopilot cluster's EgressNATPolicy (autopilot.ts). */
  custom?: CustomResource[];
}

// The simulator's bearer tokens name a principal (core/identity.ts); GKE accepts any Google
// access token of an authorised caller, so each cluster accepts these too.
const PRINCIPAL_TOKEN = /^principal:\S+@\S+$/;

/** One simulated Kubernetes API server per GKE cluster, keyed by the cluster's store key. */
export class ClusterApis {
  readonly #dir: string;
  readonly #apis = new Map<string, { api: KubeApi; path: string }>();

  constructor(kubeconfigDir: string) {
    this.#dir = kubeconfigDir;
  }

  async start(key: string, spec: KubeStartSpec): Promise<ClusterEndpoint> {
    await this.stop(key);
    const api = await startKubeApi({
      name: spec.contextName,
      acceptToken: (t) => PRINCIPAL_TOKEN.test(t),
      nodeCount: spec.nodeCount,
      ...(spec.servicesCidr ? { servicesCidr: spec.servicesCidr } : {}),
      ...(spec.custom ? { custom: spec.custom } : {}),
    });
    if (spec.objects) api.store.restore(spec.objects);
    const path = api.kubeconfigPath(this.#dir);
    this.#apis.set(key, { api, path });
    return { endpoint: `127.0.0.1:${api.port}`, caBase64: api.caBase64, kubeconfigPath: path };
  }

  get(key: string): KubeApi | undefined {
    return this.#apis.get(key)?.api;
  }

  /** kubeconfig paths by cluster key. */
  kubeconfigs(): Record<string, string> {
    return Object.fromEntries([...this.#apis].map(([k, v]) => [k, v.path]));
  }

  /** Stored objects of every cluster, for snapshots. */
  save(): Record<string, KubeObject[]> {
    return Object.fromEntries([...this.#apis].map(([k, v]) => [k, v.api.objects()]));
  }

  async stop(key: string): Promise<void> {
    const entry = this.#apis.get(key);
    if (!entry) return;
    this.#apis.delete(key);
    await entry.api.stop();
    rmSync(entry.path, { force: true });
  }

  async stopAll(): Promise<void> {
    for (const key of [...this.#apis.keys()]) await this.stop(key);
  }

  /** Path a kubeconfig for `contextName` is written to. */
  pathFor(contextName: string): string {
    return join(this.#dir, `${contextName}.yaml`);
  }
}
