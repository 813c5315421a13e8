import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldSet, fromFieldsV1, pathToString, toFieldsV1 } from './fields.ts';
import type { JsonObject } from './json.ts';
import { parseLabelSelector } from './selector.ts';
import { humanAge } from './table.ts';

describe('field sets', () => {
  it('encodes labels, data and keyed list items as FieldsV1', () => {
    const obj: JsonObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labels: { a: 'b' } },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
      status: { replicas: 1 },
    };
    expect(toFieldsV1(fieldSet(obj))).toEqual({
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
          },
        },
      },
    });
  });

  it('prints paths as the API server does in conflicts', () => {
    expect(pathToString(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'])).toBe(
      '.spec.containers[name="web"].image',
    );
  });

  it('round-trips any object field set through FieldsV1', () => {
    const key = fc.stringMatching(/^[a-z]{1,4}$/);
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.dictionary(key, tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (data) => {
        const set = fieldSet({ data } as JsonObject);
        expect(fromFieldsV1(toFieldsV1(set))).toEqual(set);
      }),
    );
  });
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=web,tier=back', false],
    ['tier in (front,back)', true],
    ['tier notin (front)', false],
    ['app', true],
    ['!app', false],
    ['', true],
  ])('%s -> %s', (selector, want) => {
    expect(parseLabelSelector(selector).matches(labels)).toBe(want);
  });
});

describe('ages as kubectl prints them', () => {
  it.each([
    [5, '5s'],
    [119, '119s'],
    [150, '2m30s'],
    [900, '15m'],
    [4 * 3600 + 60, '4h1m'],
    [30 * 3600, '30h'],
    [3 * 86400 + 3600, '3d1h'],
    [20 * 86400, '20d'],
  ])('%s s -> %s', (s, want) => {
    expect(humanAge(s)).toBe(want);
  });
});
