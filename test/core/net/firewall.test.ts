import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  evaluateFirewall,
  type FirewallRuleFacts,
  IMPLIED_ALLOW_EGRESS,
  IMPLIED_DENY_INGRESS,
  type Packet,
} from '../../../functions/core/net/firewall.ts';

/** The seed scenario's hop: frontend node (VPC B) to backend node (VPC A), TCP to the NodePort. */
const toBackend: Packet = {
  direction: 'INGRESS',
  source: { address: '10.209.0.2' },
  destination: { address: '10.193.0.5', tags: ['gke-backend-cluster-1a2b-node'] },
  protocol: 'tcp',
  port: 32191,
};

const allowConsumers: FirewallRuleFacts = {
  name: 'peerlink-dummy-backend-consumers',
  direction: 'INGRESS',
  priority: 1000,
  sourceRanges: ['10.209.0.0/16'],
  targetTags: ['gke-backend-cluster-1a2b-node'],
  allowed: [{ IPProtocol: 'tcp', ports: ['32191'] }],
};

describe('evaluateFirewall', () => {
  test('with no rule, the implied rules decide: ingress denied, egress allowed', () => {
    expect(evaluateFirewall([], toBackend)).toMatchObject({
      action: 'deny',
      rule: IMPLIED_DENY_INGRESS,
      priority: 65535,
    });
    expect(evaluateFirewall([], { ...toBackend, direction: 'EGRESS' })).toMatchObject({
      action: 'allow',
      rule: IMPLIED_ALLOW_EGRESS,
    });
  });

  test("peerlink's consumer rule lets the request in", () => {
    expect(evaluateFirewall([allowConsumers], toBackend)).toEqual({
      action: 'allow',
      rule: allowConsumers.name,
      priority: 1000,
      matched: [allowConsumers.name],
    });
  });

  test('a foreign deny at a higher priority is found and named', () => {
    const deny: FirewallRuleFacts = {
      name: 'security-team-deny-10',
      priority: 900,
      sourceRanges: ['10.0.0.0/8'],
      denied: [{ IPProtocol: 'all' }],
    };
    expect(evaluateFirewall([allowConsumers, deny], toBackend)).toMatchObject({
      action: 'deny',
      rule: 'security-team-deny-10',
      matched: ['security-team-deny-10', allowConsumers.name],
    });
  });

  test('at equal priority deny wins over allow', () => {
    const deny = {
      ...allowConsumers,
      name: 'z-deny',
      allowed: undefined,
      denied: [{ IPProtocol: 'tcp' }],
    };
    expect(evaluateFirewall([allowConsumers, deny], toBackend)).toMatchObject({
      action: 'deny',
      rule: 'z-deny',
    });
  });

  test.each<[string, Partial<FirewallRuleFacts>, Partial<Packet>]>([
    ['another port', {}, { port: 80 }],
    ['another protocol', {}, { protocol: 'udp' }],
    ['a source outside the ranges', {}, { source: { address: '10.210.0.2' } }],
    ['a target without the tag', {}, { destination: { address: '10.193.0.5', tags: ['other'] } }],
    ['a disabled rule', { disabled: true }, {}],
    ['the other direction', { direction: 'EGRESS' }, {}],
  ])('the allow does not apply to %s', (_name, ruleEdit, packetEdit) => {
    const verdict = evaluateFirewall([{ ...allowConsumers, ...ruleEdit }], {
      ...toBackend,
      ...packetEdit,
    });
    expect(verdict).toMatchObject({ action: 'deny', rule: IMPLIED_DENY_INGRESS, matched: [] });
  });

  test('port ranges, protocol numbers and "all" match', () => {
    const range = { ...allowConsumers, allowed: [{ IPProtocol: '6', ports: ['30000-32767'] }] };
    expect(evaluateFirewall([range], toBackend).action).toBe('allow');
    const all = { ...allowConsumers, allowed: [{ IPProtocol: 'all' }] };
    expect(evaluateFirewall([all], { ...toBackend, protocol: 'udp', port: 53 }).action).toBe(
      'allow',
    );
  });

  test('ingress sources: ranges OR tags OR service accounts; no source means any', () => {
    const byTag = { ...allowConsumers, sourceRanges: ['192.0.2.0/24'], sourceTags: ['frontend'] };
    expect(
      evaluateFirewall([byTag], {
        ...toBackend,
        source: { address: '10.209.0.2', tags: ['frontend'] },
      }).action,
    ).toBe('allow');
    expect(evaluateFirewall([byTag], toBackend).action).toBe('deny');
    const bySa = {
      ...allowConsumers,
      sourceRanges: undefined,
      sourceServiceAccounts: ['sa@p.iam'],
    };
    expect(
      evaluateFirewall([bySa], {
        ...toBackend,
        source: { address: '1.2.3.4', serviceAccount: 'sa@p.iam' },
      }).action,
    ).toBe('allow');
    const anySource = { ...allowConsumers, sourceRanges: undefined };
    expect(
      evaluateFirewall([anySource], { ...toBackend, source: { address: '8.8.8.8' } }).action,
    ).toBe('allow');
  });

  test('egress: destination ranges and the source instance as target', () => {
    const denyEgress: FirewallRuleFacts = {
      name: 'deny-egress-a',
      direction: 'EGRESS',
      priority: 1000,
      destinationRanges: ['10.193.0.0/16'],
      targetTags: ['frontend-node'],
      denied: [{ IPProtocol: 'tcp' }],
    };
    const egress: Packet = {
      ...toBackend,
      direction: 'EGRESS',
      source: { address: '10.209.0.2', tags: ['frontend-node'] },
    };
    expect(evaluateFirewall([denyEgress], egress)).toMatchObject({
      action: 'deny',
      rule: 'deny-egress-a',
    });
    expect(
      evaluateFirewall([denyEgress], { ...egress, source: { address: '10.209.0.2', tags: [] } })
        .rule,
    ).toBe(IMPLIED_ALLOW_EGRESS);
    expect(
      evaluateFirewall([denyEgress], { ...egress, destination: { address: '10.50.0.5' } }).rule,
    ).toBe(IMPLIED_ALLOW_EGRESS);
  });

  test('a user allow at 65535 loses to the implied deny (deny wins a tie)', () => {
    expect(evaluateFirewall([{ ...allowConsumers, priority: 65535 }], toBackend).action).toBe(
      'deny',
    );
  });
});

