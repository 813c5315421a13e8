import { describe, expect, it } from 'vitest';
import { resourceName, serviceId } from '../../functions/core/desire/names.ts';
import type { Trigger } from '../../functions/core/events/classify.ts';
import { fullScope, scopeOf } from '../../functions/core/scope.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { exampleTopology } from '../support/topology.ts';

const t = exampleTopology();
const svc = t.services[0];
if (!svc) throw new Error('fixture');

function trigger(kind: Trigger['kind'], scope: Trigger['scope'], project = t.project): Trigger {
  return {
    action: 'reconcile',
    kind,
    project,
    scope,
    operationId: 'op-1',
    reason: '',
    causedBySelf: false,
    timestamp: null,
    method: null,
  };
}

function names(s: ReturnType<typeof scopeOf>) {
  return {
    services: s.services.map(serviceId),
    consumers: s.consumers.map((c) => c.name),
    full: s.full,
  };
}

describe('scopeOf', () => {
  it.each<[string, Trigger, { services: string[]; consumers: string[]; full: boolean }]>([
    [
      'a node pool in the provider cluster: its services only',
      trigger('nodePool', { cluster: 'backend-cluster', nodePool: 'p2' }),
      { services: [serviceId(svc)], consumers: [], full: false },
    ],
    [
      'a node pool in a consumer cluster: the services it consumes and its masquerade config',
      trigger('nodePool', { cluster: 'frontend-cluster' }),
      { services: [serviceId(svc)], consumers: ['frontend-cluster'], full: false },
    ],
    [
      'a cluster outside the topology: nothing',
      trigger('cluster', { cluster: 'other' }),
      { services: [], consumers: [], full: false },
    ],
    [
      'a peering on the consumer network (a third VPC): the consumer',
      trigger('peering', { network: 'vpc-b', peerNetwork: 'vpc-c' }),
      { services: [serviceId(svc)], consumers: ['frontend-cluster'], full: false },
    ],
    [
      "a peering whose peer the entry does not name (a last record): a full sweep, since the peer's imports change too",
      trigger('peering', { network: 'vpc-c' }),
      { services: [serviceId(svc)], consumers: ['frontend-cluster'], full: true },
    ],
    [
      'a peering between networks outside the topology: nothing',
      trigger('peering', { network: 'vpc-x', peerNetwork: 'vpc-y' }),
      { services: [], consumers: [], full: false },
    ],
    [
      'a deleted managed firewall rule: its service',
      trigger('firewall', { resource: resourceName(svc, 'consumers') }),
      { services: [serviceId(svc)], consumers: [], full: false },
    ],
    [
      'a peerlink-named rule of no known service, network unknown: a full sweep',
      trigger('forwardingRule', { resource: 'peerlink-ghost-123456-fr' }),
      { services: [serviceId(svc)], consumers: ['frontend-cluster'], full: true },
    ],
    [
      'another project: nothing',
      trigger('nodePool', { cluster: 'backend-cluster' }, 'someone-else'),
      { services: [], consumers: [], full: false },
    ],
  ])('%s', (_name, trig, expected) => {
    expect(names(scopeOf(t, trig))).toEqual(expected);
  });

  it('covers every service and consumer in a sweep', () => {
    const two: Topology = { ...t, services: [...t.services, { ...svc, name: 'second' }] };
    expect(names(fullScope(two))).toEqual({
      services: [serviceId(svc), serviceId({ ...svc, name: 'second' })],
      consumers: ['frontend-cluster'],
      full: true,
    });
  });
});
