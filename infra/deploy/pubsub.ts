/**
 * Topics and subscriptions through @google-cloud/pubsub: describe (getMetadata) first, then
 * create, update only the fields that differ, or leave alone.
 * API: https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.subscriptions
 */
import type { PubSub } from '@google-cloud/pubsub';
import { LABELS } from './config.ts';

/** gRPC NOT_FOUND, as the client reports a missing topic or subscription. */
function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 5;
}

function sameLabels(actual: unknown): boolean {
  const a = (actual ?? {}) as Record<string, string>;
  return Object.entries(LABELS).every(([k, v]) => a[k] === v);
}

export type Ensured = 'created' | 'updated' | 'unchanged';

/** Ensures topic `name` exists with peerlink's labels. */
export async function ensureTopic(pubsub: PubSub, name: string): Promise<Ensured> {
  const topic = pubsub.topic(name);
  let labels: unknown;
  try {
    [{ labels }] = await topic.getMetadata();
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await pubsub.createTopic({ name, labels: { ...LABELS } });
    return 'created';
  }
  if (sameLabels(labels)) return 'unchanged';
  await topic.setMetadata({ labels: { ...(labels as Record<string, string>), ...LABELS } });
  return 'updated';
}

/** What a peerlink subscription must look like. Durations in seconds. */
export interface SubscriptionSpec {
  readonly name: string;
  readonly topic: string;
  readonly ackDeadlineSeconds: number;
  /** Absent: a pull subscription. */
  readonly push?: {
    readonly endpoint: string;
    /** Service account whose OIDC token Pub/Sub attaches; the audience is the endpoint. */
    readonly serviceAccountEmail: string;
  };
  readonly retry?: {
    readonly minimumBackoffSeconds: number;
    readonly maximumBackoffSeconds: number;
  };
  readonly deadLetter?: { readonly topic: string; readonly maxDeliveryAttempts: number };
  readonly messageRetentionSeconds?: number;
}

type Metadata = Record<string, unknown>;

/** The subscription fields peerlink manages, in the client's metadata shape. */
export function subscriptionMetadata(spec: SubscriptionSpec, project: string): Metadata {
  const m: Metadata = { ackDeadlineSeconds: spec.ackDeadlineSeconds, labels: { ...LABELS } };
  m.pushConfig = spec.push
    ? {
        pushEndpoint: spec.push.endpoint,
        oidcToken: {
          serviceAccountEmail: spec.push.serviceAccountEmail,
          audience: spec.push.endpoint,
        },
      }
    : {};
  if (spec.retry) {
    m.retryPolicy = {
      minimumBackoff: { seconds: spec.retry.minimumBackoffSeconds },
      maximumBackoff: { seconds: spec.retry.maximumBackoffSeconds },
    };
  }
  if (spec.deadLetter) {
    m.deadLetterPolicy = {
      deadLetterTopic: `projects/${project}/topics/${spec.deadLetter.topic}`,
      maxDeliveryAttempts: spec.deadLetter.maxDeliveryAttempts,
    };
  }
  if (spec.messageRetentionSeconds !== undefined) {
    m.messageRetentionDuration = { seconds: spec.messageRetentionSeconds };
  }
  return m;
}

/** The managed fields of `actual` that differ from `want` (durations compared as numbers). */
export function differingFields(want: Metadata, actual: Metadata): string[] {
  return Object.keys(want).filter((k) => !sameValue(want[k], actual[k], k));
}

function sameValue(want: unknown, actual: unknown, key: string): boolean {
  if (key === 'labels') return sameLabels(actual);
  if (typeof want === 'number') return Number(actual) === want;
  if (typeof want === 'string') return actual === want;
  if (typeof want !== 'object' || want === null) return want === actual;
  const a = (actual ?? {}) as Record<string, unknown>;
  // A pull subscription has an empty push config: absent fields on both sides are equal.
  return Object.entries(want as Record<string, unknown>).every(([k, v]) => sameValue(v, a[k], k));
}

/** Ensures subscription `spec.name` exists with the managed fields as specified. */
export async function ensureSubscription(
  pubsub: PubSub,
  spec: SubscriptionSpec,
  project: string,
): Promise<Ensured> {
  const want = subscriptionMetadata(spec, project);
  const sub = pubsub.subscription(spec.name);
  let actual: Metadata;
  try {
    [actual] = (await sub.getMetadata()) as unknown as [Metadata];
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await pubsub.topic(spec.topic).createSubscription(spec.name, want);
    return 'created';
  }
  const topic = String(actual.topic ?? '');
  if (topic !== `projects/${project}/topics/${spec.topic}`) {
    throw new Error(
      `subscription ${spec.name} exists on ${topic}, not on ${spec.topic}; delete it (npm run teardown) and deploy again`,
    );
  }
  const fields = differingFields(want, actual);
  if (fields.length === 0) return 'unchanged';
  await sub.setMetadata(Object.fromEntries(fields.map((k) => [k, want[k]])));
  return 'updated';
}
