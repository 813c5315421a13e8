/**
 * The audit entries the simulator writes for creating and deleting a node pool and for adding a
 * peering classify through `peerlink events classify` exactly as the real samples in
 * ../shared/events (node pools) and the documented-format fixtures (peerings) do.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, main } from '../../functions/cli/main.ts';
import { Actor } from '../local/actor.ts';
import { repoRoot } from '../support/topology.ts';
import { containerModule } from './container/index.ts';
import { type RunningSim, startSim } from './server.ts';

const SAMPLES = resolve(repoRoot, '../shared/events');
const FIXTURES = resolve(repoRoot, 'test/fixtures/events');
const P = 'classify-cli';

let sim: RunningSim;
let dir: string;

interface Line {
  action: string;
  kind: string;
  reason: string;
  scope: Record<string, string>;
}

async function classify(files: string[]): Promise<Line[]> {
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: () => undefined };
  expect(await main(['events', 'classify', ...files], io)).toBe(0);
  return out.map((l) => JSON.parse(l) as Line);
}

/** What must match: the action, the kind, and which scope fields are present. */
const essentials = (l: Line) => ({
  action: l.action,
  kind: l.kind,
  scope: Object.keys(l.scope).sort(),
});

async function entries(method: RegExp): Promise<string[]> {
  const { entries: all } = (await (await fetch(`${sim.url}/__sim/logs`)).json()) as {
    entries: { protoPayload?: { methodName?: string } }[];
  };
  return all
    .filter((e) => method.test(e.protoPayload?.methodName ?? ''))
    .map((e, i) => {
      const file = join(dir, `${method.source.replace(/\W/g, '')}-${i}.json`);
      writeFileSync(file, JSON.stringify(e));
      return file;
    });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-classify-'));
  sim = await startSim({
    operationMs: 10,
    modules: [containerModule({ kubeconfigDir: join(dir, 'kube') })],
  });
  const actor = new Actor(sim.url, P);
  const net = (n: string) => `projects/${P}/global/networks/${n}`;
  for (const [n, range] of [
    ['net-a', '10.1.0.0/16'],
    ['net-b', '10.2.0.0/16'],
  ] as const) {
    await actor.compute('POST', 'global/networks', { name: n, autoCreateSubnetworks: false });
    await actor.compute('POST', 'regions/us-central1/subnetworks', {
      name: `${n}-sub`,
      network: net(n),
      ipCidrRange: range,
    });
  }
  await actor.compute('POST', 'global/networks/net-a/addPeering', {
    networkPeering: { name: 'a-b', network: net('net-b'), exchangeSubnetRoutes: true },
  });
  const gke = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/v1/projects/${P}/locations/us-central1-a/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(res.ok).toBe(true);
  };
  await gke('POST', 'clusters', {
    cluster: { name: 'c1', network: 'net-a', subnetwork: 'net-a-sub', initialNodeCount: 1 },
  });
  const status = async (path: string) =>
    (await (await fetch(`${sim.url}/v1/projects/${P}/locations/us-central1-a/${path}`)).json()) as {
      status?: string;
    };
  for (let i = 0; i < 100 && (await status('clusters/c1')).status !== 'RUNNING'; i++)
    await new Promise((r) => setTimeout(r, 50));
  await gke('POST', 'clusters/c1/nodePools', { nodePool: { name: 'extra', initialNodeCount: 1 } });
  for (
    let i = 0;
    i < 100 && (await status('clusters/c1/nodePools/extra')).status !== 'RUNNING';
    i++
  )
    await new Promise((r) => setTimeout(r, 50));
  await gke('DELETE', 'clusters/c1/nodePools/extra');
  await new Promise((r) => setTimeout(r, 300));
}, 60_000);

afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('simulator audit entries through peerlink events classify', () => {
  it('classifies node-pool creation like the real samples', async () => {
    const sim = await classify(await entries(/CreateNodePool$/));
    const real = await classify([
      join(SAMPLES, 'nodepool_creation_started.json'),
      join(SAMPLES, 'nodepool_creation_finished.json'),
    ]);
    expect(sim.map(essentials)).toEqual(real.map(essentials));
    expect(sim.map((l) => l.action)).toEqual(['defer', 'reconcile']);
    expect(sim[1]?.scope).toMatchObject({
      cluster: 'c1',
      nodePool: 'extra',
      location: 'us-central1-a',
    });
  });

  it('classifies node-pool deletion: both records reconcile the cluster (the delete waits on its backends)', async () => {
    const lines = await classify(await entries(/DeleteNodePool$/));
    expect(lines.map((l) => [l.action, l.kind])).toEqual([
      ['reconcile', 'nodePool'],
      ['reconcile', 'nodePool'],
    ]);
    expect(lines[1]?.scope).toMatchObject({ cluster: 'c1', nodePool: 'extra' });
  });

  it('classifies addPeering like the documented-format fixtures', async () => {
    const sim = await classify(await entries(/networks\.addPeering$/));
    const fixtures = await classify([
      join(FIXTURES, 'peering-add-first.json'),
      join(FIXTURES, 'peering-add-last.json'),
    ]);
    expect(sim.map(essentials)).toEqual(fixtures.map(essentials));
    // Only the first record carries the request, and with it the peer network.
    expect(sim[0]?.scope).toMatchObject({ network: 'net-a', peerNetwork: 'net-b' });
    expect(sim[1]?.scope).toMatchObject({ network: 'net-a' });
  });
});
