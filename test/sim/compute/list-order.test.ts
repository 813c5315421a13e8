/**
 * List order: "By default, results are returned in alphanumerical order based on the resource
 * name", and `orderBy` takes `name` or `creationTimestamp desc` only (the `orderBy` parameter
 * of every list method, e.g. https://cloud.google.com/compute/docs/reference/rest/v1/networks/list).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await computeHarness();
  for (const name of ['b', 'c', 'a']) {
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name, autoCreateSubnetworks: false },
      }),
    );
  }
  // Creation times apart from the names' order: c oldest, then a, then b.
  const stamps: Record<string, string> = {
    c: '2026-01-01T00:00:00.000Z',
    a: '2026-01-02T00:00:00.000Z',
    b: '2026-01-03T00:00:00.000Z',
  };
  for (const [name, at] of Object.entries(stamps)) {
    const net = h.sim.store.get<{ creationTimestamp: string }>(
      'networks',
      `projects/p/global/networks/${name}`,
    );
    if (net) net.creationTimestamp = at;
  }
});
afterAll(async () => {
  await h?.close();
});

async function names(query: string): Promise<{ status: number; names: string[] }> {
  const res = await fetch(`${h.url}/compute/v1/projects/p/global/networks${query}`);
  const body = (await res.json()) as { items?: { name: string }[] };
  return { status: res.status, names: (body.items ?? []).map((n) => n.name) };
}

describe('list order', () => {
  it('is by name unless asked otherwise', async () => {
    expect(await names('')).toEqual({ status: 200, names: ['a', 'b', 'c'] });
    expect(await names('?orderBy=name')).toEqual({ status: 200, names: ['a', 'b', 'c'] });
  });

  it('is newest first with orderBy=creationTimestamp desc', async () => {
    expect(await names(`?orderBy=${encodeURIComponent('creationTimestamp desc')}`)).toEqual({
      status: 200,
      names: ['b', 'a', 'c'],
    });
  });

  it('pages in that order', async () => {
    const first = await fetch(`${h.url}/compute/v1/projects/p/global/networks?maxResults=2`);
    const body = (await first.json()) as { items: { name: string }[]; nextPageToken: string };
    expect(body.items.map((n) => n.name)).toEqual(['a', 'b']);
    expect(await names(`?maxResults=2&pageToken=${body.nextPageToken}`)).toEqual({
      status: 200,
      names: ['c'],
    });
  });

  it('refuses any other orderBy with 400', async () => {
    expect((await names('?orderBy=priority')).status).toBe(400);
  });
});
