import { describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../../functions/core/errors.ts';
import { classify, type Trigger } from '../../../functions/core/events/classify.ts';
import { decodeEvent } from '../../../functions/core/events/decode.ts';
import { PEERLINK_NAME_PREFIX } from '../../../functions/core/events/ownership.ts';
import { sharedEvent, syntheticEvent, syntheticEventFiles, wrappings } from './events-fixtures.ts';

const SELF = 'peerlink@acme-net-host.iam.gserviceaccount.com';

function triggerOf(input: unknown, selfPrincipal?: string): Trigger {
  return classify(decodeEvent(input), { selfPrincipal });
}

/** A parsed entry that a test edits in place: its shape is whatever the JSON holds. */
// biome-ignore lint/suspicious/noExplicitAny: tests poke at untyped JSON paths on purpose
type Editable = Record<string, any>;

/** An entry from a real or synthetic file, edited by `edit` (on a fresh parse). */
function edited(json: string, edit: (entry: Editable) => void): Record<string, unknown> {
  const entry = JSON.parse(json);
  edit(entry);
  return entry;
}

type Expect = Pick<Trigger, 'action' | 'kind' | 'project'> & {
  scope?: Trigger['scope'];
  reason?: RegExp;
};

const realFiles: Array<[string, Expect]> = [
  [
    'nodepool_creation_finished.json',
    {
      action: 'reconcile',
      kind: 'nodePool',
      project: 'your-project-id',
      scope: { location: 'us-central1-a', cluster: 'gke-basic-1', nodePool: 'default' },
      reason: /finished/,
    },
  ],
  [
    'cluster_creation_finished.json',
    {
      action: 'reconcile',
      kind: 'cluster',
      project: 'khi-testing',
      scope: { location: 'us-central1-a', cluster: 'gke-basic-1' },
      reason: /finished/,
    },
  ],
  [
    'nodepool_creation_started.json',
    {
      action: 'defer',
      kind: 'nodePool',
      project: 'your-project-id',
      scope: { location: 'us-central1-a', cluster: 'gke-basic-1', nodePool: 'default' },
      reason: /started; waiting for its last record/,
    },
  ],
  [
    'cluster_creation_started.json',
    {
      action: 'defer',
      kind: 'cluster',
      project: 'project-id',
      scope: {
        location: 'us-central1-a',
        cluster: 'gke-basic-1',
        network: 'gke-basic-1-vpc',
        region: 'us-central1',
        subnetwork: 'gke-basic-1-subnet',
      },
      reason: /started/,
    },
  ],
  [
    'cluster_creation_started_with_error.json',
    {
      action: 'ignore',
      kind: 'cluster',
      project: 'project-id',
      reason: /failed with status 3: No valid versions/,
    },
  ],
  [
    'c7n-log-create-project-sink.json',
    {
      action: 'ignore',
      kind: 'unknown',
      project: 'test-project-232910',
      reason: /unwatched method google\.logging\.v2\.ConfigServiceV2\.CreateSink/,
    },
  ],
  [
    'c7n-route-create.json',
    {
      action: 'ignore',
      kind: 'unknown',
      project: 'mitrop-custodian',
      reason: /unwatched method v1\.compute\.routes\.insert/,
    },
  ],
  [
    'c7n-lb-forwarding-rules-get.json',
    {
      action: 'ignore',
      kind: 'unknown',
      project: 'custodian-test-project-0',
      reason: /Data Access/,
    },
  ],
  [
    'firewall-insert.json',
    {
      action: 'ignore',
      kind: 'firewall',
      project: 'scc-log-pubsub',
      scope: { network: 'default', resource: 'firewall-rule-01' },
      reason: /not a peerlink-owned firewall rule: firewall-rule-01/,
    },
  ],
  [
    'pubsub-push-envelope.json',
    { action: 'ignore', kind: 'unknown', project: 'test-project', reason: /Data Access/ },
  ],
];

function expectTrigger(trigger: Trigger, want: Expect): void {
  expect(trigger).toMatchObject({ action: want.action, kind: want.kind, project: want.project });
  if (want.scope) expect(trigger.scope).toEqual(want.scope);
  if (want.reason) expect(trigger.reason).toMatch(want.reason);
  expect(trigger.reason.length).toBeGreaterThan(0);
}

describe('classify: the real entries in ../shared/events', () => {
  it.each(realFiles)('%s', (file, want) => {
    expectTrigger(triggerOf(sharedEvent(file)), want);
  });

  it('keeps operationId, method and timestamp', () => {
    const t = triggerOf(sharedEvent('nodepool_creation_finished.json'));
    expect(t.operationId).toBe('operation-1726191716103-f4072772-f902-453d-8776-b69047cebae6');
    expect(t.method).toBe('google.container.v1.ClusterManager.CreateNodePool');
    expect(t.timestamp).toBe('2025-01-01T00:00:00Z');
    expect(t.causedBySelf).toBe(false);
    expect(
      triggerOf(sharedEvent('cluster_creation_started_with_error.json')).operationId,
    ).toBeNull();
  });

  const wrapped = realFiles
    .filter(([file]) => file !== 'pubsub-push-envelope.json')
    .flatMap(([file]) =>
      wrappings(sharedEvent(file)).map(([shape, input]) => [file, shape, input] as const),
    );

  it.each(wrapped)('%s gives the same trigger as a %s', (file, _shape, input) => {
    expect(triggerOf(input)).toEqual(triggerOf(sharedEvent(file)));
  });
});

describe('classify: synthesized peering and subnetwork entries', () => {
  const peer = {
    network: 'vpc-a',
    peerNetwork: 'vpc-b',
    peerProject: 'acme-apps',
    resource: 'vpc-a-to-vpc-b',
  };
  const subnet = { region: 'europe-west1', subnetwork: 'nodes-a', resource: 'nodes-a' };
  const synthetic: Array<[string, Expect]> = [
    [
      'peering-add-first.json',
      { action: 'defer', kind: 'peering', project: 'acme-net-host', scope: peer },
    ],
    [
      'peering-add-last.json',
      {
        action: 'reconcile',
        kind: 'peering',
        project: 'acme-net-host',
        scope: { network: 'vpc-a' },
      },
    ],
    [
      'peering-add-last-beta.json',
      {
        action: 'reconcile',
        kind: 'peering',
        project: 'acme-net-host',
        scope: { network: 'vpc-a' },
      },
    ],
    [
      'peering-remove-first.json',
      {
        action: 'defer',
        kind: 'peering',
        project: 'acme-net-host',
        scope: { network: 'vpc-a', resource: 'vpc-a-to-vpc-b' },
      },
    ],
    [
      'peering-remove-last-alpha.json',
      {
        action: 'reconcile',
        kind: 'peering',
        project: 'acme-net-host',
        scope: { network: 'vpc-a' },
      },
    ],
    [
      'peering-update-first-beta.json',
      {
        action: 'defer',
        kind: 'peering',
        project: 'acme-net-host',
        scope: { network: 'vpc-a', resource: 'vpc-a-to-vpc-b' },
      },
    ],
    [
      'peering-update-last.json',
      { action: 'reconcile', kind: 'peering', project: 'acme-net-host' },
    ],
    [
      'subnetwork-insert-first.json',
      {
        action: 'defer',
        kind: 'subnetwork',
        project: 'acme-net-host',
        scope: { ...subnet, network: 'vpc-a' },
      },
    ],
    [
      'subnetwork-insert-last.json',
      { action: 'reconcile', kind: 'subnetwork', project: 'acme-net-host', scope: subnet },
    ],
    [
      'subnetwork-expand-last-beta.json',
      { action: 'reconcile', kind: 'subnetwork', project: 'acme-net-host', scope: subnet },
    ],
    [
      'subnetwork-delete-last-alpha.json',
      { action: 'reconcile', kind: 'subnetwork', project: 'acme-net-host', scope: subnet },
    ],
    [
      'firewall-peerlink-insert-first.json',
      {
        action: 'defer',
        kind: 'firewall',
        project: 'acme-net-host',
        scope: { network: 'vpc-a', resource: 'peerlink-allow-backend-80' },
      },
    ],
    [
      'region-backend-service-peerlink-patch-last.json',
      {
        action: 'reconcile',
        kind: 'backendService',
        project: 'acme-net-host',
        scope: { region: 'europe-west1', resource: 'peerlink-backend-nginx' },
      },
    ],
  ];

  it('covers every synthesized fixture', () => {
    expect(synthetic.map(([file]) => file).sort()).toEqual(syntheticEventFiles());
  });

  it.each(synthetic)('%s', (file, want) => {
    expectTrigger(triggerOf(syntheticEvent(file)), want);
  });

  it.each(synthetic)('%s gives the same trigger in every wrapping', (file) => {
    const direct = triggerOf(syntheticEvent(file));
    for (const [, input] of wrappings(syntheticEvent(file)))
      expect(triggerOf(input)).toEqual(direct);
  });

  it('reads the peer from the older top-level peerNetwork field of addPeering', () => {
    const entry = edited(syntheticEvent('peering-add-first.json'), (e) => {
      e.protoPayload.request = {
        '@type': 'type.googleapis.com/compute.networks.addPeering',
        name: 'legacy-peering',
        peerNetwork: 'projects/other-proj/global/networks/vpc-c',
        autoCreateRoutes: true,
      };
    });
    expect(triggerOf(entry).scope).toEqual({
      network: 'vpc-a',
      peerNetwork: 'vpc-c',
      peerProject: 'other-proj',
      resource: 'legacy-peering',
    });
  });
});

describe('classify: method variants', () => {
  const cases: Array<[string, string, string[]]> = [
    ['peering-add-last.json', 'compute.networks.addPeering', ['v1.', 'beta.', 'alpha.']],
    ['peering-remove-first.json', 'compute.networks.removePeering', ['v1.', 'beta.', 'alpha.']],
    ['peering-update-last.json', 'compute.networks.updatePeering', ['v1.', 'beta.', 'alpha.']],
    ['subnetwork-insert-first.json', 'compute.subnetworks.insert', ['v1.', 'beta.', 'alpha.']],
    ['subnetwork-insert-last.json', 'compute.subnetworks.patch', ['v1.', 'beta.', 'alpha.']],
    ['subnetwork-insert-last.json', 'compute.subnetworks.delete', ['v1.', 'beta.', 'alpha.']],
    [
      'subnetwork-insert-last.json',
      'compute.subnetworks.expandIpCidrRange',
      ['v1.', 'beta.', 'alpha.'],
    ],
    ['firewall-peerlink-insert-first.json', 'compute.firewalls.insert', ['v1.', 'beta.', 'alpha.']],
    [
      'region-backend-service-peerlink-patch-last.json',
      'compute.regionBackendServices.patch',
      ['v1.', 'beta.', 'alpha.'],
    ],
  ];
  it.each(cases)('%s as %s classifies the same in every version', (file, method, prefixes) => {
    const results = prefixes.map((prefix) => {
      const t = triggerOf(
        edited(syntheticEvent(file), (e) => {
          e.protoPayload.methodName = `${prefix}${method}`;
        }),
      );
      return { ...t, method: null, reason: t.reason.replace(`${prefix}${method}`, 'M') };
    });
    expect(results[0]?.action).not.toBe('ignore');
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it.each(['google.container.v1.', 'google.container.v1beta1.'])(
    'GKE %sClusterManager.* classify alike',
    (prefix) => {
      for (const file of ['nodepool_creation_finished.json', 'cluster_creation_finished.json']) {
        const original = JSON.parse(sharedEvent(file));
        const bare = String(original.protoPayload.methodName).replace('google.container.v1.', '');
        const t = triggerOf(
          edited(sharedEvent(file), (e) => {
            e.protoPayload.methodName = `${prefix}${bare}`;
          }),
        );
        expect({ ...t, method: null, reason: '' }).toEqual({
          ...triggerOf(original),
          method: null,
          reason: '',
        });
      }
    },
  );

  it('ignores an unknown version prefix and an unwatched verb, naming the method', () => {
    const v2 = triggerOf(
      edited(syntheticEvent('peering-add-last.json'), (e) => {
        e.protoPayload.methodName = 'v2.compute.networks.addPeering';
      }),
    );
    expect(v2).toMatchObject({ action: 'ignore', kind: 'unknown' });
    expect(v2.reason).toContain('v2.compute.networks.addPeering');
    const get = triggerOf(
      edited(syntheticEvent('peering-add-last.json'), (e) => {
        e.protoPayload.methodName = 'v1.compute.networks.get';
      }),
    );
    expect(get.reason).toBe('unwatched method v1.compute.networks.get (compute.googleapis.com)');
  });
});

describe('classify: peerlink ownership of firewall and load-balancer parts', () => {
  const kinds: Array<[string, string, string, Trigger['kind'], string]> = [
    [
      'v1.compute.firewalls.delete',
      'projects/p1/global/firewalls/NAME',
      'gce_firewall_rule',
      'firewall',
      'firewall rule',
    ],
    [
      'v1.compute.forwardingRules.insert',
      'projects/p1/regions/us-east1/forwardingRules/NAME',
      'gce_forwarding_rule',
      'forwardingRule',
      'forwarding rule',
    ],
    [
      'beta.compute.backendServices.update',
      'projects/p1/global/backendServices/NAME',
      'gce_backend_service',
      'backendService',
      'backend service',
    ],
    [
      'alpha.compute.regionBackendServices.delete',
      'projects/p1/regions/us-east1/backendServices/NAME',
      'gce_backend_service',
      'backendService',
      'backend service',
    ],
    [
      'v1.compute.healthChecks.patch',
      'projects/p1/global/healthChecks/NAME',
      'gce_health_check',
      'healthCheck',
      'health check',
    ],
    [
      'v1.compute.regionHealthChecks.insert',
      'projects/p1/regions/us-east1/healthChecks/NAME',
      'gce_health_check',
      'healthCheck',
      'health check',
    ],
    [
      'v1.compute.addresses.insert',
      'projects/p1/regions/us-east1/addresses/NAME',
      'gce_reserved_address',
      'address',
      'address',
    ],
    [
      'beta.compute.addresses.delete',
      'projects/p1/regions/us-east1/addresses/NAME',
      'gce_reserved_address',
      'address',
      'address',
    ],
  ];
  const entryFor = (method: string, resourceName: string, type: string) =>
    edited(syntheticEvent('region-backend-service-peerlink-patch-last.json'), (e) => {
      e.protoPayload.methodName = method;
      e.protoPayload.resourceName = resourceName;
      e.protoPayload.request = { '@type': 'x', network: 'global/networks/vpc-z' };
      e.resource = { type, labels: { project_id: 'p1' } };
    });

  it.each(kinds)('%s of a peerlink- resource reconciles', (method, rn, type, kind) => {
    const t = triggerOf(entryFor(method, rn.replace('NAME', `${PEERLINK_NAME_PREFIX}svc`), type));
    expect(t).toMatchObject({ action: 'reconcile', kind, project: 'p1' });
    expect(t.scope.resource).toBe('peerlink-svc');
    expect(t.scope.network).toBe('vpc-z');
    expect(t.scope.region).toBe(rn.includes('regions/') ? 'us-east1' : undefined);
  });

  it.each(kinds)(
    '%s of someone else’s resource is ignored, scope still filled',
    (method, rn, type, kind, label) => {
      const t = triggerOf(entryFor(method, rn.replace('NAME', 'team-svc'), type));
      expect(t).toMatchObject({
        action: 'ignore',
        kind,
        reason: `not a peerlink-owned ${label}: team-svc`,
      });
      expect(t.scope).toMatchObject({ resource: 'team-svc', network: 'vpc-z' });
    },
  );

  it('does not take a bare prefix or a look-alike for ownership', () => {
    for (const name of ['peerlink-', 'peerlinkx-svc', 'xpeerlink-svc']) {
      const t = triggerOf(
        entryFor(
          'v1.compute.firewalls.insert',
          `projects/p1/global/firewalls/${name}`,
          'gce_firewall_rule',
        ),
      );
      expect(t.action).toBe('ignore');
    }
  });
});

describe('classify: operations, failures and causedBySelf', () => {
  const base = syntheticEvent('peering-add-first.json');
  const withOperation = (operation: unknown) =>
    edited(base, (e) => {
      if (operation === undefined) delete e.operation;
      else e.operation = operation;
    });

  it.each([
    ['first only', { id: 'op-1', producer: 'compute.googleapis.com', first: true }, 'defer'],
    ['last only', { id: 'op-1', producer: 'compute.googleapis.com', last: true }, 'reconcile'],
    [
      'first and last (single record)',
      { id: 'op-1', producer: 'compute.googleapis.com', first: true, last: true },
      'reconcile',
    ],
    ['a middle record', { id: 'op-1', producer: 'compute.googleapis.com' }, 'defer'],
    ['no operation', undefined, 'reconcile'],
  ] as const)('%s -> %s', (_name, operation, action) => {
    const t = triggerOf(withOperation(operation));
    expect(t.action).toBe(action);
    expect(t.operationId).toBe(operation === undefined ? null : 'op-1');
  });

  it('ignores a failed last record', () => {
    const t = triggerOf(
      edited(syntheticEvent('peering-add-last.json'), (e) => {
        e.protoPayload.status = {
          code: 9,
          message: 'There is a peering operation in progress on the local or peer network.',
        };
      }),
    );
    expect(t).toMatchObject({ action: 'ignore', kind: 'peering' });
    expect(t.reason).toMatch(/failed with status 9: There is a peering operation in progress/);
  });

  it('treats an empty status as success', () => {
    expect(triggerOf(sharedEvent('cluster_creation_finished.json')).action).toBe('reconcile');
  });

  it('sets causedBySelf only for peerlink’s own service account', () => {
    const own = syntheticEvent('firewall-peerlink-insert-first.json');
    expect(triggerOf(own, SELF).causedBySelf).toBe(true);
    expect(triggerOf(own, SELF.toUpperCase()).causedBySelf).toBe(true);
    expect(triggerOf(own, 'someone@example.com').causedBySelf).toBe(false);
    expect(triggerOf(own).causedBySelf).toBe(false);
    expect(
      triggerOf(sharedEvent('nodepool_creation_started.json'), 'user@example.com').causedBySelf,
    ).toBe(true);
    expect(triggerOf(sharedEvent('nodepool_creation_started.json'), SELF).causedBySelf).toBe(false);
    // The last record has no authenticationInfo: unknown principal is not self.
    expect(triggerOf(sharedEvent('nodepool_creation_finished.json'), SELF).causedBySelf).toBe(
      false,
    );
  });

  it('takes the project from the resourceName, then the logName, when labels lack it', () => {
    const noLabels = edited(syntheticEvent('peering-add-last.json'), (e) => {
      delete e.resource;
    });
    expect(triggerOf(noLabels).project).toBe('acme-net-host');
    const noName = edited(syntheticEvent('peering-add-last.json'), (e) => {
      delete e.resource;
      delete e.protoPayload.resourceName;
      e.logName = 'projects/log-project/logs/cloudaudit.googleapis.com%2Factivity';
    });
    expect(triggerOf(noName).project).toBe('log-project');
  });

  it('accepts GKE names given as locations/ and reads them like zones/', () => {
    const regional = edited(sharedEvent('nodepool_creation_finished.json'), (e) => {
      e.protoPayload.resourceName =
        'projects/your-project-id/locations/us-central1/clusters/gke-basic-1/nodePools/pool-2';
      delete e.resource.labels.nodepool_name;
      delete e.resource.labels.location;
    });
    expect(triggerOf(regional).scope).toEqual({
      location: 'us-central1',
      cluster: 'gke-basic-1',
      nodePool: 'pool-2',
    });
  });
});

describe('classify: unsafe names are malformed (terminal)', () => {
  const fw = syntheticEvent('firewall-peerlink-insert-first.json');
  const cases: Array<[string, (e: Editable) => void, RegExp]> = [
    [
      '.. in resourceName',
      (e) => {
        e.protoPayload.resourceName = 'projects/acme-net-host/global/firewalls/../networks/vpc-a';
      },
      /contains '\.\.'/,
    ],
    [
      '%2F in resourceName',
      (e) => {
        e.protoPayload.resourceName = 'projects/acme-net-host/global/firewalls/peerlink-a%2Fb';
      },
      /percent-encoding/,
    ],
    [
      '%2f in request.network',
      (e) => {
        e.protoPayload.request.network = 'projects/acme-net-host/global/networks/vpc%2fa';
      },
      /request\.network .* percent-encoding/,
    ],
    [
      '.. in request.network URL',
      (e) => {
        e.protoPayload.request.network =
          'https://www.googleapis.com/compute/v1/projects/acme-net-host/global/networks/../../x';
      },
      /contains '\.\.'/,
    ],
    [
      'a foreign URL host',
      (e) => {
        e.protoPayload.request.network =
          'https://evil.example/compute/v1/projects/p/global/networks/n';
      },
      /not a compute API URL/,
    ],
    [
      'Cyrillic look-alike in resourceName',
      (e) => {
        e.protoPayload.resourceName = 'projects/acme-net-host/global/firewalls/peerlink-аllow';
      },
      /non-ASCII/,
    ],
    [
      'a space in a label',
      (e) => {
        e.resource.labels.project_id = 'acme net';
      },
      /resource\.labels\.project_id .* non-ASCII, space/,
    ],
    [
      'an empty segment',
      (e) => {
        e.protoPayload.resourceName = 'projects/acme-net-host/global//firewalls/x';
      },
      /empty or invalid path segment/,
    ],
    [
      'a repeated collection',
      (e) => {
        e.protoPayload.resourceName = 'projects/a/projects/b/global/firewalls/x';
      },
      /repeats 'projects'/,
    ],
  ];
  it.each(cases)('%s', (_name, edit, message) => {
    const entry = decodeEvent(edited(fw, edit));
    expect(() => classify(entry)).toThrow(MalformedEventError);
    expect(() => classify(entry)).toThrow(message);
  });

  it('does not inspect the names of unwatched methods', () => {
    const storage = edited(sharedEvent('c7n-log-create-project-sink.json'), (e) => {
      e.protoPayload.resourceName = 'projects/_/buckets/b/objects/a ü/../x';
    });
    expect(triggerOf(storage).action).toBe('ignore');
  });

  it('treats request fields of the wrong type as absent', () => {
    const t = triggerOf(
      edited(fw, (e) => {
        e.protoPayload.request.network = 42;
      }),
    );
    expect(t.scope).toEqual({ resource: 'peerlink-allow-backend-80' });
  });
});
