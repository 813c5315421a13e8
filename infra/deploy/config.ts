/**
 * What `peerlink deploy` creates, as data: names, sizes and delivery settings. Every name starts
 * with `peerlink-` (custom role ids cannot hold `-`, so they start with `peerlink`), and every
 * resource whose API has labels carries `managed-by=peerlink`; the others carry the marker in
 * their description. Teardown finds resources by exactly these two signs.
 */

export const LABEL_KEY = 'managed-by';
export const LABEL_VALUE = 'peerlink';
export const LABELS: Readonly<Record<string, string>> = { [LABEL_KEY]: LABEL_VALUE };
/** For APIs without labels (service accounts, roles, sinks, scheduler jobs). */
export const DESCRIPTION_MARKER = 'managed-by=peerlink';
export const PREFIX = 'peerlink-';

export const TOPICS = {
  audit: 'peerlink-audit',
  sweep: 'peerlink-sweep',
  deadLetter: 'peerlink-dead-letter',
} as const;

export const SINK = 'peerlink-audit-sink';
export const SCHEDULER_JOB = 'peerlink-sweep';
export const DEFAULT_SCHEDULE = '*/15 * * * *';

/** Pull subscription that keeps dead-lettered messages for inspection (a topic without a
 * subscription drops what is published to it). */
export const DEAD_LETTER_HOLD = 'peerlink-dead-letter-hold';

export interface ServiceAccountSpec {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
}

export const SERVICE_ACCOUNTS = {
  reactor: {
    name: 'peerlink-reactor',
    displayName: 'peerlink reactor',
    description: `${DESCRIPTION_MARKER}; runs onAuditLog and sweep`,
  },
  bootstrap: {
    name: 'peerlink-bootstrap',
    displayName: 'peerlink bootstrap',
    description: `${DESCRIPTION_MARKER}; runs bootstrap (provisions the topology)`,
  },
  // The identity Pub/Sub signs push requests with. It holds nothing but run.invoker on the two
  // event functions, so the token Pub/Sub mints for it can do nothing else.
  invoker: {
    name: 'peerlink-invoker',
    displayName: 'peerlink push invoker',
    description: `${DESCRIPTION_MARKER}; signs Pub/Sub push requests to onAuditLog and sweep`,
  },
} as const satisfies Record<string, ServiceAccountSpec>;

export function serviceAccountEmail(name: string, project: string): string {
  return `${name}@${project}.iam.gserviceaccount.com`;
}

/** How one function is deployed. */
export interface FunctionSpec {
  /** Cloud Functions (and Cloud Run service) name. */
  readonly name: string;
  /** Export registered in functions/index.ts. */
  readonly entryPoint: 'onAuditLog' | 'sweep' | 'bootstrap';
  readonly serviceAccount: keyof typeof SERVICE_ACCOUNTS;
  readonly memory: string;
  readonly timeoutSeconds: number;
  readonly maxInstances: number;
  /** Topic whose push subscription invokes it; absent for bootstrap (called by people). */
  readonly topic?: string;
  readonly subscription?: string;
  /** Above the timeout, so Pub/Sub never redelivers a message the function is still working on. */
  readonly ackDeadlineSeconds?: number;
}

// Memory: the Compute, Container and Kubernetes clients together take ~150 MB of heap once
// loaded (PLATFORM.md: 30 MB of protos for Compute alone); 512Mi leaves room for a reconcile's
// working set. 256Mi is the next size down and was judged too tight.
export const FUNCTIONS = {
  onAuditLog: {
    name: 'peerlink-on-audit-log',
    entryPoint: 'onAuditLog',
    serviceAccount: 'reactor',
    memory: '512Mi',
    // A reconcile waits for Compute operations (seconds to a minute each, bounded by the
    // executor); five minutes covers a plan with a few dependent phases.
    timeoutSeconds: 300,
    // Events are only wake-ups and reconciles are level-triggered: a burst needs no fan-out,
    // and fewer writers means fewer "peering operation in progress" collisions.
    maxInstances: 3,
    topic: TOPICS.audit,
    subscription: 'peerlink-audit-push',
    ackDeadlineSeconds: 360,
  },
  sweep: {
    name: 'peerlink-sweep',
    entryPoint: 'sweep',
    serviceAccount: 'reactor',
    memory: '512Mi',
    // The whole topology in one run; 540 s is the longest event-driven timeout Cloud Functions
    // allows, and Pub/Sub's ack deadline caps at 600 s.
    timeoutSeconds: 540,
    maxInstances: 1,
    topic: TOPICS.sweep,
    subscription: 'peerlink-sweep-push',
    ackDeadlineSeconds: 600,
  },
  bootstrap: {
    name: 'peerlink-bootstrap',
    entryPoint: 'bootstrap',
    serviceAccount: 'bootstrap',
    memory: '512Mi',
    // Creating GKE clusters takes minutes each; an HTTP function may run up to 60 minutes.
    timeoutSeconds: 1800,
    maxInstances: 1,
  },
} as const satisfies Record<string, FunctionSpec>;

/** Push delivery: exponential backoff between attempts, then the dead-letter topic. */
export const RETRY_POLICY = { minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 } as const;
export const MAX_DELIVERY_ATTEMPTS = 5;
/** Seven days, Pub/Sub's maximum: time to look at a dead letter before it is gone. */
export const DEAD_LETTER_RETENTION_SECONDS = 7 * 24 * 3600;

export const RUNTIME = 'nodejs22';
/** Where the topology file sits in the uploaded source; PEERLINK_TOPOLOGY names it. */
export const TOPOLOGY_IN_SOURCE = 'peerlink-topology.yaml';
