/**
 * Limits on what a topology may hold, so that no input can hang or exhaust the process that
 * validates it: text size (checked before parsing, and by loadTopology before reading), YAML
 * aliases, flow nesting, list lengths, and the number of problems listed. The time bounds are
 * generous: the findings they guard against ran for minutes or killed the process.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  parseTopology,
  TopologyError,
  validateTopology,
} from '../../../functions/core/topology/validate.ts';
import { loadTopology } from '../../../functions/runtime/files.ts';
import { exampleYaml } from '../../support/topology.ts';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely, path by path
type Raw = Record<string, any>;

const example = (): Raw => parse(exampleYaml) as Raw;

function refusal(run: () => unknown): { issues: { path: string; message: string }[]; ms: number } {
  const started = Date.now();
  try {
    run();
  } catch (e) {
    if (e instanceof TopologyError) return { issues: [...e.issues], ms: Date.now() - started };
    throw e;
  }
  throw new Error('accepted');
}

const copies = <T>(n: number, make: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => make(i));

/** `n` networks with a /24 subnet each, none peered. */
function networks(n: number): Raw[] {
  return copies(n, (i) => ({
    name: `net-${i}`,
    subnets: [{ name: `net-${i}-a`, range: `10.${Math.floor(i / 256)}.${i % 256}.0/24` }],
  }));
}

describe('the size of the text', () => {
  it('refuses 50 MB of text before parsing it, in under 2 s', () => {
    const { issues, ms } = refusal(() => parseTopology(`# ${'x'.repeat(50 * 2 ** 20)}`));
    expect(issues).toEqual([
      {
        path: '(file)',
        message: 'the topology is 52,428,802 bytes, at most 1,048,576 (1 MiB)',
      },
    ]);
    expect(ms).toBeLessThan(2000);
  });

  it('counts bytes, not characters', () => {
    const { issues } = refusal(() => parseTopology(`# ${'é'.repeat(2 ** 19 + 1)}`));
    expect(issues).toEqual([
      { path: '(file)', message: 'the topology is 1,048,580 bytes, at most 1,048,576 (1 MiB)' },
    ]);
  });

  it('accepts a topology of just under the limit', () => {
    const padded = `${exampleYaml}\n# ${'x'.repeat(2 ** 20 - exampleYaml.length - 10)}\n`;
    expect(parseTopology(padded).networks).toHaveLength(2);
  });
});

