/** renderPlan: each changed field as `before → after`, long lists by their elements. */
import { describe, expect, it } from 'vitest';
import { desire } from '../../../functions/core/desire/desire.ts';
import type { Observed, Resource } from '../../../functions/core/model/resources.ts';
import { plan } from '../../../functions/core/plan/diff.ts';
import { renderPlan } from '../../../functions/core/plan/render.ts';
import { exampleFacts, exampleTopology } from '../../support/topology.ts';

const t = exampleTopology();
const desired = desire(t, exampleFacts(t)).resources;

/** The plan when one desired resource is observed changed by `edit`, the rest as desired. */
function planWith(edit: (r: Resource) => Resource | null): string {
  const observed: Observed[] = desired.map((r) => ({ resource: edit(r) ?? r, owned: true }));
  return renderPlan(plan(desired, observed));
}

describe('renderPlan', () => {
  it('shows a changed scalar as field: before → after', () => {
    const text = planWith((r) => (r.kind === 'healthCheck' ? { ...r, port: r.port + 1 } : null));
    const hc = desired.find((r) => r.kind === 'healthCheck');
    if (hc?.kind !== 'healthCheck') throw new Error('fixture');
    expect(text).toContain(`\n    port: ${hc.port + 1} → ${hc.port}\n`);
    expect(text).toMatch(/^~ update healthCheck\/.* {2}\(differs in port\)$/m);
    expect(text).toMatch(/^Plan: 0 to create, 1 to update, 0 to delete, 0 conflicts\.$/m);
  });

  it('shows a short list as before → after, then each element added or removed', () => {
    const fw = desired.find((r) => r.kind === 'firewall' && r.name.endsWith('-health'));
    if (fw?.kind !== 'firewall') throw new Error('fixture');
    const text = planWith((r) => (r === fw ? { ...fw, sourceRanges: ['10.99.0.0/16'] } : null));
    const after = [...fw.sourceRanges].sort();
    const lines = text.split('\n');
    const at = lines.indexOf(`    sourceRanges: ["10.99.0.0/16"] → ${JSON.stringify(after)}`);
    expect(at, text).toBeGreaterThan(0);
    expect(lines[at - 1]).toMatch(new RegExp(`^~ update firewall/${fw.name} {2}\\(`));
    expect(lines.slice(at + 1, at + 2 + after.length)).toEqual([
      ...after.map((x) => `      + ${x}`),
      '      - 10.99.0.0/16',
    ]);
  });

  it('shows a long list by its elements only', () => {
    const bs = desired.find((r) => r.kind === 'backendService');
    if (bs?.kind !== 'backendService') throw new Error('fixture');
    const text = planWith((r) => (r === bs ? { ...bs, backends: [] } : null));
    expect(text).toMatch(/\n {4}backends:\n {6}\+ projects\/peerlink-demo\/zones\//);
    expect(text).not.toMatch(/backends: .*→/);
  });
});
