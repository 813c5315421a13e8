/** `peerlink plan | apply | sweep` against the simulator, through the real adapters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../functions/cli/main.ts';
import { runReconcile } from '../../functions/cli/reconcile.ts';
import { bootstrap } from '../../functions/engine/bootstrap.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import { containerModule } from '../sim/container/index.ts';
import { type RunningSim, startSim } from '../sim/server.ts';
import { exampleTopologyPath } from '../support/topology.ts';

let sim: RunningSim;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSim({
    operationMs: 10,
    modules: [containerModule({ kubeconfigDir: `/tmp/peerlink-cli-${process.pid}` })],
  });
  env = {
    PEERLINK_COMPUTE_ENDPOINT: sim.url,
    PEERLINK_CONTAINER_ENDPOINT: sim.url,
    PEERLINK_ACCESS_TOKEN: 'principal:peerlink@peerlink-demo.iam.gserviceaccount.com',
  };
});
afterAll(async () => {
  await sim.close();
});

async function run(mode: 'plan' | 'apply' | 'sweep', ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await runReconcile(mode, args, io, (e) => createRuntime({ ...e, ...env }));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function writes(): Promise<number> {
  return ((await (await fetch(`${sim.url}/__sim/stats`)).json()) as { writes: number }).writes;
}

describe('peerlink plan, apply and sweep', () => {
  it('plans without writing anything', async () => {
    const r = await run('plan', '--topology', exampleTopologyPath);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^\+ create healthCheck\/europe-west1\/peerlink-dummy-backend-[0-9a-f]{6}-hc/m,
    );
    expect(r.out).toMatch(/planned: \d+ to create, 0 to update, 0 to delete, 0 conflicts\.$/);
    expect(await writes()).toBe(0);
  });

  it('applies, and a sweep right after changes nothing', async () => {
    // The infrastructure comes first, as bootstrap provisions it; then drift to repair.
    const rt = createRuntime({ ...env, PEERLINK_TOPOLOGY: exampleTopologyPath });
    const run0 = bootstrap(await rt.topology(), await rt.deps(), {
      dryRun: false,
      seed: 'cli-test',
      pollMs: 20,
    });
    for (let n = await run0.next(); !n.done; n = await run0.next())
      expect(n.value.status).toBe('done');
    const firewalls = (await (
      await fetch(`${sim.url}/compute/v1/projects/peerlink-demo/global/firewalls`)
    ).json()) as { items: { name: string }[] };
    const victim = firewalls.items.find((f) => f.name.endsWith('-health'))?.name;
    await fetch(`${sim.url}/compute/v1/projects/peerlink-demo/global/firewalls/${victim}`, {
      method: 'DELETE',
    });
    await new Promise((r) => setTimeout(r, 100));
    const applied = await run('apply', '--topology', exampleTopologyPath, '--json');
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.out)).toMatchObject({
      outcome: 'converged',
      actions: [{ op: 'create', key: `firewall/${victim}` }],
    });
    const before = await writes();
    expect(before).toBeGreaterThan(0);
    const swept = await run('sweep', '--topology', exampleTopologyPath);
    expect(swept).toMatchObject({ code: 0 });
    expect(swept.out).toMatch(/^noop: 0 to create, 0 to update, 0 to delete, 0 conflicts\.$/m);
    expect(await writes()).toBe(before);
  });

  it.each([
    [['--topology', '/nonexistent/topology.yaml'], /cannot read the topology: .*no such file/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('exits 2 for %j', async (args, message) => {
    const r = await run('plan', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