describe('loadTopology', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerlink-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['50 MB', 50 * 2 ** 20, '52,428,800'],
    ['8 GiB', 8 * 2 ** 30, '8,589,934,592'],
  ])('refuses a %s file from its size, without reading it', async (_name, size, shown) => {
    const file = join(dir, `big-${size}.yaml`);
    writeFileSync(file, '');
    truncateSync(file, size); // sparse: no disk is used, and reading it would take the memory
    const started = Date.now();
    const error = await loadTopology(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as TopologyError).issues).toEqual([
      { path: '(file)', message: `the topology is ${shown} bytes, at most 1,048,576 (1 MiB)` },
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('YAML aliases', () => {
  it('refuses an alias bomb (billion laughs) in under 2 s, naming the line', () => {
    const levels = copies(9, (i) => {
      const item = i === 0 ? '"lol"' : `*l${i - 1}`;
      return `l${i}: &l${i} [${copies(9, () => item).join(', ')}]`;
    });
    const bomb = `${levels.join('\n')}\nproject: peerlink-demo\n`;
    const { issues, ms } = refusal(() => parseTopology(bomb));
    expect(issues).toContainEqual({
      path: 'line 2',
      message: "'*l0' is a YAML alias; a topology has none: write the value out",
    });
    expect(issues).toContainEqual({
      path: 'line 1',
      message: "'&l0' is a YAML anchor; a topology has none: write the value out",
    });
    expect(ms).toBeLessThan(2000);
  });

  it('refuses one harmless alias too', () => {
    const raw = example();
    const text = stringify(raw).replace(
      'region: europe-west1\n',
      'region: &r europe-west1\nx-region: *r\n',
    );
    const { issues } = refusal(() => parseTopology(text));
    expect(issues.map((i) => i.message)).toEqual([
      "'&r' is a YAML anchor; a topology has none: write the value out",
      "'*r' is a YAML alias; a topology has none: write the value out",
    ]);
  });
});

describe('nesting', () => {
  it('refuses flow collections nested thousands deep in under 2 s', () => {
    const text = `project: peerlink-demo\nnetworks: ${'['.repeat(250_000)}${']'.repeat(250_000)}\n`;
    const { issues, ms } = refusal(() => parseTopology(text));
    expect(issues).toEqual([
      { path: 'line 2', message: 'nested more than 64 levels deep; a topology needs a few' },
    ]);
    expect(ms).toBeLessThan(2000);
  });
});

describe('list lengths', () => {
  it('accepts 250 networks', () => {
    const raw = { project: 'peerlink-demo', region: 'europe-west1', networks: networks(250) };
    expect(validateTopology(raw).networks).toHaveLength(250);
  });

  it('refuses 604,000 networks in under 2 s, with one problem', () => {
    const raw = {
      project: 'peerlink-demo',
      region: 'europe-west1',
      networks: copies(604_000, () => ({ name: 'vpc', subnets: [] })),
    };
    const { issues, ms } = refusal(() => validateTopology(raw));
    expect(issues).toEqual([
      { path: 'networks', message: 'too many networks: 604,000, at most 250' },
    ]);
    expect(ms).toBeLessThan(2000);
  });

  const subnet = (i: number) => ({
    name: `s-${i}`,
    range: `10.${Math.floor(i / 256)}.${i % 256}.0/24`,
  });
  it.each<[string, (r: Raw) => void, { path: string; message: string }]>([
    [
      'subnets in a network',
      (r) => {
        r.networks[0].subnets = copies(1001, subnet);
      },
      {
        path: 'networks[0].subnets',
        message: 'too many subnets: 1,001, at most 1,000 in a network',
      },
    ],
    [
      'secondary ranges in a subnet',
      (r) => {
        r.networks[0].subnets[0].secondaryRanges = copies(171, subnet);
      },
      {
        path: 'networks[0].subnets[0].secondaryRanges',
        message: 'too many secondary ranges: 171, at most 170 in a subnet',
      },
    ],
    [
      'subnet ranges in a network',
      (r) => {
        r.networks[0].subnets = copies(10, (i) => ({
          ...subnet(i),
          secondaryRanges: copies(101, subnet),
        }));
      },
      {
        path: 'networks[0]',
        message:
          'too many subnet ranges (primary and secondary): 1,020, at most 1,000 in a network',
      },
    ],
    [
      'peerings',
      (r) => {
        r.peerings = copies(1001, () => r.peerings[0]);
      },
      { path: 'peerings', message: 'too many peerings: 1,001, at most 1,000' },
    ],
    [
      'clusters',
      (r) => {
        r.clusters = copies(501, () => r.clusters[0]);
      },
      { path: 'clusters', message: 'too many clusters: 501, at most 500' },
    ],
    [
      'node pools in a cluster',
      (r) => {
        r.clusters[0].nodePools = copies(101, (i) => ({ name: `pool-${i}` }));
      },
      {
        path: 'clusters[0].nodePools',
        message: 'too many node pools: 101, at most 100 in a cluster',
      },
    ],
    [
      'zones of a cluster',
      (r) => {
        r.clusters[0].nodeLocations = copies(21, () => 'europe-west1-b');
      },
      { path: 'clusters[0].nodeLocations', message: 'too many zones: 21, at most 20 in a cluster' },
    ],
    [
      'non-masquerade ranges of a cluster',
      (r) => {
        r.clusters[0].nonMasqueradeCidrs = copies(1001, () => '10.0.0.0/8');
      },
      {
        path: 'clusters[0].nonMasqueradeCidrs',
        message: 'too many non-masquerade ranges: 1,001, at most 1,000 in a cluster',
      },
    ],
    [
      'services',
      (r) => {
        r.services = copies(1001, () => r.services[0]);
      },
      { path: 'services', message: 'too many services: 1,001, at most 1,000' },
    ],
    [
      'consumers of a service',
      (r) => {
        r.services[0].consumers = copies(501, () => 'frontend-cluster');
      },
      {
        path: 'services[0].consumers',
        message: 'too many consumers: 501, at most 500 in a service',
      },
    ],
  ])('refuses too many %s, as the only problem', (_name, edit, expected) => {
    const raw = example();
    edit(raw);
    expect(refusal(() => validateTopology(raw)).issues).toEqual([expected]);
    expect(
      refusal(() => parseTopology(stringify(raw, { aliasDuplicateObjects: false }))).issues,
    ).toEqual([expected]);
  });
});

describe('the number of problems listed', () => {
  it('lists the first 200 problems and says how many more there are', () => {
    const raw = example();
    raw.networks[0].subnets = copies(1000, (i) => ({ name: `s-${i}`, range: 'bad' }));
    const { issues } = refusal(() => validateTopology(raw));
    expect(issues).toHaveLength(201);
    expect(issues[200]).toEqual({
      path: '(top level)',
      message: '800 more problems not listed (only the first 200 are)',
    });
  });

  it('stops looking for overlaps among 1,000 identical ranges once 200 are listed', () => {
    const raw = example();
    raw.networks[0].subnets = copies(1000, (i) => ({ name: `s-${i}`, range: '10.193.0.0/16' }));
    const { issues, ms } = refusal(() => validateTopology(raw));
    expect(issues).toHaveLength(201);
    expect(issues[200]).toEqual({
      path: '(top level)',
      message: 'more problems not listed (only the first 200 are)',
    });
    expect(ms).toBeLessThan(2000);
  });
});
