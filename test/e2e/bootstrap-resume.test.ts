/**
 * bootstrap killed halfway (its process group killed mid-request) and run again completes,
 * creating nothing twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadTopology } from '../../functions/runtime/files.ts';
import { runBootstrap } from '../local/demo.ts';
import { type Stack, startStack } from '../local/stack.ts';
import { exampleTopologyPath } from '../support/topology.ts';
import { auditLog, quiesce, stats } from './support.ts';

let stack: Stack;

beforeAll(async () => {
  const t = await loadTopology(exampleTopologyPath);
  // Slow operations so that the kill lands in the middle of the run.
  stack = await startStack({
    project: t.project,
    topologyPath: exampleTopologyPath,
    operationMs: 400,
    stateDir: `/tmp/peerlink-e2e-resume-${process.pid}`,
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
}, 60_000);

it('completes on a second run after being killed halfway, with no duplicates', async () => {
  const res = await fetch(stack.urls.bootstrap, { method: 'POST' });
  const reader = res.body?.getReader();
  const seen: string[] = [];
  const decoder = new TextDecoder();
  // Read until step 2 (peerings) reports, then kill the function's process.
  while (!seen.join('').includes('"step":2')) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    seen.push(decoder.decode(chunk.value));
  }
  expect(seen.join('')).toMatch(/"step":2,"name":"peerings","status":"done"/);
  await stack.restart('bootstrap');
  await reader?.cancel().catch(() => undefined);
  const partial = await stats(stack);
  expect(partial.methods['container.clusters.create']?.writes ?? 0).toBe(0);

  const lines: string[] = [];
  const r = await runBootstrap(stack, (l) => lines.push(l));
  expect(r.ok, lines.join('\n')).toBe(true);
  expect(lines.find((l) => l.startsWith('  1.'))).toMatch(/create 0/);
  await quiesce(stack);
  const inserts = (await auditLog(stack)).filter(
    (e) =>
      /networks\.insert|subnetworks\.insert|addPeering|CreateCluster/.test(
        e.protoPayload?.methodName ?? '',
      ) && e.operation?.last,
  );
  const names = inserts.map((e) => `${e.protoPayload?.methodName} ${e.protoPayload?.resourceName}`);
  // Each network, subnet, peering side and cluster was created exactly once.
  expect(new Set(names).size).toBe(names.length);
  expect(names).toHaveLength(2 + 2 + 2 + 2);
}, 240_000);
