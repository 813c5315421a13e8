/**
 * Regional internal addresses as the Addresses REST reference describes them
 * (https://cloud.google.com/compute/docs/reference/rest/v1/addresses), through the real client:
 * allocation from the subnet, a given address checked, RESERVED / IN_USE with `users`, a
 * forwarding rule on the reservation (by URL, name or number), release refused while in use.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { computeHarness, type Harness, networkWithSubnet, rejection } from './harness.ts';

let h: Harness;
const R = 'us-central1';
const link = (path: string) => `https://www.googleapis.com/compute/v1/projects/p/${path}`;
const SUBNET = link(`regions/${R}/subnetworks/nodes`);

beforeAll(async () => {
  h = await computeHarness();
});
beforeEach(async () => {
  await h.control('POST', 'reset');
  // 10.10.0.0/28: usable .2 to .13 (the network address, the gateway and the last two are not).
  await networkWithSubnet(h, 'vpc', { name: 'nodes', range: '10.10.0.0/28' });
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
        network: link('global/networks/vpc'),
        healthChecks: [link(`regions/${R}/healthChecks/hc`)],
      },
    }),
  );
});
afterAll(async () => {
  await h?.close();
});

const reserve = (name: string, extra: Record<string, unknown> = {}) =>
  h.c.addresses.insert({
    project: 'p',
    region: R,
    addressResource: { name, addressType: 'INTERNAL', subnetwork: SUBNET, ...extra },
  });
const get = async (name: string) =>
  (await h.c.addresses.get({ project: 'p', region: R, address: name }))[0];
const rule = (name: string, IPAddress?: string) =>
  h.c.forwardingRules.insert({
    project: 'p',
    region: R,
    forwardingRuleResource: {
      name,
      loadBalancingScheme: 'INTERNAL',
      ports: ['80'],
      backendService: link(`regions/${R}/backendServices/bs`),
      subnetwork: SUBNET,
      ...(IPAddress ? { IPAddress } : {}),
    },
  });
const ruleIp = async (name: string) =>
  (await h.c.forwardingRules.get({ project: 'p', region: R, forwardingRule: name }))[0].IPAddress;

describe('addresses.insert', () => {
  it('allocates a free address of the subnet when none is given, and never the same twice', async () => {
    await h.done(await reserve('a'));
    await h.done(await reserve('b'));
    const [a, b] = [await get('a'), await get('b')];
    expect(a.address).toBe('10.10.0.2');
    expect(b.address).toBe('10.10.0.3');
    expect(a).toMatchObject({
      kind: 'compute#address',
      addressType: 'INTERNAL',
      purpose: 'GCE_ENDPOINT',
      status: 'RESERVED',
      subnetwork: SUBNET,
      region: link(`regions/${R}`),
      selfLink: link(`regions/${R}/addresses/a`),
    });
    expect(a.users ?? []).toEqual([]);
  });

  it('reserves the address given, inside the subnet and free', async () => {
    await h.done(await reserve('pinned', { address: '10.10.0.9' }));
    expect((await get('pinned')).address).toBe('10.10.0.9');
  });

  it('refuses an address outside the subnet, one the subnet cannot use, and one in use', async () => {
    for (const address of ['10.20.0.5', '10.10.0.0', '10.10.0.1', '10.10.0.15']) {
      const e = await rejection(reserve(`x${address.split('.').pop()}`, { address }));
      expect(e.status).toBe(400);
      expect(e.message).toContain("not in the subnetwork's usable range 10.10.0.0/28");
    }
    await h.done(await reserve('first', { address: '10.10.0.9' }));
    const taken = await rejection(reserve('second', { address: '10.10.0.9' }));
    expect(taken.status).toBe(400);
    expect(taken.message).toContain('Specified IP address is in-use');
    // A forwarding rule's ephemeral IP is in use too.
    await h.done(await rule('eph'));
    const ephemeral = await ruleIp('eph');
    const used = await rejection(reserve('third', { address: ephemeral }));
    expect(used.message).toContain('Specified IP address is in-use');
  });

  it('refuses a second address of the same name, an EXTERNAL one, and one without a subnet', async () => {
    await h.done(await reserve('a'));
    expect((await rejection(reserve('a'))).status).toBe(409);
    const external = await rejection(
      h.c.addresses.insert({ project: 'p', region: R, addressResource: { name: 'ext' } }),
    );
    expect(external.status).toBe(400);
    const bare = await rejection(
      h.c.addresses.insert({
        project: 'p',
        region: R,
        addressResource: { name: 'bare', addressType: 'INTERNAL' },
      }),
    );
    expect(bare.message).toContain('needs a subnetwork');
  });
});

describe('a forwarding rule on a reserved address', () => {
  it('serves it when named by URL, partial URL, name or number, and reads back the number', async () => {
    const forms = [
      ['u', (n: string) => link(`regions/${R}/addresses/${n}`)],
      ['p', (n: string) => `regions/${R}/addresses/${n}`],
      ['n', (n: string) => n],
    ] as const;
    for (const [suffix, form] of forms) {
      await h.done(await reserve(`ip-${suffix}`));
      await h.done(await rule(`fr-${suffix}`, form(`ip-${suffix}`)));
      expect(await ruleIp(`fr-${suffix}`)).toBe((await get(`ip-${suffix}`)).address);
    }
    await h.done(await reserve('ip-num', { address: '10.10.0.12' }));
    await h.done(await rule('fr-num', '10.10.0.12'));
    expect(await ruleIp('fr-num')).toBe('10.10.0.12');
    expect((await get('ip-num')).users).toEqual([link(`regions/${R}/forwardingRules/fr-num`)]);
  });

  it('is IN_USE with the rule as its user, and RESERVED again once the rule is gone', async () => {
    await h.done(await reserve('ip'));
    await h.done(await rule('fr', 'ip'));
    expect(await get('ip')).toMatchObject({
      status: 'IN_USE',
      users: [link(`regions/${R}/forwardingRules/fr`)],
    });
    await h.done(
      await h.c.forwardingRules.delete({ project: 'p', region: R, forwardingRule: 'fr' }),
    );
    const after = await get('ip');
    expect(after.status).toBe('RESERVED');
    expect(after.users ?? []).toEqual([]);
  });

  it('keeps the IP when the rule is deleted and created again; an ephemeral rule does not take it', async () => {
    await h.done(await reserve('ip'));
    const ip = (await get('ip')).address;
    await h.done(await rule('fr', 'ip'));
    await h.done(
      await h.c.forwardingRules.delete({ project: 'p', region: R, forwardingRule: 'fr' }),
    );
    // While the rule is gone, an ephemeral rule is allocated around the reservation.
    await h.done(await rule('other'));
    expect(await ruleIp('other')).not.toBe(ip);
    await h.done(await rule('fr', 'ip'));
    expect(await ruleIp('fr')).toBe(ip);
  });

  it('refuses an address another rule serves, and a reservation that does not exist', async () => {
    await h.done(await reserve('ip'));
    await h.done(await rule('fr', 'ip'));
    const second = await rejection(rule('fr2', 'ip'));
    expect(second.status).toBe(400);
    expect(second.message).toContain('Specified IP address is in-use');
    const missing = await rejection(rule('fr3', 'none'));
    expect(missing.status).toBe(404);
    expect(missing.message).toContain(`projects/p/regions/${R}/addresses/none`);
  });

  it('cannot change its IPAddress by patch', async () => {
    await h.done(await reserve('ip'));
    await h.done(await rule('fr'));
    const e = await rejection(
      h.c.forwardingRules.patch({
        project: 'p',
        region: R,
        forwardingRule: 'fr',
        forwardingRuleResource: { IPAddress: (await get('ip')).address },
      }),
    );
    expect(e.status).toBe(400);
    expect(e.message).toContain('IPAddress');
  });
});

describe('addresses.delete', () => {
  it('is refused with resourceInUseByAnotherResource while a rule serves the address', async () => {
    await h.done(await reserve('ip'));
    await h.done(await rule('fr', 'ip'));
    const e = await rejection(h.c.addresses.delete({ project: 'p', region: R, address: 'ip' }));
    expect(e.status).toBe(400);
    expect(e.message).toBe(
      "The address resource 'projects/p/regions/us-central1/addresses/ip' is already being used by 'projects/p/regions/us-central1/forwardingRules/fr'",
    );
    await h.done(
      await h.c.forwardingRules.delete({ project: 'p', region: R, forwardingRule: 'fr' }),
    );
    await h.done(await h.c.addresses.delete({ project: 'p', region: R, address: 'ip' }));
    expect((await rejection(get('ip'))).status).toBe(404);
  });

  it('frees the address for allocation', async () => {
    await h.done(await reserve('ip', { address: '10.10.0.2' }));
    await h.done(await h.c.addresses.delete({ project: 'p', region: R, address: 'ip' }));
    await h.done(await rule('fr'));
    expect(await ruleIp('fr')).toBe('10.10.0.2');
  });

  it('a subnet with a reservation in it cannot be deleted', async () => {
    await h.done(await reserve('ip'));
    const e = await rejection(
      h.c.subnetworks.delete({ project: 'p', region: R, subnetwork: 'nodes' }),
    );
    expect(e.status).toBe(400);
    expect(e.message).toContain(`addresses/ip`);
  });
});

describe('addresses.list and aggregatedList', () => {
  it('list the region by name, with status, and the project by scope', async () => {
    await h.done(await reserve('b'));
    await h.done(await reserve('a'));
    await h.done(await rule('fr', 'b'));
    const [items] = await h.c.addresses.list({ project: 'p', region: R });
    expect(items.map((a) => [a.name, a.status])).toEqual([
      ['a', 'RESERVED'],
      ['b', 'IN_USE'],
    ]);
    const scopes: Record<string, string[]> = {};
    for await (const [scope, list] of h.c.addresses.aggregatedListAsync({ project: 'p' }))
      scopes[scope] = (list.addresses ?? []).map((a) => String(a.name));
    expect(scopes[`regions/${R}`]).toEqual(['a', 'b']);
  });
});
