/**
 * Contract of the doctor's reading side (functions/gcp/doctor.ts): the snapshot is filled through
 * the real clients, against the simulator (and a real project when PEERLINK_LIVE_PROJECT is set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../functions/core/doctor/doctor.ts';
import type { Cluster, Service, Topology } from '../../functions/core/topology/schema.ts';
import { parseTopology } from '../../functions/core/topology/validate.ts';
import { readDoctorSnapshot } from '../../functions/gcp/doctor.ts';
import { networkWithSubnet, peeringOf, rid, subnetOf } from './fixtures.ts';
import { type Target, targets } from './target.ts';

for (const spec of targets('doctor snapshot')) {
  describe.skipIf(spec.skip)(spec.name, { timeout: spec.timeout }, () => {
    let t: Target;
    let a: string;
    let b: string;
    let topology: Topology;
    beforeAll(async () => {
      t = await spec.start();
      a = `vpc-da-${t.suffix}`;
      b = `vpc-db-${t.suffix}`;
      await networkWithSubnet(t, a, subnetOf(t, a, `sub-da-${t.suffix}`, '10.193.0.0/20'));
      await networkWithSubnet(t, b, subnetOf(t, b, `sub-db-${t.suffix}`, '10.209.0.0/20'));
      topology = parseTopology(
        `project: peerlink-doctor
region: ${t.region}
networks:
  - { name: ${a}, subnets: [{ name: sub-da-${t.suffix}, range: 10.193.0.0/20 }] }
  - { name: ${b}, subnets: [{ name: sub-db-${t.suffix}, range: 10.209.0.0/20 }] }
peerings:
  - networks: [${a}, ${b}]
clusters:
  - { name: be-${t.suffix}, network: ${a}, subnet: sub-da-${t.suffix}, location: ${t.zone}, mode: routes, podRange: 10.120.0.0/14, serviceRange: 10.124.0.0/20, nodePools: [{ name: default-pool }] }
  - { name: fe-${t.suffix}, network: ${b}, subnet: sub-db-${t.suffix}, location: ${t.zone}, mode: routes, podRange: 10.132.0.0/14, serviceRange: 10.136.0.0/20, masquerade: agent, nodePools: [{ name: default-pool }] }
services:
  - { name: web, cluster: be-${t.suffix}, port: 80, nodePort: 32191, consumers: [fe-${t.suffix}] }
`,
        'doctor.yaml',
      );
    }, 600_000);
    afterAll(() => t?.close(), 600_000);

    it("reads every firewall rule of both networks, peering sides and what is missing; the peering's one side is the verdict's evidence", async () => {
      const ab = peeringOf(a, b);
      await t.cloud.resources.create(ab, rid(t, 'ab'));
      t.defer(() => t.cloud.compute.networks.removePeering(a, ab.name, rid(t, 'unpeer-ab')));
      const deny = `corp-deny-${t.suffix}`;
      await t.cloud.compute.firewalls.insert(
        {
          name: deny,
          network: `projects/${t.project}/global/networks/${a}`,
          direction: 'INGRESS',
          priority: 900,
          sourceRanges: ['10.0.0.0/8'],
          denied: [{ IPProtocol: 'all' }],
        },
        rid(t, 'fw'),
      );
      t.defer(() => t.cloud.compute.firewalls.delete(deny, rid(t, 'del-fw')));

      const consumer = topology.clusters.find((c) => c.name.startsWith('fe-')) as Cluster;
      const service = topology.services[0] as Service;
      const snap = await readDoctorSnapshot(t.cloud, topology, consumer, service);

      expect(snap.firewalls[a]).toContainEqual(
        expect.objectContaining({
          name: deny,
          direction: 'INGRESS',
          priority: 900,
          sourceRanges: ['10.0.0.0/8'],
          denied: [{ IPProtocol: 'all', ports: [] }],
        }),
      );
      expect(snap.firewalls[b]?.some((r) => r.name === deny)).toBe(false);
      expect(snap.peerings[a]).toEqual([
        expect.objectContaining({ name: ab.name, peerNetwork: b, state: 'INACTIVE' }),
      ]);
      expect(snap.peerings[b]).toEqual([]);
      expect(snap.forwardingRule).toBeNull();
      expect(snap.backendService).toBeNull();

      const d = diagnose({
        topology,
        topologyFile: 'doctor.yaml',
        from: consumer.name,
        to: 'web',
        snapshot: snap,
      });
      const peering = d.hops.find((h) => h.hop === 'peering');
      expect(peering?.status).toBe('fail');
      expect(peering?.summary).toBe(
        `peering ${ab.name} of ${a} is INACTIVE: ${b} has no peering to ${a}`,
      );
      expect(d.reachable).toBe(false);
    });
  });
}
