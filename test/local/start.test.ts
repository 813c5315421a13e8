/**
 * `npm start`: Ctrl-C (SIGINT) in the middle of the demo stops every child process. Each
 * endpoint the stack wrote to local.json refuses connections afterwards. The stack keeps its
 * state in `.peerlink/` of the directory it runs in, here a temporary one, so a test never
 * touches the checkout's (where a live `npm start` keeps its endpoints).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { repoRoot } from '../support/topology.ts';
import { startLocal } from './harness.ts';

const exec = promisify(execFile);

function listening(hostPort: string): Promise<boolean> {
  const url = new URL(hostPort.includes('://') ? hostPort : `http://${hostPort}`);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The checkout's own local.json, if a live `npm start` wrote one. */
function checkoutInfo(): string {
  const file = join(repoRoot, '.peerlink/local.json');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

it('stops every child process on Ctrl-C, even mid-demo', async () => {
  const run = startLocal();
  try {
    await run.waitForOutput('▶ 1. bootstrap', 120_000);
    const info = run.info();
    const endpoints = [info.simulator, info.pubsubEmulator, ...Object.values(info.functions)];
    expect(endpoints).toHaveLength(5);
    for (const e of endpoints) expect(checkoutInfo()).not.toContain(e);
    // The emulator's env.yaml too: gcloud's default place is shared by every emulator.
    expect(readFileSync(join(run.stateDir, 'pubsub/env.yaml'), 'utf8')).toContain(
      info.pubsubEmulator,
    );
    for (const e of endpoints) expect(await listening(e)).toBe(true);
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(run.output()).toMatch(/stopping the local stack/);
    for (const e of endpoints) expect(await listening(e), e).toBe(false);
    expect(existsSync(join(run.stateDir, 'local.json'))).toBe(false);
  } finally {
    await run.cleanup();
  }
}, 180_000);

it('--once runs the demo and exits 0', async () => {
  const run = startLocal(['--once']);
  try {
    const { code } = await run.exited;
    expect(code, run.output()).toBe(0);
    expect(run.output()).toMatch(/4 of 4 demo steps converged/);
    expect(existsSync(join(run.stateDir, 'local.json'))).toBe(false);
  } finally {
    await run.cleanup();
  }
}, 240_000);

it('ends by printing the kubeconfigs it wrote, and kubectl answers through them', async () => {
  const run = startLocal();
  try {
    await run.waitForOutput('Ctrl-C stops everything', 240_000);
    const out = run.output();
    const printed = [...out.matchAll(/kubectl --kubeconfig (\S+)/g)].map((m) => m[1] ?? '');
    expect(printed.length, out).toBeGreaterThan(0);
    expect(new Set(printed)).toEqual(new Set(Object.values(run.info().kubeconfigs)));
    for (const k of printed) {
      expect(k.startsWith(join(run.stateDir, 'kube')), k).toBe(true);
      const { stdout } = await exec('kubectl', ['--kubeconfig', k, 'get', 'configmaps', '-A'], {
        timeout: 20_000,
      });
      expect(stdout).toMatch(/NAMESPACE\s+NAME/);
    }
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(143);
  } finally {
    await run.cleanup();
  }
}, 300_000);
