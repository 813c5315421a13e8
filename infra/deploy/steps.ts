/**
 * The ordered deploy plan. Every gcloud command is an argument vector; every step probes first.
 *
 * How Pub/Sub reaches the functions: onAuditLog and sweep are deployed with an HTTP trigger and
 * no public invoker, and peerlink creates its own push subscriptions to their URLs, signed with
 * an OIDC token of `peerlink-invoker` (https://cloud.google.com/pubsub/docs/push#authentication).
 * The alternative, an Eventarc trigger whose generated subscription (`eventarc-REGION-…`) is
 * updated afterwards (https://cloud.google.com/eventarc/docs/retry-events), was rejected:
 * that subscription belongs to Eventarc, is re-created under a new name whenever the trigger is,
 * and then silently loses the dead-letter policy; it carries neither our prefix nor our label,
 * so teardown cannot find it the way it finds everything else; and it cannot be exercised
 * against the Pub/Sub emulator. With our own subscription, ack deadline, retry backoff and
 * dead-lettering are declared once, at creation, and checked on every deploy. Retries are
 * Pub/Sub's: every non-2xx answer is redelivered with backoff, up to the attempt limit.
 */
import { createHash } from 'node:crypto';
import { BOOTSTRAP_ROLE, type CustomRole, REACTOR_ROLE } from '../iam/permissions.ts';
import { sinkFilter } from '../sink-filter.ts';
import {
  DEAD_LETTER_HOLD,
  DEAD_LETTER_RETENTION_SECONDS,
  DESCRIPTION_MARKER,
  FUNCTIONS,
  type FunctionSpec,
  LABEL_KEY,
  LABEL_VALUE,
  MAX_DELIVERY_ATTEMPTS,
  RETRY_POLICY,
  RUNTIME,
  SCHEDULER_JOB,
  SERVICE_ACCOUNTS,
  type ServiceAccountSpec,
  SINK,
  serviceAccountEmail,
  TOPICS,
  TOPOLOGY_IN_SOURCE,
} from './config.ts';
import type { Argv } from './gcloud.ts';
import {
  ensureSubscription,
  ensureTopic,
  type SubscriptionSpec,
  subscriptionMetadata,
} from './pubsub.ts';
import type { Context, GcloudStep, LocalStep, Presence, PubsubStep, Step } from './step.ts';

