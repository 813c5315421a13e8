import { expect, test } from 'vitest';

/**
 * In CI the data-plane tests must run, not skip: `.ci/run` is root and installs iptables and
 * iproute2. Call at module level; under CI with a missing prerequisite it adds a failing test.
 */
export function requireInCi(support: { ok: boolean; reason: string }, what: string): void {
  if (support.ok || process.env.CI !== 'true') return;
  test(`CI can run the ${what}`, () => {
    expect.fail(`${what} cannot run in CI: ${support.reason}`);
  });
}
