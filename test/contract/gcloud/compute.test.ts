/**
 * gcloud, Google's own client, against the simulated Compute API: reads and mutations of
 * networks, subnets, firewall rules, health checks, backend services, forwarding rules, internal
 * addresses, instance groups, instances, routes, operations and peerings, and the error paths (missing, duplicate,
 * overlapping ranges, stale fingerprint, resource in use). Each check asserts gcloud's exit
 * status and message, or the simulator's state afterwards. Steps build on each other, in order.
 * gcloud must be installed (startGcloudSim fails, with what to do, when it is not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '../../sim/compute/common.ts';
import { createNodeGroup, type NodeGroup } from '../../sim/compute/groups.ts';
import { type GcloudRun, type GcloudSim, startGcloudSim } from './gcloud.ts';

const R = 'europe-west1';
const Z = `${R}-b`;
const P = 'p';
const url = (path: string) => `https://www.googleapis.com/compute/v1/projects/${P}/${path}`;
// Eight bytes whose standard base64 has '+' and '/', so gcloud's URL-safe echo differs in text.
const FINGERPRINT = Buffer.from([0xfb, 0xef, 0xbe, 0xfb, 0xff, 0xbf, 0x3e, 0xff]).toString(
  'base64',
);

let g: GcloudSim;
let group: NodeGroup;
let otherGroup: NodeGroup;

/** The stored resource at `key` (a `projects/...` path) of a store collection. */
const stored = (collection: string, key: string) =>
  g.sim.sim.store.get<Resource & Record<string, unknown>>(collection, `projects/${P}/${key}`);

