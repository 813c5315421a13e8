import { describe, expect, it } from 'vitest';
import { desire } from '../../functions/core/desire/desire.ts';
import { keyOf, type Observed } from '../../functions/core/model/resources.ts';
import { plan } from '../../functions/core/plan/diff.ts';
import { requestIdFor } from '../../functions/core/request-id.ts';
import { apply } from '../../functions/engine/apply.ts';
import { MemoryPort } from '../support/memory-port.ts';
import { exampleFacts, exampleTopology } from '../support/topology.ts';

const t = exampleTopology();
const desired = desire(t, exampleFacts(t)).resources;
const fast = { seed: 'test', minBackoffMs: 1, maxBackoffMs: 5, budgetMs: 5_000 };

function keyEndingWith(suffix: string): string {
  const r = desired.find((x) => keyOf(x).endsWith(suffix));
  if (!r) throw new Error(`no desired resource ending with ${suffix}`);
  return keyOf(r);
}

async function converge(port: MemoryPort, seed = 'test') {
  return apply(
    plan(desired, await port.list({ networks: [], regions: [], clusters: [], kubeNames: [] })),
    port,
    { ...fast, seed },
  );
}

describe('apply', () => {
  it('creates every desired resource once and reports each action', async () => {
    const port = new MemoryPort();
    const report = await converge(port);
    expect([...port.state.keys()].sort()).toEqual(desired.map(keyOf).sort());
    expect(report.results.every((r) => r.outcome === 'done' && r.attempts === 1)).toBe(true);
    expect(report.results[0]).toMatchObject({ op: 'create', durationMs: expect.any(Number) });
    expect(report).toMatchObject({ failed: false, stale: false });
    expect(plan(desired, [...port.state.values()]).actions).toEqual([]);
  });

  it('retries transient errors with backoff and succeeds', async () => {
    const port = new MemoryPort();
    port.faults.set(keyEndingWith('-bs'), ['transient', 'transient']);
    const report = await converge(port);
    expect(report.results.find((r) => r.key.endsWith('-bs'))).toMatchObject({
      outcome: 'done',
      attempts: 3,
    });
    expect(port.state.size).toBe(desired.length);
  });

  it('does not act twice when a write succeeded but its answer was lost', async () => {
    const port = new MemoryPort();
    port.faults.set(keyEndingWith('-fr'), ['lostResponse']);
    const report = await converge(port);
    expect(report.failed).toBe(false);
    expect(port.writes).toBe(desired.length);
  });

  it('treats 409 on create and 404 on delete as done', async () => {
    const port = new MemoryPort();
    const p = plan(desired, []);
    await apply(p, port, fast);
    const again = await apply(p, port, { ...fast, seed: 'other' });
    expect(new Set(again.results.map((r) => r.outcome))).toEqual(new Set(['already']));
    const gone: Observed[] = [...port.state.values()];
    const del = plan([], gone);
    await apply(del, port, fast);
    const twice = await apply(del, port, { ...fast, seed: 'other' });
    expect(new Set(twice.results.map((r) => r.outcome))).toEqual(new Set(['already']));
    expect(port.state.size).toBe(0);
  });

  it('flags a stale precondition for re-planning and skips later phases', async () => {
    const port = new MemoryPort();
    await converge(port);
    const bsKey = keyEndingWith('-bs');
    const bs = port.state.get(bsKey);
    if (bs?.resource.kind !== 'backendService') throw new Error('fixture');
    const stale: Observed = { ...bs, resource: { ...bs.resource, backends: [] } };
    port.state.set(bsKey, { ...bs, version: '7' }); // someone else wrote since we looked
    const report = await apply(plan(desired, [stale]), port, fast);
    expect(report.stale).toBe(true);
    expect(report.results.find((r) => r.key === bsKey)?.outcome).toBe('stale');
  });

  it('stops at a terminal error, runs nothing that depends on it, and says it is not retryable', async () => {
    const port = new MemoryPort();
    port.faults.set(keyEndingWith('-hc'), ['terminal']);
    const report = await converge(port);
    expect(report).toMatchObject({ failed: true, retryable: false });
    expect(report.results.find((r) => r.key.endsWith('-hc'))).toMatchObject({
      outcome: 'failed',
      attempts: 1,
    });
    expect(report.results.find((r) => r.key.endsWith('-fr'))?.outcome).toBe('skipped');
    expect(port.state.has(keyEndingWith('-fr'))).toBe(false);
  });

  it('gives up on transient errors after its retries and reports them as retryable', async () => {
    const port = new MemoryPort();
    port.faults.set(keyEndingWith('-hc'), Array(10).fill('transient'));
    const report = await apply(plan(desired, []), port, { ...fast, retries: 2 });
    expect(report).toMatchObject({ failed: true, retryable: true });
    expect(report.results.find((r) => r.key.endsWith('-hc'))).toMatchObject({
      outcome: 'failed',
      attempts: 3,
    });
  });

  it('keeps conflicts out of the writes', async () => {
    const port = new MemoryPort();
    const first = desired[0];
    if (!first) throw new Error('fixture');
    const report = await apply(plan([first], [{ resource: first, owned: false }]), port, fast);
    expect(report.results).toEqual([
      expect.objectContaining({ op: 'conflict', outcome: 'conflict' }),
    ]);
    expect(port.writes).toBe(0);
  });

  it('bounds the writes in flight', async () => {
    const port = new MemoryPort();
    await apply(plan(desired, []), port, { ...fast, concurrency: 2 });
    expect(port.maxInFlight).toBeLessThanOrEqual(2);
    expect(port.state.size).toBe(desired.length);
  });
});

describe('requestIdFor', () => {
  it('is a stable UUID that changes with its inputs', () => {
    const id = requestIdFor('seed', 'create', 'firewall/x');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(requestIdFor('seed', 'create', 'firewall/x')).toBe(id);
    expect(requestIdFor('seed2', 'create', 'firewall/x')).not.toBe(id);
  });
});

describe('apply under concurrent reconciles', () => {
  it('retries a create whose dependency another reconcile is still creating', async () => {
    const port = new MemoryPort();
    const fr = keyEndingWith('-fr');
    const original = port.create.bind(port);
    let refusals = 0;
    port.create = async (r, id) => {
      if (keyOf(r) === fr && refusals < 2) {
        refusals += 1;
        throw new (await import('../../functions/core/errors.ts')).NotFoundError(
          'backend service not found',
          { status: 404 },
        );
      }
      return original(r, id);
    };
    const report = await converge(port);
    expect(report.failed).toBe(false);
    expect(report.results.find((r) => r.key === fr)).toMatchObject({
      outcome: 'done',
      attempts: 3,
    });
  });
});
