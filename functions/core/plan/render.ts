/** Renders a plan for people (in the manner of `terraform plan`) and as JSON. */
import { labelOf } from '../model/resources.ts';
import { type Action, type Change, type Plan, summary } from './diff.ts';

export const SIGN: Record<Action['op'], string> = {
  create: '+',
  update: '~',
  delete: '-',
  conflict: '!',
};

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Longest `field: before → after` line for a list; longer lists show only their elements. */
const LIST_LINE = 100;

function changeLines(c: Change): string[] {
  const line = `    ${c.field}: ${show(c.before)} → ${show(c.after)}`;
  if (Array.isArray(c.before) && Array.isArray(c.after)) {
    const before = c.before.map(show);
    const after = c.after.map(show);
    return [
      line.length <= LIST_LINE ? line : `    ${c.field}:`,
      ...after.filter((x) => !before.includes(x)).map((x) => `      + ${x}`),
      ...before.filter((x) => !after.includes(x)).map((x) => `      - ${x}`),
    ];
  }
  return [line];
}

export function renderPlan(p: Plan): string {
  const lines: string[] = [];
  for (const a of p.actions) {
    const r = a.op === 'delete' ? a.observed.resource : a.desired;
    lines.push(`${SIGN[a.op]} ${a.op} ${labelOf(r)}  (${a.reason})`);
    if (a.op === 'update') lines.push(...a.changes.flatMap(changeLines));
  }
  const s = summary(p);
  lines.push(
    p.actions.length === 0
      ? 'No changes. Everything matches the topology.'
      : `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.conflict} conflicts.`,
  );
  return lines.join('\n');
}

/** A JSON-ready form: one object per action with its key, reason and changed fields. */
export function planJson(p: Plan): unknown {
  return {
    summary: summary(p),
    actions: p.actions.map((a) => ({
      op: a.op,
      key: a.key,
      reason: a.reason,
      ...(a.op === 'update' ? { changes: a.changes } : {}),
      ...(a.op === 'delete' ? {} : { desired: a.desired }),
    })),
  };
}
