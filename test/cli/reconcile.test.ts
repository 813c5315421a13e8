/** `peerlink plan | apply | sweep` against the simulator, through the real adapters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../functions/cli/io.ts';
import { EXIT_CHANGES_PENDING, runReconcile } from '../../functions/cli/reconcile.ts';
import { bootstrap } from '../../functions/engine/bootstrap.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import { containerModule } from '../sim/container/index.ts';
import { type RunningSim, startSim } from '../sim/server.ts';
import { until } from '../support/poll.ts';
import { exampleTopologyPath } from '../support/topology.ts';

let sim: RunningSim;
let env: Record<string, string>;
let firewallsUrl: string;

beforeAll(async () => {
  sim = await startSim({
    operationMs: 10,
    modules: [containerModule({ kubeconfigDir: `/tmp/peerlink-cli-${process.pid}` })],
  });
  firewallsUrl = `${sim.url}/compute/v1/projects/peerlink-demo/global/firewalls`;
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
    expect(r.out).toMatch(/^Plan: \d+ to create, 0 to update, 0 to delete, 0 conflicts\.$/m);
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
    const firewalls = (await (await fetch(firewallsUrl)).json()) as { items: { name: string }[] };
    const victim = firewalls.items.find((f) => f.name.endsWith('-health'))?.name;
    await fetch(`${firewallsUrl}/${victim}`, { method: 'DELETE' });
    await until(async () => (await fetch(`${firewallsUrl}/${victim}`)).status === 404, {
      what: `firewall ${victim} to be deleted`,
      timeoutMs: 5_000,
      intervalMs: 10,
    });
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

  it('shows a field changed by hand as before → after, and writes nothing', async () => {
    const firewalls = (await (await fetch(firewallsUrl)).json()) as {
      items: { name: string; sourceRanges?: string[] }[];
    };
    const rule = firewalls.items.find((f) => f.name.endsWith('-health'));
    expect(rule?.sourceRanges?.length).toBeGreaterThan(0);
    const patched = await fetch(`${firewallsUrl}/${rule?.name}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sourceRanges: ['10.99.0.0/16'] }),
    });
    expect(patched.ok).toBe(true);
    await until(
      async () => {
        const f = (await (await fetch(`${firewallsUrl}/${rule?.name}`)).json()) as {
          sourceRanges?: string[];
        };
        return f.sourceRanges?.join() === '10.99.0.0/16';
      },
      { what: `the patch of ${rule?.name}`, timeoutMs: 5_000, intervalMs: 10 },
    );
    const before = await writes();
    const r = await run('plan', '--topology', exampleTopologyPath, '--detailed-exitcode');
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT_CHANGES_PENDING);
    const want = JSON.stringify([...(rule?.sourceRanges ?? [])].sort());
    const lines = r.out.split('\n');
    const at = lines.findIndex((l) => l.startsWith(`~ update firewall/${rule?.name}  (`));
    expect(at, r.out).toBeGreaterThanOrEqual(0);
    expect(lines.slice(at + 1)).toContain(`    sourceRanges: ["10.99.0.0/16"] → ${want}`);
    expect(r.out).toMatch(/^Plan: 0 to create, 1 to update, 0 to delete, 0 conflicts\.$/m);
    expect(r.out).toMatch(/^ {2}masquerade frontend-cluster: 10\.193\.0\.0\/16$/m);

    const json = JSON.parse((await run('plan', '--topology', exampleTopologyPath, '--json')).out);
    expect(json).toMatchObject({
      summary: { create: 0, update: 1, delete: 0, conflict: 0 },
      actions: [
        {
          op: 'update',
          key: `firewall/${rule?.name}`,
          changes: [{ field: 'sourceRanges', before: ['10.99.0.0/16'], after: JSON.parse(want) }],
        },
      ],
      masquerade: { 'frontend-cluster': ['10.193.0.0/16'] },
    });
    expect(await writes()).toBe(before);

    // apply repairs it, and the plan is then empty: exit 0 even with --detailed-exitcode.
    expect((await run('apply', '--topology', exampleTopologyPath)).code).toBe(0);
    const after = await run('plan', '--topology', exampleTopologyPath, '--detailed-exitcode');
    expect(after.code).toBe(0);
    expect(after.out).toMatch(/^No changes\. Everything matches the topology\.$/m);
  });

  it('exits 1 for a runtime error, with the reason', async () => {
    const r = await run('plan', '--topology', '/nonexistent/topology.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot read the topology: .*no such file/);
    expect(r.out).toBe('');
  });

  it('exits 1 when the endpoint is unreachable, saying a retry may help', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runReconcile(
      'plan',
      ['--topology', exampleTopologyPath],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      (e) =>
        createRuntime({
          ...e,
          ...env,
          // Nothing listens on the discard port of loopback.
          PEERLINK_COMPUTE_ENDPOINT: 'http://127.0.0.1:9',
          PEERLINK_CONTAINER_ENDPOINT: 'http://127.0.0.1:9',
        }),
    );
    expect({ code, out }).toEqual({ code: 1, out: [] });
    expect(err.join('\n')).toMatch(/run the command again/);
  }, 60_000);

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--json=yes'], /'--json' does not take an argument/],
    [['--topology'], /argument missing/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('exits 2 for the usage error %j, printing the usage to stderr', async (args, message) => {
    const r = await run('plan', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/^usage: peerlink plan \[--topology FILE\]/m);
    expect(r.out).toBe('');
  });

  it('prints its help to stdout and exits 0', async () => {
    const r = await run('plan', '--help');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^usage: peerlink plan /m);
    expect(r.out).toMatch(/--detailed-exitcode/);
    expect(r.out.replace(/\s+/g, ' ')).toContain(
      '3 with --detailed-exitcode when changes are pending (terraform uses 2 for that; peerlink keeps 2 for usage errors)',
    );
    expect(r.out).toMatch(/topology\.yaml/);
    expect(r.out).toMatch(/^ {2}peerlink plan --topology /m);
  });
});
