import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseTopology, TopologyError } from '../../../functions/core/topology/validate.ts';
import { loadTopology } from '../../../functions/runtime/files.ts';
import { exampleTopologyPath, exampleYaml } from '../../support/topology.ts';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely, path by path
type Raw = Record<string, any>;

function issuesOf(edit: (raw: Raw) => void): { path: string; message: string }[] {
  const raw = parse(exampleYaml) as Raw;
  edit(raw);
  try {
    parseTopology(stringify(raw, { aliasDuplicateObjects: false }));
  } catch (e) {
    if (e instanceof TopologyError) return [...e.issues];
    throw e;
  }
  return [];
}

describe('the example topology', () => {
  it('is valid and fills defaults', async () => {
    const t = await loadTopology(exampleTopologyPath);
    expect(t.networks.map((n) => n.name)).toEqual(['vpc-a', 'vpc-b']);
    expect(t.networks[0]?.subnets[0]).toMatchObject({
      range: '10.193.0.0/16',
      region: 'europe-west1',
    });
    expect(t.clusters.map((c) => [c.name, c.mode, c.region, c.nodeLocations])).toEqual([
      ['backend-cluster', 'routes', 'europe-west1', ['europe-west1-c']],
      ['frontend-cluster', 'routes', 'europe-west1', ['europe-west1-c']],
    ]);
    expect(t.services[0]).toMatchObject({
      port: 80,
      ilb: 'managed',
      consumers: ['frontend-cluster'],
    });
  });
});

