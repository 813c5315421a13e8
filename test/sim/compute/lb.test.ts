import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeGroup } from './groups.ts';
import { computeHarness, type Harness, networkWithSubnet, rejection } from './harness.ts';

let h: Harness;
const R = 'us-central1';
const link = (path: string) => `https://www.googleapis.com/compute/v1/projects/p/${path}`;

beforeAll(async () => {
  h = await computeHarness();
});
beforeEach(async () => {
  await h.control('POST', 'reset');
  await networkWithSubnet(h, 'vpc', { name: 'nodes', range: '10.10.0.0/29' });
  await h.done(
    await h.c.healthChecks.insert({
      project: 'p',
      region: R,
      healthCheckResource: { name: 'hc', type: 'TCP', tcpHealthCheck: { port: 8080 } },
    }),
  );
  await h.done(
    await h.c.backendServices.insert({
      project: 'p',
      region: R,
      backendServiceResource: {
        name: 'bs',
        loadBalancingScheme: 'INTERNAL',
        protocol: 'TCP',
        healthChecks: [link(`regions/${R}/healthChecks/hc`)],
      },
    }),
  );
});
afterAll(async () => {
  await h?.close();
});

const insertRule = (name: string, extra: Record<string, unknown> = {}) =>
  h.c.forwardingRules.insert({
    project: 'p',
    region: R,
    forwardingRuleResource: {
      name,
      loadBalancingScheme: 'INTERNAL',
      IPProtocol: 'TCP',
      ports: ['80'],
      backendService: link(`regions/${R}/backendServices/bs`),
      subnetwork: link(`regions/${R}/subnetworks/nodes`),
      ...extra,
    },
  });

