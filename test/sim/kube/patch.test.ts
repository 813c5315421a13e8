import { describe, expect, it } from 'vitest';
import type { Json } from './json.ts';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';

describe('mergePatch (RFC 7386)', () => {
  it.each<[string, Json, Json, Json]>([
    ['adds and replaces keys', { a: 1 }, { b: 2, a: 3 }, { a: 3, b: 2 }],
    ['deletes with null', { a: 1, b: 2 }, { a: null }, { b: 2 }],
    ['recurses into maps', { m: { x: 1, y: 2 } }, { m: { y: null, z: 3 } }, { m: { x: 1, z: 3 } }],
    ['replaces lists', { l: [1, 2] }, { l: [3] }, { l: [3] }],
  ])('%s', (_name, target, patch, want) => {
    expect(mergePatch(target, patch)).toEqual(want);
  });
});

describe('strategicMergePatch', () => {
  const base: Json = {
    spec: {
      containers: [
        { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] },
        { name: 'b', image: 'b:1' },
      ],
    },
  };
  it.each<[string, Json, Json]>([
    [
      'merges list items on their key',
      { spec: { containers: [{ name: 'a', image: 'a:2' }] } },
      {
        spec: {
          containers: [
            { name: 'a', image: 'a:2', env: [{ name: 'X', value: '1' }] },
            { name: 'b', image: 'b:1' },
          ],
        },
      },
    ],
    [
      'deletes an item with $patch: delete',
      { spec: { containers: [{ name: 'b', $patch: 'delete' }] } },
      { spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }] } },
    ],
    [
      'reorders with $setElementOrder',
      { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
      {
        spec: {
          containers: [
            { name: 'b', image: 'b:1' },
            { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] },
          ],
        },
      },
    ],
    [
      'replaces a map with $patch: replace',
      { spec: { $patch: 'replace', other: 1 } },
      { spec: { other: 1 } },
    ],
  ])('%s', (_name, patch, want) => {
    expect(strategicMergePatch(base, patch)).toEqual(want);
  });
});

describe('jsonPatch (RFC 6902)', () => {
  it('applies add, replace, remove and test in order', () => {
    const out = jsonPatch({ a: { b: [1, 2] }, c: 1 }, [
      { op: 'test', path: '/c', value: 1 },
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'replace', path: '/c', value: 2 },
      { op: 'remove', path: '/a/b/0' },
    ]);
    expect(out).toEqual({ a: { b: [2, 3] }, c: 2 });
  });
  it('fails a test operation with 422', () => {
    expect(() => jsonPatch({ c: 1 }, [{ op: 'test', path: '/c', value: 2 }])).toThrow(
      /test failed/,
    );
  });
});
