import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PubsubEmulator, startPubsubEmulator } from '../../support/pubsub-emulator.ts';
import { computeHarness, type Harness } from '../compute/harness.ts';
import type { SinkStatus } from './sink.ts';

let emulator: PubsubEmulator;
let h: Harness;

beforeAll(async () => {
  emulator = await startPubsubEmulator({ projectId: 'sink-test' });
  h = await computeHarness();
}, 90_000);
afterAll(async () => {
  await h?.close();
  await emulator?.stop();
});

async function emulatorCall(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`http://${emulator.host}/v1/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

interface Received {
  ackId: string;
  message: { data: string; attributes?: Record<string, string> };
}

/** Pulls until `want` messages arrived (bounded: 40 tries). */
async function pull(subscription: string, want: number): Promise<Received[]> {
  const got: Received[] = [];
  for (let i = 0; i < 40 && got.length < want; i++) {
    const r = (await emulatorCall('POST', `${subscription}:pull`, {
      maxMessages: 10,
      returnImmediately: true,
    })) as { receivedMessages?: Received[] };
    const batch = r.receivedMessages ?? [];
    if (batch.length > 0) {
      got.push(...batch);
      await emulatorCall('POST', `${subscription}:acknowledge`, {
        ackIds: batch.map((m) => m.ackId),
      });
    } else {
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  return got;
}

describe('log sink to the Pub/Sub emulator', () => {
  it('publishes each matching audit entry as JSON to the topic, like a Cloud Logging sink', async () => {
    const topic = `projects/${emulator.projectId}/topics/audit-logs`;
    const subscription = `projects/${emulator.projectId}/subscriptions/audit-pull`;
    await emulatorCall('PUT', topic);
    await emulatorCall('PUT', subscription, { topic });

    const status = (await h.control('PUT', 'sink', {
      topic,
      emulatorHost: emulator.host,
      // The constructs of the filter peerlink deploys: `=` on a value list, NOT of a number.
      filter: [
        'logName:"cloudaudit.googleapis.com%2Factivity"',
        'protoPayload.methodName=("v1.compute.networks.insert" OR "v1.compute.networks.addPeering")',
        'NOT protoPayload.status.code>0',
      ].join('\nAND '),
    })) as SinkStatus;
    expect(status.config?.topic).toBe(topic);

    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'n', autoCreateSubnetworks: false },
      }),
    );
    // A failed call (the name is taken) is logged with a status code, and filtered out.
    await expect(
      h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'n', autoCreateSubnetworks: false },
      }),
    ).rejects.toThrow();
    await h.done(
      await h.c.firewalls.insert({
        project: 'p',
        firewallResource: {
          name: 'fw',
          network: 'global/networks/n',
          allowed: [{ IPProtocol: 'tcp' }],
        },
      }),
    );
    const after = (await h.control('POST', 'sink/flush')) as SinkStatus;
    expect(after).toMatchObject({ published: 2, failed: 0, lastError: null });

    const messages = await pull(subscription, 2);
    const entries = messages.map(
      (m) =>
        JSON.parse(Buffer.from(m.message.data, 'base64').toString('utf8')) as {
          insertId: string;
          operation: { first?: boolean; last?: boolean };
          protoPayload: { methodName: string };
        },
    );
    expect(
      entries.map((e) => [
        e.protoPayload.methodName,
        e.operation.first ?? false,
        e.operation.last ?? false,
      ]),
    ).toEqual([
      ['v1.compute.networks.insert', true, false],
      ['v1.compute.networks.insert', false, true],
    ]);
    const logged = (
      (await h.control('GET', 'logs')) as {
        entries: { insertId: string; protoPayload: { status?: { code?: number } } }[];
      }
    ).entries;
    expect(entries.map((e) => e.insertId)).toEqual(logged.slice(0, 2).map((e) => e.insertId));
    expect(logged[2]?.protoPayload.status?.code).toBeGreaterThan(0);
    expect(messages[0]?.message.attributes?.['logging.googleapis.com/timestamp']).toBeTruthy();
  });

  it('refuses a topic name or emulator host it cannot use', async () => {
    const bad = await fetch(`${h.url}/__sim/sink`, {
      method: 'PUT',
      body: JSON.stringify({ topic: 'not-a-topic', emulatorHost: emulator.host }),
    });
    expect(bad.status).toBe(400);
    const remote = await fetch(`${h.url}/__sim/sink`, {
      method: 'PUT',
      body: JSON.stringify({ topic: 'projects/x/topics/abc', emulatorHost: '10.0.0.1:8085' }),
    });
    expect(remote.status).toBe(400);
  });
});
