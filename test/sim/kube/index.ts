/** The simulated Kubernetes API: one HTTPS server per cluster (see README.md). */
export type { JsonObject as KubeObject } from './json.ts';
export { type KubeApi, type KubeApiOptions, startKubeApi } from './server.ts';
export type { KubeStore } from './store.ts';
