/** A handler runtime over in-memory ports, for handler tests without the simulator. */

import type { Facts } from '../../functions/core/model/facts.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import type { Runtime } from '../../functions/handlers/runtime.ts';
import { settings } from '../../functions/runtime/settings.ts';
import { MemoryFacts } from './memory-facts.ts';
import { MemoryPort } from './memory-port.ts';
import { exampleFacts, exampleTopology } from './topology.ts';

export interface TestRuntime extends Runtime {
  readonly resources: MemoryPort;
  readonly facts: MemoryFacts;
  readonly lines: Record<string, unknown>[];
  topologyResult: Topology | Error;
  clock: number;
}

export function testRuntime(env: Record<string, string> = {}, facts?: Facts): TestRuntime {
  const t = exampleTopology();
  const resources = new MemoryPort();
  const memFacts = new MemoryFacts(facts ?? exampleFacts(t));
  const lines: Record<string, unknown>[] = [];
  const rt: TestRuntime = {
    settings: settings({
      PEERLINK_SERVICE_ACCOUNT: 'peerlink@peerlink-demo.iam.gserviceaccount.com',
      ...env,
    }),
    logger: { log: (severity, message, fields) => lines.push({ severity, message, ...fields }) },
    resources,
    facts: memFacts,
    lines,
    topologyResult: t,
    clock: Date.parse('2026-11-30T10:00:00Z'),
    async topology() {
      if (rt.topologyResult instanceof Error) throw rt.topologyResult;
      return rt.topologyResult;
    },
    async deps() {
      return { resources, facts: memFacts };
    },
    now: () => rt.clock,
  };
  return rt;
}

/** An Admin Activity entry for a GKE node pool, in the form the real samples have. */
export function nodePoolEntry(opts: {
  cluster: string;
  pool?: string;
  record: 'first' | 'last';
  timestamp?: string;
  principal?: string;
  project?: string;
}): Record<string, unknown> {
  const project = opts.project ?? 'peerlink-demo';
  const name = `projects/${project}/zones/europe-west1-c/clusters/${opts.cluster}/nodePools/${opts.pool ?? 'pool-2'}`;
  return {
    insertId: `i-${opts.record}`,
    logName: `projects/${project}/logs/cloudaudit.googleapis.com%2Factivity`,
    operation: { id: 'operation-1-abc', producer: 'container.googleapis.com', [opts.record]: true },
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      authenticationInfo: { principalEmail: opts.principal ?? 'user@example.com' },
      methodName: 'google.container.v1.ClusterManager.CreateNodePool',
      resourceName: name,
      serviceName: 'container.googleapis.com',
      status: {},
    },
    resource: {
      type: 'gke_nodepool',
      labels: {
        cluster_name: opts.cluster,
        location: 'europe-west1-c',
        nodepool_name: opts.pool ?? 'pool-2',
        project_id: project,
      },
    },
    severity: 'NOTICE',
    timestamp: opts.timestamp ?? '2026-11-30T09:59:00Z',
  };
}

/** The CloudEvent data functions-framework hands a Pub/Sub-triggered function. */
export function pubsubEvent(entry: unknown, id = 'msg-1'): { id: string; data: unknown } {
  return {
    id,
    data: {
      message: { data: Buffer.from(JSON.stringify(entry)).toString('base64'), messageId: id },
    },
  };
}
