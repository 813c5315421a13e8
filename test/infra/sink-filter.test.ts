import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../functions/core/events/classify.ts';
import { decodeEvent } from '../../functions/core/events/decode.ts';
import type { LogEntry } from '../../functions/core/events/log-entry.ts';
import { OWNED_KINDS, watchedMethodNames } from '../../functions/core/events/methods.ts';
import { MAX_FILTER_LENGTH, sinkFilter } from '../../infra/sink-filter.ts';
import { containerModule } from '../sim/container/index.ts';
import { compileFilter } from '../sim/core/filter.ts';
import { type RunningSim, startSim } from '../sim/server.ts';
import { type PubsubEmulator, startPubsubEmulator } from '../support/pubsub-emulator.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dirs: Array<[string, string]> = [
  ['shared', path.resolve(repoRoot, '../shared/events')],
  ['synthesized', path.resolve(repoRoot, 'test/fixtures/events')],
];

const filter = sinkFilter();
const passes = compileFilter(filter);

/**
 * The property the sink must keep: an entry passes exactly when the classifier would act on it
 * (reconcile or defer), with one deliberate widening (see infra/sink-filter.ts): changes to
 * firewall rules, forwarding rules, backend services and health checks pass whatever their
 * name, and the classifier then ignores the ones that are not peerlink's.
 */
function shouldPass(entry: LogEntry): boolean {
  const t = classify(entry);
  if (t.action !== 'ignore') return true;
  const succeeded = (entry.protoPayload?.status?.code ?? 0) === 0;
  return OWNED_KINDS.has(t.kind) && succeeded;
}

function fileEntries(): Array<[string, LogEntry]> {
  return dirs.flatMap(([label, dir]) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f): [string, LogEntry] => [
        `${label}/${f}`,
        decodeEvent(readFileSync(path.join(dir, f), 'utf8')),
      ]),
  );
}

