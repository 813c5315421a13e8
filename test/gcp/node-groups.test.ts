/**
 * A cluster's instance groups as the FactsPort reads them (functions/gcp/facts.ts,
 * node-groups.ts), through the real clients against the simulator: managers resolved through
 * instanceGroupManagers.get, stale ones left out, deletes GKE runs, and GKE's own load-balanced
 * groups over the same nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiOperation } from '../../functions/gcp/container.ts';
import { blueGreenLeaving, runningDeletes } from '../../functions/gcp/node-groups.ts';
import { CLUSTERS } from '../sim/container/index.ts';
import type { JsonObject } from '../sim/core/store.ts';
import { networkWithSubnet, rid, subnetOf } from './fixtures.ts';
import { simTarget, type Target } from './target.ts';

const COMPUTE_URL = 'https://www.googleapis.com/compute/v1/';

describe('runningDeletes', () => {
  const link = (path: string) => `https://container.googleapis.com/v1/projects/p/zones/z/${path}`;
  const op = (o: ApiOperation): ApiOperation => o;
  it('names the pools and the cluster GKE is deleting, from running operations only', () => {
    const ops = [
      op({
        status: 'RUNNING',
        operationType: 'DELETE_NODE_POOL',
        targetLink: link('clusters/c/nodePools/a'),
      }),
      op({
        status: 'DONE',
        operationType: 'DELETE_NODE_POOL',
        targetLink: link('clusters/c/nodePools/b'),
      }),
      op({
        status: 'PENDING',
        operationType: 'CREATE_NODE_POOL',
        targetLink: link('clusters/c/nodePools/x'),
      }),
      op({
        status: 'RUNNING',
        operationType: 'DELETE_NODE_POOL',
        targetLink: link('clusters/other/nodePools/a'),
      }),
    ];
    expect(runningDeletes(ops, 'c')).toEqual({ cluster: false, pools: new Set(['a']) });
    const cluster = [op({ status: 2, operationType: 2, targetLink: link('clusters/c') })];
    expect(runningDeletes(cluster, 'c').cluster).toBe(true);
    expect(runningDeletes(cluster, 'd').cluster).toBe(false);
  });
});

describe('node groups in cluster facts (simulator)', { timeout: 60_000 }, () => {
  let t: Target;
  let cluster: string;
  const store = () => {
    if (!t.sim) throw new Error('simulator target expected');
    return t.sim.sim.store;
  };
  const facts = async () => {
    const f = await t.cloud.facts.cluster(t.zone, cluster);
    if (!f) throw new Error(`no facts for ${cluster}`);
    return f;
  };
  /** The stored managers of a pool, as GKE lists them. */
  const managers = (pool: string): string[] => {
    const c = store().get<JsonObject>(
      CLUSTERS,
      `projects/${t.project}/locations/${t.zone}/clusters/${cluster}`,
    );
    const np = ((c?.nodePools ?? []) as JsonObject[]).find((p) => p.name === pool);
    return ((np?.instanceGroupUrls ?? []) as string[]).map((u) => u.replace(COMPUTE_URL, ''));
  };

  beforeAll(async () => {
    // GKE deletes drain for a while, so that facts can be read while one runs.
    t = await simTarget({}, { containerOperationMs: 20, drainMs: 3_000 });
    cluster = `ng-${t.suffix}`;
    const net = `vpc-ng-${t.suffix}`;
    await networkWithSubnet(t, net, subnetOf(t, net, `sub-ng-${t.suffix}`, '10.140.0.0/20'));
    await t.cloud.resources.create(
      {
        kind: 'cluster',
        name: cluster,
        location: t.zone,
        network: net,
        subnetwork: `sub-ng-${t.suffix}`,
        mode: 'routes',
        podRange: '10.144.0.0/14',
        serviceRange: '10.151.240.0/20',
        nodeLocations: [t.zone],
      },
      rid(t, 'ng'),
    );
    await t.cloud.resources.create(
      {
        kind: 'nodePool',
        name: 'second',
        cluster,
        location: t.zone,
        nodeCount: 1,
        machineType: 'e2-small',
      },
      rid(t, 'ng-second'),
    );
  }, 60_000);
  afterAll(() => t?.close());

  it("names each pool's groups as its managers' instanceGroup says, not by the managers' names", async () => {
    const [manager] = managers('second');
    if (!manager) throw new Error('pool has no manager');
    const igm = store().get<JsonObject>('instanceGroupManagers', manager);
    // A manager whose group has another name: only instanceGroupManagers.get can tell.
    const group = store().get<JsonObject>(
      'instanceGroups',
      String(igm?.instanceGroup).replace(COMPUTE_URL, ''),
    );
    const renamed = `projects/${t.project}/zones/${t.zone}/instanceGroups/renamed-${t.suffix}`;
    store().put('instanceGroups', renamed, {
      ...group,
      name: `renamed-${t.suffix}`,
      selfLink: `${COMPUTE_URL}${renamed}`,
    });
    store().put('instanceGroupManagers', manager, {
      ...igm,
      instanceGroup: `${COMPUTE_URL}${renamed}`,
    });
    const pools = (await facts()).nodePools;
    expect(pools.find((p) => p.name === 'second')?.instanceGroups).toEqual([renamed]);
    expect(pools.find((p) => p.name === 'default-pool')?.instanceGroups).toEqual(
      managers('default-pool').map((m) => m.replace('/instanceGroupManagers/', '/instanceGroups/')),
    );
    expect(pools.map((p) => p.status)).toEqual(['RUNNING', 'RUNNING']);
    store().put('instanceGroupManagers', manager, igm as JsonObject);
  });

  it('leaves out a manager that is gone (404) instead of failing or sending it as a backend', async () => {
    const [manager] = managers('second');
    if (!manager) throw new Error('pool has no manager');
    const igm = store().get<JsonObject>('instanceGroupManagers', manager);
    store().delete('instanceGroupManagers', manager);
    try {
      const pool = (await facts()).nodePools.find((p) => p.name === 'second');
      expect(pool?.instanceGroups).toEqual([]);
    } finally {
      store().put('instanceGroupManagers', manager, igm as JsonObject);
    }
  });

  it("reports GKE's k8s-ig-- groups that hold the cluster's nodes, and only those", async () => {
    expect((await facts()).gkeLoadBalancedGroups).toEqual([]);
    const [manager] = managers('default-pool');
    const igm = store().get<JsonObject>('instanceGroupManagers', String(manager));
    const nodes = store().get<JsonObject>(
      'instanceGroups',
      String(igm?.instanceGroup).replace(COMPUTE_URL, ''),
    );
    // Unmanaged groups as GKE's service controller makes them for an internal LoadBalancer
    // Service (the simulator serves no instanceGroups.insert, so they are put in its store).
    const k8s = (name: string, members: unknown[]) => {
      const key = `projects/${t.project}/zones/${t.zone}/instanceGroups/${name}`;
      store().put('instanceGroups', key, {
        kind: 'compute#instanceGroup',
        id: '1',
        name,
        zone: `${COMPUTE_URL}projects/${t.project}/zones/${t.zone}`,
        network: nodes?.network,
        size: members.length,
        members,
        selfLink: `${COMPUTE_URL}${key}`,
      });
      return key;
    };
    const members = (nodes?.members ?? []) as string[];
    expect(members.length).toBeGreaterThan(0);
    const holding = k8s(`k8s-ig--${t.suffix}00aa`, members.slice(0, 1));
    k8s(`k8s-ig--${t.suffix}00bb`, []);
    k8s(`other-${t.suffix}`, members);
    expect((await facts()).gkeLoadBalancedGroups).toEqual([holding]);
    store().delete('instanceGroups', holding);
  });

  it("names the groups of a blue-green upgrade's blue pool once it drains", async () => {
    const key = `projects/${t.project}/locations/${t.zone}/clusters/${cluster}`;
    const stored = store().get<JsonObject>(CLUSTERS, key);
    const np = ((stored?.nodePools ?? []) as JsonObject[]).find((p) => p.name === 'second');
    if (!stored || !np) throw new Error('no stored pool');
    const blue = String((np.instanceGroupUrls as string[])[0]);
    // What GKE reports while it soaks (NodePool.updateInfo.blueGreenInfo); the simulator runs
    // no blue-green upgrade, so the stored pool says it.
    np.updateInfo = {
      blueGreenInfo: { phase: 'NODE_POOL_SOAKING', blueInstanceGroupUrls: [blue] },
    };
    try {
      const pool = (await facts()).nodePools.find((p) => p.name === 'second');
      expect(pool?.leavingGroups).toEqual([
        String(blue)
          .replace(COMPUTE_URL, '')
          .replace('/instanceGroupManagers/', '/instanceGroups/'),
      ]);
      expect(pool?.instanceGroups).toEqual(pool?.leavingGroups);
    } finally {
      delete np.updateInfo;
    }
  });

  it('marks a pool GKE is deleting, and drops nothing else', async () => {
    const op = await fetch(
      `${t.sim?.url}/v1/projects/${t.project}/locations/${t.zone}/clusters/${cluster}/nodePools/second`,
      { method: 'DELETE', headers: { authorization: 'Bearer principal:someone@example.com' } },
    );
    expect(op.status).toBe(200);
    const during = await facts();
    expect(during.nodePools.find((p) => p.name === 'second')).toMatchObject({
      status: 'STOPPING',
      deleting: true,
    });
    expect(during.nodePools.find((p) => p.name === 'default-pool')?.deleting).toBeUndefined();
    expect(during.deleting).toBeUndefined();
  });
});

describe('blueGreenLeaving', () => {
  const info = (phase: unknown) => ({
    phase,
    blueInstanceGroupUrls: ['blue'],
    greenInstanceGroupUrls: ['green'],
  });
  it.each([
    ['UPDATE_STARTED', []],
    ['CREATING_GREEN_POOL', []],
    ['CORDONING_BLUE_POOL', []],
    ['DRAINING_BLUE_POOL', ['blue']],
    ['NODE_POOL_SOAKING', ['blue']],
    ['DELETING_BLUE_POOL', ['blue']],
    [6, ['blue']],
    ['ROLLBACK_STARTED', ['green']],
    [7, ['green']],
  ])('in phase %s: %j', (phase, want) => {
    expect(blueGreenLeaving(info(phase))).toEqual(want);
  });
  it('is nothing without an upgrade', () => {
    expect(blueGreenLeaving(undefined)).toEqual([]);
    expect(blueGreenLeaving(null)).toEqual([]);
  });
});
