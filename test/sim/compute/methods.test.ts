/**
 * Methods real tools call beyond peerlink's own: regionBackendServices.getHealth,
 * subnetworks.setPrivateIpGoogleAccess, autoscalers.list / aggregatedList,
 * instanceGroupManagers.get / list / listManagedInstances.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeGroup, type NodeGroup } from './groups.ts';
import {
  computeHarness,
  type Harness,
  internalLoadBalancer,
  networkWithSubnet,
  type Op,
  rejection,
} from './harness.ts';

let h: Harness;
let group: NodeGroup;
const R = 'us-central1';
const Z = `${R}-a`;
const link = (path: string) => `https://www.googleapis.com/compute/v1/projects/p/${path}`;

async function rest(method: string, path: string, body?: unknown) {
  const res = await fetch(`${h.url}/compute/v1/projects/p/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  h = await computeHarness();
});
beforeEach(async () => {
  await h.control('POST', 'reset');
  await networkWithSubnet(h, 'vpc', { name: 'nodes', region: R, range: '10.10.0.0/24' });
  group = createNodeGroup(h.sim, {
    project: 'p',
    zone: Z,
    cluster: 'c',
    nodePool: 'pool',
    nodeCount: 2,
    network: 'global/networks/vpc',
    subnetwork: `regions/${R}/subnetworks/nodes`,
  });
  await internalLoadBalancer(h, R, {
    backendService: { backends: [{ group: group.instanceGroupUrl }] },
  });
});
afterAll(async () => {
  await h?.close();
});

describe('regionBackendServices.getHealth', () => {
  const getHealth = (groupUrl: string) =>
    h.c.backendServices.getHealth({
      project: 'p',
      region: R,
      backendService: 'bs',
      resourceGroupReferenceResource: { group: groupUrl },
    });
  const allowProbes = (extra: Record<string, unknown> = {}) =>
    h.c.firewalls.insert({
      project: 'p',
      firewallResource: {
        name: 'allow-hc',
        network: link('global/networks/vpc'),
        sourceRanges: ['35.191.0.0/16', '130.211.0.0/22'],
        allowed: [{ IPProtocol: 'tcp', ports: ['8080'] }],
        ...extra,
      },
    });

  it('reports each instance of the group for each forwarding rule, unhealthy while no firewall admits the probes', async () => {
    const [health] = await getHealth(group.instanceGroupUrl);
    expect(health.kind).toBe('compute#backendServiceGroupHealth');
    const [fr] = await h.c.forwardingRules.get({ project: 'p', region: R, forwardingRule: 'fr' });
    const vms = await Promise.all(
      group.instances.map(
        async (url) =>
          (
            await h.c.instances.get({
              project: 'p',
              zone: Z,
              instance: String(url.split('/').pop()),
            })
          )[0],
      ),
    );
    expect(
      health.healthStatus?.map((s) => [
        s.instance,
        s.ipAddress,
        s.healthState,
        s.forwardingRule,
        s.forwardingRuleIp,
      ]),
    ).toEqual(
      vms.map((vm) => [
        vm.selfLink,
        vm.networkInterfaces?.[0]?.networkIP,
        'UNHEALTHY',
        fr.selfLink,
        fr.IPAddress,
      ]),
    );
  });

  it('reports HEALTHY once an ingress rule admits both probe ranges on the health check port', async () => {
    await h.done(await allowProbes());
    const [health] = await getHealth(group.instanceGroupUrl);
    expect(health.healthStatus?.map((s) => s.healthState)).toEqual(['HEALTHY', 'HEALTHY']);
  });

  it.each([
    ['another port', { allowed: [{ IPProtocol: 'tcp', ports: ['80'] }] }],
    ['one probe range only', { sourceRanges: ['35.191.0.0/16'] }],
    ['a tag the nodes do not carry', { targetTags: ['elsewhere'] }],
    ['a disabled rule', { disabled: true }],
  ])('stays UNHEALTHY with %s', async (_label, extra) => {
    await h.done(await allowProbes(extra));
    const [health] = await getHealth(group.instanceGroupUrl);
    expect(health.healthStatus?.map((s) => s.healthState)).toEqual(['UNHEALTHY', 'UNHEALTHY']);
  });

  it('refuses a group that is not a backend of the service, and a missing service', async () => {
    const other = createNodeGroup(h.sim, {
      project: 'p',
      zone: Z,
      cluster: 'c',
      nodePool: 'other',
      nodeCount: 1,
      network: 'global/networks/vpc',
    });
    expect((await rejection(getHealth(other.instanceGroupUrl))).status).toBe(400);
    const missing = await rest('POST', `regions/${R}/backendServices/none/getHealth`, {
      group: group.instanceGroupUrl,
    });
    expect(missing.status).toBe(404);
  });
});

describe('subnetworks.setPrivateIpGoogleAccess', () => {
  it('sets the flag through an operation and changes the fingerprint', async () => {
    const [before] = await h.c.subnetworks.get({ project: 'p', region: R, subnetwork: 'nodes' });
    expect(before.privateIpGoogleAccess).toBe(false);
    await h.done(
      await h.c.subnetworks.setPrivateIpGoogleAccess({
        project: 'p',
        region: R,
        subnetwork: 'nodes',
        subnetworksSetPrivateIpGoogleAccessRequestResource: { privateIpGoogleAccess: true },
      }),
    );
    const [after] = await h.c.subnetworks.get({ project: 'p', region: R, subnetwork: 'nodes' });
    expect(after.privateIpGoogleAccess).toBe(true);
    expect(after.fingerprint).not.toBe(before.fingerprint);
  });

  it('takes an absent flag as false (proto3 default) and needs an existing subnetwork', async () => {
    const path = `regions/${R}/subnetworks/nodes/setPrivateIpGoogleAccess`;
    await h.done(
      await h.c.subnetworks.setPrivateIpGoogleAccess({
        project: 'p',
        region: R,
        subnetwork: 'nodes',
        subnetworksSetPrivateIpGoogleAccessRequestResource: { privateIpGoogleAccess: true },
      }),
    );
    const cleared = await rest('POST', path, {});
    expect(cleared.status).toBe(200);
    await h.done(cleared.body as Op);
    const [after] = await h.c.subnetworks.get({ project: 'p', region: R, subnetwork: 'nodes' });
    expect(after.privateIpGoogleAccess).toBe(false);
    const missing = await rest('POST', `regions/${R}/subnetworks/none/setPrivateIpGoogleAccess`, {
      privateIpGoogleAccess: true,
    });
    expect(missing.status).toBe(404);
  });
});

describe('autoscalers', () => {
  it('lists none: GKE scales node pools with its own cluster autoscaler', async () => {
    const list = await rest('GET', `zones/${Z}/autoscalers`);
    expect(list).toEqual({
      status: 200,
      body: {
        kind: 'compute#autoscalerList',
        id: `projects/p/zones/${Z}/autoscalers`,
        selfLink: link(`zones/${Z}/autoscalers`),
      },
    });
    const agg = await rest('GET', 'aggregated/autoscalers');
    expect(agg.body.kind).toBe('compute#autoscalerAggregatedList');
    expect((await rest('GET', `zones/${Z}/autoscalers/none`)).status).toBe(404);
  });
});

describe('instanceGroupManagers', () => {
  it('get, list and listManagedInstances', async () => {
    const [igm] = await h.c.igm.get({ project: 'p', zone: Z, instanceGroupManager: group.name });
    expect(igm.instanceGroup).toBe(group.instanceGroupUrl);
    const [list] = await h.c.igm.list({ project: 'p', zone: Z });
    expect(list.map((m) => m.name)).toEqual([group.name]);
    const [managed] = await h.c.igm.listManagedInstances({
      project: 'p',
      zone: Z,
      instanceGroupManager: group.name,
    });
    expect(managed.map((m) => [m.instance, m.name, m.instanceStatus, m.currentAction])).toEqual(
      group.instances.map((url) => [url, url.split('/').pop(), 'RUNNING', 'NONE']),
    );
    expect(managed[0]?.id).toMatch(/^\d+$/);
    expect(managed[0]?.version?.instanceTemplate).toBe(igm.instanceTemplate);
    const missing = await rest(
      'POST',
      `zones/${Z}/instanceGroupManagers/none/listManagedInstances`,
    );
    expect(missing.status).toBe(404);
  });
});
