/**
 * Contract of the GKE adapter (functions/gcp/container.ts) and the cluster facts built on it,
 * through the real @google-cloud/container client: against the simulator, and a real project
 * when PEERLINK_LIVE_PROJECT is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlreadyExistsError, TerminalError } from '../../functions/core/errors.ts';
import type { ClusterResource, NodePoolResource } from '../../functions/core/model/resources.ts';
import { normalise } from '../../functions/core/plan/normalise.ts';
import { clusterFromApi, clusterToApi, nodePoolFromApi } from '../../functions/gcp/container.ts';
import { networkWithSubnet, subnetOf } from './fixtures.ts';
import { rejection, type Target, targets } from './target.ts';

for (const spec of targets('container adapter')) {
  describe.skipIf(spec.skip)(spec.name, { timeout: spec.timeout }, () => {
    let t: Target;
    let routes: ClusterResource;
    let native: ClusterResource;
    let pools: NodePoolResource[];
    beforeAll(async () => {
      t = await spec.start();
      const net = `vpc-k-${t.suffix}`;
      await networkWithSubnet(
        t,
        net,
        subnetOf(t, net, `nodes-k-${t.suffix}`, '10.20.0.0/20', [
          { name: 'pods', range: '10.24.0.0/14' },
          { name: 'services', range: '10.28.0.0/20' },
        ]),
      );
      const zones = [t.zone, t.zone.replace(/-[a-z]$/, '-c')];
      routes = {
        kind: 'cluster',
        name: `rt-${t.suffix}`,
        location: t.zone,
        network: net,
        subnetwork: `nodes-k-${t.suffix}`,
        mode: 'routes',
        podRange: '10.100.0.0/14',
        // GKE puts a routes-based cluster's services in the last /20 of its pod range.
        serviceRange: '10.103.240.0/20',
        nodeLocations: zones,
        datapath: 'legacy',
      };
      native = {
        ...routes,
        name: `vn-${t.suffix}`,
        mode: 'vpc-native',
        podRange: 'pods',
        serviceRange: 'services',
        nodeLocations: [t.zone],
        // Dataplane V2 (ADVANCED_DATAPATH) needs a VPC-native cluster.
        datapath: 'dataplane-v2',
      };
      pools = ['pool-a', 'pool-b'].map((name) => ({
        kind: 'nodePool',
        name,
        cluster: routes.name,
        location: routes.location,
        nodeCount: 1,
        machineType: 'e2-small',
      }));
      const c = t.cloud.container;
      await c.createCluster(routes, pools.slice(0, 1));
      t.defer(() => c.deleteCluster(routes.location, routes.name));
      await c.createNodePool(pools[1] as NodePoolResource);
      await c.createCluster(native, [{ ...(pools[0] as NodePoolResource), cluster: native.name }]);
      t.defer(() => c.deleteCluster(native.location, native.name));
    }, 3_600_000);
    afterAll(() => t?.close(), 3_600_000);

    it('a routes-based cluster reads back as created', async () => {
      const got = await t.cloud.container.getCluster(routes.location, routes.name);
      expect(got && normalise(clusterFromApi(routes.location, got))).toEqual(normalise(routes));
      expect(got?.resourceLabels?.['managed-by']).toBe('peerlink');
    });

    it('a VPC-native cluster reads back with its secondary range names and Dataplane V2', async () => {
      const got = await t.cloud.container.getCluster(native.location, native.name);
      expect(got && normalise(clusterFromApi(native.location, got))).toEqual(normalise(native));
    });

    it('node pools read back as created, initial and added', async () => {
      for (const p of pools) {
        const got = await t.cloud.container.getNodePool(p.location, p.cluster, p.name);
        expect(got && nodePoolFromApi(p.location, p.cluster, got)).toEqual(p);
      }
    });

    it('a missing cluster or pool is null; creating an existing cluster is AlreadyExists', async () => {
      const c = t.cloud.container;
      expect(await c.getCluster(t.zone, `missing-${t.suffix}`)).toBeNull();
      expect(await c.getNodePool(routes.location, routes.name, 'missing')).toBeNull();
      expect(await rejection(c.createCluster(routes, pools.slice(0, 1)))).toBeInstanceOf(
        AlreadyExistsError,
      );
    });

    it('a second pool with a taken name is AlreadyExists; a cluster in a missing network is Terminal', async () => {
      const c = t.cloud.container;
      expect(await rejection(c.createNodePool(pools[1] as NodePoolResource))).toBeInstanceOf(
        AlreadyExistsError,
      );
      const e = await rejection(
        c.createCluster({ ...routes, name: `nonet-${t.suffix}`, network: `none-${t.suffix}` }, []),
      );
      expect(e).toBeInstanceOf(TerminalError);
    });

    it('clusters are listed by location and across locations', async () => {
      const names = (await t.cloud.container.listClusters('-')).map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining([routes.name, native.name]));
    });

    it('cluster facts: every pool with the instance groups of every zone, and the node tag', async () => {
      const f = await t.cloud.facts.cluster(routes.location, routes.name);
      expect(f?.status).toBe('RUNNING');
      expect(f?.nodePools.map((p) => p.name).sort()).toEqual(['pool-a', 'pool-b']);
      for (const p of f?.nodePools ?? []) {
        expect(p.instanceGroups).toHaveLength(routes.nodeLocations.length);
        for (const g of p.instanceGroups)
          expect(g).toMatch(
            new RegExp(`^projects/${t.project}/zones/[a-z0-9-]+/instanceGroups/[a-z0-9-]+$`),
          );
        expect(p.instanceGroups.map((g) => g.split('/')[3]).sort()).toEqual(
          [...routes.nodeLocations].sort(),
        );
      }
      expect(f?.nodeTags).toHaveLength(1);
      expect(f?.nodeTags[0]).toMatch(new RegExp(`^gke-${routes.name}-[0-9a-f]+-node$`));
      // Observed from the cluster's Kubernetes API.
      expect(typeof f?.runsIpMasqAgent).toBe('boolean');
      expect(f?.datapath).toBe('legacy');
      expect((await t.cloud.facts.cluster(native.location, native.name))?.datapath).toBe(
        'dataplane-v2',
      );
    });

    it('cluster facts: the services range GKE chose for a routes-based cluster', async () => {
      const f = await t.cloud.facts.cluster(routes.location, routes.name);
      expect(f?.serviceRange).toBe('10.103.240.0/20');
    });

    it('cluster facts of a missing cluster are null', async () => {
      expect(await t.cloud.facts.cluster(t.zone, `missing-${t.suffix}`)).toBeNull();
    });
  });
}

describe('clusterToApi', () => {
  const routes: ClusterResource = {
    kind: 'cluster',
    name: 'rt',
    location: 'europe-west1-b',
    network: 'vpc',
    subnetwork: 'nodes',
    mode: 'routes',
    podRange: '10.100.0.0/14',
    serviceRange: '10.104.0.0/20',
    nodeLocations: ['europe-west1-b'],
  };

  it('sends a routes-based cluster its pod range and no services range, which GKE chooses', () => {
    // Cluster.servicesIpv4Cidr is output only, and gcloud refuses --services-ipv4-cidr without
    // --enable-ip-alias (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters).
    const req = clusterToApi(routes, []);
    expect(req.clusterIpv4Cidr).toBe('10.100.0.0/14');
    expect(req).not.toHaveProperty('servicesIpv4Cidr');
    expect(req.ipAllocationPolicy).toEqual({ useIpAliases: false, useRoutes: true });
  });

  it('names a VPC-native cluster its secondary ranges', () => {
    const req = clusterToApi(
      { ...routes, mode: 'vpc-native', podRange: 'pods', serviceRange: 'services' },
      [],
    );
    expect(req.ipAllocationPolicy).toEqual({
      useIpAliases: true,
      clusterSecondaryRangeName: 'pods',
      servicesSecondaryRangeName: 'services',
    });
  });
});
