import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root (this file is test/core/events/events-fixtures.ts). */
export const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** Real audit-log samples, kept unchanged beside the clone (CI has shared/ next to it). */
export const sharedEventsDir = path.resolve(repoRoot, '../shared/events');

/** Synthesized entries (peerings, subnetworks, owned resources); see their README. */
export const syntheticEventsDir = path.resolve(repoRoot, 'test/fixtures/events');

export function sharedEvent(file: string): string {
  return readFileSync(path.join(sharedEventsDir, file), 'utf8');
}

export function syntheticEvent(file: string): string {
  return readFileSync(path.join(syntheticEventsDir, file), 'utf8');
}

export function syntheticEventFiles(): string[] {
  return readdirSync(syntheticEventsDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/** A Pub/Sub push body shaped exactly like the real `pubsub-push-envelope.json`, carrying `entryJson`. */
export function pushEnvelope(entryJson: string): {
  message: Record<string, unknown>;
  subscription: string;
} {
  const envelope = JSON.parse(sharedEvent('pubsub-push-envelope.json')) as {
    message: Record<string, unknown>;
    subscription: string;
  };
  return {
    ...envelope,
    message: { ...envelope.message, data: Buffer.from(entryJson, 'utf8').toString('base64') },
  };
}

/** Every shape in which the same entry can arrive, by name. */
export function wrappings(entryJson: string): Array<[string, unknown]> {
  const push = pushEnvelope(entryJson);
  const entry: unknown = JSON.parse(entryJson);
  return [
    ['LogEntry object', entry],
    ['LogEntry JSON string', entryJson],
    ['LogEntry JSON bytes', Buffer.from(entryJson, 'utf8')],
    ['Pub/Sub push envelope', push],
    ['Pub/Sub push envelope as JSON', JSON.stringify(push)],
    ['bare Pub/Sub message', push.message],
    // functions-framework converts a push body into a CloudEvent whose data is {message}.
    ['messagePublished CloudEvent data', { message: push.message }],
    [
      'structured messagePublished CloudEvent',
      {
        specversion: '1.0',
        id: String(push.message.messageId),
        source: '//pubsub.googleapis.com/projects/test-project/topics/audit',
        type: 'google.cloud.pubsub.topic.v1.messagePublished',
        datacontenttype: 'application/json',
        data: { message: push.message, subscription: push.subscription },
      },
    ],
    [
      'Eventarc audit-log CloudEvent',
      {
        specversion: '1.0',
        id: 'projects/test-project/logs/cloudaudit.googleapis.com%2Factivity-1',
        source: '//cloudaudit.googleapis.com/projects/test-project/logs/activity',
        type: 'google.cloud.audit.log.v1.written',
        datacontenttype: 'application/json; charset=utf-8',
        data: entry,
      },
    ],
    [
      'CloudEvent with data_base64',
      {
        specversion: '1.0',
        id: '1',
        source: 'test',
        type: 'google.cloud.audit.log.v1.written',
        data_base64: Buffer.from(entryJson, 'utf8').toString('base64'),
      },
    ],
  ];
}
