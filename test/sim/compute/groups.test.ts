import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterHashOf, createNodeGroup, deleteNodeGroup } from './groups.ts';
import { computeHarness, type Harness, networkWithSubnet } from './harness.ts';

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
