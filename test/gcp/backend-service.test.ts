/**
 * The backend service adapter takes the last backend out: the client drops an empty list from a
 * merge patch, so a patch would leave the groups there and GKE's delete of their pool or cluster
 * would fail. Through the real client against the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackendService,
  type HealthCheck,
  keyOf,
} from '../../functions/core/model/resources.ts';
import { createNodeGroup } from '../sim/compute/groups.ts';
import { DESCRIPTION, networkWithSubnet, rid, subnetOf } from './fixtures.ts';
import { simTarget, type Target } from './target.ts';

describe('backend service updates (simulator)', { timeout: 30_000 }, () => {
  let t: Target;
  let bs: BackendService;
  const groups: string[] = [];

  const stored = async (): Promise<string[]> => {
    const o = (
      await t.cloud.resources.list({
        networks: [],
        regions: [t.region],
        clusters: [],
        kubeNames: [],
      })
    ).find((x) => keyOf(x.resource) === keyOf(bs));
    return o?.resource.kind === 'backendService' ? [...o.resource.backends] : [];
  };
  const observed = async () => {
    const o = (
      await t.cloud.resources.list({
        networks: [],
        regions: [t.region],
        clusters: [],
        kubeNames: [],
      })
    ).find((x) => keyOf(x.resource) === keyOf(bs));
    if (!o) throw new Error('backend service not listed');
    return o;
  };

  beforeAll(async () => {
    t = await simTarget();
    const net = `vpc-bs-${t.suffix}`;
    await networkWithSubnet(t, net, subnetOf(t, net, `sub-bs-${t.suffix}`, '10.160.0.0/20'));
    for (const pool of ['a', 'b']) {
      if (!t.sim) throw new Error('simulator target expected');
      // Node groups as the simulated GKE makes them for a pool.
      const g = createNodeGroup(t.sim.sim, {
        project: t.project,
        zone: t.zone,
        cluster: `bs-${t.suffix}`,
        nodePool: pool,
        nodeCount: 1,
        network: `global/networks/${net}`,
        subnetwork: `regions/${t.region}/subnetworks/sub-bs-${t.suffix}`,
      });
      groups.push(`projects/${t.project}/zones/${t.zone}/instanceGroups/${g.name}`);
    }
    const hc: HealthCheck = {
      kind: 'healthCheck',
      name: `peerlink-bs-hc-${t.suffix}`,
      region: t.region,
      port: 30090,
      description: DESCRIPTION,
    };
    bs = {
      kind: 'backendService',
      name: `peerlink-bs-bs-${t.suffix}`,
      region: t.region,
      network: net,
      healthCheck: hc.name,
      backends: [...groups].sort(),
      description: DESCRIPTION,
    };
    await t.cloud.resources.create(hc, rid(t, 'hc'));
    await t.cloud.resources.create(bs, rid(t, 'bs'));
  });
  afterAll(() => t?.close());

  it('drops one backend of two (a patch)', async () => {
    const one = [...groups].sort().slice(1);
    await t.cloud.resources.update({ ...bs, backends: one }, await observed(), rid(t, 'one'));
    expect(await stored()).toEqual(one);
  });

  it('drops the last backend (a full replacement), and the rest of the service stays', async () => {
    await t.cloud.resources.update({ ...bs, backends: [] }, await observed(), rid(t, 'none'));
    expect(await stored()).toEqual([]);
    const o = await observed();
    expect(o.resource).toMatchObject({ healthCheck: bs.healthCheck, network: bs.network });
    expect(o.owned).toBe(true);
  });

  it('takes backends again after that', async () => {
    await t.cloud.resources.update(bs, await observed(), rid(t, 'again'));
    expect(await stored()).toEqual(bs.backends);
  });
});
