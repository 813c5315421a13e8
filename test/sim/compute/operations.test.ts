import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../support/poll.ts';
import type { LogEntry } from '../core/audit.ts';
import { computeHarness, type Harness, networkWithSubnet, type Op, rejection } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const netBody = (name: string) => ({ name, autoCreateSubnetworks: false });

describe('operations', () => {
  it('move PENDING -> RUNNING -> DONE and apply the effect only when DONE', async () => {
    // RUNNING from 300 ms to 600 ms: wide enough that the polling below cannot step over it.
    h = await computeHarness({ operationMs: 600 });
    const [lro] = await h.c.networks.insert({ project: 'p', networkResource: netBody('slow') });
    const started = lro.latestResponse as Op;
    expect(started).toMatchObject({
      status: 'PENDING',
      operationType: 'insert',
      user: 'peerlink@p.iam.gserviceaccount.com',
    });
    expect(started.name).toMatch(/^operation-\d+-[0-9a-f]+-[0-9a-f]+$/);
    expect((await rejection(h.c.networks.get({ project: 'p', network: 'slow' }))).status).toBe(404);
    const ops = h.c.globalOps;
    const mid = await until(
      async () => {
        const [op] = await ops.get({ project: 'p', operation: String(started.name) });
        return op.status === 'PENDING' ? undefined : op;
      },
      { what: 'the operation to leave PENDING', timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(mid.status).toBe('RUNNING');
    const done = await h.wait([lro]);
    expect(done.status).toBe('DONE');
    const [net] = await h.c.networks.get({ project: 'p', network: 'slow' });
    expect(net.name).toBe('slow');
  });

  it('wait returns the current state once its cap passes', async () => {
    h = await computeHarness({ operationMs: 2_000, waitCapMs: 100 });
    const [lro] = await h.c.networks.insert({ project: 'p', networkResource: netBody('n') });
    const t = Date.now();
    const [op] = await h.c.globalOps.wait({
      project: 'p',
      operation: String((lro.latestResponse as Op).name),
    });
    expect(op.status).not.toBe('DONE');
    expect(Date.now() - t).toBeLessThan(1_500);
  });

  it('are scoped: region operations for subnetworks, zone operations through the zone client', async () => {
    h = await computeHarness();
    await h.done(await h.c.networks.insert({ project: 'p', networkResource: netBody('n') }));
    const [lro] = await h.c.subnetworks.insert({
      project: 'p',
      region: 'europe-west4',
      subnetworkResource: { name: 's', network: 'global/networks/n', ipCidrRange: '10.0.0.0/24' },
    });
    const op = lro.latestResponse as Op;
    expect(op.region).toBe('https://www.googleapis.com/compute/v1/projects/p/regions/europe-west4');
    expect((await h.wait([lro])).status).toBe('DONE');
    expect(
      (await rejection(h.c.globalOps.get({ project: 'p', operation: String(op.name) }))).status,
    ).toBe(404);

    const zonal = h.sim.ops.start({
      project: 'p',
      scope: { kind: 'zone', zone: 'europe-west4-a' },
      operationType: 'insert',
      targetLink: 'x',
      user: 'u@example.com',
    });
    const [z] = await h.c.zoneOps.wait({
      project: 'p',
      zone: 'europe-west4-a',
      operation: zonal.name,
    });
    expect(z).toMatchObject({
      status: 'DONE',
      zone: 'https://www.googleapis.com/compute/v1/projects/p/zones/europe-west4-a',
    });
  });

  it('report a failure in operation.error with httpErrorStatusCode and httpErrorMessage', async () => {
    h = await computeHarness();
    await networkWithSubnet(h, 'a', { name: 'sa', range: '10.0.0.0/24' });
    await networkWithSubnet(h, 'b', { name: 'sb', range: '10.0.0.0/25' });
    const failed = await h.wait(
      await h.c.networks.addPeering({
        project: 'p',
        network: 'a',
        networksAddPeeringRequestResource: {
          networkPeering: { name: 'ab', network: 'global/networks/b', exchangeSubnetRoutes: true },
        },
      }),
    );
    expect(failed).toMatchObject({
      status: 'DONE',
      httpErrorStatusCode: 400,
      httpErrorMessage: 'BAD REQUEST',
    });
    expect(failed.error?.errors?.[0]?.code).toBe('INVALID_USAGE');
  });

  it('serialise changes to one resource: 409 for a second insert, 400 resourceNotReady for a change', async () => {
    h = await computeHarness({ operationMs: 300 });
    const [first] = await h.c.networks.insert({ project: 'p', networkResource: netBody('busy') });
    expect(
      await rejection(h.c.networks.insert({ project: 'p', networkResource: netBody('busy') })),
    ).toEqual({
      status: 409,
      message: "The resource 'projects/p/global/networks/busy' already exists",
    });
    await h.wait([first]);
    const [patch] = await h.c.networks.patch({
      project: 'p',
      network: 'busy',
      networkResource: { description: 'one' },
    });
    expect(
      await rejection(
        h.c.networks.patch({
          project: 'p',
          network: 'busy',
          networkResource: { description: 'two' },
        }),
      ),
    ).toEqual({
      status: 400,
      message: "The resource 'projects/p/global/networks/busy' is not ready",
    });
    await h.wait([patch]);
    await h.done(
      await h.c.networks.patch({
        project: 'p',
        network: 'busy',
        networkResource: { description: 'two' },
      }),
    );
    const [net] = await h.c.networks.get({ project: 'p', network: 'busy' });
    expect(net.description).toBe('two');
  });
});

describe('requestId', () => {
  const firsts = (entries: LogEntry[]) =>
    entries.filter((e) => (e.operation as { first?: boolean } | undefined)?.first);

  it('returns the same operation for a retried request and acts once', async () => {
    h = await computeHarness();
    const requestId = randomUUID();
    const [one] = await h.c.networks.insert({
      project: 'p',
      networkResource: netBody('once'),
      requestId,
    });
    await h.wait([one]);
    const [two] = await h.c.networks.insert({
      project: 'p',
      networkResource: netBody('once'),
      requestId,
    });
    expect((two.latestResponse as Op).name).toBe((one.latestResponse as Op).name);
    expect((two.latestResponse as Op).status).toBe('DONE');
    const [nets] = await h.c.networks.list({ project: 'p' });
    expect(nets.map((n) => n.name)).toEqual(['once']);
    expect(firsts(h.sim.audit.list())).toHaveLength(1);
    // A new requestId is a new request: now the network exists.
    expect(
      (
        await rejection(
          h.c.networks.insert({
            project: 'p',
            networkResource: netBody('once'),
            requestId: randomUUID(),
          }),
        )
      ).status,
    ).toBe(409);
  });

  it('is forgotten after the window', async () => {
    h = await computeHarness({ requestIdWindowMs: 50 });
    const c = h.c;
    const requestId = randomUUID();
    const insert = () =>
      c.networks.insert({ project: 'p', networkResource: netBody('w'), requestId });
    const created = await insert();
    await h.done(created);
    const firstOp = (created[0].latestResponse as Op).name;
    // Within the window a retry gets the first operation back; after it, the retry is a new
    // request, refused because the network exists.
    const refused = await until(
      async () => {
        const retry = insert();
        const op = await retry.then(
          ([lro]) => lro.latestResponse as Op,
          () => undefined,
        );
        if (op) {
          expect(op.name).toBe(firstOp);
          return undefined;
        }
        return rejection(retry);
      },
      { what: 'the requestId to be forgotten', timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(refused.status).toBe(409);
  });

  it('must be a valid non-zero UUID', async () => {
    h = await computeHarness();
    for (const requestId of ['not-a-uuid', '00000000-0000-0000-0000-000000000000']) {
      expect(
        (
          await rejection(
            h.c.networks.insert({ project: 'p', networkResource: netBody('x'), requestId }),
          )
        ).status,
      ).toBe(400);
    }
  });
});
