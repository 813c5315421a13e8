import { describe, expect, it } from 'vitest';
import { desire } from '../../../functions/core/desire/desire.ts';
import { resourceName } from '../../../functions/core/desire/names.ts';
import {
  type Diagnosis,
  DoctorInputError,
  diagnose,
  type Hop,
  type HopName,
} from '../../../functions/core/doctor/doctor.ts';
import { renderDiagnosis } from '../../../functions/core/doctor/render.ts';
import type { DoctorSnapshot, FirewallRule } from '../../../functions/core/doctor/snapshot.ts';
import { renderCidrFile } from '../../../functions/core/manifests/masquerade.ts';
import type { Facts } from '../../../functions/core/model/facts.ts';
import type { BackendService, Firewall } from '../../../functions/core/model/resources.ts';
import type { Cluster, Service, Topology } from '../../../functions/core/topology/schema.ts';
import { exampleFacts, exampleTopology } from '../../support/topology.ts';

const FILE = 'infra/topology.example.yaml';
const t = exampleTopology();
const service = t.services[0] as Service;

/** The example as a bootstrap leaves it: every object desire wants, in place and healthy. */
function healthy(topology: Topology = t, facts: Facts = exampleFacts(topology)): DoctorSnapshot {
  const want = desire(topology, facts);
  const firewalls = want.resources.filter((r): r is Firewall => r.kind === 'firewall');
  const rulesOf = (network: string): FirewallRule[] =>
    firewalls.filter((f) => f.network === network).map(({ kind: _k, network: _n, ...f }) => f);
  const bs = want.resources.find((r): r is BackendService => r.kind === 'backendService');
  return {
    facts,
    firewalls: { 'vpc-a': rulesOf('vpc-a'), 'vpc-b': rulesOf('vpc-b') },
    peerings: {
      'vpc-a': [
        {
          name: 'peerlink-vpc-a-vpc-b',
          peerNetwork: 'vpc-b',
          state: 'ACTIVE',
          exchangeSubnetRoutes: true,
        },
      ],
      'vpc-b': [
        {
          name: 'peerlink-vpc-b-vpc-a',
          peerNetwork: 'vpc-a',
          state: 'ACTIVE',
          exchangeSubnetRoutes: true,
        },
      ],
    },
    importedRoutes: { 'vpc-a': ['10.209.0.0/16'], 'vpc-b': ['10.193.0.0/16'] },
    forwardingRule: {
      name: resourceName(service, 'fr'),
      IPAddress: '10.193.0.3',
      ports: ['32191'],
      allowGlobalAccess: false,
    },
    backendService: { name: resourceName(service, 'bs'), backends: bs?.backends ?? [] },
    backendHealth: [{ instance: 'gke-backend-cluster-pool-0-abcd-0001', healthState: 'HEALTHY' }],
    masquerade: {
      agentCidrs: renderCidrFile(want.masquerade['frontend-cluster'] ?? []),
      agentDaemonSet: { desiredNumberScheduled: 2, numberReady: 2, updatedNumberScheduled: 2 },
    },
    serviceNodePort: 32191,
    deploymentReadyReplicas: 2,
  };
}

function run(snapshot: DoctorSnapshot, topology: Topology = t): Diagnosis {
  return diagnose({
    topology,
    topologyFile: FILE,
    from: 'frontend-cluster',
    to: 'dummy-backend',
    snapshot,
  });
}

function hopOf(d: Diagnosis, name: HopName): Hop {
  const h = d.hops.find((x) => x.hop === name);
  if (!h) throw new Error(`no hop ${name}`);
  return h;
}

/** The verdict must be `name`, failing, with this fix. */
function expectVerdict(d: Diagnosis, name: HopName, fix: string | RegExp): Hop {
  expect(d.reachable).toBe(false);
  expect(d.verdict?.hop).toBe(name);
  expect(d.verdict?.status).toBe('fail');
  expect(d.verdict?.fix).toMatch(fix);
  return d.verdict as Hop;
}

const APPLY = `peerlink apply --topology ${FILE}`;
const withFirewalls = (s: DoctorSnapshot, network: string, rules: FirewallRule[]) => ({
  ...s,
  firewalls: { ...s.firewalls, [network]: rules },
});

