import { describe, expect, it } from 'vitest';
import type { Diagnosis, Hop } from '../../../functions/core/doctor/doctor.ts';
import { renderDiagnosis } from '../../../functions/core/doctor/render.ts';

const ok = (hop: Hop['hop'], summary: string): Hop => ({
  hop,
  status: 'ok',
  summary,
  evidence: [],
});

const hops: Hop[] = [
  ok('source address', 'pod 10.132.0.2 → SNAT node 10.209.0.2'),
  ok('masquerade', 'the agent masquerades 10.193.0.3 on 1 nodes'),
  ok('consumer egress firewall', 'tcp:32191 10.209.0.2 → 10.193.0.3 allowed by peerlink-x-egress'),
  ok('peering', 'peering vpc-b↔vpc-a ACTIVE'),
  ok('routes', 'vpc-b → 10.193.0.3, vpc-a → 10.209.0.2'),
  ok(
    'provider ingress firewall',
    'tcp:32191 10.209.0.2 → 10.193.0.3 allowed by peerlink-x-consumers',
  ),
  ok('load balancer', 'ILB 10.193.0.3:32191 (2/2 healthy)'),
  ok('kubernetes', 'backend-cluster default/dummy-backend: node port 32191, 2 ready'),
];
const ctx = { provider: 'backend-cluster', pools: ['default-pool', 'pool-2'] };
const healthy: Diagnosis = {
  from: 'frontend-cluster',
  to: 'backend-cluster/default/dummy-backend',
  reachable: true,
  hops,
  verdict: null,
};

describe('renderDiagnosis', () => {
  it('an open path: the addresses as they change, a ✔ per hop, reachable', () => {
    const text = renderDiagnosis(healthy, ctx);
    const lines = text.split('\n');
    expect(lines[1]).toBe(
      'pod 10.132.0.2 → SNAT node 10.209.0.2 → peering vpc-b→vpc-a → firewall peerlink-x-consumers (tcp:32191) → ILB 10.193.0.3:32191 (2/2 healthy) → backend-cluster pools default-pool, pool-2',
    );
    expect(lines.filter((l) => l.startsWith('✔ '))).toHaveLength(8);
    expect(text.trimEnd().endsWith('verdict: reachable')).toBe(true);
  });

  it('a failing hop: the path stops there with ✘, its evidence is shown, then the verdict and the fix', () => {
    const fail: Hop = {
      hop: 'provider ingress firewall',
      status: 'fail',
      summary: 'tcp:32191 10.209.0.2 → 10.193.0.3 denied by corp-deny',
      evidence: [
        {
          resource: 'network vpc-a',
          field: 'firewall verdict',
          value: 'deny by corp-deny (priority 900)',
        },
      ],
      fix: "firewall rule corp-deny of vpc-a is not peerlink's: change or remove it",
    };
    const d: Diagnosis = {
      ...healthy,
      reachable: false,
      hops: hops.map((h) => (h.hop === fail.hop ? fail : h)),
      verdict: fail,
    };
    const lines = renderDiagnosis(d, ctx).split('\n');
    expect(lines[1]).toBe(
      'pod 10.132.0.2 → SNAT node 10.209.0.2 → peering vpc-b→vpc-a → ✘ provider ingress firewall',
    );
    expect(lines).toContain(
      '    network vpc-a firewall verdict: "deny by corp-deny (priority 900)"',
    );
    expect(lines).toContain(
      'verdict: unreachable at provider ingress firewall: tcp:32191 10.209.0.2 → 10.193.0.3 denied by corp-deny',
    );
    expect(lines).toContain(
      "fix: firewall rule corp-deny of vpc-a is not peerlink's: change or remove it",
    );
  });
});
