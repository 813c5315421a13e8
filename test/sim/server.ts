import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerCompute } from './compute/index.ts';
import { controlRoutes } from './core/control.ts';
import { createListener } from './core/http.ts';
import { Iam, iamRoutes } from './core/iam.ts';
import { Sim, type SimOptions } from './core/sim.ts';
import { type KubeAuthorizer, withKubeAuthorizer } from './kube/authz.ts';

/**
 * A simulator part: registers routes on `sim.router`, snapshot parts, close hooks and info.
 * Runs after the HTTP server listens, so it can read `url`.
 */
export type SimModule = (sim: Sim, url: string) => void | Promise<void>;

/** A running simulator. */
export interface RunningSim {
  sim: Sim;
  /** `http://127.0.0.1:<port>` serving Compute (`/compute/v1/...`), Container (`/v1/...`) and `/__sim/`. */
  url: string;
  port: number;
  /** Who may call what (`/__sim/iam`); unbound principals are the project's owners. */
  iam: Iam;
  /** Stops timers, parts and the server (open keep-alive connections too). */
  close(): Promise<void>;
}

/**
 * Starts the simulator: one HTTP server on loopback with the control routes, Compute v1, and
 * the given extra modules (Container, Kubernetes). Throws when the port is taken.
 */
export async function startSim(
  options: Partial<SimOptions> & { modules?: readonly SimModule[] } = {},
): Promise<RunningSim> {
  const { modules = [], ...simOptions } = options;
  const sim = new Sim({ port: 0, ...simOptions });
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(sim.options.host)) {
    throw new Error(`simulator listens on loopback only, got ${sim.options.host}`);
  }
  const iam = new Iam();
  sim.router.guard((req) => iam.authorize(req));
  sim.router.addAll(controlRoutes(sim));
  sim.router.addAll(iamRoutes(iam));
  registerCompute(sim);
  // Kubernetes API servers started while a request or a module runs authorize through IAM.
  const kubeAuthorizer: KubeAuthorizer = (a) => iam.authorizeKube(a);
  const listener = createListener(sim.router, {
    stats: sim.stats,
    faults: sim.faults,
    record: (entry) => sim.recorder?.(entry),
  });
  const server = createServer((req, res) =>
    withKubeAuthorizer(kubeAuthorizer, () => listener(req, res)),
  );
  await listen(server, sim.options.port, sim.options.host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${sim.options.host}:${port}`;
  sim.info.endpoints = { compute: `${url}/compute/v1`, container: url, control: `${url}/__sim` };
  try {
    for (const m of modules) await withKubeAuthorizer(kubeAuthorizer, () => m(sim, url));
  } catch (e) {
    await stop(server, sim);
    throw new Error('a simulator module failed to start', { cause: e });
  }
  return { sim, url, port, iam, close: () => stop(server, sim) };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function stop(server: Server, sim: Sim): Promise<void> {
  await sim.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
