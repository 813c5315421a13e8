/** bootstrap over in-memory ports: what a step does when another writer races it. */
import { describe, expect, it } from 'vitest';
import {
  type BootstrapReport,
  bootstrap,
  bootstrapSeed,
} from '../../functions/engine/bootstrap.ts';
import { MemoryFacts } from '../support/memory-facts.ts';
import { MemoryPort } from '../support/memory-port.ts';
import { exampleFacts, exampleTopology, instanceGroup } from '../support/topology.ts';

const t = exampleTopology();
// The example's node pools are named as the topology names them, so the wait for them ends.
const facts = exampleFacts(t);
const ready = {
  ...facts,
  clusters: Object.fromEntries(
    Object.entries(facts.clusters).map(([k, c]) => [
      k,
      { ...c, nodePools: c.nodePools.map((p) => ({ ...p, name: 'default-pool' })) },
    ]),
  ),
};

/** The cluster with one more instance group in its first pool: the backend service must change. */
function withExtraGroup<C extends { nodePools: readonly { instanceGroups: readonly string[] }[] }>(
  c: C,
): C {
  const extra = instanceGroup(t.project, 'europe-west1-c', 'gke-backend-cluster-extra-grp');
  return {
    ...c,
    nodePools: c.nodePools.map((p, i) =>
      i === 0 ? { ...p, instanceGroups: [...p.instanceGroups, extra] } : p,
    ),
  };
}

async function run(resources: MemoryPort, memFacts: MemoryFacts): Promise<BootstrapReport> {
  const steps = bootstrap(
    t,
    { resources, facts: memFacts },
    {
      dryRun: false,
      seed: bootstrapSeed(t),
      pollMs: 1,
      waitTimeoutMs: 1_000,
    },
  );
  for (;;) {
    const next = await steps.next();
    if (next.done) return next.value;
  }
}

describe('bootstrap', () => {
  it('re-plans a step whose write met a stale precondition, and completes', async () => {
    const resources = new MemoryPort();
    const memFacts = new MemoryFacts(ready);
    expect((await run(resources, memFacts)).ok).toBe(true);
    // The backend service must change on the next run; its first update finds it changed since
    // it was read (another writer), as Compute answers with 412.
    const backend = memFacts.facts.clusters['backend-cluster'];
    if (!backend) throw new Error('fixture');
    memFacts.facts = {
      ...memFacts.facts,
      clusters: { ...memFacts.facts.clusters, 'backend-cluster': withExtraGroup(backend) },
    };
    const bsKey = [...resources.state.keys()].find((k) => k.endsWith('-bs')) ?? '';
    resources.faults.set(bsKey, ['precondition']);
    const report = await run(resources, memFacts);
    expect(report.steps.map((s) => s.status)).not.toContain('failed');
    expect(report.ok).toBe(true);
    expect(resources.faults.get(bsKey)).toEqual([]);
  });

  it('fails the step when every re-plan meets a stale precondition again', async () => {
    const resources = new MemoryPort();
    const memFacts = new MemoryFacts(ready);
    expect((await run(resources, memFacts)).ok).toBe(true);
    const backend = memFacts.facts.clusters['backend-cluster'];
    if (!backend) throw new Error('fixture');
    memFacts.facts = {
      ...memFacts.facts,
      clusters: { ...memFacts.facts.clusters, 'backend-cluster': withExtraGroup(backend) },
    };
    const bsKey = [...resources.state.keys()].find((k) => k.endsWith('-bs')) ?? '';
    resources.faults.set(bsKey, Array(10).fill('precondition'));
    const report = await run(resources, memFacts);
    expect(report.ok).toBe(false);
    expect(report.steps.at(-1)).toMatchObject({ status: 'failed', name: 'internal load balancer' });
  });
});