export interface PlanOptions {
  /** Cron schedule of the sweep job. */
  readonly schedule: string;
  /** The local step that builds and stages the function source (it sets `sourceHash`). */
  readonly stage: LocalStep;
  /** Directory uploaded as the functions' source. */
  readonly sourceDir: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

const P = (ctx: Context) => `--project=${ctx.project}`;
const JSON_OUT = '--format=json';

function pubsubAgent(ctx: Context): string {
  return `serviceAccount:service-${ctx.get('projectNumber')}@gcp-sa-pubsub.iam.gserviceaccount.com`;
}

function saMember(name: string, ctx: Context): string {
  return `serviceAccount:${serviceAccountEmail(name, ctx.project)}`;
}

/** True when `policy` (an IAM Policy as JSON) grants `role` to `member`. */
export function hasBinding(policy: unknown, role: string, member: string): boolean {
  const bindings = obj(policy).bindings;
  return (
    Array.isArray(bindings) &&
    bindings.some((b) => {
      const binding = obj(b);
      return (
        binding.role === role &&
        binding.condition === undefined &&
        Array.isArray(binding.members) &&
        binding.members.includes(member)
      );
    })
  );
}

function bindingStep(
  title: string,
  probe: (ctx: Context) => Argv,
  role: (ctx: Context) => string,
  member: (ctx: Context) => string,
  add: (ctx: Context, member: string, role: string) => Argv,
): GcloudStep {
  return {
    kind: 'gcloud',
    title,
    probe,
    presence: (policy, ctx) => (hasBinding(policy, role(ctx), member(ctx)) ? 'ok' : 'absent'),
    create: (ctx) => [add(ctx, member(ctx), role(ctx))],
  };
}

function projectStep(): GcloudStep {
  return {
    kind: 'gcloud',
    title: 'project (its number names the Pub/Sub service agent)',
    probe: (ctx) => ['gcloud', 'projects', 'describe', ctx.project, JSON_OUT],
    capture: (d, ctx) => ctx.set('projectNumber', String(obj(d).projectNumber ?? '')),
  };
}

function topicStep(name: string): PubsubStep {
  return {
    kind: 'pubsub',
    title: `Pub/Sub topic ${name}`,
    plan: (ctx) => [
      `pubsub: get topic projects/${ctx.project}/topics/${name}`,
      `pubsub: if absent, create it with labels ${LABEL_KEY}=${LABEL_VALUE}; if the label is missing, add it`,
    ],
    ensure: (pubsub) => ensureTopic(pubsub, name),
  };
}

function subscriptionStep(title: string, spec: (ctx: Context) => SubscriptionSpec): PubsubStep {
  return {
    kind: 'pubsub',
    title,
    plan: (ctx) => {
      const s = spec(ctx);
      return [
        `pubsub: get subscription projects/${ctx.project}/subscriptions/${s.name}`,
        `pubsub: if absent, create it on topic ${s.topic}; if any of these fields differ, update them: ${JSON.stringify(subscriptionMetadata(s, ctx.project))}`,
      ];
    },
    ensure: (pubsub, ctx) => ensureSubscription(pubsub, spec(ctx), ctx.project),
  };
}

function serviceAccountStep(sa: ServiceAccountSpec): GcloudStep {
  return {
    kind: 'gcloud',
    title: `service account ${sa.name}`,
    probe: (ctx) => [
      'gcloud',
      'iam',
      'service-accounts',
      'describe',
      serviceAccountEmail(sa.name, ctx.project),
      P(ctx),
      JSON_OUT,
    ],
    create: (ctx) => [
      [
        'gcloud',
        'iam',
        'service-accounts',
        'create',
        sa.name,
        P(ctx),
        `--display-name=${sa.displayName}`,
        `--description=${sa.description}`,
        '--quiet',
      ],
    ],
  };
}

function roleStep(role: CustomRole): GcloudStep {
  const flags = (ctx: Context) => [
    P(ctx),
    `--title=${role.title}`,
    `--description=${role.description}`,
    `--permissions=${role.permissions.join(',')}`,
    '--stage=GA',
    '--quiet',
  ];
  const samePermissions = (d: Json) => {
    const have = Array.isArray(d.includedPermissions) ? [...d.includedPermissions].sort() : [];
    return JSON.stringify(have) === JSON.stringify(role.permissions);
  };
  let deleted = false;
  return {
    kind: 'gcloud',
    title: `custom role ${role.id} (${role.permissions.length} permissions)`,
    probe: (ctx) => ['gcloud', 'iam', 'roles', 'describe', role.id, P(ctx), JSON_OUT],
    presence: (d): Presence => {
      // A deleted custom role lingers for 7 days and blocks re-creating its id: undelete it.
      deleted = obj(d).deleted === true;
      return !deleted && samePermissions(obj(d)) ? 'ok' : 'update';
    },
    create: (ctx) => [['gcloud', 'iam', 'roles', 'create', role.id, ...flags(ctx)]],
    update: (ctx) => [
      ...(deleted ? [['gcloud', 'iam', 'roles', 'undelete', role.id, P(ctx), '--quiet']] : []),
      ['gcloud', 'iam', 'roles', 'update', role.id, ...flags(ctx)],
    ],
  };
}

function projectRoleBinding(sa: ServiceAccountSpec, role: CustomRole): GcloudStep {
  return bindingStep(
    `grant ${role.id} to ${sa.name} on the project`,
    (ctx) => ['gcloud', 'projects', 'get-iam-policy', ctx.project, JSON_OUT],
    (ctx) => `projects/${ctx.project}/roles/${role.id}`,
    (ctx) => saMember(sa.name, ctx),
    (ctx, member, r) => [
      'gcloud',
      'projects',
      'add-iam-policy-binding',
      ctx.project,
      `--member=${member}`,
      `--role=${r}`,
      '--condition=None',
      '--quiet',
    ],
  );
}

/** The deploy command of a function, without its spec label (the label is its hash). */
function functionArgs(fn: FunctionSpec, ctx: Context, sourceDir: string): string[] {
  const sa = serviceAccountEmail(SERVICE_ACCOUNTS[fn.serviceAccount].name, ctx.project);
  return [
    'gcloud',
    'functions',
    'deploy',
    fn.name,
    '--gen2',
    P(ctx),
    `--region=${ctx.region}`,
    `--runtime=${RUNTIME}`,
    `--source=${sourceDir}`,
    `--entry-point=${fn.entryPoint}`,
    '--trigger-http',
    '--no-allow-unauthenticated',
    `--service-account=${sa}`,
    `--memory=${fn.memory}`,
    `--timeout=${fn.timeoutSeconds}s`,
    `--max-instances=${fn.maxInstances}`,
    `--set-env-vars=PEERLINK_PROJECT=${ctx.project},PEERLINK_TOPOLOGY=${TOPOLOGY_IN_SOURCE},PEERLINK_SERVICE_ACCOUNT=${sa}`,
    // dist/ is built before upload; the buildpack must not run `npm run build` again (it would
    // need the dev dependencies). https://cloud.google.com/docs/buildpacks/nodejs
    '--set-build-env-vars=GOOGLE_NODE_RUN_SCRIPTS=',
  ];
}

/** Short hash of everything that decides a function's deployment, kept as a label. */
export function specHash(args: readonly string[], sourceHash: string): string {
  const stable = args.filter((a) => !a.startsWith('--source='));
  return createHash('sha256')
    .update(JSON.stringify({ stable, sourceHash }))
    .digest('hex')
    .slice(0, 16);
}

function functionStep(fn: FunctionSpec, sourceDir: string): GcloudStep {
  const hash = (ctx: Context) =>
    ctx.dryRun && ctx.get('sourceHash').startsWith('<')
      ? '<spec-hash>'
      : specHash(functionArgs(fn, ctx, sourceDir), ctx.get('sourceHash'));
  const deploy = (ctx: Context): Argv => [
    ...functionArgs(fn, ctx, sourceDir),
    `--update-labels=${LABEL_KEY}=${LABEL_VALUE},peerlink-spec=${hash(ctx)}`,
    '--quiet',
  ];
  return {
    kind: 'gcloud',
    title: `function ${fn.name} (entry point ${fn.entryPoint}, ${fn.memory}, ${fn.timeoutSeconds}s, at most ${fn.maxInstances} instances)`,
    probe: (ctx) => [
      'gcloud',
      'functions',
      'describe',
      fn.name,
      '--gen2',
      P(ctx),
      `--region=${ctx.region}`,
      JSON_OUT,
    ],
    presence: (d, ctx) => (obj(obj(d).labels)['peerlink-spec'] === hash(ctx) ? 'ok' : 'update'),
    create: (ctx) => [deploy(ctx)],
    update: (ctx) => [deploy(ctx)],
    capture: (d, ctx) => {
      const uri = obj(obj(d).serviceConfig).uri;
      if (typeof uri === 'string') ctx.set(`url:${fn.name}`, uri);
    },
  };
}

function invokerStep(fn: FunctionSpec): GcloudStep {
  return bindingStep(
    `let ${SERVICE_ACCOUNTS.invoker.name} invoke ${fn.name}`,
    (ctx) => [
      'gcloud',
      'run',
      'services',
      'get-iam-policy',
      fn.name,
      P(ctx),
      `--region=${ctx.region}`,
      JSON_OUT,
    ],
    () => 'roles/run.invoker',
    (ctx) => saMember(SERVICE_ACCOUNTS.invoker.name, ctx),
    (ctx, member, role) => [
      'gcloud',
      'run',
      'services',
      'add-iam-policy-binding',
      fn.name,
      P(ctx),
      `--region=${ctx.region}`,
      `--member=${member}`,
      `--role=${role}`,
      '--quiet',
    ],
  );
}

const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];

