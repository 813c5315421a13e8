/**
 * Contract of the ResourcePort (functions/gcp/resources.ts) over the real clients: every
 * managed kind round-trips (create, then list returns it owned and equal to the desired value
 * after normalise), updates land, deletes remove, and infrastructure reads back by name. Runs
 * against the simulator, and a real project when PEERLINK_LIVE_PROJECT is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  NotFoundError,
  PreconditionFailedError,
  TerminalError,
} from '../../functions/core/errors.ts';
import { covers } from '../../functions/core/model/kube-object.ts';
import {
  type Address,
  type BackendService,
  type ClusterResource,
  type Firewall,
  type ForwardingRule,
  type HealthCheck,
  type InfraResource,
  type KubeObject,
  keyOf,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type NodePoolResource,
  type Observed,
  type Resource,
} from '../../functions/core/model/resources.ts';
import { normalise } from '../../functions/core/plan/normalise.ts';
import type { ListScope } from '../../functions/core/ports.ts';
import { firewallToApi } from '../../functions/gcp/convert.ts';
import { DESCRIPTION, networkOf, rid, subnetOf } from './fixtures.ts';
import { rejection, type Target, targets } from './target.ts';

/**
 * Observed equals desired the way the planner sees it: an address left to Compute, and the IP of
 * a rule on a reserved address, are whatever Compute chose.
 */
function expectSame(o: Observed | undefined, want: Resource): void {
  expect(o, `${keyOf(want)} listed`).toBeDefined();
  if (!o) return;
  expect(o.owned).toBe(true);
  const have = o.resource;
  if (want.kind === 'address' && have.kind === 'address' && want.address === '')
    expect(normalise(have)).toEqual(normalise({ ...want, address: have.address }));
  else if (want.kind === 'forwardingRule' && have.kind === 'forwardingRule' && !want.IPAddress)
    expect(normalise(have)).toEqual(normalise({ ...want, IPAddress: have.IPAddress }));
  else if (want.kind === 'kube' && o.resource.kind === 'kube') {
    const have = normalise(o.resource);
    const w = normalise(want);
    expect({ ...have, manifest: undefined }).toEqual({ ...w, manifest: undefined });
    expect(covers(have.manifest, w.manifest)).toBe(true);
  } else expect(normalise(o.resource)).toEqual(normalise(want));
}

