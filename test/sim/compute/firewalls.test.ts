import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeHarness, type Harness, rejection } from './harness.ts';

let h: Harness;
const net = (n: string) => `https://www.googleapis.com/compute/v1/projects/p/global/networks/${n}`;

beforeAll(async () => {
  h = await computeHarness();
  for (const n of ['vpc-a', 'vpc-b'])
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: n, autoCreateSubnetworks: false },
      }),
    );
  const rules = [
    { name: 'peerlink-allow-a', network: net('vpc-a'), description: 'managed-by=peerlink' },
    { name: 'peerlink-allow-b', network: net('vpc-b'), description: 'managed-by=peerlink' },
    { name: 'other-rule', network: net('vpc-a'), description: 'hand made' },
  ];
  for (const r of rules) {
    await h.done(
      await h.c.firewalls.insert({
        project: 'p',
        firewallResource: {
          ...r,
          allowed: [{ IPProtocol: 'tcp', ports: ['443'] }],
          sourceRanges: ['10.0.0.0/8'],
        },
      }),
    );
  }
});
afterAll(async () => {
  await h?.close();
});

describe('firewalls', () => {
  it.each([
    ['name = "x"', 'name = "other-rule"', ['other-rule']],
    [
      'name eq x (regex, whole field)',
      'name eq peerlink-allow-.*',
      ['peerlink-allow-a', 'peerlink-allow-b'],
    ],
    ['regex must match the whole field', 'name eq allow', []],
    ['name ne x', 'name ne "peerlink-.*"', ['other-rule']],
    ['wildcard with =', 'name = "peerlink-*"', ['peerlink-allow-a', 'peerlink-allow-b']],
    ['network = "<url>"', `network = "${net('vpc-a')}"`, ['peerlink-allow-a', 'other-rule']],
    [
      'parenthesised AND',
      `(network = "${net('vpc-a')}") (description = "managed-by=peerlink")`,
      ['peerlink-allow-a'],
    ],
    [
      'explicit OR',
      '(name = "other-rule") OR (name = "peerlink-allow-b")',
      ['peerlink-allow-b', 'other-rule'],
    ],
    [
      'description regex',
      'description eq ".*peerlink.*"',
      ['peerlink-allow-a', 'peerlink-allow-b'],
    ],
  ])('list filter: %s', async (_label, filter, names) => {
    const [items] = await h.c.firewalls.list({ project: 'p', filter });
    expect(items.map((f) => f.name).sort()).toEqual([...names].sort());
  });

  it('answers 400 to a filter it cannot parse', async () => {
    expect((await rejection(h.c.firewalls.list({ project: 'p', filter: '(name = ' }))).status).toBe(
      400,
    );
  });

  it('fills defaults as Compute does', async () => {
    const [fw] = await h.c.firewalls.get({ project: 'p', firewall: 'other-rule' });
    expect(fw).toMatchObject({
      direction: 'INGRESS',
      priority: 1000,
      disabled: false,
      network: net('vpc-a'),
      sourceRanges: ['10.0.0.0/8'],
    });
  });

  it('patches (merge), updates (replace) and deletes', async () => {
    await h.done(
      await h.c.firewalls.insert({
        project: 'p',
        firewallResource: {
          name: 'tmp',
          network: net('vpc-b'),
          allowed: [{ IPProtocol: 'icmp' }],
          targetTags: ['t1'],
        },
      }),
    );
    await h.done(
      await h.c.firewalls.patch({
        project: 'p',
        firewall: 'tmp',
        firewallResource: { sourceRanges: ['192.168.0.0/16'] },
      }),
    );
    let [fw] = await h.c.firewalls.get({ project: 'p', firewall: 'tmp' });
    expect(fw).toMatchObject({ sourceRanges: ['192.168.0.0/16'], targetTags: ['t1'] });
    await h.done(
      await h.c.firewalls.update({
        project: 'p',
        firewall: 'tmp',
        firewallResource: {
          name: 'tmp',
          network: net('vpc-b'),
          allowed: [{ IPProtocol: 'udp', ports: ['53'] }],
        },
      }),
    );
    [fw] = await h.c.firewalls.get({ project: 'p', firewall: 'tmp' });
    expect(fw.targetTags).toEqual([]);
    expect(fw.allowed?.map((a) => [a.IPProtocol, a.ports])).toEqual([['udp', ['53']]]);
    await h.done(await h.c.firewalls.delete({ project: 'p', firewall: 'tmp' }));
    expect((await rejection(h.c.firewalls.get({ project: 'p', firewall: 'tmp' }))).status).toBe(
      404,
    );
  });

  it('answers 409 alreadyExists to a second insert of the same name', async () => {
    const err = await rejection(
      h.c.firewalls.insert({
        project: 'p',
        firewallResource: {
          name: 'other-rule',
          network: net('vpc-a'),
          allowed: [{ IPProtocol: 'tcp' }],
        },
      }),
    );
    expect(err).toEqual({
      status: 409,
      message: "The resource 'projects/p/global/firewalls/other-rule' already exists",
    });
  });

  it('answers a plain GET like Compute (curl check)', async () => {
    const res = await fetch(`${h.url}/compute/v1/projects/p/global/firewalls`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as {
      kind: string;
      id: string;
      selfLink: string;
      items: { name: string; kind: string }[];
    };
    expect(body.kind).toBe('compute#firewallList');
    expect(body.id).toBe('projects/p/global/firewalls');
    expect(body.selfLink).toBe('https://www.googleapis.com/compute/v1/projects/p/global/firewalls');
    expect(body.items.map((i) => i.kind)).toEqual([
      'compute#firewall',
      'compute#firewall',
      'compute#firewall',
    ]);
    const missing = await fetch(`${h.url}/compute/v1/projects/p/global/firewalls/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: {
        code: 404,
        message: "The resource 'projects/p/global/firewalls/nope' was not found",
        errors: [
          {
            message: "The resource 'projects/p/global/firewalls/nope' was not found",
            domain: 'global',
            reason: 'notFound',
          },
        ],
      },
    });
  });

  it('pages with maxResults and pageToken', async () => {
    const first = (await (
      await fetch(`${h.url}/compute/v1/projects/p/global/firewalls?maxResults=2`)
    ).json()) as { items: unknown[]; nextPageToken?: string };
    expect(first.items).toHaveLength(2);
    const second = (await (
      await fetch(
        `${h.url}/compute/v1/projects/p/global/firewalls?maxResults=2&pageToken=${first.nextPageToken}`,
      )
    ).json()) as { items: unknown[]; nextPageToken?: string };
    expect(second.items).toHaveLength(1);
    expect(second.nextPageToken).toBeUndefined();
  });
});
