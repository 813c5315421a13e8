import { badRequest } from './status.ts';

type Requirement =
  | { readonly op: 'eq' | 'ne'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'absent'; readonly key: string };

/** A parsed label selector; `matches` tells whether a label map satisfies every requirement. */
export interface LabelSelector {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

// Splits on commas that are not inside a `(a,b)` value set.
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(term: string): Requirement {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
  if (set?.[1] && set[2] && set[3] !== undefined) {
    const values = set[3].split(',').map((v) => v.trim());
    return { op: set[2] as 'in' | 'notin', key: set[1], values };
  }
  const cmp = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(term);
  if (cmp?.[1] && cmp[2]) {
    return { op: cmp[2] === '!=' ? 'ne' : 'eq', key: cmp[1], value: cmp[3] ?? '' };
  }
  const absent = /^!\s*([^\s!=]+)$/.exec(term);
  if (absent?.[1]) return { op: 'absent', key: absent[1] };
  if (/^[^\s!=(),]+$/.test(term)) return { op: 'exists', key: term };
  throw badRequest(`unable to parse requirement: ${term}`);
}

/**
 * Parses the `labelSelector` query parameter: `k=v`, `k==v`, `k!=v`, `k`, `!k`,
 * `k in (a,b)`, `k notin (a,b)`, comma-separated (AND).
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
export function parseLabelSelector(raw: string | null): LabelSelector {
  const reqs = raw ? splitTopLevel(raw).map(parseRequirement) : [];
  return {
    matches(labels) {
      return reqs.every((r) => {
        const has = Object.hasOwn(labels, r.key);
        const v = labels[r.key];
        switch (r.op) {
          case 'eq':
            return v === r.value;
          case 'ne':
            return v !== r.value;
          case 'in':
            return v !== undefined && r.values.includes(v);
          case 'notin':
            return v === undefined || !r.values.includes(v);
          case 'exists':
            return has;
          case 'absent':
            return !has;
        }
        return false;
      });
    },
  };
}

/** Field selectors the simulator supports: `metadata.name` and `metadata.namespace` (=, ==, !=). */
export function parseFieldSelector(
  raw: string | null,
): (meta: { name: string; namespace?: string }) => boolean {
  const reqs = raw ? splitTopLevel(raw).map(parseRequirement) : [];
  return (meta) =>
    reqs.every((r) => {
      const v =
        r.key === 'metadata.name'
          ? meta.name
          : r.key === 'metadata.namespace'
            ? meta.namespace
            : undefined;
      if (r.op === 'eq') return v === r.value;
      if (r.op === 'ne') return v !== r.value;
      throw badRequest(`field selector not supported by the simulator: ${r.key}`);
    });
}