describe('validation errors', () => {
  it.each<[string, (raw: Raw) => void, { path: string; message: RegExp }]>([
    [
      'host bits set, with the right CIDR suggested',
      (r) => {
        r.networks[0].subnets[0].range = '10.193.0.1/16';
      },
      {
        path: 'networks[0].subnets[0].range',
        message: /host bits set; did you mean '10\.193\.0\.0\/16'/,
      },
    ],
    [
      'a CIDR that is not one',
      (r) => {
        r.clusters[1].podRange = '10.132.0.0/33';
      },
      { path: 'clusters[1].podRange', message: /is not an IPv4 CIDR/ },
    ],
    [
      'an unknown key',
      (r) => {
        r.clusters[0].podrange = '10.0.0.0/14';
      },
      { path: 'clusters[0]', message: /podrange/ },
    ],
    [
      'an unknown key at the top',
      (r) => {
        r.extra = 1;
      },
      { path: '(top level)', message: /extra/ },
    ],
    [
      'a wrong type',
      (r) => {
        r.services[0].port = '80';
      },
      { path: 'services[0].port', message: /number/ },
    ],
    [
      'an unknown network in a cluster',
      (r) => {
        r.clusters[0].network = 'vpc-z';
      },
      { path: 'clusters[0].network', message: /unknown network 'vpc-z'/ },
    ],
    [
      'an unknown subnet',
      (r) => {
        r.clusters[0].subnet = 'nope';
      },
      { path: 'clusters[0].subnet', message: /no subnet 'nope' in network 'vpc-a'/ },
    ],
    [
      'an unknown network in a peering',
      (r) => {
        r.peerings[0].networks[1] = 'vpc-q';
      },
      { path: 'peerings[0].networks[1]', message: /unknown network 'vpc-q'/ },
    ],
    [
      'an unknown service cluster',
      (r) => {
        r.services[0].cluster = 'ghost';
      },
      { path: 'services[0].cluster', message: /unknown cluster 'ghost'/ },
    ],
    [
      'an unknown consumer',
      (r) => {
        r.services[0].consumers = ['ghost'];
      },
      { path: 'services[0].consumers[0]', message: /unknown cluster 'ghost'/ },
    ],
    [
      'overlapping ranges between peered networks',
      (r) => {
        r.networks[1].subnets[0].range = '10.193.128.0/17';
      },
      {
        path: 'networks[0].subnets[0].range',
        message: /overlaps 10\.193\.128\.0\/17 .* between peered networks 'vpc-a' and 'vpc-b'/,
      },
    ],
    [
      'a pod range overlapping the peer network',
      (r) => {
        r.clusters[1].podRange = '10.192.0.0/14';
      },
      {
        path: 'networks[0].subnets[0].range',
        message: /overlaps 10\.192\.0\.0\/14 \(clusters\[1\]\.podRange\)/,
      },
    ],
    [
      'overlapping ranges within one network',
      (r) => {
        r.clusters[0].podRange = '10.193.64.0/18';
      },
      { path: 'networks[0].subnets[0].range', message: /within network 'vpc-a'/ },
    ],
    [
      'a consumer whose network is not peered',
      (r) => {
        r.peerings = [];
      },
      { path: 'services[0].consumers[0]', message: /not peered with 'vpc-a'/ },
    ],
    [
      'a duplicate name',
      (r) => {
        r.clusters[1].name = 'backend-cluster';
      },
      { path: 'clusters[1].name', message: /duplicate name 'backend-cluster'/ },
    ],
    [
      'a bad masquerade mode',
      (r) => {
        r.clusters[1].masquerade = 'sometimes';
      },
      { path: 'clusters[1].masquerade', message: /agent|ip-masq-agent/ },
    ],
    [
      'a regional cluster without zones',
      (r) => {
        r.clusters[0].location = 'europe-west1';
      },
      { path: 'clusters[0].nodeLocations', message: /must list its zones/ },
    ],
    [
      'a cluster in another region than its subnet',
      (r) => {
        r.clusters[0].location = 'us-central1-a';
      },
      { path: 'clusters[0].location', message: /subnet 'vpc-a-europe-west1' is in europe-west1/ },
    ],
    [
      'a vpc-native cluster naming a missing secondary range',
      (r) => {
        const c = r.clusters[1];
        delete c.podRange;
        delete c.serviceRange;
        Object.assign(c, {
          mode: 'vpc-native',
          podSecondaryRange: 'pods',
          serviceSecondaryRange: 'svc',
        });
      },
      { path: 'clusters[1].podSecondaryRange', message: /no secondary range 'pods'/ },
    ],
  ])('%s', (_name, edit, expected) => {
    const issues = issuesOf(edit);
    expect(issues).toContainEqual({
      path: expected.path,
      message: expect.stringMatching(expected.message),
    });
  });

  it('reports every problem at once', () => {
    const issues = issuesOf((r) => {
      r.networks[0].subnets[0].range = '10.193.0.1/16';
      r.clusters[1].podrange = 'x';
      r.services[0].consumers = ['ghost'];
      r.peerings[0].networks[1] = 'vpc-q';
    });
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'networks[0].subnets[0].range',
        'clusters[1]',
        'services[0].consumers[0]',
        'peerings[0].networks[1]',
      ]),
    );
  });

  it('does not report a reference to an item that failed to parse as unknown', () => {
    const issues = issuesOf((r) => {
      r.clusters[1].podRange = 'bad';
    });
    expect(issues).toEqual([
      { path: 'clusters[1].podRange', message: expect.stringMatching(/not an IPv4 CIDR/) },
    ]);
  });

  it('names the line of a YAML syntax error', () => {
    expect(() => parseTopology('project: a\n  region: [')).toThrow(/line \d+/);
  });

  it('lists issues in its message', () => {
    expect(() => parseTopology('project: x', 'my.yaml')).toThrow(
      /my\.yaml is invalid:\n {2}project: /,
    );
  });
});