describe('regional backend services', () => {
  it('changes the fingerprint on every write and answers 412 conditionNotMet to a stale one', async () => {
    const group = createNodeGroup(h.sim, {
      project: 'p',
      zone: `${R}-a`,
      cluster: 'c1',
      nodePool: 'pool',
      nodeCount: 1,
    });
    const [before] = await h.c.backendServices.get({
      project: 'p',
      region: R,
      backendService: 'bs',
    });
    await h.done(
      await h.c.backendServices.patch({
        project: 'p',
        region: R,
        backendService: 'bs',
        backendServiceResource: {
          fingerprint: before.fingerprint,
          backends: [{ group: group.instanceGroupUrl }],
        },
      }),
    );
    const [after] = await h.c.backendServices.get({
      project: 'p',
      region: R,
      backendService: 'bs',
    });
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(after.backends?.map((b) => [b.group, b.balancingMode])).toEqual([
      [group.instanceGroupUrl, 'CONNECTION'],
    ]);
    const stale = await rejection(
      h.c.backendServices.update({
        project: 'p',
        region: R,
        backendService: 'bs',
        backendServiceResource: { ...after, fingerprint: before.fingerprint },
      }),
    );
    expect(stale).toEqual({
      status: 412,
      message:
        "Supplied fingerprint does not match current fingerprint of resource 'projects/p/regions/us-central1/backendServices/bs'.",
    });
  });

  it('requires an existing health check and existing instance groups', async () => {
    const noHc = await rejection(
      h.c.backendServices.insert({
        project: 'p',
        region: R,
        backendServiceResource: {
          name: 'bs2',
          loadBalancingScheme: 'INTERNAL',
          healthChecks: [link(`regions/${R}/healthChecks/none`)],
        },
      }),
    );
    expect(noHc.status).toBe(404);
    const noGroup = await rejection(
      h.c.backendServices.insert({
        project: 'p',
        region: R,
        backendServiceResource: {
          name: 'bs3',
          loadBalancingScheme: 'INTERNAL',
          healthChecks: [link(`regions/${R}/healthChecks/hc`)],
          backends: [{ group: link('zones/us-central1-a/instanceGroups/missing') }],
        },
      }),
    );
    expect(noGroup).toEqual({
      status: 404,
      message: "The resource 'projects/p/zones/us-central1-a/instanceGroups/missing' was not found",
    });
  });

  it('keeps a health check used by a backend service', async () => {
    const err = await rejection(
      h.c.healthChecks.delete({ project: 'p', region: R, healthCheck: 'hc' }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(
      /already being used by 'projects\/p\/regions\/us-central1\/backendServices\/bs'/,
    );
  });
});

describe('internal forwarding rules', () => {
  it('take IPs from the subnet primary range, skipping network, gateway and the last two addresses', async () => {
    // 10.10.0.0/29: .0 network, .1 gateway, .6 and .7 reserved -> usable .2-.5.
    const ips: string[] = [];
    for (const name of ['fr1', 'fr2', 'fr3', 'fr4']) {
      await h.done(await insertRule(name));
      const [fr] = await h.c.forwardingRules.get({ project: 'p', region: R, forwardingRule: name });
      ips.push(String(fr.IPAddress));
    }
    expect(ips).toEqual(['10.10.0.2', '10.10.0.3', '10.10.0.4', '10.10.0.5']);
    const full = await h.wait(await insertRule('fr5'));
    expect(full.httpErrorStatusCode).toBe(400);
    expect(full.error?.errors?.[0]?.message).toMatch(/exhausted/);
  });

  it('keeps a requested address and refuses one in use', async () => {
    await h.done(await insertRule('fr1', { IPAddress: '10.10.0.5' }));
    const [fr] = await h.c.forwardingRules.get({ project: 'p', region: R, forwardingRule: 'fr1' });
    expect(fr).toMatchObject({
      IPAddress: '10.10.0.5',
      network: link('global/networks/vpc'),
      loadBalancingScheme: 'INTERNAL',
    });
    const taken = await h.wait(await insertRule('fr2', { IPAddress: '10.10.0.5' }));
    expect(taken.error?.errors?.[0]?.message).toMatch(/in-use/);
  });

  it('patches allowGlobalAccess and refuses to patch ports', async () => {
    await h.done(await insertRule('fr1'));
    await h.done(
      await h.c.forwardingRules.patch({
        project: 'p',
        region: R,
        forwardingRule: 'fr1',
        forwardingRuleResource: { allowGlobalAccess: true },
      }),
    );
    const [fr] = await h.c.forwardingRules.get({ project: 'p', region: R, forwardingRule: 'fr1' });
    expect(fr.allowGlobalAccess).toBe(true);
    const err = await rejection(
      h.c.forwardingRules.patch({
        project: 'p',
        region: R,
        forwardingRule: 'fr1',
        forwardingRuleResource: { ports: ['81'] },
      }),
    );
    expect(err.status).toBe(400);
  });

  it('blocks deleting the backend service and subnetwork they use', async () => {
    await h.done(await insertRule('fr1'));
    expect(
      (
        await rejection(
          h.c.backendServices.delete({ project: 'p', region: R, backendService: 'bs' }),
        )
      ).status,
    ).toBe(400);
    expect(
      (await rejection(h.c.subnetworks.delete({ project: 'p', region: R, subnetwork: 'nodes' })))
        .status,
    ).toBe(400);
    await h.done(
      await h.c.forwardingRules.delete({ project: 'p', region: R, forwardingRule: 'fr1' }),
    );
    await h.done(
      await h.c.backendServices.delete({ project: 'p', region: R, backendService: 'bs' }),
    );
  });
});

describe('references', () => {
  const insertBs = (name: string, extra: Record<string, unknown>) =>
    h.c.backendServices.insert({
      project: 'p',
      region: R,
      backendServiceResource: {
        name,
        loadBalancingScheme: 'INTERNAL',
        protocol: 'TCP',
        healthChecks: [link(`regions/${R}/healthChecks/hc`)],
        ...extra,
      },
    });
  const getBs = async (name: string) =>
    (await h.c.backendServices.get({ project: 'p', region: R, backendService: name }))[0];

  it('stores the canonical URL of every reference, whatever form was sent', async () => {
    const group = createNodeGroup(h.sim, {
      project: 'p',
      zone: `${R}-a`,
      cluster: 'c1',
      nodePool: 'pool',
      nodeCount: 1,
      network: 'global/networks/vpc',
    });
    // gcloud builds references from its endpoint override; others send partial URLs.
    await h.done(
      await insertBs('bs-forms', {
        network: `${h.url}/compute/v1/projects/p/global/networks/vpc`,
        healthChecks: [`regions/${R}/healthChecks/hc`],
        backends: [{ group: group.instanceGroupUrl.replace('https://www.googleapis.com', h.url) }],
      }),
    );
    const bs = await getBs('bs-forms');
    expect(bs.network).toBe(link('global/networks/vpc'));
    expect(bs.healthChecks).toEqual([link(`regions/${R}/healthChecks/hc`)]);
    expect(bs.backends?.map((b) => b.group)).toEqual([group.instanceGroupUrl]);
  });

  it('refuses a backend service on a network that does not exist', async () => {
    expect(
      await rejection(insertBs('bs-nonet', { network: link('global/networks/none') })),
    ).toEqual({
      status: 404,
      message: "The resource 'projects/p/global/networks/none' was not found",
    });
  });

  it('refuses an instance group of another network than the backend service', async () => {
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'other', autoCreateSubnetworks: false },
      }),
    );
    const group = createNodeGroup(h.sim, {
      project: 'p',
      zone: `${R}-a`,
      cluster: 'c2',
      nodePool: 'pool',
      nodeCount: 1,
      network: 'global/networks/other',
    });
    const err = await rejection(
      insertBs('bs-mixed', {
        network: link('global/networks/vpc'),
        backends: [{ group: group.instanceGroupUrl }],
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain("Invalid value for field 'resource.backends[0].group'");
    expect(err.message).toContain('projects/p/global/networks/other');
  });

  it('refuses to change the network of a backend service', async () => {
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'other', autoCreateSubnetworks: false },
      }),
    );
    await h.done(await insertBs('bs-net', { network: link('global/networks/vpc') }));
    const bs = await getBs('bs-net');
    const err = await rejection(
      h.c.backendServices.patch({
        project: 'p',
        region: R,
        backendService: 'bs-net',
        backendServiceResource: {
          fingerprint: bs.fingerprint,
          network: link('global/networks/other'),
        },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/Network field cannot be modified/);
  });

  it('refuses a forwarding rule whose backend service is on another network', async () => {
    await networkWithSubnet(h, 'other', { name: 'other-nodes', range: '10.20.0.0/24' });
    await h.done(await insertBs('bs-other', { network: link('global/networks/other') }));
    const err = await rejection(
      insertRule('fr-x', { backendService: link(`regions/${R}/backendServices/bs-other`) }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(
      /Forwarding rule network projects\/p\/global\/networks\/vpc must be the same as backend service network projects\/p\/global\/networks\/other/,
    );
  });
});
