/**
 * Bounded polling for tests: instead of sleeping a fixed time and hoping a state was reached,
 * ask for the state until it holds. Both helpers stop after a number of checks and after a total
 * time, whichever comes first, so a wrong test fails with a message instead of hanging.
 */

export interface PollOptions {
  /** What is waited for, for the error message. */
  readonly what: string;
  /** Total time allowed, checks included. */
  readonly timeoutMs: number;
  /** Pause between checks. */
  readonly intervalMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const timedOut: unique symbol = Symbol('timed out');

/** Resolves with `check`'s result or `timedOut` once `ms` pass, so a hung check cannot hang the test. */
async function within<T>(check: () => T | Promise<T>, ms: number): Promise<T | typeof timedOut> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof timedOut>((r) => {
    timer = setTimeout(() => r(timedOut), Math.max(0, ms));
  });
  try {
    return await Promise.race([Promise.resolve().then(check), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `check` until it returns something other than `undefined`, `null` or `false`, and
 * returns that. An error thrown by `check` fails at once: it is an assertion, not "not yet".
 * Throws after `timeoutMs` or `timeoutMs / intervalMs + 1` checks.
 */
export async function until<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  o: PollOptions,
): Promise<T> {
  const start = Date.now();
  const maxChecks = Math.floor(o.timeoutMs / Math.max(1, o.intervalMs)) + 1;
  let last: unknown;
  for (let n = 1; n <= maxChecks; n++) {
    const v = await within(check, start + o.timeoutMs - Date.now());
    if (v === timedOut) break;
    if (v !== undefined && v !== null && v !== false) return v as T;
    last = v;
    if (Date.now() - start + o.intervalMs > o.timeoutMs) break;
    await sleep(o.intervalMs);
  }
  throw new Error(
    `timed out after ${Date.now() - start} ms waiting for ${o.what} (last check: ${String(last)})`,
  );
}

/**
 * For a wait where the expected outcome is that nothing happens: there is no state to poll
 * for, so `check` is asked every `intervalMs` for `forMs` and must hold each time. Fails at
 * the first check that returns false instead of waiting out the window.
 */
export async function holds(
  check: () => boolean | Promise<boolean>,
  o: { readonly what: string; readonly forMs: number; readonly intervalMs: number },
): Promise<void> {
  const start = Date.now();
  const maxChecks = Math.floor(o.forMs / Math.max(1, o.intervalMs)) + 1;
  for (let n = 1; n <= maxChecks; n++) {
    const v = await within(check, o.forMs - (Date.now() - start) + o.intervalMs);
    if (v === timedOut) throw new Error(`a check of ${o.what} did not answer in time`);
    if (!v) throw new Error(`${o.what} stopped holding after ${Date.now() - start} ms`);
    if (Date.now() - start >= o.forMs) return;
    await sleep(Math.min(o.intervalMs, o.forMs - (Date.now() - start)));
  }
}
