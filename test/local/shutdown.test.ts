/**
 * However `npm start` is told to stop, it stops every process it started: the Pub/Sub
 * emulator (gcloud's Python wrapper and its java child, in a process group of their own), the
 * three function servers, and the simulator with its Kubernetes APIs (in its own process).
 * The stack runs with --verbose and stdout and stderr on one pipe, as with
 * `npm start -- --verbose 2>&1 | tee log`; Ctrl-C there also ends tee, so the pipe's reader goes
 * away together with the SIGINT. Afterwards no process of the stack's process groups or
 * sessions is alive and no port it listened on is still listened on.
 */
import { expect, it } from 'vitest';
import { until } from '../support/poll.ts';
import { type StartedLocal, startLocal } from './harness.ts';
import { bound, listeningOn, type Proc, self, survivors, tree } from './procfs.ts';

interface Case {
  readonly name: string;
  /** What must have been printed before acting. */
  readonly after: 'up' | 'starting';
  readonly act: (run: StartedLocal) => void;
  /** Exit codes allowed: 128 + the signal's number; 141 (SIGPIPE's) for the lost reader. */
  readonly codes: readonly number[];
}

const closeReader = (run: StartedLocal) => run.child.stdout?.destroy();

const cases: Case[] = [
  {
    name: 'Ctrl-C under tee (SIGINT, and the pipe reader goes away)',
    after: 'up',
    act: (run) => {
      closeReader(run);
      run.child.kill('SIGINT');
    },
    // Whichever it notices first: the signal or the failed write.
    codes: [130, 141],
  },
  { name: 'SIGINT', after: 'up', act: (run) => run.child.kill('SIGINT'), codes: [130] },
  { name: 'SIGTERM', after: 'up', act: (run) => run.child.kill('SIGTERM'), codes: [143] },
  { name: 'SIGHUP', after: 'up', act: (run) => run.child.kill('SIGHUP'), codes: [129] },
  // The next write (the functions' log lines go on during bootstrap) fails with EPIPE.
  { name: 'a closed stdout', after: 'up', act: closeReader, codes: [141] },
  {
    name: 'SIGINT while starting',
    after: 'starting',
    act: (run) => run.child.kill('SIGINT'),
    codes: [130],
  },
];

const describeProc = (p: Proc) => `${p.comm}[${p.pid}] pgid ${p.pgid} sid ${p.sid}`;

it.each(cases)(
  'stops every child on $name',
  async ({ after, act, codes }) => {
    const run = startLocal(['--verbose']);
    try {
      let seen: Proc[];
      if (after === 'up') {
        await run.waitForOutput('▶ 1. bootstrap', 120_000);
        seen = tree(run.child.pid ?? 0);
        // The emulator's java child and the three function servers are running.
        expect(
          seen.filter((p) => p.comm === 'java').length,
          seen.map(describeProc).join('\n'),
        ).toBe(1);
      } else {
        // The emulator has started; the stack is not up yet.
        seen = await until(
          () => {
            const t = tree(run.child.pid ?? 0);
            return t.some((p) => p.comm === 'java') ? t : undefined;
          },
          { what: "the emulator's java process", timeoutMs: 60_000, intervalMs: 50 },
        );
        expect(run.output()).not.toContain('endpoints written');
      }
      // While starting, the emulator may not listen yet; its group is checked all the same.
      const ports = new Set(bound(seen).map((s) => s.port));
      if (after === 'up') expect(ports.size).toBeGreaterThan(0);
      act(run);
      let status: { code: number | null } | undefined;
      void run.exited.then((s) => {
        status = s;
      });
      await until(() => status, { what: 'npm start to exit', timeoutMs: 30_000, intervalMs: 100 });
      const me = self();
      await until(
        () =>
          survivors([...seen, ...run.seen()], me).length === 0 && listeningOn(ports).length === 0,
        {
          what: 'no process and no listening port of the stack',
          timeoutMs: 20_000,
          intervalMs: 200,
        },
      ).catch((e: unknown) => {
        const left = survivors([...seen, ...run.seen()], me).map(describeProc);
        const listening = listeningOn(ports).map((s) => `${s.address}:${s.port}`);
        throw new Error(
          `${String(e)}\nleft: ${left.join(', ')}\nlistening: ${listening.join(', ')}\n${run.output().slice(-2000)}`,
        );
      });
      expect(codes).toContain(status?.code);
    } finally {
      await run.cleanup();
    }
  },
  240_000,
);
