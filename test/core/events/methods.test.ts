import { describe, expect, it } from 'vitest';
import {
  findWatchedMethod,
  SERVICES,
  WATCHED_METHODS,
  watchedMethodNames,
} from '../../../functions/core/events/methods.ts';

describe('WATCHED_METHODS', () => {
  const names = watchedMethodNames();

  it.each([
    // GKE, v1 and v1beta1 (https://cloud.google.com/kubernetes-engine/docs/how-to/audit-logging-container)
    ...[
      'CreateCluster',
      'DeleteCluster',
      'CreateNodePool',
      'DeleteNodePool',
      'UpdateNodePool',
      // What changes a cluster's instance groups or the nodes in them.
      'SetNodePoolSize',
      'UpdateCluster',
      'SetLocations',
      'RollbackNodePoolUpgrade',
      'CompleteNodePoolUpgrade',
    ].flatMap((m) => [
      `google.container.v1.ClusterManager.${m}`,
      `google.container.v1beta1.ClusterManager.${m}`,
    ]),
    // compute, each in v1., beta. and alpha. form
    ...[
      'networks.addPeering',
      'networks.removePeering',
      'networks.updatePeering',
      'subnetworks.insert',
      'subnetworks.delete',
      'subnetworks.patch',
      'subnetworks.expandIpCidrRange',
      'firewalls.insert',
      'firewalls.patch',
      'firewalls.update',
      'firewalls.delete',
      'forwardingRules.insert',
      'forwardingRules.delete',
      'forwardingRules.patch',
      ...['backendServices', 'regionBackendServices', 'healthChecks', 'regionHealthChecks'].flatMap(
        (c) => ['insert', 'delete', 'patch', 'update'].map((v) => `${c}.${v}`),
      ),
    ].flatMap((m) => ['v1', 'beta', 'alpha'].map((p) => `${p}.compute.${m}`)),
  ])('covers %s', (name) => {
    expect(names).toContain(name);
    const service = name.startsWith('google.container.')
      ? 'container.googleapis.com'
      : 'compute.googleapis.com';
    expect(findWatchedMethod(service, name)).toBeDefined();
  });

  it('lists each method once, with a known service and something it affects', () => {
    const keys = WATCHED_METHODS.map((m) => `${m.serviceName} ${m.method}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(names).size).toBe(names.length);
    for (const m of WATCHED_METHODS) {
      expect(SERVICES.map((s) => s.serviceName)).toContain(m.serviceName);
      expect(m.affects.length).toBeGreaterThan(0);
      // Stored without a version prefix: the prefixes live in SERVICES.
      expect(m.method).not.toMatch(/^(v1|beta|alpha|google\.container)\./);
    }
  });

  it('does not match reads, other services or a method under the wrong service', () => {
    expect(findWatchedMethod('compute.googleapis.com', 'v1.compute.networks.get')).toBeUndefined();
    expect(findWatchedMethod('compute.googleapis.com', 'v1.compute.routes.insert')).toBeUndefined();
    expect(
      findWatchedMethod('container.googleapis.com', 'v1.compute.firewalls.insert'),
    ).toBeUndefined();
    expect(findWatchedMethod('compute.googleapis.com', 'compute.firewalls.insert')).toBeUndefined();
    expect(
      findWatchedMethod('logging.googleapis.com', 'google.logging.v2.ConfigServiceV2.CreateSink'),
    ).toBeUndefined();
  });

  it('maps regional and global load-balancer collections to one kind each', () => {
    expect(
      findWatchedMethod('compute.googleapis.com', 'v1.compute.regionBackendServices.insert')?.kind,
    ).toBe('backendService');
    expect(
      findWatchedMethod('compute.googleapis.com', 'beta.compute.backendServices.insert')?.kind,
    ).toBe('backendService');
    expect(
      findWatchedMethod('compute.googleapis.com', 'alpha.compute.regionHealthChecks.delete')?.kind,
    ).toBe('healthCheck');
  });
});
