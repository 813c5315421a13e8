import { describe, expect, it } from 'vitest';
import { holds, until } from './poll.ts';

describe('until', () => {
  it('returns the first value that is not undefined, null or false', async () => {
    let n = 0;
    const v = await until(() => (++n >= 3 ? `after ${n}` : false), {
      what: 'three checks',
      timeoutMs: 1_000,
      intervalMs: 5,
    });
    expect(v).toBe('after 3');
  });

  it('throws with what it waited for, within its time bound', async () => {
    const t = Date.now();
    await expect(
      until(() => undefined, { what: 'a state that never comes', timeoutMs: 100, intervalMs: 10 }),
    ).rejects.toThrow(/waiting for a state that never comes/);
    expect(Date.now() - t).toBeLessThan(1_000);
  });

  it('stops after timeoutMs / intervalMs + 1 checks', async () => {
    let n = 0;
    await expect(
      until(() => ++n < 0, { what: 'never', timeoutMs: 50, intervalMs: 10 }),
    ).rejects.toThrow();
    expect(n).toBeGreaterThan(1);
    expect(n).toBeLessThanOrEqual(6);
  });

  it('does not hang on a check that never answers', async () => {
    const t = Date.now();
    await expect(
      until(() => new Promise<boolean>(() => undefined), {
        what: 'a hung check',
        timeoutMs: 100,
        intervalMs: 10,
      }),
    ).rejects.toThrow(/a hung check/);
    expect(Date.now() - t).toBeLessThan(1_000);
  });

  it('fails at once when the check throws', async () => {
    let n = 0;
    await expect(
      until(
        () => {
          n++;
          throw new Error('boom');
        },
        { what: 'x', timeoutMs: 1_000, intervalMs: 5 },
      ),
    ).rejects.toThrow('boom');
    expect(n).toBe(1);
  });
});

describe('holds', () => {
  it('watches the whole window while the check holds', async () => {
    let n = 0;
    const t = Date.now();
    await holds(() => ++n > 0, { what: 'always', forMs: 100, intervalMs: 20 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(95);
    expect(n).toBeGreaterThanOrEqual(5);
  });

  it('fails at the first check that does not hold', async () => {
    let n = 0;
    const t = Date.now();
    await expect(
      holds(() => ++n < 3, { what: 'the counter', forMs: 5_000, intervalMs: 10 }),
    ).rejects.toThrow(/the counter stopped holding/);
    expect(n).toBe(3);
    expect(Date.now() - t).toBeLessThan(2_000);
  });
});
