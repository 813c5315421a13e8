/**
 * Nothing of the local stack is reachable from another machine: every socket its processes
 * bind (the simulator, the simulated Kubernetes APIs, the Pub/Sub emulator's wrapper and java
 * child, the three function servers) is on a loopback address. Read from /proc, so a server
 * that ignores a host option is caught however it was asked.
 */
import { expect, it } from 'vitest';
import { startLocal } from './harness.ts';
import { bound, isLoopback, tree } from './procfs.ts';

const portOf = (url: string) => Number(new URL(url.includes('://') ? url : `http://${url}`).port);

it('binds every socket of the stack to loopback only', async () => {
  const run = startLocal();
  try {
    // The demo's end: the clusters' Kubernetes APIs are up as well.
    await run.waitForOutput('Ctrl-C stops everything', 240_000);
    const pid = run.child.pid ?? 0;
    const procs = tree(pid);
    const held = bound(procs);
    const info = run.info();
    // Each server the stack wrote down is among what was found, so the walk saw them all.
    const ports = new Set(held.map((s) => s.port));
    for (const url of [info.simulator, info.pubsubEmulator, ...Object.values(info.functions)])
      expect(ports, url).toContain(portOf(url));
    const exposed = held
      .filter((s) => !isLoopback(s.address))
      .map((s) => `${s.comm}[${s.pid}] ${s.protocol} ${s.address}:${s.port}`);
    expect(exposed).toEqual([]);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(143);
  } finally {
    await run.cleanup();
  }
}, 300_000);