/** Removes a public invoker someone may have added by hand: the functions stay private. */
function privateStep(fn: FunctionSpec): GcloudStep {
  let found: string[] = [];
  return {
    kind: 'gcloud',
    title: `keep ${fn.name} private (no allUsers or allAuthenticatedUsers invoker)`,
    probe: (ctx) => [
      'gcloud',
      'run',
      'services',
      'get-iam-policy',
      fn.name,
      P(ctx),
      `--region=${ctx.region}`,
      JSON_OUT,
    ],
    presence: (policy) => {
      found = PUBLIC_MEMBERS.filter((m) => hasBinding(policy, 'roles/run.invoker', m));
      return found.length > 0 ? 'update' : 'ok';
    },
    update: (ctx) =>
      (ctx.dryRun ? PUBLIC_MEMBERS : found).map((member) => [
        'gcloud',
        'run',
        'services',
        'remove-iam-policy-binding',
        fn.name,
        P(ctx),
        `--region=${ctx.region}`,
        `--member=${member}`,
        '--role=roles/run.invoker',
        '--quiet',
      ]),
  };
}

function pushSubscription(fn: FunctionSpec): (ctx: Context) => SubscriptionSpec {
  return (ctx) => ({
    name: fn.subscription ?? '',
    topic: fn.topic ?? '',
    ackDeadlineSeconds: fn.ackDeadlineSeconds ?? 600,
    push: {
      endpoint: ctx.get(`url:${fn.name}`),
      serviceAccountEmail: serviceAccountEmail(SERVICE_ACCOUNTS.invoker.name, ctx.project),
    },
    retry: RETRY_POLICY,
    deadLetter: { topic: TOPICS.deadLetter, maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS },
  });
}

