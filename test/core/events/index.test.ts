import { describe, expect, it } from 'vitest';
import { MalformedEventError, triggerFromEvent } from '../../../functions/core/events/index.ts';
import { pushEnvelope, sharedEvent } from './events-fixtures.ts';

describe('triggerFromEvent', () => {
  it('decodes and classifies a push body in one step', () => {
    const trigger = triggerFromEvent(pushEnvelope(sharedEvent('nodepool_creation_finished.json')));
    expect(trigger).toMatchObject({
      action: 'reconcile',
      kind: 'nodePool',
      project: 'your-project-id',
      scope: { location: 'us-central1-a', cluster: 'gke-basic-1', nodePool: 'default' },
    });
  });

  it('throws the terminal MalformedEventError for something that is not an entry', () => {
    expect(() => triggerFromEvent({ message: { data: 'not base64!' } })).toThrow(
      MalformedEventError,
    );
  });
});