function ok(r: GcloudRun): GcloudRun {
  expect(r.code, `gcloud ${r.args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

function fails(r: GcloudRun, message: RegExp): void {
  expect(r.code, `gcloud ${r.args.join(' ')} should fail\n${r.stdout}`).toBe(1);
  expect(r.stderr).toMatch(message);
}

/** The stored peerings of a network. */
const peeringsOf = (network: string) =>
  (stored('networks', `global/networks/${network}`)?.peerings ?? []) as {
    name: string;
    state: string;
  }[];

const json = <T>(r: GcloudRun): T => JSON.parse(ok(r).stdout) as T;
const gcloud = (...args: string[]) => g.gcloud(...args);
const list = (...args: string[]) => gcloud(...args, '--format=json');

/** Makes a stored resource's fingerprint one whose two base64 encodings differ. */
function awkwardFingerprint(collection: string, key: string): void {
  const r = stored(collection, key);
  if (!r) throw new Error(`${key} is not stored`);
  r.fingerprint = FINGERPRINT;
}

let harness: Promise<GcloudSim>;
beforeAll(() => {
  harness = startGcloudSim({ project: P });
  // Each step reports a failed start (gcloud missing) itself, so nothing shows as skipped.
  harness.catch(() => undefined);
});
afterAll(async () => {
  await (await harness.catch(() => undefined))?.close();
});

/** A step of the suite: waits for the harness, so each fails with its error when it did not start. */
function step(name: string, fn: () => Promise<void> | void): void {
  it(name, async () => {
    g = await harness;
    await fn();
  });
}

describe('gcloud compute against the simulator', { timeout: 60_000 }, () => {
  step('networks create: custom mode, stored as Compute fills it', async () => {
    const [a, b] = await Promise.all([
      gcloud('compute', 'networks', 'create', 'n1', '--subnet-mode=custom'),
      gcloud('compute', 'networks', 'create', 'n2', '--subnet-mode=custom'),
    ]);
    ok(a);
    ok(b);
    expect(a.stderr).toContain(`Created [${url('global/networks/n1')}]`);
    expect(stored('networks', 'global/networks/n1')).toMatchObject({
      autoCreateSubnetworks: false,
      routingConfig: { routingMode: 'REGIONAL' },
      selfLink: url('global/networks/n1'),
    });
  });

  step('networks create of an existing name is refused: already exists', async () => {
    fails(
      await gcloud('compute', 'networks', 'create', 'n1', '--subnet-mode=custom'),
      /The resource 'projects\/p\/global\/networks\/n1' already exists/,
    );
  });

  step('networks describe of a missing network is refused: not found', async () => {
    fails(
      await gcloud('compute', 'networks', 'describe', 'nope'),
      /The resource 'projects\/p\/global\/networks\/nope' was not found/,
    );
  });

  step('networks list', async () => {
    const nets = json<{ name: string }[]>(await list('compute', 'networks', 'list'));
    expect(nets.map((n) => n.name)).toEqual(['n1', 'n2']);
  });

  step('networks update --bgp-routing-mode (networks.patch)', async () => {
    ok(await gcloud('compute', 'networks', 'update', 'n1', '--bgp-routing-mode=global'));
    expect(stored('networks', 'global/networks/n1')?.routingConfig).toEqual({
      routingMode: 'GLOBAL',
    });
  });

  step('subnets create: primary and secondary ranges, canonical network', async () => {
    const [s1, s2] = await Promise.all([
      gcloud(
        'compute',
        'networks',
        'subnets',
        'create',
        's1',
        '--network=n1',
        `--region=${R}`,
        '--range=10.0.0.0/24',
        '--secondary-range=pods=10.4.0.0/14',
      ),
      gcloud(
        'compute',
        'networks',
        'subnets',
        'create',
        's2',
        '--network=n2',
        `--region=${R}`,
        '--range=10.1.0.0/24',
      ),
    ]);
    ok(s1);
    ok(s2);
    expect(stored('subnetworks', `regions/${R}/subnetworks/s1`)).toMatchObject({
      network: url('global/networks/n1'),
      region: url(`regions/${R}`),
      ipCidrRange: '10.0.0.0/24',
      gatewayAddress: '10.0.0.1',
      secondaryIpRanges: [{ rangeName: 'pods', ipCidrRange: '10.4.0.0/14' }],
    });
  });

  step('subnets create: an overlapping range is refused', async () => {
    fails(
      await gcloud(
        'compute',
        'networks',
        'subnets',
        'create',
        's3',
        '--network=n1',
        `--region=${R}`,
        '--range=10.0.0.128/25',
      ),
      /Invalid IPCidrRange: 10\.0\.0\.128\/25 conflicts with existing subnetwork 's1' in region 'europe-west1'/,
    );
    expect(stored('subnetworks', `regions/${R}/subnetworks/s3`)).toBeUndefined();
  });

  step('subnets update --enable-private-ip-google-access (setPrivateIpGoogleAccess)', async () => {
    ok(
      await gcloud(
        'compute',
        'networks',
        'subnets',
        'update',
        's1',
        `--region=${R}`,
        '--enable-private-ip-google-access',
      ),
    );
    expect(stored('subnetworks', `regions/${R}/subnetworks/s1`)?.privateIpGoogleAccess).toBe(true);
  });

  step(
    'subnets update --add-secondary-ranges: a read-modify-write with a URL-safe fingerprint',
    async () => {
      awkwardFingerprint('subnetworks', `regions/${R}/subnetworks/s1`);
      ok(
        await gcloud(
          'compute',
          'networks',
          'subnets',
          'update',
          's1',
          `--region=${R}`,
          '--add-secondary-ranges=svc=10.8.0.0/20',
        ),
      );
      const s1 = stored('subnetworks', `regions/${R}/subnetworks/s1`);
      expect(s1?.secondaryIpRanges).toEqual([
        { rangeName: 'pods', ipCidrRange: '10.4.0.0/14' },
        { rangeName: 'svc', ipCidrRange: '10.8.0.0/20' },
      ]);
      expect(s1?.fingerprint).not.toBe(FINGERPRINT);
    },
  );

  step('subnets update with a fingerprint gone stale meanwhile is refused with 412', async () => {
    // Hold gcloud's PATCH until another writer has changed the subnet.
    const sim = g.sim.sim;
    sim.faults.configure({ methods: { 'compute.subnetworks.patch': { latencyMs: 4_000 } } });
    const patches = () => sim.stats.view().methods['compute.subnetworks.patch']?.writes ?? 0;
    const before = patches();
    try {
      const pending = gcloud(
        'compute',
        'networks',
        'subnets',
        'update',
        's1',
        `--region=${R}`,
        '--remove-secondary-ranges=svc',
      );
      for (let i = 0; i < 200 && patches() === before; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(patches(), 'gcloud sent its PATCH').toBe(before + 1);
      const res = await fetch(
        `${g.url}/compute/v1/projects/${P}/regions/${R}/subnetworks/s1/expandIpCidrRange`,
        { method: 'POST', body: JSON.stringify({ ipCidrRange: '10.0.0.0/23' }) },
      );
      const op = (await res.json()) as { name: string };
      await fetch(`${g.url}/compute/v1/projects/${P}/regions/${R}/operations/${op.name}/wait`, {
        method: 'POST',
      });
      fails(await pending, /Supplied fingerprint does not match current fingerprint/);
    } finally {
      sim.faults.reset();
    }
    const s1 = stored('subnetworks', `regions/${R}/subnetworks/s1`);
    expect(s1?.ipCidrRange).toBe('10.0.0.0/23');
    expect(s1?.secondaryIpRanges).toHaveLength(2);
  });

  step('subnets expand-ip-range', async () => {
    ok(
      await gcloud(
        'compute',
        'networks',
        'subnets',
        'expand-ip-range',
        's1',
        `--region=${R}`,
        '--prefix-length=22',
      ),
    );
    expect(stored('subnetworks', `regions/${R}/subnetworks/s1`)?.ipCidrRange).toBe('10.0.0.0/22');
  });

  step('subnets list --filter: gcloud sends it as an anchored RE2 in quotes', async () => {
    const [byName, byRegion] = await Promise.all([
      list('compute', 'networks', 'subnets', 'list', '--filter=name=s1'),
      list('compute', 'networks', 'subnets', 'list', `--filter=region:${R} AND network~n2`),
    ]);
    expect(json<{ name: string }[]>(byName).map((s) => s.name)).toEqual(['s1']);
    expect(json<{ name: string }[]>(byRegion).map((s) => s.name)).toEqual(['s2']);
  });

  step('subnets describe', async () => {
    const s1 = json<{ ipCidrRange: string; privateIpGoogleAccess: boolean; fingerprint: string }>(
      await list('compute', 'networks', 'subnets', 'describe', 's1', `--region=${R}`),
    );
    expect(s1).toMatchObject({ ipCidrRange: '10.0.0.0/22', privateIpGoogleAccess: true });
    // gcloud shows the bytes again in its own (URL-safe) alphabet.
    const current = String(stored('subnetworks', `regions/${R}/subnetworks/s1`)?.fingerprint);
    expect(Buffer.from(s1.fingerprint, 'base64')).toEqual(Buffer.from(current, 'base64'));
  });

  step('subnets describe of a missing subnet is refused: not found', async () => {
    fails(
      await gcloud('compute', 'networks', 'subnets', 'describe', 'nope', `--region=${R}`),
      /The resource 'projects\/p\/regions\/europe-west1\/subnetworks\/nope' was not found/,
    );
  });

  step('node pools: a GKE-style managed instance group per network', () => {
    group = createNodeGroup(g.sim.sim, {
      project: P,
      zone: Z,
      cluster: 'c1',
      nodePool: 'pool',
      nodeCount: 2,
      network: 'global/networks/n1',
      subnetwork: `regions/${R}/subnetworks/s1`,
    });
    otherGroup = createNodeGroup(g.sim.sim, {
      project: P,
      zone: Z,
      cluster: 'c2',
      nodePool: 'pool',
      nodeCount: 1,
      network: 'global/networks/n2',
      subnetwork: `regions/${R}/subnetworks/s2`,
    });
    expect(group.instances).toHaveLength(2);
  });

  step('firewall-rules create', async () => {
    ok(
      await gcloud(
        'compute',
        'firewall-rules',
        'create',
        'fw-hc',
        '--network=n1',
        '--allow=tcp:8080',
        '--source-ranges=35.191.0.0/16,130.211.0.0/22',
        `--target-tags=${group.tag}`,
      ),
    );
    expect(stored('firewalls', 'global/firewalls/fw-hc')).toMatchObject({
      network: url('global/networks/n1'),
      direction: 'INGRESS',
      priority: 1000,
      allowed: [{ IPProtocol: 'tcp', ports: ['8080'] }],
      targetTags: [group.tag],
    });
  });

  step('firewall-rules create of an existing name is refused: already exists', async () => {
    fails(
      await gcloud(
        'compute',
        'firewall-rules',
        'create',
        'fw-hc',
        '--network=n1',
        '--allow=tcp:80',
      ),
      /The resource 'projects\/p\/global\/firewalls\/fw-hc' already exists/,
    );
  });

  step('firewall-rules create on a missing network is refused: not found', async () => {
    fails(
      await gcloud(
        'compute',
        'firewall-rules',
        'create',
        'fw-x',
        '--network=nope',
        '--allow=tcp:80',
      ),
      /The resource 'projects\/p\/global\/networks\/nope' was not found/,
    );
  });

  step('firewall-rules list --filter with AND', async () => {
    const rules = json<{ name: string }[]>(
      await list('compute', 'firewall-rules', 'list', '--filter=network~n1 AND direction=INGRESS'),
    );
    expect(rules.map((f) => f.name)).toEqual(['fw-hc']);
  });

  step('firewall-rules update --priority (firewalls.patch)', async () => {
    ok(await gcloud('compute', 'firewall-rules', 'update', 'fw-hc', '--priority=900'));
    expect(stored('firewalls', 'global/firewalls/fw-hc')?.priority).toBe(900);
  });

  step('health-checks create tcp --region', async () => {
    ok(
      await gcloud(
        'compute',
        'health-checks',
        'create',
        'tcp',
        'hc',
        `--region=${R}`,
        '--port=8080',
      ),
    );
    expect(stored('healthChecks', `regions/${R}/healthChecks/hc`)).toMatchObject({
      type: 'TCP',
      tcpHealthCheck: { port: 8080 },
      region: url(`regions/${R}`),
    });
  });

  step('health-checks list (aggregated over scopes)', async () => {
    const all = json<{ name: string; region: string }[]>(
      await list('compute', 'health-checks', 'list'),
    );
    expect(all.map((h) => [h.name, h.region])).toEqual([['hc', url(`regions/${R}`)]]);
  });

  step('backend-services create --network: the network stored as its canonical URL', async () => {
    ok(
      await gcloud(
        'compute',
        'backend-services',
        'create',
        'bs',
        `--region=${R}`,
        '--load-balancing-scheme=internal',
        '--protocol=tcp',
        '--health-checks=hc',
        `--health-checks-region=${R}`,
        '--network=n1',
      ),
    );
    expect(stored('backendServices', `regions/${R}/backendServices/bs`)).toMatchObject({
      network: url('global/networks/n1'),
      healthChecks: [url(`regions/${R}/healthChecks/hc`)],
      loadBalancingScheme: 'INTERNAL',
    });
  });

  step('backend-services create on a network that does not exist is refused', async () => {
    fails(
      await gcloud(
        'compute',
        'backend-services',
        'create',
        'bs-nowhere',
        `--region=${R}`,
        '--load-balancing-scheme=internal',
        '--protocol=tcp',
        '--health-checks=hc',
        `--health-checks-region=${R}`,
        '--network=nope',
      ),
      /The resource 'projects\/p\/global\/networks\/nope' was not found/,
    );
    expect(stored('backendServices', `regions/${R}/backendServices/bs-nowhere`)).toBeUndefined();
  });

  step(
    'backend-services add-backend: a read-modify-write with a URL-safe fingerprint',
    async () => {
      awkwardFingerprint('backendServices', `regions/${R}/backendServices/bs`);
      ok(
        await gcloud(
          'compute',
          'backend-services',
          'add-backend',
          'bs',
          `--region=${R}`,
          `--instance-group=${group.name}`,
          `--instance-group-zone=${Z}`,
        ),
      );
      expect(stored('backendServices', `regions/${R}/backendServices/bs`)?.backends).toEqual([
        expect.objectContaining({ group: group.instanceGroupUrl }),
      ]);
    },
  );

  step('backend-services add-backend: a group of another network is refused', async () => {
    fails(
      await gcloud(
        'compute',
        'backend-services',
        'add-backend',
        'bs',
        `--region=${R}`,
        `--instance-group=${otherGroup.name}`,
        `--instance-group-zone=${Z}`,
      ),
      /Instance group network projects\/p\/global\/networks\/n2 must be the same as backend service network projects\/p\/global\/networks\/n1/,
    );
    const bs = stored('backendServices', `regions/${R}/backendServices/bs`);
    expect(bs?.backends as unknown[]).toHaveLength(1);
  });

  step('forwarding-rules create: an internal address from the subnet', async () => {
    ok(
      await gcloud(
        'compute',
        'forwarding-rules',
        'create',
        'fr',
        `--region=${R}`,
        '--load-balancing-scheme=internal',
        '--backend-service=bs',
        '--subnet=s1',
        '--network=n1',
        '--ports=80',
      ),
    );
    expect(stored('forwardingRules', `regions/${R}/forwardingRules/fr`)).toMatchObject({
      loadBalancingScheme: 'INTERNAL',
      backendService: url(`regions/${R}/backendServices/bs`),
      subnetwork: url(`regions/${R}/subnetworks/s1`),
      network: url('global/networks/n1'),
      IPAddress: '10.0.0.4',
      ports: ['80'],
    });
  });

  step(
    'backend-services get-health: HEALTHY while the firewall admits the probes on the checked port',
    async () => {
      type Health = {
        status: { healthStatus: { healthState: string; forwardingRule: string }[] };
      }[];
      const healthy = json<Health>(
        await list('compute', 'backend-services', 'get-health', 'bs', `--region=${R}`),
      );
      expect(healthy[0]?.status.healthStatus.map((s) => [s.healthState, s.forwardingRule])).toEqual(
        [
          ['HEALTHY', url(`regions/${R}/forwardingRules/fr`)],
          ['HEALTHY', url(`regions/${R}/forwardingRules/fr`)],
        ],
      );
      ok(
        await gcloud(
          'compute',
          'health-checks',
          'update',
          'tcp',
          'hc',
          `--region=${R}`,
          '--port=8081',
        ),
      );
      expect(stored('healthChecks', `regions/${R}/healthChecks/hc`)?.tcpHealthCheck).toMatchObject({
        port: 8081,
      });
      const unhealthy = json<Health>(
        await list('compute', 'backend-services', 'get-health', 'bs', `--region=${R}`),
      );
      expect(unhealthy[0]?.status.healthStatus.map((s) => s.healthState)).toEqual([
        'UNHEALTHY',
        'UNHEALTHY',
      ]);
    },
  );

  step('forwarding-rules update --allow-global-access (forwardingRules.patch)', async () => {
    ok(
      await gcloud(
        'compute',
        'forwarding-rules',
        'update',
        'fr',
        `--region=${R}`,
        '--allow-global-access',
      ),
    );
    expect(stored('forwardingRules', `regions/${R}/forwardingRules/fr`)?.allowGlobalAccess).toBe(
      true,
    );
  });

  step('forwarding-rules list and backend-services list (aggregated over scopes)', async () => {
    const [rules, services] = await Promise.all([
      list('compute', 'forwarding-rules', 'list'),
      list('compute', 'backend-services', 'list'),
    ]);
    expect(
      json<{ name: string; IPAddress: string }[]>(rules).map((f) => [f.name, f.IPAddress]),
    ).toEqual([['fr', '10.0.0.4']]);
    expect(json<{ name: string }[]>(services).map((b) => b.name)).toEqual(['bs']);
  });

  step('backend-services describe and forwarding-rules describe', async () => {
    const [bs, fr] = await Promise.all([
      list('compute', 'backend-services', 'describe', 'bs', `--region=${R}`),
      list('compute', 'forwarding-rules', 'describe', 'fr', `--region=${R}`),
    ]);
    expect(json<{ network: string; backends: { group: string }[] }>(bs)).toMatchObject({
      network: url('global/networks/n1'),
      backends: [{ group: group.instanceGroupUrl }],
    });
    expect(json<{ allowGlobalAccess: boolean; IPAddress: string }>(fr)).toMatchObject({
      allowGlobalAccess: true,
      IPAddress: '10.0.0.4',
    });
  });

  step(
    'addresses create --subnet: internal, allocated from the subnet, or the one given',
    async () => {
      ok(await gcloud('compute', 'addresses', 'create', 'ip1', `--region=${R}`, '--subnet=s1'));
      ok(
        await gcloud(
          'compute',
          'addresses',
          'create',
          'ip2',
          `--region=${R}`,
          '--subnet=s1',
          '--addresses=10.0.0.20',
        ),
      );
      const ip1 = stored('addresses', `regions/${R}/addresses/ip1`);
      expect(ip1).toMatchObject({
        addressType: 'INTERNAL',
        purpose: 'GCE_ENDPOINT',
        subnetwork: url(`regions/${R}/subnetworks/s1`),
      });
      // Free, in s1 (10.0.0.0/24), and not the forwarding rule's 10.0.0.4.
      expect(ip1?.address).toMatch(/^10\.0\.0\.\d+$/);
      expect(ip1?.address).not.toBe('10.0.0.4');
      expect(stored('addresses', `regions/${R}/addresses/ip2`)?.address).toBe('10.0.0.20');
    },
  );

  step('addresses create of an address in use, or outside the subnet, is refused', async () => {
    const [used, outside] = await Promise.all([
      gcloud(
        'compute',
        'addresses',
        'create',
        'ip3',
        `--region=${R}`,
        '--subnet=s1',
        '--addresses=10.0.0.4',
      ),
      gcloud(
        'compute',
        'addresses',
        'create',
        'ip4',
        `--region=${R}`,
        '--subnet=s1',
        '--addresses=10.9.0.4',
      ),
    ]);
    fails(used, /Specified IP address is in-use/);
    fails(outside, /not in the subnetwork's usable range/);
    expect(stored('addresses', `regions/${R}/addresses/ip3`)).toBeUndefined();
  });

  step('forwarding-rules create --address: the rule serves the reserved address', async () => {
    ok(
      await gcloud(
        'compute',
        'forwarding-rules',
        'create',
        'fr2',
        `--region=${R}`,
        '--load-balancing-scheme=internal',
        '--backend-service=bs',
        '--subnet=s1',
        '--network=n1',
        '--ports=81',
        '--address=ip1',
      ),
    );
    const ip = stored('addresses', `regions/${R}/addresses/ip1`)?.address;
    expect(stored('forwardingRules', `regions/${R}/forwardingRules/fr2`)?.IPAddress).toBe(ip);
  });

  step('addresses describe and list: IN_USE by the rule, RESERVED otherwise', async () => {
    const [one, all] = await Promise.all([
      list('compute', 'addresses', 'describe', 'ip1', `--region=${R}`),
      list('compute', 'addresses', 'list'),
    ]);
    expect(json<{ status: string; users: string[] }>(one)).toMatchObject({
      status: 'IN_USE',
      users: [url(`regions/${R}/forwardingRules/fr2`)],
    });
    expect(json<{ name: string; status: string }[]>(all).map((a) => [a.name, a.status])).toEqual([
      ['ip1', 'IN_USE'],
      ['ip2', 'RESERVED'],
    ]);
  });

  step('addresses delete of one in use is refused; released once its rule is gone', async () => {
    fails(
      await gcloud('compute', 'addresses', 'delete', 'ip1', `--region=${R}`),
      /is already being used by 'projects\/p\/regions\/europe-west1\/forwardingRules\/fr2'/,
    );
    ok(await gcloud('compute', 'forwarding-rules', 'delete', 'fr2', `--region=${R}`));
    // One per call: gcloud sends several through the batch endpoint, which the simulator lacks.
    ok(await gcloud('compute', 'addresses', 'delete', 'ip1', `--region=${R}`));
    ok(await gcloud('compute', 'addresses', 'delete', 'ip2', `--region=${R}`));
    expect(stored('addresses', `regions/${R}/addresses/ip1`)).toBeUndefined();
    expect(stored('addresses', `regions/${R}/addresses/ip2`)).toBeUndefined();
  });

  step('health-checks delete of one in use is refused', async () => {
    fails(
      await gcloud('compute', 'health-checks', 'delete', 'hc', `--region=${R}`),
      /is already being used by 'projects\/p\/regions\/europe-west1\/backendServices\/bs'/,
    );
    expect(stored('healthChecks', `regions/${R}/healthChecks/hc`)).toBeDefined();
  });

  step('backend-services delete of one in use is refused', async () => {
    fails(
      await gcloud('compute', 'backend-services', 'delete', 'bs', `--region=${R}`),
      /is already being used by 'projects\/p\/regions\/europe-west1\/forwardingRules\/fr'/,
    );
  });

  step('subnets delete and networks delete of ones in use are refused', async () => {
    const [subnet, net] = await Promise.all([
      gcloud('compute', 'networks', 'subnets', 'delete', 's1', `--region=${R}`),
      gcloud('compute', 'networks', 'delete', 'n1'),
    ]);
    fails(subnet, /is already being used by/);
    fails(net, /is already being used by/);
    expect(stored('networks', 'global/networks/n1')).toBeDefined();
  });

  step('instance-groups list, list-instances; instances list, describe', async () => {
    const [groups, members, vms, one] = await Promise.all([
      list('compute', 'instance-groups', 'list'),
      list('compute', 'instance-groups', 'list-instances', group.name, `--zone=${Z}`),
      list('compute', 'instances', 'list'),
      list(
        'compute',
        'instances',
        'describe',
        String(group.instances[0]?.split('/').pop()),
        `--zone=${Z}`,
      ),
    ]);
    expect(
      json<{ name: string }[]>(groups)
        .map((x) => x.name)
        .sort(),
    ).toEqual([group.name, otherGroup.name].sort());
    expect(json<{ instance: string; status: string }[]>(members)).toEqual(
      group.instances.map((instance) => ({ instance, status: 'RUNNING' })),
    );
    expect(json<{ name: string }[]>(vms)).toHaveLength(3);
    expect(json<{ tags: { items: string[] } }>(one).tags.items).toEqual([group.tag]);
  });

  step('instance-groups managed list, describe, list-instances', async () => {
    const [managed, described, instances] = await Promise.all([
      list('compute', 'instance-groups', 'managed', 'list'),
      list('compute', 'instance-groups', 'managed', 'describe', group.name, `--zone=${Z}`),
      list('compute', 'instance-groups', 'managed', 'list-instances', group.name, `--zone=${Z}`),
    ]);
    expect(
      json<{ name: string }[]>(managed)
        .map((m) => m.name)
        .sort(),
    ).toEqual([group.name, otherGroup.name].sort());
    expect(json<{ instanceGroup: string; targetSize: number }>(described)).toMatchObject({
      instanceGroup: group.instanceGroupUrl,
      targetSize: 2,
    });
    expect(
      json<{ instance: string; currentAction: string; instanceStatus: string }[]>(instances).map(
        (m) => [m.instance, m.currentAction, m.instanceStatus],
      ),
    ).toEqual(group.instances.map((i) => [i, 'NONE', 'RUNNING']));
  });

  step('routes create, list --filter, delete', async () => {
    ok(
      await gcloud(
        'compute',
        'routes',
        'create',
        'r1',
        '--network=n1',
        '--destination-range=192.0.2.0/24',
        '--next-hop-gateway=default-internet-gateway',
      ),
    );
    expect(stored('routes', 'global/routes/r1')).toMatchObject({
      network: url('global/networks/n1'),
      destRange: '192.0.2.0/24',
      nextHopGateway: url('global/gateways/default-internet-gateway'),
      priority: 1000,
      routeType: 'STATIC',
    });
    const routes = json<{ name: string }[]>(
      await list('compute', 'routes', 'list', '--filter=network~n1'),
    );
    expect(routes.map((r) => r.name)).toEqual(['r1']);
    ok(await gcloud('compute', 'routes', 'delete', 'r1'));
    expect(stored('routes', 'global/routes/r1')).toBeUndefined();
  });

  step('operations list (aggregated) and describe', async () => {
    const ops = json<
      { name: string; operationType: string; targetLink: string; region?: string }[]
    >(await list('compute', 'operations', 'list'));
    const insert = ops.find((o) => o.targetLink === url(`regions/${R}/forwardingRules/fr`));
    expect(insert?.operationType).toBe('insert');
    expect(ops.some((o) => o.targetLink === url('global/networks/n1'))).toBe(true);
    const one = json<{ status: string; targetLink: string }>(
      await list('compute', 'operations', 'describe', String(insert?.name), `--region=${R}`),
    );
    expect(one).toMatchObject({
      status: 'DONE',
      targetLink: url(`regions/${R}/forwardingRules/fr`),
    });
  });

  step('networks peerings create: INACTIVE until both sides exist, then ACTIVE', async () => {
    ok(
      await gcloud(
        'compute',
        'networks',
        'peerings',
        'create',
        'p12',
        '--network=n1',
        '--peer-network=n2',
      ),
    );
    expect(peeringsOf('n1')[0]).toMatchObject({
      name: 'p12',
      state: 'INACTIVE',
      network: url('global/networks/n2'),
    });
    ok(
      await gcloud(
        'compute',
        'networks',
        'peerings',
        'create',
        'p21',
        '--network=n2',
        '--peer-network=n1',
      ),
    );
    const peerings = json<{ name: string; peerings: { name: string; state: string }[] }[]>(
      await list('compute', 'networks', 'peerings', 'list'),
    );
    expect(
      peerings.flatMap((n) => n.peerings.map((p) => [n.name, p.name, p.state])).sort(),
    ).toEqual([
      ['n1', 'p12', 'ACTIVE'],
      ['n2', 'p21', 'ACTIVE'],
    ]);
  });

  step('networks peerings list-routes: the peer subnet ranges a network imports', async () => {
    const routes = json<{ destRange: string; type: string; imported: boolean }[]>(
      await list(
        'compute',
        'networks',
        'peerings',
        'list-routes',
        'p12',
        '--network=n1',
        `--region=${R}`,
        '--direction=INCOMING',
      ),
    );
    expect(routes.map((r) => [r.destRange, r.type, r.imported])).toEqual([
      ['10.1.0.0/24', 'SUBNET_PEERING_ROUTE', true],
    ]);
  });

  step('networks peerings create: overlapping subnet ranges are refused', async () => {
    ok(await gcloud('compute', 'networks', 'create', 'n3', '--subnet-mode=custom'));
    ok(
      await gcloud(
        'compute',
        'networks',
        'subnets',
        'create',
        's3',
        '--network=n3',
        `--region=${R}`,
        '--range=10.0.1.0/24',
      ),
    );
    fails(
      await gcloud(
        'compute',
        'networks',
        'peerings',
        'create',
        'p13',
        '--network=n1',
        '--peer-network=n3',
      ),
      /overlaps with an IP range in the local network/,
    );
    expect(peeringsOf('n1').map((p) => p.name)).toEqual(['p12']);
  });

  step('networks peerings delete: the peer side goes INACTIVE', async () => {
    ok(await gcloud('compute', 'networks', 'peerings', 'delete', 'p12', '--network=n1'));
    expect(peeringsOf('n1')).toEqual([]);
    expect(peeringsOf('n2').map((p) => [p.name, p.state])).toEqual([['p21', 'INACTIVE']]);
  });

  step(
    'tearing down in order: forwarding rule, backend, backend service, health check',
    async () => {
      ok(await gcloud('compute', 'forwarding-rules', 'delete', 'fr', `--region=${R}`));
      ok(
        await gcloud(
          'compute',
          'backend-services',
          'remove-backend',
          'bs',
          `--region=${R}`,
          `--instance-group=${group.name}`,
          `--instance-group-zone=${Z}`,
        ),
      );
      expect(stored('backendServices', `regions/${R}/backendServices/bs`)?.backends).toEqual([]);
      ok(await gcloud('compute', 'backend-services', 'delete', 'bs', `--region=${R}`));
      ok(await gcloud('compute', 'health-checks', 'delete', 'hc', `--region=${R}`));
      expect(stored('forwardingRules', `regions/${R}/forwardingRules/fr`)).toBeUndefined();
      expect(stored('backendServices', `regions/${R}/backendServices/bs`)).toBeUndefined();
      expect(stored('healthChecks', `regions/${R}/healthChecks/hc`)).toBeUndefined();
    },
  );

  step('tearing down the network: firewall rule, subnet, network', async () => {
    ok(await gcloud('compute', 'firewall-rules', 'delete', 'fw-hc'));
    ok(await gcloud('compute', 'networks', 'subnets', 'delete', 's3', `--region=${R}`));
    ok(await gcloud('compute', 'networks', 'delete', 'n3'));
    expect(stored('firewalls', 'global/firewalls/fw-hc')).toBeUndefined();
    expect(stored('subnetworks', `regions/${R}/subnetworks/s3`)).toBeUndefined();
    expect(stored('networks', 'global/networks/n3')).toBeUndefined();
  });
});
