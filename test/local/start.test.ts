/**
 * `npm start`: Ctrl-C (SIGINT) in the middle of the demo stops every child process. Each
 * endpoint the stack wrote to local.json refuses connections afterwards.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { waitFor } from '../support/process-group.ts';
import { repoRoot } from '../support/topology.ts';

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

it('stops every child process on Ctrl-C, even mid-demo', async () => {
  const child = spawn(process.execPath, ['test/local/start.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => {
    output += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    output += b.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  try {
    await waitFor('the demo to start', async () => output.includes('▶ 1. bootstrap'), 120_000, 100);
    const info = JSON.parse(readFileSync(join(repoRoot, '.peerlink/local.json'), 'utf8')) as {
      simulator: string;
      pubsubEmulator: string;
      functions: Record<string, string>;
    };
    const endpoints = [info.simulator, info.pubsubEmulator, ...Object.values(info.functions)];
    expect(endpoints).toHaveLength(5);
    for (const e of endpoints) expect(await listening(e)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toMatch(/stopping the local stack/);
    for (const e of endpoints) expect(await listening(e), e).toBe(false);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 180_000);
