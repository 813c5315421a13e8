import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterHashOf, createNodeGroup, deleteNodeGroup } from './groups.ts';
import { computeHarness, type Harness, networkWithSubnet, rejection } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await computeHarness();
  await networkWithSubnet(h, 'vpc', { name: 'nodes', range: '10.20.0.0/24' });
});
afterAll(async () => {
  await h?.close();
});

describe('node-pool instance groups (core API used by the GKE part)', () => {
  it('creates a zonal group with N tagged RUNNING instances, listed by listInstances', async () => {
    const g = createNodeGroup(h.sim, {
      project: 'p',
      zone: 'us-central1-a',
      cluster: 'blue',
      nodePool: 'default-pool',
      nodeCount: 3,
      network: 'global/networks/vpc',
      subnetwork: 'regions/us-central1/subnetworks/nodes',
      clusterHash: '1a2b3c4d',
    });
    expect(g.tag).toBe('gke-blue-1a2b3c4d-node');
    expect(g.name).toMatch(/^gke-blue-default-pool-[0-9a-f]{8}-grp$/);
    expect(g.instanceGroupManagerUrl).toBe(
      `https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instanceGroupManagers/${g.name}`,
    );

    const [members] = await h.c.instanceGroups.listInstances({
      project: 'p',
      zone: 'us-central1-a',
      instanceGroup: g.name,
      instanceGroupsListInstancesRequestResource: { instanceState: 'ALL' },
    });
    expect(members.map((m) => [m.instance, m.status])).toEqual(
      g.instances.map((i) => [i, 'RUNNING']),
    );

    const [vm] = await h.c.instances.get({
      project: 'p',
      zone: 'us-central1-a',
      instance: String(g.instances[0]?.split('/').pop()),
    });
    expect(vm.tags?.items).toEqual(['gke-blue-1a2b3c4d-node']);
    expect(vm.networkInterfaces?.[0]?.networkIP).toBe('10.20.0.2');

    const [ig] = await h.c.instanceGroups.get({
      project: 'p',
      zone: 'us-central1-a',
      instanceGroup: g.name,
    });
    expect(ig).toMatchObject({ size: 3, selfLink: g.instanceGroupUrl });
    const [igm] = await h.c.igm.get({
      project: 'p',
      zone: 'us-central1-a',
      instanceGroupManager: g.name,
    });
    expect(igm).toMatchObject({ instanceGroup: g.instanceGroupUrl, targetSize: 3 });
  });

  it('appears in the aggregated list per zone and goes away on delete', async () => {
    const g = createNodeGroup(h.sim, {
      project: 'p',
      zone: 'us-central1-b',
      cluster: 'green',
      nodePool: 'pool',
      nodeCount: 1,
    });
    expect(g.tag).toBe(`gke-green-${clusterHashOf('p', 'green')}-node`);
    const zones = async () => {
      const out: Record<string, string[]> = {};
      for await (const [scope, list] of h.c.instanceGroups.aggregatedListAsync({ project: 'p' })) {
        const names = (list.instanceGroups ?? []).map((x) => String(x.name));
        if (names.length) out[scope] = names;
      }
      return out;
    };
    expect((await zones())['zones/us-central1-b']).toEqual([g.name]);
    deleteNodeGroup(h.sim, { project: 'p', zone: 'us-central1-b', name: g.name });
    expect((await zones())['zones/us-central1-b']).toBeUndefined();
    const [vms] = await h.c.instances.list({ project: 'p', zone: 'us-central1-b' });
    expect(vms).toEqual([]);
  });
});

describe('one load-balanced instance group per VM', () => {
  const link = (path: string) => `https://www.googleapis.com/compute/v1/projects/p/${path}`;
  const backendService = (name: string, groups: string[]) =>
    h.c.backendServices.insert({
      project: 'p',
      region: 'us-central1',
      backendServiceResource: {
        name,
        loadBalancingScheme: 'INTERNAL',
        network: link('global/networks/vpc'),
        healthChecks: [link('regions/us-central1/healthChecks/lb-hc')],
        backends: groups.map((group) => ({ group })),
      },
    });

  it("refuses a group holding a VM that another backend service's group holds; the same group twice is fine", async () => {
    await h.done(
      await h.c.healthChecks.insert({
        project: 'p',
        region: 'us-central1',
        healthCheckResource: { name: 'lb-hc', type: 'TCP', tcpHealthCheck: { port: 8080 } },
      }),
    );
    const pool = createNodeGroup(h.sim, {
      project: 'p',
      zone: 'us-central1-a',
      cluster: 'lb',
      nodePool: 'pool',
      nodeCount: 2,
      network: 'global/networks/vpc',
    });
    // An unmanaged group over one of the pool's VMs, as GKE's service controller makes
    // k8s-ig--<id> for its own load balancers (no instanceGroups.insert route: put in the store).
    const key = 'projects/p/zones/us-central1-a/instanceGroups/k8s-ig--0123456789abcdef';
    h.sim.store.put('instanceGroups', key, {
      kind: 'compute#instanceGroup',
      id: '42',
      name: 'k8s-ig--0123456789abcdef',
      zone: link('zones/us-central1-a'),
      network: link('global/networks/vpc'),
      size: 1,
      members: [pool.instances[0]],
      selfLink: link('zones/us-central1-a/instanceGroups/k8s-ig--0123456789abcdef'),
    });
    await h.done(await backendService('lb-one', [pool.instanceGroupUrl]));
    // The same group in a second backend service: allowed.
    await h.done(await backendService('lb-same', [pool.instanceGroupUrl]));
    const refused = await rejection(
      backendService('lb-other', [link(key.replace('projects/p/', ''))]),
    );
    expect(refused.status).toBe(400);
    expect(refused.message).toBe(
      `Validation failed for instance 'projects/p/zones/us-central1-a/instances/${String(pool.instances[0]?.split('/').pop())}': instance may belong to at most one load-balanced instance group.`,
    );
    // And the other way round: a patch adding the pool's group next to the k8s-ig group's user.
    for (const name of ['lb-one', 'lb-same'])
      await h.done(
        await h.c.backendServices.delete({
          project: 'p',
          region: 'us-central1',
          backendService: name,
        }),
      );
    await h.done(await backendService('lb-k8s', [link(key.replace('projects/p/', ''))]));
    const [k8s] = await h.c.backendServices.get({
      project: 'p',
      region: 'us-central1',
      backendService: 'lb-k8s',
    });
    expect(k8s.backends?.map((b) => b.group)).toEqual([link(key.replace('projects/p/', ''))]);
    const again = await rejection(backendService('lb-pool', [pool.instanceGroupUrl]));
    expect(again.status).toBe(400);
    expect(again.message).toMatch(
      /instance may belong to at most one load-balanced instance group/,
    );
  });
});
