/**
 * Autopilot through the adapters (functions/gcp/container.ts, facts.ts, kube.ts and the
 * EgressNATPolicy adapter of kinds/kube.ts), with the real clients: an Autopilot cluster is
 * created and read back as such, its facts carry `autopilot` and its `default` EgressNATPolicy,
 * and peerlink's edit of that policy is listed, patched under its resourceVersion and undone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editPolicy } from '../../functions/core/desire/egress-nat.ts';
import { PreconditionFailedError } from '../../functions/core/errors.ts';
import {
  ADDED_ANNOTATION,
  DEFAULT_EGRESS_NAT_POLICY,
  EGRESS_NAT_POLICY_API_VERSION,
  EGRESS_NAT_POLICY_KIND,
  GKE_DEFAULT_POLICY,
  REMOVED_ANNOTATION,
} from '../../functions/core/manifests/egress-nat-policy.ts';
import type {
  ClusterResource,
  EgressNatPolicyEdit,
  Observed,
} from '../../functions/core/model/resources.ts';
import { normalise } from '../../functions/core/plan/normalise.ts';
import type { ListScope } from '../../functions/core/ports.ts';
import { clusterFromApi } from '../../functions/gcp/container.ts';
import { networkWithSubnet, rid, subnetOf } from './fixtures.ts';
import { rejection, type Target, targets } from './target.ts';

for (const spec of targets('Autopilot adapters')) {
  describe.skipIf(spec.skip)(spec.name, { timeout: spec.timeout }, () => {
    let t: Target;
    let autopilot: ClusterResource;
    let scope: ListScope;

    /** peerlink's view of the cluster's default policy. */
    const observedPolicy = async (): Promise<Observed<EgressNatPolicyEdit>> => {
      const listed = (await t.cloud.resources.list(scope)).filter(
        (o) => o.resource.kind === 'egressNatPolicy',
      );
      expect(listed).toHaveLength(1);
      return listed[0] as Observed<EgressNatPolicyEdit>;
    };

    beforeAll(async () => {
      t = await spec.start();
      const net = `vpc-ap-${t.suffix}`;
      const subnet = `nodes-ap-${t.suffix}`;
      await networkWithSubnet(
        t,
        net,
        subnetOf(t, net, subnet, '10.30.0.0/20', [
          { name: 'pods', range: '45.30.0.0/16' },
          { name: 'services', range: '10.31.0.0/20' },
        ]),
      );
      autopilot = {
        kind: 'cluster',
        name: `ap-${t.suffix}`,
        location: t.region,
        network: net,
        subnetwork: subnet,
        mode: 'vpc-native',
        podRange: 'pods',
        serviceRange: 'services',
        nodeLocations: [t.region],
        autopilot: true,
      };
      await t.cloud.container.createCluster(autopilot, []);
      t.defer(() => t.cloud.container.deleteCluster(autopilot.location, autopilot.name));
      scope = {
        networks: [],
        regions: [],
        clusters: [],
        kubeNames: [
          {
            cluster: autopilot.name,
            apiVersion: EGRESS_NAT_POLICY_API_VERSION,
            kind: EGRESS_NAT_POLICY_KIND,
            namespace: '',
            name: DEFAULT_EGRESS_NAT_POLICY,
          },
        ],
      };
    }, 3_600_000);
    afterAll(() => t?.close(), 3_600_000);

    it('an Autopilot cluster reads back as created, with autopilot.enabled', async () => {
      const got = await t.cloud.container.getCluster(autopilot.location, autopilot.name);
      expect(got?.autopilot?.enabled).toBe(true);
      // What bootstrap compares: every field peerlink asks for (fieldChanges of cluster.ts).
      expect(got && normalise(clusterFromApi(autopilot.location, got))).toMatchObject(
        normalise(autopilot),
      );
    });

    it("its facts say Autopilot and hold GKE's default EgressNATPolicy", async () => {
      const f = await t.cloud.facts.cluster(autopilot.location, autopilot.name);
      expect(f?.autopilot).toBe(true);
      expect(f?.egressNatPolicy).toEqual({
        destinations: [...GKE_DEFAULT_POLICY],
        removed: [],
        added: [],
      });
    });

    it('the edit is patched in with its ledger, refused when stale, and undone', async () => {
      const listed = async () =>
        (await t.cloud.resources.list(scope)).filter((o) => o.resource.kind === 'egressNatPolicy');
      // A policy peerlink never changed holds nothing of its own.
      expect(await listed()).toEqual([]);
      const gke = { destinations: [...GKE_DEFAULT_POLICY], removed: [], added: [] };
      const { edit } = editPolicy(autopilot.name, gke, ['10.193.0.0/16']);
      await t.cloud.resources.create(edit, rid(t, 'enp'));
      const after = await observedPolicy();
      expect(after.owned).toBe(true);
      expect(after.version).toBeTruthy();
      expect(normalise(after.resource)).toEqual(normalise(edit));
      expect(after.resource.removed).toEqual(['10.0.0.0/8']);
      expect(after.resource.destinations).not.toContain('10.0.0.0/8');
      const raw = await t.cloud.kube.get(autopilot.name, {
        apiVersion: EGRESS_NAT_POLICY_API_VERSION,
        kind: EGRESS_NAT_POLICY_KIND,
        namespace: '',
        name: DEFAULT_EGRESS_NAT_POLICY,
      });
      const meta = (raw?.metadata ?? {}) as { annotations?: Record<string, string> };
      expect(meta.annotations?.[REMOVED_ANNOTATION]).toBe('10.0.0.0/8');
      expect(meta.annotations?.[ADDED_ANNOTATION]?.split(',')).toContain('10.194.0.0/15');
      // The same first edit again is no change (a retried write); planned from a policy that
      // someone changed since, it is refused.
      await t.cloud.resources.create(edit, rid(t, 'enp-again'));
      await t.cloud.kube.mergePatch(autopilot.name, {
        apiVersion: EGRESS_NAT_POLICY_API_VERSION,
        kind: EGRESS_NAT_POLICY_KIND,
        metadata: { name: DEFAULT_EGRESS_NAT_POLICY },
        spec: {
          destinations: [...after.resource.destinations, '34.1.0.0/16'].map((cidr) => ({ cidr })),
        },
      });
      expect(await rejection(t.cloud.resources.create(edit, rid(t, 'enp')))).toBeInstanceOf(
        PreconditionFailedError,
      );
      const changed = await observedPolicy();
      expect(changed.resource.destinations).toContain('34.1.0.0/16');
      // An update goes in under the version read; once the policy changed, that is stale.
      const wider = editPolicy(autopilot.name, changed.resource, [
        '10.193.0.0/16',
        '172.16.5.0/24',
      ]);
      await t.cloud.resources.update(wider.edit, changed, rid(t, 'enp-2'));
      expect([...(await observedPolicy()).resource.removed].sort()).toEqual([
        '10.0.0.0/8',
        '172.16.0.0/12',
      ]);
      expect(
        await rejection(t.cloud.resources.update(wider.edit, changed, rid(t, 'enp-3'))),
      ).toBeInstanceOf(PreconditionFailedError);
      await t.cloud.resources.delete(await observedPolicy(), rid(t, 'enp-undo'));
      expect(await listed()).toEqual([]);
      const undone = await t.cloud.facts.cluster(autopilot.location, autopilot.name);
      expect(undone?.egressNatPolicy).toMatchObject({ removed: [], added: [] });
      // As peerlink found it: GKE's destinations and the one added by hand.
      expect([...(undone?.egressNatPolicy?.destinations ?? [])].sort()).toEqual(
        [...GKE_DEFAULT_POLICY, '34.1.0.0/16'].sort(),
      );
    });

    it('a Standard cluster has neither autopilot nor a policy in its facts', async () => {
      const std: ClusterResource = {
        ...autopilot,
        name: `std-${t.suffix}`,
        location: t.zone,
        nodeLocations: [t.zone],
        autopilot: false,
      };
      const pool = {
        kind: 'nodePool' as const,
        name: 'default-pool',
        cluster: std.name,
        location: std.location,
        nodeCount: 1,
        machineType: 'e2-small',
      };
      await t.cloud.container.createCluster(std, [pool]);
      t.defer(() => t.cloud.container.deleteCluster(std.location, std.name));
      const f = await t.cloud.facts.cluster(std.location, std.name);
      expect(f?.autopilot).toBeUndefined();
      expect(f?.egressNatPolicy).toBeUndefined();
    });
  });
}
