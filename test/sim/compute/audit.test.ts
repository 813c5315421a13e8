import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { triggerFromEvent } from '../../../functions/core/events/index.ts';
import type { LogEntry } from '../core/audit.ts';
import {
  computeHarness,
  type Harness,
  networkWithSubnet,
  PRINCIPAL,
  rejection,
} from './harness.ts';

let h: Harness;
beforeEach(async () => {
  await h?.close();
  h = await computeHarness();
});
afterAll(async () => {
  await h?.close();
});

type Entry = LogEntry & {
  operation?: { id: string; producer: string; first?: boolean; last?: boolean };
  resource: { type: string; labels: Record<string, string> };
  severity: string;
};
const payload = (e: Entry) =>
  e.protoPayload as {
    methodName: string;
    resourceName: string;
    serviceName: string;
    authenticationInfo: { principalEmail: string };
    request?: Record<string, unknown>;
    response?: Record<string, unknown>;
    status?: { code: number; message: string };
  };

async function logs(since = 0): Promise<Entry[]> {
  return ((await h.control('GET', `logs?since=${since}`)) as { entries: Entry[] }).entries;
}

describe('audit log', () => {
  it('writes first and last records that share operation.id, with methodName, resourceName and the caller', async () => {
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'net', autoCreateSubnetworks: false },
      }),
    );
    const [first, last] = await logs();
    expect(first?.logName).toBe('projects/p/logs/cloudaudit.googleapis.com%2Factivity');
    expect(first?.operation).toEqual({
      id: expect.stringMatching(/^operation-/),
      producer: 'compute.googleapis.com',
      first: true,
    });
    expect(last?.operation).toEqual({
      id: first?.operation?.id,
      producer: 'compute.googleapis.com',
      last: true,
    });
    for (const e of [first, last] as Entry[]) {
      expect(payload(e)).toMatchObject({
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        serviceName: 'compute.googleapis.com',
        methodName: 'v1.compute.networks.insert',
        resourceName: 'projects/p/global/networks/net',
        authenticationInfo: { principalEmail: PRINCIPAL },
      });
      expect(e.resource).toMatchObject({ type: 'gce_network', labels: { project_id: 'p' } });
      expect(e.severity).toBe('NOTICE');
    }
    expect(payload(first as Entry).request).toMatchObject({
      '@type': 'type.googleapis.com/compute.networks.insert',
      name: 'net',
    });
    expect(payload(first as Entry).response).toMatchObject({
      '@type': 'type.googleapis.com/operation',
      name: first?.operation?.id,
      status: 'PENDING',
      user: PRINCIPAL,
    });
    expect(payload(last as Entry).response).toBeUndefined();
    // The new resource's id is known from the start: targetId and the resource label agree.
    const [net] = await h.c.networks.get({ project: 'p', network: 'net' });
    expect(payload(first as Entry).response?.targetId).toBe(net.id);
    expect(first?.resource.labels.network_id).toBe(net.id);
    expect(last?.resource.labels.network_id).toBe(net.id);
  });

  it.each([
    ['v1.compute.firewalls.insert', 'projects/p/global/firewalls/peerlink-fw', 'gce_firewall_rule'],
    [
      'v1.compute.subnetworks.insert',
      'projects/p/regions/us-central1/subnetworks/s',
      'gce_subnetwork',
    ],
    ['v1.compute.networks.addPeering', 'projects/p/global/networks/a', 'gce_network'],
    [
      'v1.compute.regionHealthChecks.insert',
      'projects/p/regions/us-central1/healthChecks/hc',
      'gce_health_check',
    ],
    [
      'v1.compute.regionBackendServices.insert',
      'projects/p/regions/us-central1/backendServices/bs',
      'gce_backend_service',
    ],
    [
      'v1.compute.regionBackendServices.patch',
      'projects/p/regions/us-central1/backendServices/bs',
      'gce_backend_service',
    ],
    [
      'v1.compute.forwardingRules.insert',
      'projects/p/regions/us-central1/forwardingRules/fr',
      'gce_forwarding_rule',
    ],
  ])('names %s on %s (%s)', async (methodName, resourceName, type) => {
    await networkWithSubnet(h, 'a', { name: 's', range: '10.0.0.0/24' });
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'b', autoCreateSubnetworks: false },
      }),
    );
    await h.done(
      await h.c.firewalls.insert({
        project: 'p',
        firewallResource: {
          name: 'peerlink-fw',
          network: 'global/networks/a',
          allowed: [{ IPProtocol: 'tcp' }],
        },
      }),
    );
    await h.done(
      await h.c.networks.addPeering({
        project: 'p',
        network: 'a',
        networksAddPeeringRequestResource: {
          networkPeering: { name: 'ab', network: 'global/networks/b', exchangeSubnetRoutes: true },
        },
      }),
    );
    const R = 'us-central1';
    await h.done(
      await h.c.healthChecks.insert({
        project: 'p',
        region: R,
        healthCheckResource: { name: 'hc', type: 'TCP', tcpHealthCheck: { port: 80 } },
      }),
    );
    await h.done(
      await h.c.backendServices.insert({
        project: 'p',
        region: R,
        backendServiceResource: {
          name: 'bs',
          loadBalancingScheme: 'INTERNAL',
          healthChecks: [`regions/${R}/healthChecks/hc`],
        },
      }),
    );
    const [bs] = await h.c.backendServices.get({ project: 'p', region: R, backendService: 'bs' });
    await h.done(
      await h.c.backendServices.patch({
        project: 'p',
        region: R,
        backendService: 'bs',
        backendServiceResource: { fingerprint: bs.fingerprint, timeoutSec: 60 },
      }),
    );
    await h.done(
      await h.c.forwardingRules.insert({
        project: 'p',
        region: R,
        forwardingRuleResource: {
          name: 'fr',
          loadBalancingScheme: 'INTERNAL',
          ports: ['80'],
          backendService: `regions/${R}/backendServices/bs`,
          subnetwork: `regions/${R}/subnetworks/s`,
        },
      }),
    );
    const mine = (await logs()).filter((e) => payload(e).methodName === methodName);
    expect(
      mine.map((e) => [
        payload(e).resourceName,
        e.resource.type,
        e.operation?.first ?? false,
        e.operation?.last ?? false,
      ]),
    ).toEqual([
      [resourceName, type, true, false],
      [resourceName, type, false, true],
    ]);
  });

  it('writes nothing for reads and an ERROR entry with status for a refused mutation', async () => {
    await h.c.networks.list({ project: 'p' });
    await rejection(h.c.networks.get({ project: 'p', network: 'none' }));
    expect(await logs()).toEqual([]);
    await rejection(h.c.networks.delete({ project: 'p', network: 'none' }));
    const [e] = await logs();
    expect(e?.severity).toBe('ERROR');
    expect(payload(e as Entry).status).toEqual({
      code: 5,
      message: "The resource 'projects/p/global/networks/none' was not found",
    });
    expect(e?.operation).toBeUndefined();
  });

  it('names the default principal when the token does not', async () => {
    const res = await fetch(`${h.url}/compute/v1/projects/p/global/networks`, {
      method: 'POST',
      headers: { authorization: 'Bearer ya29.something', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'anon', autoCreateSubnetworks: false }),
    });
    expect(((await res.json()) as { user: string }).user).toBe('user@example.com');
    const [e] = await logs();
    expect(payload(e as Entry).authenticationInfo.principalEmail).toBe('user@example.com');
  });

  it('lists from an index with ?since=', async () => {
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'one', autoCreateSubnetworks: false },
      }),
    );
    const { next } = (await h.control('GET', 'logs')) as { next: number };
    expect(next).toBe(2);
    await h.done(
      await h.c.networks.insert({
        project: 'p',
        networkResource: { name: 'two', autoCreateSubnetworks: false },
      }),
    );
    const later = await logs(next);
    expect(later.map((e) => payload(e).resourceName)).toEqual([
      'projects/p/global/networks/two',
      'projects/p/global/networks/two',
    ]);
  });

  it('addPeering entries classify like the synthesized samples in test/fixtures/events', async () => {
    await networkWithSubnet(h, 'vpc-a', { name: 's', range: '10.0.0.0/24' }, 'acme-net-host');
    await h.done(
      await h.c.networks.insert({
        project: 'acme-apps',
        networkResource: { name: 'vpc-b', autoCreateSubnetworks: false },
      }),
      'acme-apps',
    );
    await h.done(
      await h.c.networks.addPeering({
        project: 'acme-net-host',
        network: 'vpc-a',
        networksAddPeeringRequestResource: {
          networkPeering: {
            name: 'vpc-a-to-vpc-b',
            network:
              'https://www.googleapis.com/compute/v1/projects/acme-apps/global/networks/vpc-b',
            exchangeSubnetRoutes: true,
          },
        },
      }),
      'acme-net-host',
    );
    const sim = (await logs()).filter(
      (e) => payload(e).methodName === 'v1.compute.networks.addPeering',
    );
    const fixture = (name: string) =>
      JSON.parse(
        readFileSync(path.resolve(import.meta.dirname, '../../fixtures/events', name), 'utf8'),
      ) as unknown;
    const essentials = (t: ReturnType<typeof triggerFromEvent>) => ({
      action: t.action,
      kind: t.kind,
      project: t.project,
      scope: t.scope,
    });
    expect(sim.map((e) => essentials(triggerFromEvent(e)))).toEqual([
      essentials(triggerFromEvent(fixture('peering-add-first.json'))),
      essentials(triggerFromEvent(fixture('peering-add-last.json'))),
    ]);
  });
});