describe('names say what is wrong with them', () => {
  it.each<[string, (raw: Raw) => void, { path: string; message: string }]>([
    [
      'a network name of 64 characters',
      (r) => {
        r.networks[1].name = `v${'a'.repeat(63)}`;
        r.peerings = [];
        r.services = [];
      },
      { path: 'networks[1].name', message: 'too long: 64 characters, at most 63' },
    ],
    [
      'a subnet name with a dot',
      (r) => {
        r.networks[0].subnets[0].name = 'vpc-a.europe';
      },
      { path: 'networks[0].subnets[0].name', message: "'.' is not allowed" },
    ],
    [
      'a cluster name with a Cyrillic e',
      (r) => {
        r.clusters[0].name = 'backend-clust\u0435r';
      },
      { path: 'clusters[0].name', message: "'\u0435' (U+0435) is not allowed" },
    ],
    [
      'a network name in upper case',
      (r) => {
        r.networks[0].name = 'Vpc-a';
      },
      { path: 'networks[0].name', message: 'names are lower case' },
    ],
    [
      'a network name starting with a digit',
      (r) => {
        r.networks[0].name = '1vpc';
      },
      { path: 'networks[0].name', message: "must start with a letter, not '1'" },
    ],
    [
      'a network name ending with a hyphen',
      (r) => {
        r.networks[0].name = 'vpc-a-';
      },
      { path: 'networks[0].name', message: "must end with a letter or a digit, not '-'" },
    ],
    [
      'an empty subnet name',
      (r) => {
        r.networks[0].subnets[0].name = '';
      },
      { path: 'networks[0].subnets[0].name', message: 'must not be empty' },
    ],
  ])('%s', (_name, edit, expected) => {
    expect(issuesOf(edit)).toContainEqual({
      path: expected.path,
      message: expect.stringContaining(expected.message),
    });
  });

  it('reports every problem of one name in one message', () => {
    const issues = issuesOf((r) => {
      r.networks[0].subnets[0].name = `9${'x'.repeat(70)}%2F-`;
    });
    const messages = issues.filter((i) => i.path === 'networks[0].subnets[0].name');
    expect(messages).toHaveLength(1);
    expect(messages[0]?.message).toMatch(/too long: 75 characters, at most 63/);
    expect(messages[0]?.message).toMatch(/'%', 'F' are not allowed \(use a-z, 0-9 and -; names/);
    expect(messages[0]?.message).toMatch(/must start with a letter, not '9'/);
    expect(messages[0]?.message).toMatch(/must end with a letter or a digit, not '-'/);
  });
});

describe('every problem in one pass', () => {
  const paths = (edit: (raw: Raw) => void) => issuesOf(edit).map((i) => i.path);

  it('reports a top-level key of the wrong type with the problems inside the lists', () => {
    expect(
      paths((r) => {
        r.peerings = { 'vpc-a': 'vpc-b' };
        r.networks[0].subnets[0].range = '10.193.0.0/33';
        r.clusters[1].podrange = '10.0.0.0/14';
      }),
    ).toEqual(['peerings', 'networks[0].subnets[0].range', 'clusters[1]']);
  });

  it('reports a bad top-level value with the problems inside the lists', () => {
    const issues = issuesOf((r) => {
      r.region = 5;
      r.services[0].port = '80';
    });
    expect(issues).toEqual([
      { path: 'region', message: expect.stringMatching(/expected string/) },
      { path: 'services[0].port', message: expect.stringMatching(/expected number/) },
    ]);
  });

  it('reports missing networks with the problems of the other lists', () => {
    expect(
      paths((r) => {
        delete r.networks;
        r.services[0].replicas = 0;
      }),
    ).toEqual(['networks', 'services[0].replicas']);
  });

  it('reports the other problems of a cluster whose mode is unknown', () => {
    const issues = issuesOf((r) => {
      r.clusters[1].mode = 'route';
      r.clusters[1].nonMasqueradeCidrs = ['10.0.0.1/8'];
      r.clusters[1].nodePools[0].nodeCount = 0;
      r.clusters[1].extra = true;
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'clusters[1].mode', message: expect.stringMatching(/'routes' \| 'vpc-native'/) },
        {
          path: 'clusters[1].nonMasqueradeCidrs[0]',
          message: expect.stringMatching(/host bits set/),
        },
        { path: 'clusters[1].nodePools[0].nodeCount', message: expect.stringMatching(/>=1/) },
        { path: 'clusters[1]', message: expect.stringMatching(/"extra"/) },
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('names an item by its place in the file when an earlier one failed to parse', () => {
    const issues = issuesOf((r) => {
      r.networks[0].subnets[0].range = 'bad';
      r.networks[1].subnets.push({ name: 'more', range: '10.209.128.0/17' });
      r.clusters[0].nodePools[0].nodeCount = 0;
      r.clusters[1].nodePools.push({ name: 'default-pool' });
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          path: 'networks[1].subnets[0].range',
          message: expect.stringMatching(
            /overlaps 10\.209\.128\.0\/17 \(networks\[1\]\.subnets\[1\]\.range\)/,
          ),
        },
        { path: 'clusters[1].nodePools[1].name', message: "duplicate name 'default-pool'" },
      ]),
    );
  });
});

describe('what Google Cloud would refuse', () => {
  /** The example with a third network, vpc-c, peered with vpc-a. */
  function withVpcC(r: Raw, range: string): void {
    r.networks.push({ name: 'vpc-c', subnets: [{ name: 'vpc-c-europe-west1', range }] });
    r.peerings.push({ networks: ['vpc-a', 'vpc-c'] });
  }

  it.each<[string, (raw: Raw) => void, { path: string; message: string }]>([
    [
      'a subnet of 0.0.0.0/0',
      (r) => {
        r.networks[1].subnets[0].range = '0.0.0.0/0';
      },
      {
        path: 'networks[1].subnets[0].range',
        message: "'0.0.0.0/0' overlaps 0.0.0.0/8 (current network), 127.0.0.0/8 (loopback),",
      },
    ],
    [
      'a subnet of 127.0.0.0/8',
      (r) => {
        r.networks[1].subnets[0].range = '127.0.0.0/8';
      },
      { path: 'networks[1].subnets[0].range', message: '127.0.0.0/8 (loopback)' },
    ],
    [
      'a subnet of 224.0.0.0/4',
      (r) => {
        r.networks[1].subnets[0].range = '224.0.0.0/4';
      },
      { path: 'networks[1].subnets[0].range', message: '224.0.0.0/4 (multicast)' },
    ],
    [
      'a secondary range in 169.254.0.0/16',
      (r) => {
        r.networks[1].subnets[0].secondaryRanges = [{ name: 'pods', range: '169.254.8.0/24' }];
      },
      {
        path: 'networks[1].subnets[0].secondaryRanges[0].range',
        message: '169.254.0.0/16 (link-local)',
      },
    ],
    [
      'a subnet smaller than /29',
      (r) => {
        r.networks[1].subnets[0].range = '10.209.0.0/30';
      },
      {
        path: 'networks[1].subnets[0].range',
        message: "'10.209.0.0/30' is smaller than /29, the smallest subnet Google Cloud allows",
      },
    ],
    [
      'the same subnet name twice in one region',
      (r) => {
        r.networks[1].subnets[0].name = 'vpc-a-europe-west1';
        r.clusters[1].subnet = 'vpc-a-europe-west1';
      },
      {
        path: 'networks[1].subnets[0].name',
        message:
          "subnet name 'vpc-a-europe-west1' is already used in europe-west1 by networks[0].subnets[0]",
      },
    ],
    [
      'a cluster name of 41 characters',
      (r) => {
        r.clusters[0].name = `b${'x'.repeat(40)}`;
        r.services[0].cluster = r.clusters[0].name;
      },
      { path: 'clusters[0].name', message: 'too long: 41 characters, at most 40' },
    ],
    [
      'a node pool name of 41 characters',
      (r) => {
        r.clusters[0].nodePools[0].name = `p${'x'.repeat(40)}`;
      },
      { path: 'clusters[0].nodePools[0].name', message: 'too long: 41 characters, at most 40' },
    ],
    [
      'two services with the same nodePort in one cluster',
      (r) => {
        r.services.push({ ...r.services[0], name: 'other-backend' });
      },
      {
        path: 'services[1].nodePort',
        message: "nodePort 32191 is already used by services[0] in cluster 'backend-cluster'",
      },
    ],
    [
      'a network peered with two networks whose ranges overlap',
      (r) => withVpcC(r, '10.209.128.0/17'),
      {
        path: 'peerings[1]',
        message:
          "'vpc-a' would import overlapping ranges: 10.209.0.0/16 (networks[1].subnets[0].range) from 'vpc-b' and 10.209.128.0/17 (networks[2].subnets[0].range) from 'vpc-c'",
      },
    ],
  ])('%s', (_name, edit, expected) => {
    expect(issuesOf(edit)).toContainEqual({
      path: expected.path,
      message: expect.stringContaining(expected.message),
    });
  });

  it.each<[string, (raw: Raw) => void]>([
    ['a privately used public range', (r) => withVpcC(r, '100.64.0.0/16')],
    ['a class E range', (r) => withVpcC(r, '240.0.0.0/16')],
    ['a /29 subnet', (r) => withVpcC(r, '10.250.0.0/29')],
    [
      'the same subnet name in two regions',
      (r) => {
        r.networks[1].subnets.push({
          name: 'vpc-a-europe-west1',
          region: 'us-east1',
          range: '10.210.0.0/16',
        });
      },
    ],
    [
      'the same nodePort in two clusters',
      (r) => {
        r.services.push({
          ...r.services[0],
          cluster: 'frontend-cluster',
          consumers: ['backend-cluster'],
        });
      },
    ],
  ])('accepts %s', (_name, edit) => {
    expect(issuesOf(edit)).toEqual([]);
  });
});

describe('datapath, Autopilot and the ILB address', () => {
  /** The frontend cluster made VPC-native, on secondary ranges of its subnet. */
  function vpcNativeFrontend(r: Raw): void {
    r.networks[1].subnets[0].secondaryRanges = [
      { name: 'pods', range: '10.60.0.0/14' },
      { name: 'services', range: '10.64.0.0/20' },
    ];
    const c = r.clusters[1];
    delete c.podRange;
    delete c.serviceRange;
    Object.assign(c, {
      mode: 'vpc-native',
      podSecondaryRange: 'pods',
      serviceSecondaryRange: 'services',
    });
  }

  /** The frontend cluster made an Autopilot one: VPC-native, regional, no node pools. */
  function autopilotFrontend(r: Raw): void {
    vpcNativeFrontend(r);
    Object.assign(r.clusters[1], { autopilot: true, masquerade: 'auto', location: 'europe-west1' });
    delete r.clusters[1].nodePools;
  }

  it.each<[string, (raw: Raw) => void, { path: string; message: string }]>([
    [
      'a zonal Autopilot cluster',
      (r) => {
        autopilotFrontend(r);
        r.clusters[1].location = 'europe-west1-c';
      },
      {
        path: 'clusters[1].location',
        message: 'Autopilot clusters are regional: give a region such as europe-west1, not a zone',
      },
    ],
    [
      'an Autopilot cluster with node pools',
      (r) => {
        autopilotFrontend(r);
        r.clusters[1].nodePools = [{ name: 'default-pool' }];
      },
      {
        path: 'clusters[1].nodePools',
        message: 'GKE creates and sizes the node pools of an Autopilot cluster: remove nodePools',
      },
    ],
    [
      "an Autopilot cluster with its nodes' zones",
      (r) => {
        autopilotFrontend(r);
        r.clusters[1].nodeLocations = ['europe-west1-b'];
      },
      { path: 'clusters[1].nodeLocations', message: 'remove nodeLocations' },
    ],
    [
      'a Standard cluster without node pools',
      (r) => {
        delete r.clusters[1].nodePools;
      },
      {
        path: 'clusters[1].nodePools',
        message: 'a Standard cluster needs at least one node pool (nodePools)',
      },
    ],
    [
      'Dataplane V2 on a routes-based cluster',
      (r) => {
        r.clusters[1].datapath = 'dataplane-v2';
      },
      { path: 'clusters[1].datapath', message: 'Dataplane V2 needs a VPC-native cluster' },
    ],
    [
      'a routes-based Autopilot cluster',
      (r) => {
        r.clusters[1].autopilot = true;
      },
      { path: 'clusters[1].autopilot', message: 'Autopilot clusters are VPC-native' },
    ],
    [
      'Autopilot with the legacy datapath',
      (r) => {
        vpcNativeFrontend(r);
        Object.assign(r.clusters[1], { autopilot: true, datapath: 'legacy' });
      },
      { path: 'clusters[1].datapath', message: 'Autopilot clusters always run Dataplane V2' },
    ],
    [
      "Autopilot with the agent's DaemonSet",
      (r) => {
        vpcNativeFrontend(r);
        Object.assign(r.clusters[1], { autopilot: true, masquerade: 'agent' });
      },
      {
        path: 'clusters[1].masquerade',
        message: "Autopilot refuses the agent's DaemonSet (NET_ADMIN)",
      },
    ],
    [
      'Autopilot with ip-masq-agent',
      (r) => {
        vpcNativeFrontend(r);
        Object.assign(r.clusters[1], { autopilot: true, masquerade: 'ip-masq-agent' });
      },
      { path: 'clusters[1].masquerade', message: 'Autopilot refuses the ip-masq-agent ConfigMap' },
    ],
    [
      'an egress NAT policy on a Standard cluster',
      (r) => {
        r.clusters[1].masquerade = 'egress-nat-policy';
      },
      { path: 'clusters[1].masquerade', message: 'this cluster is not Autopilot' },
    ],
    [
      'a managed ILB in an Autopilot provider',
      (r) => {
        r.networks[0].subnets[0].secondaryRanges = [
          { name: 'pods', range: '10.20.0.0/14' },
          { name: 'services', range: '10.24.0.0/20' },
        ];
        const c = r.clusters[0];
        delete c.podRange;
        delete c.serviceRange;
        Object.assign(c, {
          mode: 'vpc-native',
          podSecondaryRange: 'pods',
          serviceSecondaryRange: 'services',
          autopilot: true,
        });
      },
      { path: 'services[0].ilb', message: "cluster 'backend-cluster' is an Autopilot cluster" },
    ],
    [
      'an ILB address that is not an address',
      (r) => {
        r.services[0].address = '10.193.0.0/24';
      },
      { path: 'services[0].address', message: 'must be an IPv4 address' },
    ],
    [
      "an ILB address outside the provider's subnet",
      (r) => {
        r.services[0].address = '10.209.0.10';
      },
      { path: 'services[0].address', message: '10.209.0.10 is not in 10.193.0.0/16' },
    ],
    [
      'the default gateway as the ILB address',
      (r) => {
        r.services[0].address = '10.193.0.1';
      },
      { path: 'services[0].address', message: 'is the default gateway of 10.193.0.0/16' },
    ],
    [
      'the second-to-last address as the ILB address',
      (r) => {
        r.services[0].address = '10.193.255.254';
      },
      { path: 'services[0].address', message: 'second-to-last address of 10.193.0.0/16' },
    ],
    [
      'one address for two ILBs',
      (r) => {
        r.services[0].address = '10.193.0.10';
        r.services.push({ ...r.services[0], name: 'other-backend', nodePort: 32000 });
      },
      { path: 'services[1].address', message: '10.193.0.10 is already the address of services[0]' },
    ],
  ])('%s', (_name, edit, expected) => {
    expect(issuesOf(edit)).toContainEqual({
      path: expected.path,
      message: expect.stringContaining(expected.message),
    });
  });

  it.each<[string, (raw: Raw) => void]>([
    ['a pinned ILB address in the subnet', (r) => (r.services[0].address = '10.193.0.10')],
    [
      'Dataplane V2 on a VPC-native cluster',
      (r) => {
        vpcNativeFrontend(r);
        r.clusters[1].datapath = 'dataplane-v2';
      },
    ],
    [
      'an Autopilot consumer: regional, without node pools',
      (r) => {
        autopilotFrontend(r);
      },
    ],
  ])('accepts %s', (_name, edit) => {
    expect(issuesOf(edit)).toEqual([]);
  });

  it('fills autopilot: false and leaves the datapath to the cluster', () => {
    const raw = parse(exampleYaml) as Raw;
    const t = parseTopology(stringify(raw));
    expect(t.clusters[0]).toMatchObject({ autopilot: false });
    expect(t.clusters[0]?.datapath).toBeUndefined();
  });
});

describe("a routes-based cluster's service range", () => {
  // GKE puts it in the last /16 of the pod range (Cluster.servicesIpv4Cidr, output only).
  it('is accepted inside its own pod range, where GKE puts it', () => {
    expect(
      issuesOf((r) => {
        r.clusters[0].serviceRange = '10.123.240.0/20';
        r.clusters[1].serviceRange = '10.135.240.0/20';
      }),
    ).toEqual([]);
  });

  it('still may not hold the pod range, nor overlap another range of the network', () => {
    expect(
      issuesOf((r) => {
        r.clusters[0].serviceRange = '10.120.0.0/13';
      }),
    ).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/within network 'vpc-a'/) }),
    ]);
    expect(
      issuesOf((r) => {
        r.clusters[0].serviceRange = '10.193.240.0/20';
      }),
    ).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/10\.193\.240\.0\/20 \(clusters\[0\]\.serviceRange\)/),
      }),
    ]);
  });
});
