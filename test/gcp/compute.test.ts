/**
 * Contract of the Compute adapter (functions/gcp/compute.ts), through the real
 * @google-cloud/compute clients: against the simulator, and a real project when
 * PEERLINK_LIVE_PROJECT is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  NotFoundError,
  PreconditionFailedError,
  TerminalError,
  TransientError,
} from '../../functions/core/errors.ts';
import type {
  BackendService,
  Firewall,
  HealthCheck,
} from '../../functions/core/model/resources.ts';
import { normalise } from '../../functions/core/plan/normalise.ts';
import { PEERLINK_NAME_FILTER } from '../../functions/gcp/compute.ts';
import {
  backendServiceFromApi,
  backendServiceToApi,
  firewallFromApi,
  firewallToApi,
  healthCheckFromApi,
  healthCheckToApi,
} from '../../functions/gcp/convert.ts';
import { READ_ATTEMPTS } from '../../functions/gcp/read-retry.ts';
import { DESCRIPTION, networkWithSubnet, peeringOf, rid, subnetOf } from './fixtures.ts';
import { rejection, setFaults, simTarget, type Target, targets } from './target.ts';

for (const spec of targets('compute adapter')) {
  describe.skipIf(spec.skip)(spec.name, { timeout: spec.timeout }, () => {
    let t: Target;
    let net: string;
    beforeAll(async () => {
      t = await spec.start();
      net = `vpc-c-${t.suffix}`;
      await networkWithSubnet(t, net, subnetOf(t, net, `nodes-c-${t.suffix}`, '10.10.0.0/20'));
    }, 3_600_000);
    afterAll(() => t?.close(), 3_600_000);

    const firewall = (name: string, over: Partial<Firewall> = {}): Firewall => ({
      kind: 'firewall',
      name,
      network: net,
      direction: 'INGRESS',
      priority: 1000,
      sourceRanges: ['10.20.0.0/16', '10.1.0.0/16'],
      destinationRanges: [],
      targetTags: ['gke-c-1234-node'],
      allowed: [{ IPProtocol: 'tcp', ports: ['8080'] }],
      description: DESCRIPTION,
      ...over,
    });

    it('firewalls: insert, list by name filter, patch, delete, as the model', async () => {
      const c = t.cloud.compute;
      const want = firewall(`peerlink-fw-${t.suffix}`);
      await c.firewalls.insert(firewallToApi(t.project, want), rid(t, 'fw'));
      t.defer(() => c.firewalls.delete(want.name, rid(t, 'fw-del')));
      const listed = (await c.firewalls.list(PEERLINK_NAME_FILTER)).map(firewallFromApi);
      expect(listed.map((f) => normalise(f))).toContainEqual(normalise(want));

      const patched = firewall(want.name, { sourceRanges: ['10.30.0.0/16'], priority: 900 });
      await c.firewalls.patch(want.name, firewallToApi(t.project, patched), rid(t, 'fw-patch'));
      expect(normalise(firewallFromApi(await c.firewalls.get(want.name)))).toEqual(
        normalise(patched),
      );

      await c.firewalls.delete(want.name, rid(t, 'fw-del'));
      expect(await rejection(c.firewalls.get(want.name))).toBeInstanceOf(NotFoundError);
    });

    it('firewalls: a filter that matches nothing lists nothing', async () => {
      expect(await t.cloud.compute.firewalls.list('name eq nothing-matches-this-.*')).toEqual([]);
    });

    it('maps 409 on insert to AlreadyExistsError and 404 on delete to NotFoundError', async () => {
      const c = t.cloud.compute;
      const fw = firewall(`peerlink-dup-${t.suffix}`);
      await c.firewalls.insert(firewallToApi(t.project, fw), rid(t, 'dup-1'));
      t.defer(() => c.firewalls.delete(fw.name, rid(t, 'dup-del')));
      expect(
        await rejection(c.firewalls.insert(firewallToApi(t.project, fw), rid(t, 'dup-2'))),
      ).toBeInstanceOf(AlreadyExistsError);
      expect(
        await rejection(c.firewalls.delete(`peerlink-missing-${t.suffix}`, rid(t, 'missing'))),
      ).toBeInstanceOf(NotFoundError);
    });

    it('a retried mutation with the same requestId acts once', async () => {
      const c = t.cloud.compute;
      const fw = firewall(`peerlink-retry-${t.suffix}`);
      const id = rid(t, 'retry');
      await c.firewalls.insert(firewallToApi(t.project, fw), id);
      t.defer(() => c.firewalls.delete(fw.name, rid(t, 'retry-del')));
      // The same id answers the first operation (DONE, no error) instead of a 409.
      await c.firewalls.insert(firewallToApi(t.project, fw), id);
      const named = (await c.firewalls.list(PEERLINK_NAME_FILTER)).filter(
        (f) => f.name === fw.name,
      );
      expect(named).toHaveLength(1);
    });

    it('health check and backend service round trip; a stale fingerprint is PreconditionFailed', async () => {
      const c = t.cloud.compute;
      const hc: HealthCheck = {
        kind: 'healthCheck',
        name: `peerlink-hc-${t.suffix}`,
        region: t.region,
        port: 30080,
        description: DESCRIPTION,
      };
      await c.healthChecks.insert(t.region, healthCheckToApi(hc), rid(t, 'hc'));
      t.defer(() => c.healthChecks.delete(t.region, hc.name, rid(t, 'hc-del')));
      const hcs = await c.healthChecks.list(t.region, PEERLINK_NAME_FILTER);
      expect(hcs.map((h) => normalise(healthCheckFromApi(t.region, h)))).toContainEqual(
        normalise(hc),
      );

      const bs: BackendService = {
        kind: 'backendService',
        name: `peerlink-bs-${t.suffix}`,
        region: t.region,
        network: net,
        healthCheck: hc.name,
        backends: [],
        description: DESCRIPTION,
      };
      await c.backendServices.insert(t.region, backendServiceToApi(t.project, bs), rid(t, 'bs'));
      t.defer(() => c.backendServices.delete(t.region, bs.name, rid(t, 'bs-del')));
      const got = await c.backendServices.get(t.region, bs.name);
      expect(normalise(backendServiceFromApi(t.region, got))).toEqual(normalise(bs));
      const fingerprint = got.fingerprint ?? '';
      expect(fingerprint).not.toBe('');

      const changed = { ...bs, description: `${DESCRIPTION} changed` };
      await c.backendServices.patch(
        t.region,
        bs.name,
        backendServiceToApi(t.project, changed),
        fingerprint,
        rid(t, 'bs-patch'),
      );
      const after = await c.backendServices.get(t.region, bs.name);
      expect(backendServiceFromApi(t.region, after).description).toBe(changed.description);
      expect(after.fingerprint).not.toBe(fingerprint);

      // The first fingerprint is stale now.
      expect(
        await rejection(
          c.backendServices.patch(
            t.region,
            bs.name,
            backendServiceToApi(t.project, bs),
            fingerprint,
            rid(t, 'bs-stale'),
          ),
        ),
      ).toBeInstanceOf(PreconditionFailedError);
    });

    it('subnetworks: get and list as the model', async () => {
      const c = t.cloud.compute;
      const s = await c.subnetworks.get(t.region, `nodes-c-${t.suffix}`);
      expect(s.ipCidrRange).toBe('10.10.0.0/20');
      const names = (await c.subnetworks.list(t.region)).map((x) => x.name);
      expect(names).toContain(`nodes-c-${t.suffix}`);
    });

    it('peering: INACTIVE with one side, ACTIVE with both, imported ranges listed INCOMING', async () => {
      const c = t.cloud.compute;
      const a = `vpc-pa-${t.suffix}`;
      const b = `vpc-pb-${t.suffix}`;
      await networkWithSubnet(t, a, subnetOf(t, a, `sub-pa-${t.suffix}`, '10.40.0.0/20'));
      await networkWithSubnet(t, b, subnetOf(t, b, `sub-pb-${t.suffix}`, '10.50.0.0/20'));
      const ab = peeringOf(a, b);
      const ba = peeringOf(b, a);
      const { peeringToApi } = await import('../../functions/gcp/convert.ts');
      await c.networks.addPeering(a, peeringToApi(t.project, ab), rid(t, 'peer-ab'));
      t.defer(() => c.networks.removePeering(a, ab.name, rid(t, 'unpeer-ab')));
      expect((await c.networks.get(a)).peerings?.[0]?.state).toBe('INACTIVE');

      await c.networks.addPeering(b, peeringToApi(t.project, ba), rid(t, 'peer-ba'));
      t.defer(() => c.networks.removePeering(b, ba.name, rid(t, 'unpeer-ba')));
      expect((await c.networks.get(a)).peerings?.[0]?.state).toBe('ACTIVE');
      expect((await c.networks.get(b)).peerings?.[0]?.state).toBe('ACTIVE');

      const routes = await c.networks.listPeeringRoutes(a, ab.name, t.region, 'INCOMING');
      expect(routes.map((r) => r.destRange)).toContain('10.50.0.0/20');
    });

    it('an operation that fails maps its error: overlapping peered ranges are terminal', async () => {
      const c = t.cloud.compute;
      const a = `vpc-oa-${t.suffix}`;
      const b = `vpc-ob-${t.suffix}`;
      await networkWithSubnet(t, a, subnetOf(t, a, `sub-oa-${t.suffix}`, '10.60.0.0/20'));
      await networkWithSubnet(t, b, subnetOf(t, b, `sub-ob-${t.suffix}`, '10.60.0.0/20'));
      const { peeringToApi } = await import('../../functions/gcp/convert.ts');
      // Both networks exist, so the first side already fails, in its operation.
      const e = await rejection(
        c.networks.addPeering(a, peeringToApi(t.project, peeringOf(a, b)), rid(t, 'o-ab')),
      );
      expect((e as Error).message).toMatch(/operation failed/);
      expect(e).toBeInstanceOf(TerminalError);
    });
  });
}

/** Faults only the simulator can inject: the same adapter calls, with the answers forced. */
describe('compute adapter: transient failures (simulator faults)', () => {
  let t: Target;
  beforeAll(async () => {
    t = await simTarget();
  });
  afterAll(() => t?.close());

  // Writes are retried by the executor, not the adapter, so one 503 shows on an insert.
  it.each([
    [503, 'firewalls.insert'],
    [429, 'firewalls.list'],
    [500, 'firewalls.list'],
  ])('HTTP %i on %s is a TransientError', async (status, method) => {
    if (!t.sim) throw new Error('simulator target expected');
    // The adapter retries a read itself (functions/gcp/read-retry.ts): fail every attempt.
    const failNext = method.endsWith('.list') ? READ_ATTEMPTS : 1;
    await setFaults(t.sim, { [`compute.${method}`]: { failNext, status } });
    const c = t.cloud.compute;
    const call =
      method === 'firewalls.insert'
        ? c.firewalls.insert(
            { name: `peerlink-f-${status}`, network: 'global/networks/none' },
            rid(t, 'f'),
          )
        : c.firewalls.list(PEERLINK_NAME_FILTER);
    const e = await rejection(call);
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).status).toBe(status);
    // The fault was for those calls only.
    expect(await c.firewalls.list(PEERLINK_NAME_FILTER)).toEqual([]);
  });

  it('"peering operation in progress" is a TransientError', async () => {
    if (!t.sim) throw new Error('simulator target expected');
    const a = `vpc-ia-${t.suffix}`;
    const b = `vpc-ib-${t.suffix}`;
    await networkWithSubnet(t, a, subnetOf(t, a, `sub-ia-${t.suffix}`, '10.70.0.0/20'));
    await networkWithSubnet(t, b, subnetOf(t, b, `sub-ib-${t.suffix}`, '10.80.0.0/20'));
    await setFaults(t.sim, { 'compute.networks.addPeering': { peeringInProgress: 1 } });
    const { peeringToApi } = await import('../../functions/gcp/convert.ts');
    const e = await rejection(
      t.cloud.compute.networks.addPeering(
        a,
        peeringToApi(t.project, peeringOf(a, b)),
        rid(t, 'ip'),
      ),
    );
    expect(e).toBeInstanceOf(TransientError);
    expect((e as Error).message).toMatch(/peering operation in progress/);
    // Retrying after the conflict clears succeeds.
    await t.cloud.compute.networks.addPeering(
      a,
      peeringToApi(t.project, peeringOf(a, b)),
      rid(t, 'ip-retry'),
    );
  });
});

describe('compute adapter: operation waits are bounded (simulator timing)', () => {
  let t: Target;
  beforeAll(async () => {
    // Operations take 3 s; the adapter gives up after 300 ms; wait answers within 200 ms.
    t = await simTarget({ computeOperationTimeoutMs: 300 }, { operationMs: 3_000, waitCapMs: 200 });
  });
  afterAll(() => t?.close());

  it('an operation not DONE by the deadline is a TransientError (a retry with the requestId is safe)', async () => {
    const started = Date.now();
    const e = await rejection(
      t.cloud.compute.networks.insert({ name: `vpc-slow-${t.suffix}` }, rid(t, 'slow')),
    );
    expect(e).toBeInstanceOf(TransientError);
    expect((e as Error).message).toMatch(/not done in time|waiting for/);
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});
