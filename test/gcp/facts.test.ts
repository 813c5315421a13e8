/**
 * Contract of the FactsPort (functions/gcp/facts.ts): peerings and imported ranges of a
 * network, and a cluster's pools, tags and ip-masq-agent, through the real clients. Runs
 * against the simulator, and a real project when PEERLINK_LIVE_PROJECT is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_BY_LABEL } from '../../functions/core/model/resources.ts';
import { networkWithSubnet, peeringOf, rid, subnetOf } from './fixtures.ts';
import { type Target, targets } from './target.ts';

for (const spec of targets('facts port')) {
  describe.skipIf(spec.skip)(spec.name, { timeout: spec.timeout }, () => {
    let t: Target;
    let a: string;
    let b: string;
    beforeAll(async () => {
      t = await spec.start();
      a = `vpc-fa-${t.suffix}`;
      b = `vpc-fb-${t.suffix}`;
      await networkWithSubnet(t, a, subnetOf(t, a, `sub-fa-${t.suffix}`, '10.110.0.0/20'));
      await networkWithSubnet(
        t,
        b,
        subnetOf(t, b, `sub-fb-${t.suffix}`, '10.120.0.0/20', [
          { name: 'pods', range: '10.124.0.0/14' },
        ]),
      );
    }, 600_000);
    afterAll(() => t?.close(), 600_000);

    it('a network without peerings imports nothing; a missing network is null', async () => {
      expect(await t.cloud.facts.network(a)).toEqual({ name: a, peerings: [], importedRanges: [] });
      expect(await t.cloud.facts.network(`vpc-none-${t.suffix}`)).toBeNull();
    });

    it('a peering is INACTIVE with one side and imports nothing; ACTIVE with both, and the peer ranges are imported', async () => {
      const port = t.cloud.resources;
      const ab = peeringOf(a, b);
      const ba = peeringOf(b, a);
      await port.create(ab, rid(t, 'ab'));
      t.defer(() => t.cloud.compute.networks.removePeering(a, ab.name, rid(t, 'unpeer-ab')));
      expect(await t.cloud.facts.network(a)).toEqual({
        name: a,
        peerings: [{ name: ab.name, peerNetwork: b, state: 'INACTIVE' }],
        importedRanges: [],
      });

      await port.create(ba, rid(t, 'ba'));
      t.defer(() => t.cloud.compute.networks.removePeering(b, ba.name, rid(t, 'unpeer-ba')));
      const fa = await t.cloud.facts.network(a);
      expect(fa?.peerings).toEqual([{ name: ab.name, peerNetwork: b, state: 'ACTIVE' }]);
      // Subnet routes cover primary and secondary ranges (https://cloud.google.com/vpc/docs/vpc-peering#subnet-routes).
      expect(fa?.importedRanges).toEqual(['10.120.0.0/20', '10.124.0.0/14']);
      const fb = await t.cloud.facts.network(b);
      expect(fb?.peerings).toEqual([{ name: ba.name, peerNetwork: a, state: 'ACTIVE' }]);
      expect(fb?.importedRanges).toEqual(['10.110.0.0/20']);

      // Infra reads of the peering sides match what was created.
      const listed = await port.list({
        networks: [],
        regions: [],
        clusters: [],
        kubeNames: [],
        infra: [ab, ba],
      });
      expect(listed.map((o) => o.resource)).toEqual([ab, ba]);
    });

    it("a cluster running GKE's ip-masq-agent is observed as such", async () => {
      const cluster = `fc-${t.suffix}`;
      await t.cloud.resources.create(
        {
          kind: 'cluster',
          name: cluster,
          location: t.zone,
          network: a,
          subnetwork: `sub-fa-${t.suffix}`,
          mode: 'routes',
          podRange: '10.128.0.0/14',
          serviceRange: '10.131.240.0/20',
          nodeLocations: [t.zone],
        },
        rid(t, 'fc'),
      );
      t.defer(() => t.cloud.container.deleteCluster(t.zone, cluster));
      const before = await t.cloud.facts.cluster(t.zone, cluster);
      expect(before?.nodePools.map((p) => p.name)).toEqual(['default-pool']);
      expect(before?.nodeTags).toHaveLength(1);
      if (t.sim) {
        // On the simulator nothing installs the agent; install it as GKE would.
        expect(before?.runsIpMasqAgent).toBe(false);
        await t.cloud.kube.apply(
          cluster,
          {
            apiVersion: 'apps/v1',
            kind: 'DaemonSet',
            metadata: {
              name: 'ip-masq-agent',
              namespace: 'kube-system',
              labels: { [MANAGED_BY_LABEL]: 'gke' },
            },
            spec: {
              selector: { matchLabels: { 'k8s-app': 'ip-masq-agent' } },
              template: {
                metadata: { labels: { 'k8s-app': 'ip-masq-agent' } },
                spec: { containers: [{ name: 'ip-masq-agent', image: 'ip-masq-agent:v2' }] },
              },
            },
          },
          false,
        );
        expect((await t.cloud.facts.cluster(t.zone, cluster))?.runsIpMasqAgent).toBe(true);
      } else expect(typeof before?.runsIpMasqAgent).toBe('boolean');
    });
  });
}