for (const spec of targets('resource port')) {
  describe.skipIf(spec.skip)(spec.name, { timeout: spec.timeout }, () => {
    let t: Target;
    let net: string;
    let subnet: string;
    let cluster: ClusterResource;
    let pool: NodePoolResource;
    let infra: InfraResource[];
    let groups: string[];
    let tags: string[];
    const scope = (): ListScope => ({
      networks: [net],
      regions: [t.region],
      clusters: [{ name: cluster.name, location: cluster.location }],
      kubeNames: [],
    });
    const find = async (r: Resource, s: ListScope = scope()) =>
      (await t.cloud.resources.list(s)).find((o) => keyOf(o.resource) === keyOf(r));

    beforeAll(async () => {
      t = await spec.start();
      net = `vpc-r-${t.suffix}`;
      subnet = `nodes-r-${t.suffix}`;
      cluster = {
        kind: 'cluster',
        name: `rc-${t.suffix}`,
        location: t.zone,
        network: net,
        subnetwork: subnet,
        mode: 'vpc-native',
        podRange: 'pods',
        serviceRange: 'services',
        nodeLocations: [t.zone],
        // Named, so that it reads back as created (clusterFromApi always reads the datapath).
        datapath: 'legacy',
      };
      pool = {
        kind: 'nodePool',
        name: 'extra',
        cluster: cluster.name,
        location: t.zone,
        nodeCount: 1,
        machineType: 'e2-small',
      };
      infra = [
        networkOf(net),
        subnetOf(t, net, subnet, '10.90.0.0/20', [
          { name: 'pods', range: '10.92.0.0/16' },
          { name: 'services', range: '10.93.0.0/20' },
        ]),
        cluster,
        pool,
      ];
      const port = t.cloud.resources;
      for (const r of infra) await port.create(r, rid(t, keyOf(r)));
      t.defer(() => t.cloud.compute.networks.delete(net, rid(t, 'del-net')));
      t.defer(() => t.cloud.compute.subnetworks.delete(t.region, subnet, rid(t, 'del-sub')));
      t.defer(() => t.cloud.container.deleteCluster(cluster.location, cluster.name));
      const facts = await t.cloud.facts.cluster(cluster.location, cluster.name);
      groups = [...new Set(facts?.nodePools.flatMap((p) => p.instanceGroups) ?? [])].sort();
      tags = [...(facts?.nodeTags ?? [])];
    }, 3_600_000);
    afterAll(() => t?.close(), 3_600_000);

    it('infrastructure reads back by name as created', async () => {
      const listed = await t.cloud.resources.list({
        networks: [],
        regions: [],
        clusters: [],
        kubeNames: [],
        infra,
      });
      for (const r of infra) {
        const o = listed.find((x) => keyOf(x.resource) === keyOf(r));
        expect(o && normalise(o.resource)).toEqual(normalise(r));
      }
      // The cluster was created with GKE's default pool (no initialNodePools given) plus ours.
      expect(groups.length).toBeGreaterThanOrEqual(2);
      expect(tags[0]).toMatch(/^gke-.+-node$/);
    });

    it('infrastructure that does not exist is simply absent', async () => {
      const listed = await t.cloud.resources.list({
        networks: [],
        regions: [],
        clusters: [],
        kubeNames: [],
        infra: [networkOf(`vpc-none-${t.suffix}`), { ...pool, name: 'none' }],
      });
      expect(listed).toEqual([]);
    });

    it('every managed kind: create, list owned and equal, update, delete', async () => {
      const port = t.cloud.resources;
      const fw: Firewall = {
        kind: 'firewall',
        name: `peerlink-r-fw-${t.suffix}`,
        network: net,
        direction: 'INGRESS',
        priority: 1000,
        sourceRanges: ['10.1.0.0/16'],
        destinationRanges: [],
        targetTags: tags,
        allowed: [{ IPProtocol: 'tcp', ports: ['30080'] }],
        description: DESCRIPTION,
      };
      const hc: HealthCheck = {
        kind: 'healthCheck',
        name: `peerlink-r-hc-${t.suffix}`,
        region: t.region,
        port: 30080,
        description: DESCRIPTION,
      };
      const bs: BackendService = {
        kind: 'backendService',
        name: `peerlink-r-bs-${t.suffix}`,
        region: t.region,
        network: net,
        healthCheck: hc.name,
        backends: groups,
        description: DESCRIPTION,
      };
      const ip: Address = {
        kind: 'address',
        name: `peerlink-r-ip-${t.suffix}`,
        region: t.region,
        subnetwork: subnet,
        address: '',
        description: DESCRIPTION,
      };
      const fr: ForwardingRule = {
        kind: 'forwardingRule',
        name: `peerlink-r-fr-${t.suffix}`,
        region: t.region,
        network: net,
        subnetwork: subnet,
        backendService: bs.name,
        ports: ['30080'],
        allowGlobalAccess: false,
        address: ip.name,
        IPAddress: '',
        description: DESCRIPTION,
      };
      const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
      const cm: KubeObject = {
        kind: 'kube',
        cluster: cluster.name,
        apiVersion: 'v1',
        objectKind: 'ConfigMap',
        namespace: 'default',
        name: `peerlink-r-cm-${t.suffix}`,
        manifest: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `peerlink-r-cm-${t.suffix}`, namespace: 'default', labels },
          data: { cidrs: '10.1.0.0/16' },
        },
      };
      const all: Resource[] = [fw, hc, bs, ip, fr, cm];
      for (const r of all) {
        await port.create(r, rid(t, `create-${keyOf(r)}`));
        if (r.kind !== 'kube')
          t.defer(async () => {
            const o = await find(r);
            if (o) await port.delete(o, rid(t, `cleanup-${keyOf(r)}`));
          });
      }
      const listed = await port.list(scope());
      for (const r of all)
        expectSame(
          listed.find((o) => keyOf(o.resource) === keyOf(r)),
          r,
        );
      // The rule serves the address Compute reserved for it, and reads back naming it.
      const reserved = listed.find((o) => keyOf(o.resource) === keyOf(ip))?.resource;
      const rule = listed.find((o) => keyOf(o.resource) === keyOf(fr))?.resource;
      const allocated = reserved?.kind === 'address' ? reserved.address : '';
      expect(allocated).toMatch(/^10\.90\.\d+\.\d+$/);
      expect(rule?.kind === 'forwardingRule' && [rule.address, rule.IPAddress]).toEqual([
        ip.name,
        allocated,
      ]);

      // Updates: each kind changes in a way its API allows. A pinned address replaces the
      // reservation; the rule, which used the old one, is created again on the new one.
      const pinned = '10.90.15.200';
      const updated: Resource[] = [
        { ...fw, sourceRanges: ['10.2.0.0/16', '10.3.0.0/16'], targetTags: [] },
        { ...hc, port: 30081 },
        { ...bs, backends: groups.slice(0, 1) },
        { ...ip, address: pinned },
        { ...fr, allowGlobalAccess: true, IPAddress: pinned },
        { ...cm, manifest: { ...cm.manifest, data: { cidrs: '10.2.0.0/16' } } },
      ];
      for (const r of updated) {
        const o = listed.find((x) => keyOf(x.resource) === keyOf(r));
        if (!o) throw new Error(`${keyOf(r)} not listed`);
        await port.update(r, o, rid(t, `update-${keyOf(r)}`));
      }
      const after = await port.list(scope());
      for (const r of updated)
        expectSame(
          after.find((o) => keyOf(o.resource) === keyOf(r)),
          r,
        );

      // A forwarding rule change the API cannot patch (ports) replaces the rule, which comes
      // back on the same reserved IP.
      const frPorts = { ...fr, allowGlobalAccess: true, ports: ['30080', '30443'] };
      const frObserved = after.find((o) => keyOf(o.resource) === keyOf(fr));
      if (!frObserved) throw new Error('forwarding rule not listed');
      await port.update(frPorts, frObserved, rid(t, 'fr-ports'));
      expectSame(await find(fr), { ...frPorts, IPAddress: pinned });

      // Deletes, in reverse order of creation (the rule refers to the service, ...).
      const final = await port.list(scope());
      for (const r of [...all].reverse()) {
        const o = final.find((x) => keyOf(x.resource) === keyOf(r));
        if (!o) throw new Error(`${keyOf(r)} not listed`);
        await port.delete(o, rid(t, `delete-${keyOf(r)}`));
        expect(await rejection(port.delete(o, rid(t, `delete-again-${keyOf(r)}`)))).toBeInstanceOf(
          NotFoundError,
        );
      }
      const gone = await port.list(scope());
      for (const r of all) expect(gone.find((o) => keyOf(o.resource) === keyOf(r))).toBeUndefined();
    });

    it('creating what exists is AlreadyExists; a stale fingerprint is PreconditionFailed', async () => {
      const port = t.cloud.resources;
      const hc: HealthCheck = {
        kind: 'healthCheck',
        name: `peerlink-s-hc-${t.suffix}`,
        region: t.region,
        port: 30090,
        description: DESCRIPTION,
      };
      const bs: BackendService = {
        kind: 'backendService',
        name: `peerlink-s-bs-${t.suffix}`,
        region: t.region,
        network: net,
        healthCheck: hc.name,
        backends: groups,
        description: DESCRIPTION,
      };
      await port.create(hc, rid(t, 's-hc'));
      await port.create(bs, rid(t, 's-bs'));
      t.defer(async () => {
        for (const r of [bs, hc]) {
          const o = await find(r);
          if (o) await port.delete(o, rid(t, `s-cleanup-${keyOf(r)}`));
        }
      });
      expect(await rejection(port.create(bs, rid(t, 's-bs-again')))).toBeInstanceOf(
        AlreadyExistsError,
      );

      const seen = await find(bs);
      if (!seen) throw new Error('backend service not listed');
      expect(seen.version).toBeTruthy();
      // Someone else changes it first: our fingerprint goes stale.
      await port.update({ ...bs, backends: groups.slice(0, 1) }, seen, rid(t, 's-first'));
      expect(
        await rejection(port.update({ ...bs, backends: [] }, seen, rid(t, 's-stale'))),
      ).toBeInstanceOf(PreconditionFailedError);
    });

    it('a peerlink-named resource without the ownership marker is listed unowned and never deleted', async () => {
      const name = `peerlink-foreign-${t.suffix}`;
      const foreign: Firewall = {
        kind: 'firewall',
        name,
        network: net,
        direction: 'INGRESS',
        priority: 1000,
        sourceRanges: ['10.9.0.0/16'],
        destinationRanges: [],
        targetTags: [],
        allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
        description: 'made by hand',
      };
      await t.cloud.compute.firewalls.insert(firewallToApi(t.project, foreign), rid(t, 'foreign'));
      t.defer(() => t.cloud.compute.firewalls.delete(name, rid(t, 'foreign-del')));
      const o = await find(foreign);
      expect(o?.owned).toBe(false);
      if (!o) return;
      expect(await rejection(t.cloud.resources.delete(o, rid(t, 'no')))).toBeInstanceOf(
        TerminalError,
      );
      expect(await rejection(t.cloud.resources.update(foreign, o, rid(t, 'no')))).toBeInstanceOf(
        TerminalError,
      );
      expect((await find(foreign))?.resource).toEqual(o.resource);
    });

    it('an unlabelled Kubernetes object named in kubeNames is listed unowned and never deleted', async () => {
      const port = t.cloud.resources;
      const name = `peerlink-kforeign-${t.suffix}`;
      await t.cloud.kube.apply(
        cluster.name,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: {} },
        false,
      );
      const ref = {
        cluster: cluster.name,
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name,
      };
      const want: KubeObject = {
        kind: 'kube',
        cluster: cluster.name,
        apiVersion: 'v1',
        objectKind: 'ConfigMap',
        namespace: 'default',
        name,
        manifest: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name,
            namespace: 'default',
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
          },
          data: { x: '1' },
        },
      };
      // Not labelled: absent from the managed list, present when named.
      expect(await find(want)).toBeUndefined();
      const o = await find(want, { ...scope(), kubeNames: [ref] });
      expect(o?.owned).toBe(false);
      // Ownership is the label, whoever applied the object (kube.test.ts covers another
      // field manager's object): delete is refused.
      if (o) expect(await rejection(port.delete(o, rid(t, 'kf')))).toBeInstanceOf(TerminalError);
    });
  });
}