function pubsubIamStep(
  kind: 'topics' | 'subscriptions',
  name: string,
  role: string,
  why: string,
): GcloudStep {
  return bindingStep(
    `let the Pub/Sub service agent ${why}`,
    (ctx) => ['gcloud', 'pubsub', kind, 'get-iam-policy', name, P(ctx), JSON_OUT],
    () => role,
    pubsubAgent,
    (ctx, member, r) => [
      'gcloud',
      'pubsub',
      kind,
      'add-iam-policy-binding',
      name,
      P(ctx),
      `--member=${member}`,
      `--role=${r}`,
      '--quiet',
    ],
  );
}

function sinkStep(): GcloudStep {
  const destination = (ctx: Context) =>
    `pubsub.googleapis.com/projects/${ctx.project}/topics/${TOPICS.audit}`;
  const flags = (ctx: Context) => [
    P(ctx),
    `--log-filter=${sinkFilter()}`,
    `--description=${DESCRIPTION_MARKER}; Admin Activity audit entries peerlink reacts to`,
    '--quiet',
  ];
  return {
    kind: 'gcloud',
    title: `log sink ${SINK} → topic ${TOPICS.audit}`,
    probe: (ctx) => ['gcloud', 'logging', 'sinks', 'describe', SINK, P(ctx), JSON_OUT],
    presence: (d, ctx) =>
      obj(d).filter === sinkFilter() && obj(d).destination === destination(ctx) ? 'ok' : 'update',
    create: (ctx) => [
      ['gcloud', 'logging', 'sinks', 'create', SINK, destination(ctx), ...flags(ctx)],
    ],
    update: (ctx) => [
      ['gcloud', 'logging', 'sinks', 'update', SINK, destination(ctx), ...flags(ctx)],
    ],
    capture: (d, ctx) => {
      const w = obj(d).writerIdentity;
      if (typeof w === 'string') ctx.set('sinkWriter', w);
    },
  };
}

function schedulerStep(schedule: string): GcloudStep {
  const topic = (ctx: Context) => `projects/${ctx.project}/topics/${TOPICS.sweep}`;
  const flags = (ctx: Context) => [
    P(ctx),
    `--location=${ctx.region}`,
    `--schedule=${schedule}`,
    '--time-zone=Etc/UTC',
    `--topic=${TOPICS.sweep}`,
    '--message-body={"trigger":"schedule"}',
    `--description=${DESCRIPTION_MARKER}; wakes the sweep`,
    '--quiet',
  ];
  return {
    kind: 'gcloud',
    title: `Cloud Scheduler job ${SCHEDULER_JOB} (${schedule}, UTC) → topic ${TOPICS.sweep}`,
    probe: (ctx) => [
      'gcloud',
      'scheduler',
      'jobs',
      'describe',
      SCHEDULER_JOB,
      P(ctx),
      `--location=${ctx.region}`,
      JSON_OUT,
    ],
    presence: (d, ctx) =>
      obj(d).schedule === schedule && obj(obj(d).pubsubTarget).topicName === topic(ctx)
        ? 'ok'
        : 'update',
    create: (ctx) => [
      ['gcloud', 'scheduler', 'jobs', 'create', 'pubsub', SCHEDULER_JOB, ...flags(ctx)],
    ],
    update: (ctx) => [
      ['gcloud', 'scheduler', 'jobs', 'update', 'pubsub', SCHEDULER_JOB, ...flags(ctx)],
    ],
  };
}