describe('evaluateFirewall properties', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  // Biased towards a few addresses and wide ranges, so that several rules often match at once.
  const address = fc.oneof(
    fc.constantFrom('10.0.0.1', '10.1.2.3'),
    fc.tuple(octet, octet, octet, octet).map((o) => o.join('.')),
  );
  const range = fc.tuple(address, fc.integer({ min: 0, max: 32 })).map(([a, p]) => {
    const n = a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
    const base = p === 0 ? 0 : Math.floor(n / 2 ** (32 - p)) * 2 ** (32 - p);
    const ip = [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.');
    return `${ip}/${p}`;
  });
  const wide = fc.constantFrom('0.0.0.0/0', '10.0.0.0/8');
  const tag = fc.constantFrom('a', 'b', 'c');
  const proto = fc.constantFrom('tcp', 'udp', 'all');
  const ports = fc.option(
    fc.array(
      fc.oneof(
        fc.constantFrom('80', '443', '1-1024'),
        fc.integer({ min: 1, max: 65535 }).map(String),
        fc
          .tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 1000 }))
          .map(([a, d]) => `${a}-${Math.min(65535, a + d)}`),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    { nil: undefined, freq: 2 },
  );
  const entries = fc.array(fc.record({ IPProtocol: proto, ports }), { minLength: 1, maxLength: 2 });
  const direction = fc.constantFrom<'INGRESS' | 'EGRESS'>('INGRESS', 'EGRESS');
  const rule = (name: string) =>
    fc
      .record({
        name: fc.constant(name),
        direction,
        // Few distinct priorities, so that ties (where deny must win) are common.
        priority: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(500, 1000) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) },
        ),
        disabled: fc.constantFrom(false, false, false, true),
        action: fc.boolean(),
        entries,
        sourceRanges: fc.option(fc.array(fc.oneof(wide, range), { maxLength: 2 }), {
          nil: undefined,
        }),
        destinationRanges: fc.option(fc.array(fc.oneof(wide, range), { maxLength: 2 }), {
          nil: undefined,
        }),
        sourceTags: fc.option(fc.array(tag, { maxLength: 2 }), { nil: undefined, freq: 2 }),
        targetTags: fc.option(fc.array(tag, { maxLength: 2 }), { nil: undefined, freq: 2 }),
      })
      .map(
        ({ action, entries: e, ...r }): FirewallRuleFacts =>
          action ? { ...r, allowed: e } : { ...r, denied: e },
      );
  const rules = fc
    .integer({ min: 0, max: 8 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => rule(`r${i}`))));
  const packet = fc.record({
    direction,
    source: fc.record({ address, tags: fc.array(tag, { maxLength: 2 }) }),
    destination: fc.record({ address, tags: fc.array(tag, { maxLength: 2 }) }),
    protocol: fc.constantFrom('tcp', 'udp'),
    port: fc.oneof(fc.constantFrom(80, 443), fc.integer({ min: 1, max: 65535 })),
  });

  test('adding an allow rule never turns an allowed packet denied', () => {
    fc.assert(
      fc.property(rules, packet, rule('extra'), (rs, p, extra) => {
        const allow = { ...extra, denied: undefined, allowed: extra.allowed ?? extra.denied };
        if (evaluateFirewall(rs, p).action !== 'allow') return;
        expect(evaluateFirewall([...rs, allow], p).action).toBe('allow');
      }),
      { numRuns: 500 },
    );
  });

  test('a matching deny at a strictly higher priority than every other match always wins', () => {
    fc.assert(
      fc.property(rules, packet, (rs, p) => {
        const matched = rs.filter((r) => evaluateFirewall([r], p).matched.length > 0);
        const top = Math.min(65535, ...matched.map((r) => r.priority ?? 1000));
        if (top === 0) return;
        const deny: FirewallRuleFacts = {
          name: 'deny-first',
          direction: p.direction,
          priority: top - 1,
          denied: [{ IPProtocol: 'all' }],
        };
        expect(evaluateFirewall([...rs, deny], p)).toMatchObject({
          action: 'deny',
          rule: 'deny-first',
        });
      }),
      { numRuns: 500 },
    );
  });

  test('the result does not depend on the order of the rules', () => {
    fc.assert(
      fc.property(
        rules.chain((rs) =>
          fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length })),
        ),
        packet,
        ([rs, shuffled], p) => {
          expect(evaluateFirewall(shuffled, p)).toEqual(evaluateFirewall(rs, p));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
