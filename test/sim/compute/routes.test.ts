import { RoutesClient } from '@google-cloud/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions, computeHarness, type Harness, PRINCIPAL, rejection } from './harness.ts';
import { ROUTES } from './routes.ts';

let h: Harness;
let routes: RoutesClient;
beforeAll(async () => {
  h = await computeHarness();
  routes = new RoutesClient(clientOptions(h.port, PRINCIPAL));
});
afterAll(async () => {
  await routes?.close();
  await h?.close();
});

describe('routes (read-only; written by the GKE part)', () => {
  it('lists and gets stored routes, with filter', async () => {
    const put = (name: string, network: string, destRange: string) =>
      h.sim.store.put(ROUTES, `projects/p/global/routes/${name}`, {
        kind: 'compute#route',
        id: h.sim.store.nextId(),
        name,
        selfLink: `https://www.googleapis.com/compute/v1/projects/p/global/routes/${name}`,
        network: `https://www.googleapis.com/compute/v1/projects/p/global/networks/${network}`,
        destRange,
        priority: 1000,
      });
    put('gke-a-1', 'vpc', '10.4.0.0/24');
    put('gke-b-1', 'other', '10.8.0.0/24');
    const [inVpc] = await routes.list({
      project: 'p',
      filter: 'network = "https://www.googleapis.com/compute/v1/projects/p/global/networks/vpc"',
    });
    expect(inVpc.map((r) => [r.name, r.destRange, r.priority])).toEqual([
      ['gke-a-1', '10.4.0.0/24', 1000],
    ]);
    const [one] = await routes.get({ project: 'p', route: 'gke-b-1' });
    expect(one.destRange).toBe('10.8.0.0/24');
    expect((await rejection(routes.get({ project: 'p', route: 'none' }))).status).toBe(404);
  });
});