describe('sink filter', () => {
  it("fits the Logging query length limit and is in the simulator's subset", () => {
    expect(filter.length).toBeLessThan(MAX_FILTER_LENGTH);
    expect(() => compileFilter(filter)).not.toThrow();
  });

  it('names every watched method with each of its version prefixes', () => {
    for (const name of watchedMethodNames()) expect(filter).toContain(JSON.stringify(name));
  });

  const entries = fileEntries();
  it('has sample entries from both fixture folders', () => {
    expect(entries.filter(([n]) => n.startsWith('shared/')).length).toBeGreaterThan(5);
    expect(entries.filter(([n]) => n.startsWith('synthesized/')).length).toBeGreaterThan(5);
  });

  it.each(entries)('%s passes exactly when the classifier acts on it', (_name, entry) => {
    expect(passes(entry)).toBe(shouldPass(entry));
  });

  // Variations of one real entry, to reach the cases the samples do not cover.
  const base = entries.find(([n]) => n.endsWith('peering-add-last.json'))?.[1];
  const variants: Array<[string, (e: Record<string, unknown>) => void]> = [
    ['as is', () => {}],
    [
      'Data Access log',
      (e) => {
        e.logName = String(e.logName).replace('%2Factivity', '%2Fdata_access');
      },
    ],
    [
      'failed call',
      (e) => {
        (e.protoPayload as Record<string, unknown>).status = { code: 9, message: 'no' };
      },
    ],
    [
      'empty status',
      (e) => {
        (e.protoPayload as Record<string, unknown>).status = {};
      },
    ],
    [
      'unknown version prefix',
      (e) => {
        (e.protoPayload as Record<string, unknown>).methodName = 'v2.compute.networks.addPeering';
      },
    ],
    [
      'other service',
      (e) => {
        (e.protoPayload as Record<string, unknown>).serviceName = 'logging.googleapis.com';
      },
    ],
    [
      'unwatched method',
      (e) => {
        (e.protoPayload as Record<string, unknown>).methodName = 'v1.compute.instances.insert';
      },
    ],
    ...['v1.', 'beta.', 'alpha.'].map((p): [string, (e: Record<string, unknown>) => void] => [
      `prefix ${p}`,
      (e) => {
        (e.protoPayload as Record<string, unknown>).methodName = `${p}compute.networks.addPeering`;
      },
    ]),
  ];
  it.each(variants)('peering entry, %s: filter and classifier agree', (_name, change) => {
    expect(base).toBeDefined();
    const entry = structuredClone(base) as Record<string, unknown>;
    change(entry);
    const decoded = decodeEvent(entry);
    expect(passes(decoded)).toBe(shouldPass(decoded));
  });

  // A real GKE last record as a failed delete (and other methods): failed deletes pass, since
  // the classifier reconciles them; other failed calls do not.
  const pool = entries.find(([n]) => n.endsWith('nodepool_creation_finished.json'))?.[1];
  it.each([
    ['DeleteNodePool', true],
    ['DeleteCluster', true],
    ['CreateNodePool', false],
    ['UpdateNodePool', false],
  ])('a failed %s record passes: %s', (method, want) => {
    expect(pool).toBeDefined();
    const entry = structuredClone(pool) as Record<string, unknown>;
    const payload = entry.protoPayload as Record<string, unknown>;
    payload.methodName = `google.container.v1.ClusterManager.${method}`;
    payload.status = { code: 9, message: 'in use' };
    const decoded = decodeEvent(entry);
    expect(passes(decoded)).toBe(want);
    expect(passes(decoded)).toBe(shouldPass(decoded));
  });

  describe('entries the simulator writes', () => {
    let sim: RunningSim;
    let emulator: PubsubEmulator;
    let kubeconfigDir = '';
    const project = 'filter-test';
    const topic = `projects/${project}/topics/audit`;
    const subscription = `projects/${project}/subscriptions/audit-pull`;
    const pubsub = async (method: string, p: string, body?: unknown): Promise<unknown> => {
      const res = await fetch(`http://${emulator.host}/v1/${p}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    beforeAll(async () => {
      kubeconfigDir = mkdtempSync(path.join(tmpdir(), 'peerlink-sink-filter-'));
      emulator = await startPubsubEmulator({ projectId: project });
      sim = await startSim({
        port: 0,
        operationMs: 5,
        modules: [containerModule({ kubeconfigDir })],
      });
      await pubsub('PUT', topic);
      await pubsub('PUT', subscription, { topic });
      // The sink deploy creates: `gcloud logging sinks create --log-filter=<sinkFilter()>`.
      const res = await fetch(`${sim.url}/__sim/sink`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic, filter, emulatorHost: emulator.host }),
      });
      if (!res.ok) throw new Error(`sim sink: ${res.status} ${await res.text()}`);
    }, 90_000);
    afterAll(async () => {
      await sim?.close();
      await emulator?.stop();
      rmSync(kubeconfigDir, { recursive: true, force: true });
    });

    it('pass the deployed sink exactly when the classifier acts on them', async () => {
      const api = `${sim.url}/compute/v1/projects/${project}`;
      const call = async (method: string, p: string, body?: unknown): Promise<unknown> => {
        const res = await fetch(`${api}/${p}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = (await res.json()) as { name?: string };
        if (res.ok && json.name?.startsWith('operation')) {
          await fetch(`${api}/global/operations/${json.name}/wait`, { method: 'POST' });
        }
        return json;
      };
      const subnet = (network: string, range: string) => ({
        name: `${network}-sub`,
        network: `projects/${project}/global/networks/${network}`,
        ipCidrRange: range,
      });
      await call('POST', 'global/networks', { name: 'net-a', autoCreateSubnetworks: false });
      await call('POST', 'global/networks', { name: 'net-b', autoCreateSubnetworks: false });
      await call('POST', 'regions/europe-west1/subnetworks', subnet('net-a', '10.1.0.0/16'));
      await call('POST', 'regions/europe-west1/subnetworks', subnet('net-b', '10.2.0.0/16'));
      const peer = (from: string, to: string) => ({
        networkPeering: {
          name: `peerlink-${from}-${to}`,
          network: `projects/${project}/global/networks/${to}`,
          exchangeSubnetRoutes: true,
        },
      });
      await call('POST', 'global/networks/net-a/addPeering', peer('net-a', 'net-b'));
      await call('POST', 'global/networks/net-b/addPeering', peer('net-b', 'net-a'));
      const rule = (name: string) => ({
        name,
        network: `projects/${project}/global/networks/net-a`,
        sourceRanges: ['10.2.0.0/16'],
        allowed: [{ IPProtocol: 'tcp', ports: ['80'] }],
      });
      await call('POST', 'global/firewalls', rule('peerlink-allow'));
      await call('POST', 'global/firewalls', rule('someone-elses'));
      await call('POST', 'global/firewalls', rule('peerlink-allow')); // fails: already exists
      await call('DELETE', 'global/firewalls/someone-elses');
      await call('POST', 'global/networks/net-a/removePeering', { name: 'peerlink-net-a-net-b' });

      // GKE: a cluster, a node pool, a refused create, a delete.
      const gke = `${sim.url}/v1/projects/${project}/locations/europe-west1-c`;
      const gkeCall = async (method: string, p: string, body?: unknown): Promise<void> => {
        const res = await fetch(`${gke}/${p}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const op = (await res.json()) as { name?: string; status?: string };
        for (let i = 0; res.ok && op.name && op.status !== 'DONE' && i < 200; i++) {
          await new Promise((r) => setTimeout(r, 10));
          const polled = await fetch(`${gke}/operations/${op.name}`);
          op.status = ((await polled.json()) as { status?: string }).status;
        }
      };
      await gkeCall('POST', 'clusters', {
        cluster: {
          name: 'c1',
          network: 'net-a',
          subnetwork: 'net-a-sub',
          nodePools: [{ name: 'default-pool', initialNodeCount: 1 }],
        },
      });
      await gkeCall('POST', 'clusters/c1/nodePools', {
        nodePool: { name: 'pool-2', initialNodeCount: 1 },
      });
      await gkeCall('POST', 'clusters', { cluster: { name: 'Bad_Name', network: 'net-a' } });
      await gkeCall('DELETE', 'clusters/c1/nodePools/pool-2');
      await gkeCall('DELETE', 'clusters/c1');

      const res = await fetch(`${sim.url}/__sim/logs`);
      const { entries: simEntries } = (await res.json()) as { entries: unknown[] };
      expect(simEntries.length).toBeGreaterThan(10);
      await fetch(`${sim.url}/__sim/sink/flush`, { method: 'POST' });
      const published = new Set<string>();
      for (let idle = 0; idle < 5; ) {
        const got = (await pubsub('POST', `${subscription}:pull`, {
          maxMessages: 100,
          returnImmediately: true,
        })) as { receivedMessages?: { ackId: string; message: { data: string } }[] };
        const batch = got.receivedMessages ?? [];
        if (batch.length === 0) {
          idle++;
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        for (const m of batch) {
          const data = Buffer.from(m.message.data, 'base64').toString('utf8');
          published.add((JSON.parse(data) as { insertId: string }).insertId);
        }
        await pubsub('POST', `${subscription}:acknowledge`, { ackIds: batch.map((m) => m.ackId) });
      }
      const results = simEntries.map((raw) => {
        const entry = decodeEvent(raw);
        return {
          method: entry.protoPayload?.methodName,
          pass: published.has((raw as { insertId: string }).insertId),
          want: shouldPass(entry),
        };
      });
      expect(results.filter((r) => r.pass !== r.want)).toEqual([]);
      // The run covered both sides of the property.
      expect(results.some((r) => r.pass)).toBe(true);
      expect(results.some((r) => !r.pass)).toBe(true);
      const methods = new Set(results.map((r) => r.method));
      for (const m of [
        'google.container.v1.ClusterManager.CreateCluster',
        'google.container.v1.ClusterManager.CreateNodePool',
        'google.container.v1.ClusterManager.DeleteNodePool',
        'google.container.v1.ClusterManager.DeleteCluster',
        'v1.compute.networks.addPeering',
        'v1.compute.firewalls.insert',
      ]) {
        expect(methods).toContain(m);
      }
    });
  });
});
