/**
 * What a failed command prints is capped (a body or a dump can run to kilobytes), and every
 * command's deadline comes from --timeout, else PEERLINK_TIMEOUT, else its own default.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runBootstrap } from '../../functions/cli/bootstrap.ts';
import {
  clip,
  deadlineOf,
  failureLines,
  helpText,
  MAX_ERROR_CHARS,
  parseCommand,
} from '../../functions/cli/flags.ts';
import type { Io } from '../../functions/cli/io.ts';
import { BOOTSTRAP, PLAN, SPECS, VALIDATE } from '../../functions/cli/specs.ts';
import { ConfigError, TerminalError, TransientError } from '../../functions/core/errors.ts';
import { SETTINGS } from '../../functions/runtime/settings.ts';

describe('what a failure prints', () => {
  const huge = `forwardingRules.list: 404 ${'<html><body>not here</body></html>\n'.repeat(140)}`;

  it.each([
    ['transient', new TransientError(huge)],
    ['terminal', new TerminalError(huge)],
    ['configuration', new ConfigError(huge)],
  ])('a %s error of over 4,000 characters is one clipped line and its advice', (_, e) => {
    expect(huge.length).toBeGreaterThan(4_000);
    const [first, ...rest] = failureLines('peerlink plan', e);
    expect(first).toMatch(/^peerlink plan: forwardingRules\.list: 404 <html>/);
    expect(first).not.toContain('\n');
    expect(first?.length).toBeLessThan(MAX_ERROR_CHARS + 60);
    expect(first).toMatch(/… \(\d+ more characters\)$/);
    expect(rest.join('\n').length).toBeLessThan(100);
  });

  it('an unexpected error keeps its first stack frames, not the whole dump', () => {
    const e = new Error(huge);
    e.stack = [
      `Error: ${huge}`,
      ...Array.from({ length: 50 }, (_, i) => `    at f${i} (x.ts:${i})`),
    ].join('\n');
    const lines = failureLines('peerlink plan', e);
    expect(lines[0]).toMatch(/^peerlink plan: unexpected error: forwardingRules/);
    expect(lines.slice(1)).toEqual(Array.from({ length: 8 }, (_, i) => `  at f${i} (x.ts:${i})`));
    expect(lines.join('\n').length).toBeLessThan(1_000);
  });

  it('leaves a short message alone', () => {
    expect(clip('cannot reach compute at http://127.0.0.1:8787: connection refused')).toBe(
      'cannot reach compute at http://127.0.0.1:8787: connection refused',
    );
  });
});

describe('the deadline', () => {
  const parsed = (spec: typeof PLAN, ...args: string[]) => {
    const r = parseCommand(spec, args);
    if (r.kind !== 'ok') throw new Error(`not parsed: ${JSON.stringify(r)}`);
    return r.parsed;
  };

  it('defaults to 10 minutes, and to an hour for bootstrap, which waits for clusters', () => {
    expect(deadlineOf(PLAN, parsed(PLAN), {})).toBe(600_000);
    expect(deadlineOf(VALIDATE, parsed(VALIDATE, '--topology', 't.yaml'), {})).toBe(600_000);
    expect(deadlineOf(BOOTSTRAP, parsed(BOOTSTRAP, '--topology', 't.yaml'), {})).toBe(3_600_000);
    expect(helpText(BOOTSTRAP)).toMatch(
      /--timeout DURATION +The command's total deadline.*\(default:\s+1h\)/s,
    );
    expect(helpText(PLAN)).toMatch(/\(default:\s+10m\)/);
  });

  it('every command but deploy and teardown (which parse their own flags) takes --timeout', () => {
    const without = SPECS.filter((s) => !s.flags.some((u) => u.setting === SETTINGS.timeout));
    expect(without.map((s) => s.name)).toEqual(['deploy', 'teardown']);
  });

  it('takes PEERLINK_TIMEOUT, and --timeout over it', () => {
    const env = { PEERLINK_TIMEOUT: '90s' };
    expect(deadlineOf(PLAN, parsed(PLAN), env)).toBe(90_000);
    expect(deadlineOf(PLAN, parsed(PLAN, '--timeout', '500ms'), env)).toBe(500);
    expect(deadlineOf(PLAN, parsed(PLAN, '--timeout', '2'), env)).toBe(2_000);
  });

  it.each(['0', '0s', '600h', 'soon', '-1'])('refuses %s', (text) => {
    expect(() => SETTINGS.timeout.parse('PEERLINK_TIMEOUT', text)).toThrow(ConfigError);
    expect(parseCommand(PLAN, ['--timeout', text])).toMatchObject({ kind: 'usage' });
  });

  describe('a bad PEERLINK_TIMEOUT', () => {
    const saved = process.env.PEERLINK_TIMEOUT;
    afterEach(() => {
      if (saved === undefined) delete process.env.PEERLINK_TIMEOUT;
      else process.env.PEERLINK_TIMEOUT = saved;
    });

    it('is an error naming it (exit 1), before anything runs', async () => {
      process.env.PEERLINK_TIMEOUT = 'soon';
      const err: string[] = [];
      const io: Io = { out: () => {}, err: (l) => err.push(l) };
      const code = await runBootstrap(['--topology', 't.yaml'], io, () => {
        throw new Error('the runtime was built');
      });
      expect(code).toBe(1);
      expect(err).toEqual([
        "peerlink bootstrap: PEERLINK_TIMEOUT: not a duration: 'soon' (use e.g. 3600, 90s, 30m, 1h)",
      ]);
    });
  });
});
