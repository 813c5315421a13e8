/**
 * The command never hangs: `peerlink` run as a process (bin/peerlink.js) against an endpoint
 * that refuses, one that accepts and never answers, and a simulator that answers too slowly for
 * the deadline, exits 1 within seconds with one short line naming what went wrong.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSim, startSim } from '../sim/server.ts';
import { exampleTopologyPath, repoRoot } from '../support/topology.ts';

const bin = path.join(repoRoot, 'bin/peerlink.js');
/** Far above what the command needs (a few seconds), far below a hang. */
const BOUND_MS = 20_000;
const TOKEN = 'principal:peerlink@peerlink-demo.iam.gserviceaccount.com';

interface Run {
  code: number | null;
  err: string;
  out: string;
  ms: number;
  killed: boolean;
}

/** Runs bin/peerlink.js with only `env` (loopback endpoints, a static token); killed at BOUND_MS. */
function peerlink(env: Record<string, string>, ...args: string[]): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', PEERLINK_ACCESS_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, BOUND_MS);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started, killed });
    });
  });
}

const endpoints = (url: string) => ({
  PEERLINK_COMPUTE_ENDPOINT: url,
  PEERLINK_CONTAINER_ENDPOINT: url,
});

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A server on 127.0.0.1 that accepts connections and never answers. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const s: Server = createServer((c) => {
    sockets.add(c);
    c.on('error', () => {});
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const c of sockets) c.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

/** One line on stderr, short, exit 1, well within the bound, nothing on stdout. */
function expectOneLineFailure(r: Run, message: RegExp) {
  expect(r.killed, `still running after ${BOUND_MS} ms; stderr: ${r.err.slice(0, 500)}`).toBe(
    false,
  );
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err).toMatch(message);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err.length).toBeLessThan(400);
}

describe('peerlink against an endpoint it cannot reach', () => {
  it('a closed port: exits 1 at once, naming the endpoint', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await peerlink(endpoints(url), 'plan', '--topology', exampleTopologyPath);
    expectOneLineFailure(r, new RegExp(`cannot reach compute .*at ${url}.*: connection refused`));
  });

  it('a port that accepts and never answers: exits 1 within seconds, naming the endpoint', async () => {
    const silent = await silentServer();
    try {
      const url = `http://127.0.0.1:${silent.port}`;
      const r = await peerlink(endpoints(url), 'plan', '--topology', exampleTopologyPath);
      expectOneLineFailure(r, new RegExp(`cannot reach compute .*at ${url}.*: no answer within`));
    } finally {
      await silent.close();
    }
  });

  it('only the container endpoint is wrong: it is the one named', async () => {
    const sim = await startSim();
    try {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const r = await peerlink(
        { PEERLINK_COMPUTE_ENDPOINT: sim.url, PEERLINK_CONTAINER_ENDPOINT: url },
        'plan',
        '--topology',
        exampleTopologyPath,
      );
      expectOneLineFailure(r, new RegExp(`^peerlink plan: cannot reach container at ${url}`));
      expect(r.err).not.toMatch(/compute/);
    } finally {
      await sim.close();
    }
  });
});

describe('against a simulator that answers', () => {
  it('plan prints the whole plan and exits 0: ending the process cuts nothing off', async () => {
    const sim = await startSim();
    try {
      const r = await peerlink(endpoints(sim.url), 'plan', '--topology', exampleTopologyPath);
      expect(r.killed).toBe(false);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/\nPlan: \d+ to create, 0 to update, 0 to delete, \d+ conflicts\.\n/);
    } finally {
      await sim.close();
    }
  });
});

describe('the deadline', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim();
    // Every API call answers after a minute: far past the deadlines below and the test's bound.
    const put = await fetch(`${sim.url}/__sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ methods: { '*': { latencyMs: 60_000 } } }),
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('plan --timeout 1s against a slow cloud: exits 1 saying the deadline passed', async () => {
    const r = await peerlink(
      endpoints(sim.url),
      'plan',
      '--topology',
      exampleTopologyPath,
      '--timeout',
      '1s',
    );
    expectOneLineFailure(r, /^peerlink plan: deadline passed: not done within 1s/);
  });

  it('PEERLINK_TIMEOUT sets it too, for bootstrap', async () => {
    const r = await peerlink(
      { ...endpoints(sim.url), PEERLINK_TIMEOUT: '1500ms' },
      'bootstrap',
      '--topology',
      exampleTopologyPath,
      '--dry-run',
    );
    expectOneLineFailure(r, /^peerlink bootstrap: deadline passed: not done within 1500ms/);
  });
});
