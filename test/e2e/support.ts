/** Helpers for end-to-end tests over the local stack. */

import type { Stack } from '../local/stack.ts';
import { waitFor } from '../support/process-group.ts';

export interface Stats {
  reads: number;
  writes: number;
  methods: Record<string, { reads: number; writes: number }>;
}

export async function stats(stack: Stack): Promise<Stats> {
  return (await (await fetch(`${stack.sim.url}/__sim/stats`)).json()) as Stats;
}

/**
 * Waits until the simulator has seen no call for `quietMs`: every delivery has been handled.
 * Bounded by `timeoutMs`.
 */
export async function quiesce(stack: Stack, quietMs = 2_000, timeoutMs = 60_000): Promise<Stats> {
  let last = await stats(stack);
  let since = Date.now();
  return waitFor(
    'the simulator to go quiet',
    async () => {
      const now = await stats(stack);
      if (now.reads !== last.reads || now.writes !== last.writes) {
        last = now;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= quietMs ? now : undefined;
    },
    timeoutMs,
    250,
  );
}

export interface LogEntry {
  protoPayload?: {
    methodName?: string;
    authenticationInfo?: { principalEmail?: string };
    resourceName?: string;
  };
  operation?: { first?: boolean; last?: boolean };
}

export async function auditLog(stack: Stack): Promise<LogEntry[]> {
  const body = (await (await fetch(`${stack.sim.url}/__sim/logs`)).json()) as {
    entries: LogEntry[];
  };
  return body.entries;
}

/** Publishes entries to the audit topic, as the log sink would deliver them again. */
export async function republish(
  stack: Stack,
  project: string,
  entries: readonly LogEntry[],
): Promise<void> {
  const res = await fetch(
    `http://${stack.emulator.host}/v1/projects/${project}/topics/peerlink-audit:publish`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: entries.map((e) => ({ data: Buffer.from(JSON.stringify(e)).toString('base64') })),
      }),
    },
  );
  if (!res.ok) throw new Error(`publish: ${res.status} ${await res.text()}`);
}

/** Waits until the reads counter moves past `after`: a delivery has started a reconcile. */
export async function readsAfter(stack: Stack, after: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    'a reconcile to start reading',
    async () => (await stats(stack)).reads > after,
    timeoutMs,
    100,
  );
}
