/**
 * `peerlink bootstrap` against an empty simulator, through the real adapters: a dry run writes
 * nothing, a run provisions the example and a second run changes nothing; a failed step exits 1
 * and a rerun resumes.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBootstrap } from '../../functions/cli/bootstrap.ts';
import type { Io } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import { containerModule } from '../sim/container/index.ts';
import { type RunningSim, startSim } from '../sim/server.ts';
import { exampleTopologyPath } from '../support/topology.ts';

const kubeconfigDir = `/tmp/peerlink-cli-bootstrap-${process.pid}`;
let sim: RunningSim;
let env: Record<string, string>;

beforeAll(async () => {
  // Short operations: clusters and node pools are RUNNING within the first poll.
  sim = await startSim({ operationMs: 10, modules: [containerModule({ kubeconfigDir })] });
  env = {
    PEERLINK_COMPUTE_ENDPOINT: sim.url,
    PEERLINK_CONTAINER_ENDPOINT: sim.url,
    PEERLINK_ACCESS_TOKEN: 'principal:peerlink@peerlink-demo.iam.gserviceaccount.com',
  };
});
afterAll(async () => {
  await sim?.close();
  rmSync(kubeconfigDir, { recursive: true, force: true });
});

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await runBootstrap(args, io, (e) => createRuntime({ ...e, ...env }));
  return { code, out, err };
}

async function writes(): Promise<number> {
  return ((await (await fetch(`${sim.url}/__sim/stats`)).json()) as { writes: number }).writes;
}

async function reset(): Promise<void> {
  expect((await fetch(`${sim.url}/__sim/reset`, { method: 'POST' })).ok).toBe(true);
  expect(await writes()).toBe(0);
}

async function faults(config: unknown): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  expect(res.ok).toBe(true);
}

interface Line {
  step?: number;
  status?: string;
  plan?: { create: number; update: number; delete: number; conflict: number };
  report?: { ok: boolean; steps: unknown[] };
}

describe('peerlink bootstrap', () => {
  it('plans every step on a dry run and writes nothing', async () => {
    const r = await run('--topology', exampleTopologyPath, '--dry-run');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.filter((l) => /^\d\. .*: planned in \d+ ms/.test(l))).toHaveLength(8);
    expect(r.out[0]).toMatch(/^1\. networks and subnets: planned in \d+ ms \(create 4, /);
    expect(r.out.at(-1)).toMatch(/^bootstrap dry run: 8 steps planned, nothing changed/);
    expect(await writes()).toBe(0);
  });

  it('provisions the example into an empty simulator', async () => {
    const r = await run('--topology', exampleTopologyPath);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.filter((l) => /^\d\. .*: done in \d+ ms/.test(l))).toHaveLength(8);
    expect(r.out[0]).toMatch(/^1\. networks and subnets: done in \d+ ms \(create 4, /);
    expect(r.out.at(-1)).toMatch(/^bootstrap completed: 8 steps done/);
    expect(await writes()).toBeGreaterThan(0);
  }, 120_000);

  it('changes nothing on a second run (--json streams the function’s NDJSON)', async () => {
    const before = await writes();
    const r = await run('--topology', exampleTopologyPath, '--json');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const lines = r.out.map((l) => JSON.parse(l) as Line);
    const steps = lines.filter((l) => l.step !== undefined);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const s of steps) {
      expect(s.status).toBe('done');
      expect(s.plan).toMatchObject({ create: 0, update: 0, delete: 0 });
    }
    expect(lines.at(-1)?.report).toMatchObject({ ok: true });
    expect(lines.at(-1)?.report?.steps).toHaveLength(8);
    expect(await writes()).toBe(before);
  }, 120_000);

  it('exits 1 when a step fails, and a rerun resumes and completes', async () => {
    await reset();
    await faults({ methods: { 'compute.firewalls.insert': { failNext: 1, status: 403 } } });
    const failed = await run('--topology', exampleTopologyPath);
    await faults({});
    expect(failed.code).toBe(1);
    expect(failed.out.join('\n')).toMatch(/^1\. networks and subnets: done /m);
    expect(failed.out.join('\n')).toMatch(/^3\. firewall rules: failed in \d+ ms .*: /m);
    expect(failed.out.at(-1)).toMatch(/^bootstrap stopped at step 3 \(firewall rules\)/);

    const resumed = await run('--topology', exampleTopologyPath);
    expect(resumed.err).toEqual([]);
    expect(resumed.code).toBe(0);
    // What the first run made is not made again.
    expect(resumed.out[0]).toMatch(
      /^1\. networks and subnets: done in \d+ ms \(create 0, update 0,/,
    );
    expect(resumed.out.join('\n')).toMatch(/^3\. firewall rules: done in \d+ ms \(create 1,/m);
    expect(resumed.out.at(-1)).toMatch(/^bootstrap completed: 8 steps done/);
  }, 120_000);

  it.each([
    [[], /--topology is required/],
    [['--topology', exampleTopologyPath, '--force'], /Unknown option '--force'/],
  ])('exits 2 for the usage error %j', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(message);
    expect(r.err.join('\n')).toMatch(/^usage: peerlink bootstrap --topology FILE/m);
    expect(r.out).toEqual([]);
  });

  it('exits 1 for a topology it cannot read', async () => {
    const r = await run('--topology', '/nonexistent/topology.yaml');
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/cannot read \/nonexistent\/topology\.yaml: .*no such file/);
  });

  it('is a command of peerlink, with its help', async () => {
    const out: string[] = [];
    const code = await main(['help', 'bootstrap'], { out: (l) => out.push(l), err: () => {} });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/^usage: peerlink bootstrap --topology FILE \[--dry-run\]/m);
  });
});
