/**
 * GKE's own deletes are never blocked by peerlink, end to end: gcloud deletes a node pool and a
 * cluster behind peerlink's managed ILB against the local stack (simulator audit log → sink →
 * Pub/Sub emulator → push → onAuditLog). The simulated GKE drains the nodes before it deletes
 * their groups, and fails if a group is still a backend then, as GKE does; peerlink must take
 * the groups out of its backend service when the delete's first record arrives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '../../functions/core/desire/names.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { loadTopology } from '../../functions/runtime/files.ts';
import { type GcloudRun, type GcloudSim, gcloudFor } from '../contract/gcloud/gcloud.ts';
import { Actor } from '../local/actor.ts';
import { runBootstrap } from '../local/demo.ts';
import { type Stack, startStack } from '../local/stack.ts';
import { waitFor } from '../support/process-group.ts';
import { exampleTopologyPath } from '../support/topology.ts';

// The drain must outlast the path from GKE's first audit record to peerlink's patch of the
// backend service on a loaded machine; GKE's own drain lasts up to an hour.
const DRAIN_MS = 15_000;
const GCLOUD_MS = DRAIN_MS + 90_000;

let stack: Stack;
let t: Topology;
let g: GcloudSim;
let actor: Actor;
const stateDir = mkdtempSync(path.join(tmpdir(), 'peerlink-e2e-deletes-'));

const service = () => {
  const s = t.services[0];
  if (!s) throw new Error('the example has no service');
  return s;
};
const provider = () => {
  const c = t.clusters.find((x) => x.name === service().cluster);
  if (!c) throw new Error('the example service has no provider');
  return c;
};
const where = () => [`--cluster=${provider().name}`, `--zone=${provider().location}`];

/** gcloud, which must exit as `code`; the message carries what it said. */
async function gcloud(code: number, ...args: string[]): Promise<GcloudRun> {
  const r = await g.run(args, { timeoutMs: GCLOUD_MS });
  expect(r.code, `gcloud ${args.join(' ')}\n${r.stderr}`).toBe(code);
  return r;
}

/** The backend groups of peerlink's backend service, as short names. */
async function backends(): Promise<string[]> {
  const groups = await actor.backendGroups(provider().region, resourceName(service(), 'bs'));
  return groups.map((u) => String(u.split('/').pop())).sort();
}

/** The groups of a pool, by name: the managers' groups share their names in GKE. */
async function poolGroups(pool: string): Promise<string[]> {
  const urls = await actor.nodePoolGroups(provider().location, provider().name, pool);
  return urls.map((u) => String(u.split('/').pop())).sort();
}

/** Waits (bounded) until the backend service's groups satisfy `ok`. */
async function backendsUntil(what: string, ok: (groups: string[]) => boolean): Promise<string[]> {
  return waitFor(
    `peerlink's backend service: ${what}`,
    async () => {
      const b = await backends();
      return ok(b) ? b : undefined;
    },
    60_000,
    250,
  );
}

async function createPool(name: string): Promise<string[]> {
  await gcloud(0, 'container', 'node-pools', 'create', name, ...where(), '--num-nodes=1');
  const groups = await poolGroups(name);
  expect(groups).toHaveLength(1);
  await backendsUntil(`lists ${name}'s groups`, (b) => groups.every((x) => b.includes(x)));
  return groups;
}

beforeAll(async () => {
  t = await loadTopology(exampleTopologyPath);
  stack = await startStack({
    project: t.project,
    topologyPath: exampleTopologyPath,
    operationMs: 50,
    drainMs: DRAIN_MS,
    stateDir,
  });
  g = gcloudFor(stack.sim, { project: t.project, dir: path.join(stateDir, 'gcloud') });
  actor = new Actor(stack.sim.url, t.project);
  const lines: string[] = [];
  const r = await runBootstrap(stack, (l) => lines.push(l));
  expect(r.ok, lines.join('\n')).toBe(true);
}, 300_000);

afterAll(async () => {
  await g?.close();
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe("GKE's deletes behind peerlink's ILB", () => {
  it('gcloud container node-pools delete completes, and the pool leaves the backend service', async () => {
    const before = await backends();
    const groups = await createPool('pool-2');
    await gcloud(0, 'container', 'node-pools', 'delete', 'pool-2', ...where());
    expect(await poolGroups('pool-2')).toEqual([]);
    const after = await backends();
    expect(after).toEqual(before);
    for (const group of groups) expect(after).not.toContain(group);
    expect(await actor.get(`zones/${provider().location}/instanceGroups/${groups[0]}`)).toBeNull();
  }, 300_000);

  it('a delete that fails for another backend service gives the groups back; retried, it succeeds', async () => {
    const groups = await createPool('pool-3');
    const group = `projects/${t.project}/zones/${provider().location}/instanceGroups/${groups[0]}`;
    // Someone else's load balancer also uses the pool's group: peerlink cannot clear that one.
    await actor.compute('POST', `regions/${provider().region}/healthChecks`, {
      name: 'someone-elses-hc',
      type: 'TCP',
      tcpHealthCheck: { port: 8080 },
    });
    await actor.compute('POST', `regions/${provider().region}/backendServices`, {
      name: 'someone-elses-ilb',
      loadBalancingScheme: 'INTERNAL',
      healthChecks: [
        `projects/${t.project}/regions/${provider().region}/healthChecks/someone-elses-hc`,
      ],
      backends: [{ group }],
    });
    const failed = await gcloud(1, 'container', 'node-pools', 'delete', 'pool-3', ...where());
    expect(failed.stderr).toMatch(/The instance_template resource '.+' is already being used by/);
    // The failed record's reconcile puts back what the first record's took out.
    await backendsUntil("lists pool-3's groups again", (b) => groups.every((x) => b.includes(x)));

    await actor.compute('DELETE', `regions/${provider().region}/backendServices/someone-elses-ilb`);
    await gcloud(0, 'container', 'node-pools', 'delete', 'pool-3', ...where());
    const after = await backends();
    for (const x of groups) expect(after).not.toContain(x);
    expect(await poolGroups('pool-3')).toEqual([]);
  }, 300_000);

  it('gcloud container clusters delete of the provider completes; the backend service lists nothing', async () => {
    expect((await backends()).length).toBeGreaterThan(0);
    await gcloud(
      0,
      'container',
      'clusters',
      'delete',
      provider().name,
      `--zone=${provider().location}`,
    );
    expect(await backends()).toEqual([]);
    const list = await gcloud(0, 'container', 'clusters', 'list', '--format=value(name)');
    expect(list.stdout.split('\n').filter(Boolean)).not.toContain(provider().name);
  }, 300_000);
});