/** Every step of a deploy, in order. */
export function deploySteps(options: PlanOptions): Step[] {
  const { reactor, bootstrap, invoker } = SERVICE_ACCOUNTS;
  const eventFunctions = [FUNCTIONS.onAuditLog, FUNCTIONS.sweep];
  return [
    options.stage,
    projectStep(),
    topicStep(TOPICS.audit),
    topicStep(TOPICS.sweep),
    topicStep(TOPICS.deadLetter),
    serviceAccountStep(reactor),
    serviceAccountStep(bootstrap),
    serviceAccountStep(invoker),
    roleStep(REACTOR_ROLE),
    roleStep(BOOTSTRAP_ROLE),
    projectRoleBinding(reactor, REACTOR_ROLE),
    projectRoleBinding(bootstrap, BOOTSTRAP_ROLE),
    functionStep(FUNCTIONS.onAuditLog, options.sourceDir),
    functionStep(FUNCTIONS.sweep, options.sourceDir),
    functionStep(FUNCTIONS.bootstrap, options.sourceDir),
    ...[FUNCTIONS.onAuditLog, FUNCTIONS.sweep, FUNCTIONS.bootstrap].map(privateStep),
    ...eventFunctions.map(invokerStep),
    bindingStep(
      `let the Pub/Sub service agent sign push tokens as ${invoker.name}`,
      (ctx) => [
        'gcloud',
        'iam',
        'service-accounts',
        'get-iam-policy',
        serviceAccountEmail(invoker.name, ctx.project),
        P(ctx),
        JSON_OUT,
      ],
      () => 'roles/iam.serviceAccountTokenCreator',
      pubsubAgent,
      (ctx, member, role) => [
        'gcloud',
        'iam',
        'service-accounts',
        'add-iam-policy-binding',
        serviceAccountEmail(invoker.name, ctx.project),
        P(ctx),
        `--member=${member}`,
        `--role=${role}`,
        '--quiet',
      ],
    ),
    pubsubIamStep(
      'topics',
      TOPICS.deadLetter,
      'roles/pubsub.publisher',
      `publish dead letters to ${TOPICS.deadLetter}`,
    ),
    subscriptionStep(
      `Pub/Sub subscription ${DEAD_LETTER_HOLD} (keeps dead letters ${DEAD_LETTER_RETENTION_SECONDS / 86400} days)`,
      () => ({
        name: DEAD_LETTER_HOLD,
        topic: TOPICS.deadLetter,
        ackDeadlineSeconds: 60,
        messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      }),
    ),
    ...eventFunctions.flatMap((fn) => [
      subscriptionStep(
        `Pub/Sub push subscription ${fn.subscription} (${fn.topic} → ${fn.name}, ack ${fn.ackDeadlineSeconds}s, backoff ${RETRY_POLICY.minimumBackoffSeconds}-${RETRY_POLICY.maximumBackoffSeconds}s, dead letter after ${MAX_DELIVERY_ATTEMPTS} attempts)`,
        pushSubscription(fn),
      ),
      pubsubIamStep(
        'subscriptions',
        fn.subscription,
        'roles/pubsub.subscriber',
        `forward undeliverable messages from ${fn.subscription}`,
      ),
    ]),
    sinkStep(),
    bindingStep(
      `let the sink's writer identity publish to ${TOPICS.audit} (that topic only)`,
      (ctx) => ['gcloud', 'pubsub', 'topics', 'get-iam-policy', TOPICS.audit, P(ctx), JSON_OUT],
      () => 'roles/pubsub.publisher',
      (ctx) => ctx.get('sinkWriter'),
      (ctx, member, role) => [
        'gcloud',
        'pubsub',
        'topics',
        'add-iam-policy-binding',
        TOPICS.audit,
        P(ctx),
        `--member=${member}`,
        `--role=${role}`,
        '--quiet',
      ],
    ),
    schedulerStep(options.schedule),
  ];
}