describe('diagnose', () => {
  it('a healthy world: every hop ok, in the order a request takes, and no verdict', () => {
    const d = run(healthy());
    expect(d.hops.map((h) => [h.hop, h.status])).toEqual([
      ['source address', 'ok'],
      ['masquerade', 'ok'],
      ['consumer egress firewall', 'ok'],
      ['peering', 'ok'],
      ['routes', 'ok'],
      ['provider ingress firewall', 'ok'],
      ['load balancer', 'ok'],
      ['kubernetes', 'ok'],
    ]);
    expect(d.reachable).toBe(true);
    expect(d.verdict).toBeNull();
    expect(d.to).toBe('backend-cluster/default/dummy-backend');
    expect(hopOf(d, 'source address').summary).toBe('pod 10.132.0.2 → SNAT node 10.209.0.2');
    expect(hopOf(d, 'load balancer').summary).toBe('ILB 10.193.0.3:32191 (1/1 healthy)');
  });

  it("a healthy world's rendered path names each address and the rule that lets it through", () => {
    const text = renderDiagnosis(run(healthy()), {
      provider: 'backend-cluster',
      pools: ['pool-0'],
    });
    expect(text.split('\n')[1]).toBe(
      `pod 10.132.0.2 → SNAT node 10.209.0.2 → peering vpc-b→vpc-a → firewall ${resourceName(service, 'consumers')} (tcp:32191) → ILB 10.193.0.3:32191 (1/1 healthy) → backend-cluster pools pool-0`,
    );
  });

  it("peerlink's consumer ingress rule deleted: the provider ingress firewall fails, naming it", () => {
    const s = healthy();
    const name = resourceName(service, 'consumers');
    const d = run(
      withFirewalls(
        s,
        'vpc-a',
        (s.firewalls['vpc-a'] ?? []).filter((r) => r.name !== name),
      ),
    );
    const v = expectVerdict(d, 'provider ingress firewall', APPLY);
    expect(v.summary).toContain(name);
    expect(v.evidence).toContainEqual({
      resource: `firewall ${name}`,
      field: 'exists',
      value: false,
    });
  });

  it('a foreign deny at a higher priority is found and named, with the setting to change', () => {
    const s = healthy();
    const deny: FirewallRule = {
      name: 'corp-deny-10',
      direction: 'INGRESS',
      priority: 900,
      sourceRanges: ['10.0.0.0/8'],
      denied: [{ IPProtocol: 'all' }],
    };
    const d = run(withFirewalls(s, 'vpc-a', [...(s.firewalls['vpc-a'] ?? []), deny]));
    const v = expectVerdict(
      d,
      'provider ingress firewall',
      /corp-deny-10 of vpc-a is not peerlink's/,
    );
    expect(v.summary).toContain('denied by corp-deny-10');
  });

  it('a foreign egress deny on the consumer network fails the consumer egress firewall', () => {
    const s = healthy();
    const deny: FirewallRule = {
      name: 'no-egress',
      direction: 'EGRESS',
      priority: 100,
      destinationRanges: ['0.0.0.0/0'],
      denied: [{ IPProtocol: 'tcp' }],
    };
    const d = run(withFirewalls(s, 'vpc-b', [...(s.firewalls['vpc-b'] ?? []), deny]));
    expectVerdict(d, 'consumer egress firewall', /no-egress of vpc-b is not peerlink's/);
  });

  it('a peering with one side only (INACTIVE) fails the peering hop', () => {
    const s = healthy();
    const d = run({
      ...s,
      peerings: {
        'vpc-a': [{ name: 'peerlink-vpc-a-vpc-b', peerNetwork: 'vpc-b', state: 'INACTIVE' }],
        'vpc-b': [],
      },
      importedRoutes: { 'vpc-a': [], 'vpc-b': [] },
    });
    const v = expectVerdict(d, 'peering', `peerlink bootstrap --topology ${FILE}`);
    expect(v.summary).toBe(
      'peering peerlink-vpc-a-vpc-b of vpc-a is INACTIVE: vpc-b has no peering to vpc-a',
    );
  });

  it('subnet routes not exchanged: the routes hop fails and masquerade only warns', () => {
    const s = healthy();
    const facts = exampleFacts(t);
    const noImports: Facts = {
      ...facts,
      networks: Object.fromEntries(
        Object.entries(facts.networks).map(([k, n]) => [k, { ...n, importedRanges: [] }]),
      ),
    };
    const d = run({
      ...s,
      facts: noImports,
      importedRoutes: { 'vpc-a': [], 'vpc-b': [] },
      masquerade: { ...s.masquerade, agentCidrs: renderCidrFile([]) },
    });
    const v = expectVerdict(d, 'routes', /list-routes/);
    expect(v.summary).toBe('vpc-b imports no route to 10.193.0.3');
    expect(hopOf(d, 'masquerade').status).toBe('warn');
  });

  it('a consumer in another region and no global access fails the load balancer hop', () => {
    const far = {
      ...t,
      clusters: t.clusters.map((c) =>
        c.name === 'frontend-cluster' ? ({ ...c, region: 'europe-west4' } as Cluster) : c,
      ),
    };
    const d = run(healthy(far), far);
    const v = expectVerdict(d, 'load balancer', APPLY);
    expect(v.summary).toContain('allowGlobalAccess is false');
  });

  it("the agent's CIDR ConfigMap missing the ILB's range fails the masquerade hop", () => {
    const s = healthy();
    const d = run({
      ...s,
      masquerade: { ...s.masquerade, agentCidrs: renderCidrFile(['10.77.0.0/16']) },
    });
    const v = expectVerdict(d, 'masquerade', APPLY);
    expect(v.summary).toBe("the agent's CIDR ConfigMap does not list 10.193.0.3");
    expect(v.evidence).toContainEqual({
      resource: 'ConfigMap kube-system/peerlink-masquerade-cidrs',
      field: 'data.cidrs',
      value: ['10.77.0.0/16'],
    });
  });

  it('the agent DaemonSet not rolled out on one node fails the masquerade hop', () => {
    const s = healthy();
    const ds = { desiredNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3 };
    const d = run({ ...s, masquerade: { ...s.masquerade, agentDaemonSet: ds } });
    const v = expectVerdict(d, 'masquerade', /rollout status daemonset\/peerlink-masquerade-agent/);
    expect(v.summary).toBe('the masquerade agent is not rolled out on 1 of 3 nodes');
  });

  it('every backend unhealthy fails the load balancer hop; some unhealthy only warns', () => {
    const s = healthy();
    const sick = (n: number) =>
      Array.from({ length: 2 }, (_, i) => ({
        instance: `node-${i}`,
        healthState: i < n ? 'UNHEALTHY' : 'HEALTHY',
      }));
    const v = expectVerdict(run({ ...s, backendHealth: sick(2) }), 'load balancer', /health check/);
    expect(v.summary).toContain('0/2 healthy');
    const half = run({ ...s, backendHealth: sick(1) });
    expect(half.reachable).toBe(true);
    expect(hopOf(half, 'load balancer').status).toBe('warn');
  });

  it('the forwarding rule on the wrong port fails the load balancer hop', () => {
    const s = healthy();
    const fr = s.forwardingRule ?? null;
    if (!fr) throw new Error('fixture');
    const v = expectVerdict(
      run({ ...s, forwardingRule: { ...fr, ports: ['80'] } }),
      'load balancer',
      APPLY,
    );
    expect(v.summary).toBe('the forwarding rule serves ports 80, not the node port 32191');
  });

  it('a backend service missing a node pool instance group fails the load balancer hop', () => {
    const s = healthy();
    const d = run({ ...s, backendService: { name: 'bs', backends: [] } });
    expect(expectVerdict(d, 'load balancer', APPLY).summary).toContain('lacks instance groups');
  });

  it('the Deployment scaled to zero fails the kubernetes hop', () => {
    const v = expectVerdict(
      run({ ...healthy(), deploymentReadyReplicas: 0 }),
      'kubernetes',
      /describe deployment dummy-backend/,
    );
    expect(v.evidence).toContainEqual({
      resource: 'Deployment default/dummy-backend',
      field: 'status.readyReplicas',
      value: 0,
    });
  });

  it("the consumer missing from the service's consumers fails the first hop", () => {
    const other = {
      ...t,
      services: t.services.map((s) => ({ ...s, consumers: ['backend-cluster'] })),
    };
    const v = expectVerdict(
      run(healthy(other), other),
      'source address',
      /add frontend-cluster to the consumers/,
    );
    expect(v.evidence[0]?.value).toEqual(['backend-cluster']);
  });

  it('a peering that does not exchange subnet routes fails the peering hop', () => {
    const s = healthy();
    const side = s.peerings['vpc-b']?.[0];
    if (!side) throw new Error('fixture');
    const d = run({
      ...s,
      peerings: { ...s.peerings, 'vpc-b': [{ ...side, exchangeSubnetRoutes: false }] },
    });
    expect(expectVerdict(d, 'peering', /bootstrap/).summary).toBe(
      'peering peerlink-vpc-b-vpc-a of vpc-b does not exchange subnet routes',
    );
  });

  it('health-check probers denied by a foreign rule fail the provider ingress hop', () => {
    const s = healthy();
    const deny: FirewallRule = {
      name: 'no-google',
      priority: 10,
      sourceRanges: ['35.191.0.0/16'],
      denied: [{ IPProtocol: 'tcp' }],
    };
    const d = run(withFirewalls(s, 'vpc-a', [...(s.firewalls['vpc-a'] ?? []), deny]));
    const v = expectVerdict(d, 'provider ingress firewall', /no-google of vpc-a is not peerlink's/);
    expect(v.summary).toMatch(
      /^health checks: .*35\.191\.0\.1 → 10\.193\.0\.3 denied by no-google$/,
    );
  });

  it('ip-masq-agent: a ConfigMap that leaves the ILB unmasqueraded fails; one that excludes it is ok', () => {
    const ipMasq = {
      ...t,
      clusters: t.clusters.map((c) =>
        c.name === 'frontend-cluster' ? ({ ...c, masquerade: 'ip-masq-agent' } as Cluster) : c,
      ),
    };
    const s = healthy(ipMasq);
    const bad = run({ ...s, masquerade: { ipMasqAgentNonMasquerade: ['10.0.0.0/8'] } }, ipMasq);
    expect(expectVerdict(bad, 'masquerade', APPLY).summary).toBe(
      'ip-masq-agent leaves 10.193.0.3 unmasqueraded',
    );
    // No ConfigMap: the defaults, which hold 10.0.0.0/8.
    expect(run({ ...s, masquerade: { ipMasqAgentNonMasquerade: null } }, ipMasq).verdict?.hop).toBe(
      'masquerade',
    );
    const good = run({ ...s, masquerade: { ipMasqAgentNonMasquerade: ['172.16.0.0/12'] } }, ipMasq);
    expect(good.reachable).toBe(true);
  });

  it("egress NAT policy: the default policy listing the ILB's range fails the masquerade hop", () => {
    const ap = {
      ...t,
      clusters: t.clusters.map((c) =>
        c.name === 'frontend-cluster' ? ({ ...c, masquerade: 'egress-nat-policy' } as Cluster) : c,
      ),
    };
    const facts = exampleFacts(ap);
    const withPolicy = (destinations: string[]): Facts => ({
      ...facts,
      clusters: {
        ...facts.clusters,
        'frontend-cluster': {
          ...(facts.clusters['frontend-cluster'] as Facts['clusters'][string]),
          egressNatPolicy: { destinations, removed: [], added: [] },
        },
      },
    });
    const bad = run(healthy(ap, withPolicy(['10.0.0.0/8'])), ap);
    expect(expectVerdict(bad, 'masquerade', APPLY).summary).toBe(
      'the default EgressNATPolicy leaves 10.193.0.3 unmasqueraded',
    );
    expect(run(healthy(ap, withPolicy(['172.16.0.0/12'])), ap).reachable).toBe(true);
  });

  it('a read that was not allowed is unknown, not ok and not fail', () => {
    const s = healthy();
    const d = run({
      ...s,
      firewalls: { ...s.firewalls, 'vpc-a': undefined },
      serviceNodePort: undefined,
    });
    expect(hopOf(d, 'provider ingress firewall').status).toBe('unknown');
    expect(hopOf(d, 'kubernetes').status).toBe('unknown');
    expect(d.reachable).toBe(true);
  });

  it('a cluster or service the topology does not know is a clear error', () => {
    const s = healthy();
    expect(() =>
      diagnose({ topology: t, topologyFile: FILE, from: 'nope', to: 'dummy-backend', snapshot: s }),
    ).toThrow(
      new DoctorInputError(
        'no cluster nope in the topology (clusters: backend-cluster, frontend-cluster)',
      ),
    );
    expect(() =>
      diagnose({ topology: t, topologyFile: FILE, from: 'frontend-cluster', to: 'x', snapshot: s }),
    ).toThrow(/no service x in the topology \(services: backend-cluster\/default\/dummy-backend\)/);
  });
});
