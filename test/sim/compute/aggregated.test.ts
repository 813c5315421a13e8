/**
 * aggregatedList of every collection gcloud and the clients list across scopes: `GET
 * projects/P/aggregated/<collection>` answers `items: {"<scope>": {<collection>: [...]} |
 * {warning}}` (e.g. https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules/aggregatedList).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeGroup } from './groups.ts';
import {
  computeHarness,
  type Harness,
  internalLoadBalancer,
  networkWithSubnet,
} from './harness.ts';

let h: Harness;
const R = 'us-central1';
const R2 = 'europe-west1';
const link = (path: string) => `https://www.googleapis.com/compute/v1/projects/p/${path}`;

interface Scoped {
  warning?: { code: string; message: string; data: { key: string; value: string }[] };
  [collection: string]: unknown;
}
interface Aggregated {
  kind: string;
  id: string;
  selfLink: string;
  items: Record<string, Scoped>;
  nextPageToken?: string;
}

async function aggregated(collection: string, query = ''): Promise<Aggregated> {
  const res = await fetch(`${h.url}/compute/v1/projects/p/aggregated/${collection}${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Aggregated;
}

const names = (a: Aggregated, scope: string, collection: string): string[] =>
  ((a.items[scope]?.[collection] as { name: string }[] | undefined) ?? []).map((r) => r.name);

beforeAll(async () => {
  h = await computeHarness();
  await networkWithSubnet(h, 'vpc', { name: 'nodes', region: R, range: '10.10.0.0/24' });
  await networkWithSubnet(h, 'vpc', { name: 'nodes-eu', region: R2, range: '10.20.0.0/24' });
  createNodeGroup(h.sim, {
    project: 'p',
    zone: `${R}-a`,
    cluster: 'c',
    nodePool: 'pool',
    nodeCount: 2,
    network: 'global/networks/vpc',
    subnetwork: `regions/${R}/subnetworks/nodes`,
  });
  await internalLoadBalancer(h, R);
});
afterAll(async () => {
  await h?.close();
});

describe('aggregated lists', () => {
  it.each([
    ['forwardingRules', 'compute#forwardingRuleAggregatedList', ['fr'], `regions/${R2}`],
    ['backendServices', 'compute#backendServiceAggregatedList', ['bs'], `regions/${R2}`],
    ['healthChecks', 'compute#healthChecksAggregatedList', ['hc'], `regions/${R2}`],
    ['subnetworks', 'compute#subnetworkAggregatedList', ['nodes'], undefined],
  ])(
    '%s: items by region, a warning for a known region without any',
    async (collection, kind, want, empty) => {
      const a = await aggregated(collection);
      expect(a.kind).toBe(kind);
      expect(a.id).toBe(`projects/p/aggregated/${collection}`);
      expect(a.selfLink).toBe(link(`aggregated/${collection}`));
      expect(names(a, `regions/${R}`, collection)).toEqual(want);
      if (empty) {
        expect(a.items[empty]).toEqual({
          warning: {
            code: 'NO_RESULTS_ON_PAGE',
            message: `There are no results for scope '${empty}' on this page.`,
            data: [{ key: 'scope', value: empty }],
          },
        });
      }
    },
  );

  it('instances and managed instance groups by zone', async () => {
    const vms = await aggregated('instances');
    expect(vms.kind).toBe('compute#instanceAggregatedList');
    expect(names(vms, `zones/${R}-a`, 'instances')).toHaveLength(2);
    const igms = await aggregated('instanceGroupManagers');
    expect(igms.kind).toBe('compute#instanceGroupManagerAggregatedList');
    expect(names(igms, `zones/${R}-a`, 'instanceGroupManagers')).toHaveLength(1);
    const igs = await aggregated('instanceGroups');
    expect(names(igs, `zones/${R}-a`, 'instanceGroups')).toHaveLength(1);
  });

  it('operations of every scope: global, regions and zones', async () => {
    const ops = await aggregated('operations');
    expect(ops.kind).toBe('compute#operationAggregatedList');
    const types = (scope: string) =>
      ((ops.items[scope]?.operations as { operationType: string }[] | undefined) ?? []).map(
        (o) => o.operationType,
      );
    expect(types('global')).toEqual(['insert']);
    expect(types(`regions/${R}`).sort()).toEqual(['insert', 'insert', 'insert', 'insert']);
  });

  it('applies the filter to the items and pages with maxResults', async () => {
    const a = await aggregated('instances', `?filter=${encodeURIComponent('(status eq RUNNING)')}`);
    expect(names(a, `zones/${R}-a`, 'instances')).toHaveLength(2);
    const none = await aggregated(
      'forwardingRules',
      `?filter=${encodeURIComponent('name = nope')}`,
    );
    expect(none.items[`regions/${R}`]?.warning?.code).toBe('NO_RESULTS_ON_PAGE');
    const first = await aggregated('instances', '?maxResults=1');
    expect(names(first, `zones/${R}-a`, 'instances')).toHaveLength(1);
    expect(first.nextPageToken).toBeTruthy();
    const second = await aggregated('instances', `?maxResults=1&pageToken=${first.nextPageToken}`);
    expect(names(second, `zones/${R}-a`, 'instances')).toHaveLength(1);
    expect(second.nextPageToken).toBeUndefined();
  });

  it('is what the client library reads', async () => {
    const seen: string[] = [];
    for await (const [scope, list] of h.c.forwardingRules.aggregatedListAsync({ project: 'p' })) {
      for (const fr of list.forwardingRules ?? []) seen.push(`${scope}/${fr.name}`);
    }
    expect(seen).toEqual([`regions/${R}/fr`]);
  });
});
