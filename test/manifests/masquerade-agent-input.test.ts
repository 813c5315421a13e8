/**
 * The agent's input handling, run as the DaemonSet runs it (`/bin/sh agent.sh --validate`, no
 * iptables): a large file or a huge line is refused or accepted in bounded time, with the limit
 * named in the log line, and bytes that are not printable ASCII are reported in the user's terms
 * and shown escaped. The time bounds are hang bounds, far above the real figures, which
 * bench/agent.ts measures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { AGENT_SCRIPT_PATH } from '../../manifests/generate.ts';

const work = mkdtempSync(join(tmpdir(), 'peerlink-agent-input-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Validated {
  readonly code: number | null;
  readonly ms: number;
  readonly log: Record<string, string>;
  readonly stderr: string;
}

/** Runs `agent.sh --validate` on a file holding `content`, killed after 20 s. */
function validate(content: string | Buffer): Validated {
  const file = join(work, 'cidrs');
  writeFileSync(file, content);
  const start = performance.now();
  const r = spawnSync('/bin/sh', [AGENT_SCRIPT_PATH, '--validate'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CIDR_FILE: file },
    timeout: 20_000,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  const ms = performance.now() - start;
  const line = `${r.stdout}\n${r.stderr}`.split('\n').find((l) => l.startsWith('{')) ?? '{}';
  return { code: r.status, ms, log: JSON.parse(line), stderr: r.stderr };
}

/** `n` distinct /32s in ascending order (10.0.0.0, 10.0.0.1, …). */
const hosts = (n: number) =>
  Array.from({ length: n }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);

const lines = (xs: readonly string[]) => `${xs.join('\n')}\n`;

describe('agent.sh --validate on large input (bounded time)', () => {
  test('100,000 valid lines are validated in under 10 s', () => {
    const r = validate(lines(hosts(100_000)));
    expect(r.code, r.stderr).toBe(0);
    expect(r.log).toMatchObject({ severity: 'INFO', rules: '100000' });
    expect(r.ms).toBeLessThan(10_000);
  });

  test('100,000 lines out of order, a third of them repeated, are deduplicated in under 10 s', () => {
    const unique = hosts(75_000);
    // Interleave the second half before the first, then repeat every third entry later on.
    const mixed = [...unique.slice(37_500), ...unique.slice(0, 37_500)];
    const repeated = mixed.filter((_, i) => i % 3 === 0).slice(0, 25_000);
    const r = validate(lines([...mixed, ...repeated]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.log).toMatchObject({ rules: '75000' });
    expect(r.ms).toBeLessThan(10_000);
  });

  test('100,000 lines whose last one is bad are refused at that line in under 10 s', () => {
    const r = validate(lines([...hosts(99_999), '10.0.0.1/16']));
    expect(r.code).toBe(1);
    expect(r.log).toMatchObject({ severity: 'ERROR', line: '100000', value: '10.0.0.1/16' });
    expect(r.log.message).toContain('host bits set (the network is 10.0.0.0/16)');
    expect(r.ms).toBeLessThan(10_000);
  });

  test('a 1 MB line is refused in under 2 s, naming the line-length limit', () => {
    const r = validate(`10.193.0.0/16\n${'1'.repeat(1_000_000)}\n`);
    expect(r.code).toBe(1);
    expect(r.log).toMatchObject({ severity: 'ERROR', line: '2' });
    expect(r.log.message).toMatch(/line 2 is 1000000 bytes long, more than the 1024 bytes/);
    expect(r.log.value).toBe(`${'1'.repeat(64)}...`);
    expect(r.ms).toBeLessThan(2_000);
  });

  test('a long comment line is refused too (the limit is per line, not per entry)', () => {
    const r = validate(`# ${'x'.repeat(2_000)}\n10.193.0.0/16\n`);
    expect(r.code).toBe(1);
    expect(r.log).toMatchObject({ line: '1' });
    expect(r.log.message).toContain('more than the 1024 bytes');
  });

  test('a line of exactly 1024 bytes is accepted', () => {
    const r = validate(`#${'x'.repeat(1023)}\n10.193.0.0/16\n`);
    expect(r.code, r.stderr).toBe(0);
  });

  test('a file over the size limit is refused in under 2 s, naming the limit', () => {
    const r = validate(lines(hosts(180_000)));
    expect(r.code).toBe(1);
    expect(r.log.severity).toBe('ERROR');
    expect(r.log.message).toMatch(/is \d+ bytes, more than the 2097152 bytes \(2 MiB\)/);
    expect(r.ms).toBeLessThan(2_000);
  });
});

describe('agent.sh --validate on bytes that are not printable ASCII', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);

  test('a byte-order mark is named as such, and its bytes are shown escaped', () => {
    const r = validate(Buffer.concat([bom, Buffer.from('10.193.0.0/16\n')]));
    expect(r.code).toBe(1);
    expect(r.log).toMatchObject({ line: '1', value: '\\xEF\\xBB\\xBF10.193.0.0/16' });
    expect(r.log.message).toContain('line 1 starts with a byte-order mark (U+FEFF)');
    expect(r.stderr).not.toContain('?');
  });

  test('a byte-order mark before a comment is still named', () => {
    const r = validate(Buffer.concat([bom, Buffer.from('# peers\n10.193.0.0/16\n')]));
    expect(r.code).toBe(1);
    expect(r.log.message).toContain('line 1 starts with a byte-order mark (U+FEFF)');
  });

  test.each([
    ['a control byte', Buffer.from('10.193.0.0/16\x01\n'), '10.193.0.0/16\\x01'],
    [
      'a non-breaking space (UTF-8)',
      Buffer.from('10.193.0.0/16\u00a0\n'),
      '10.193.0.0/16\\xC2\\xA0',
    ],
    ['an en dash (UTF-8)', Buffer.from('10.193.0.0\u2013/16\n'), '10.193.0.0\\xE2\\x80\\x93/16'],
    ['a Latin-1 byte', Buffer.from([0x31, 0x30, 0xe9, 0x0a]), '10\\xE9'],
  ])('%s is shown as \\xNN, never as ?', (_name, content, shown) => {
    const r = validate(content);
    expect(r.code).toBe(1);
    expect(r.log).toMatchObject({ line: '1', value: shown });
    expect(r.log.message).toContain('bytes that are not printable ASCII');
    expect(r.stderr).not.toContain('?');
  });

  test('a NUL byte is refused and named (cidr.ts does not accept it either)', () => {
    const r = validate(Buffer.from('10.193.0.0/16\n10.194.0.0/16\0\n'));
    expect(r.code).toBe(1);
    expect(r.log).toMatchObject({ line: '2' });
    expect(r.log.message).toContain('contains a NUL byte');
  });

  test('UTF-8 inside a comment is still fine', () => {
    const r = validate('# Peers of the Zürich VPC – see the runbook\n10.193.0.0/16\n');
    expect(r.code, r.stderr).toBe(0);
  });

  test('a backslash is shown doubled, so it cannot pass for an escape', () => {
    const r = validate('10.193.0.0/16\\xEF\n');
    expect(r.code).toBe(1);
    expect(r.log.value).toBe('10.193.0.0/16\\\\xEF');
  });
});

describe('the host-bit rule, prefix length by prefix length', () => {
  const dotted = (x: number) => [24, 16, 8, 0].map((s) => (x >>> s) & 255).join('.');
  const mask = (p: number) => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0);

  test('accepts, in one file, every prefix length with all its bits set and with only its last', () => {
    const nets = Array.from({ length: 33 }, (_, p) => [
      `${dotted(mask(p))}/${p}`,
      `${dotted(p === 0 ? 0 : 2 ** (32 - p))}/${p}`,
    ]).flat();
    const r = validate(lines(nets));
    expect(r.code, r.stderr).toBe(0);
    expect(r.log.rules).toBe(String(new Set(nets).size));
  });

  test.each(Array.from({ length: 32 }, (_, p) => p))(
    'refuses /%i with its highest or its lowest host bit set',
    (p) => {
      for (const bit of [31 - p, 0]) {
        const cidr = `${dotted((mask(p) | (2 ** bit)) >>> 0)}/${p}`;
        const r = validate(`${cidr}\n`);
        expect(r.code, cidr).toBe(1);
        expect(r.log.message, cidr).toContain('host bits set');
      }
    },
  );
});
