/**
 * test/local/serve-function.ts serves a function of functions/index.ts as functions-framework
 * would, on 127.0.0.1 only, and with whatever functions/index.ts does to the framework on
 * import (it wraps getServer so that bad bodies are answered in JSON): the local stack must
 * answer as the deployed functions do.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { until } from '../support/poll.ts';
import { type GroupProcess, spawnGroup } from '../support/process-group.ts';
import { freePort } from '../support/pubsub-emulator.ts';
import { exampleTopologyPath, repoRoot } from '../support/topology.ts';
import { bound, tree } from './procfs.ts';

let served: GroupProcess | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
});

async function serve(target: string): Promise<string> {
  const port = await freePort();
  served = spawnGroup(
    process.execPath,
    [join(repoRoot, 'test/local/serve-function.ts'), `--target=${target}`, `--port=${port}`],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        PEERLINK_PROJECT: 'peerlink-demo',
        PEERLINK_TOPOLOGY: exampleTopologyPath,
        PEERLINK_LOCAL: '1',
      },
    },
  );
  const url = `http://127.0.0.1:${port}/`;
  await until(
    async () => {
      if (served?.child.exitCode !== null) throw new Error(`exited:\n${served?.output()}`);
      return fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
        () => true,
        () => false,
      );
    },
    { what: `${target} serving`, timeoutMs: 30_000, intervalMs: 100 },
  );
  return url;
}

it('answers a body that is not JSON as functions/index.ts registered it to: in JSON', async () => {
  const url = await serve('bootstrap');
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{not json',
  });
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(((await res.json()) as { error: string }).error).toMatch(/not valid JSON/);
});

it('listens on 127.0.0.1 only', async () => {
  await serve('onAuditLog');
  const held = bound(tree(served?.child.pid ?? 0));
  expect(held.map((s) => `${s.protocol} ${s.address}`)).toEqual(['tcp 127.0.0.1']);
});
