/**
 * The settings table: README lists exactly its rows, every validator rejects a bad value with a
 * ConfigError naming the setting, and the rows of deploy's flags agree with
 * infra/deploy/args.ts, which parses them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPECS } from '../../functions/cli/specs.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import {
  readSetting,
  SETTING_ROWS,
  SETTINGS,
  type Setting,
  settings,
} from '../../functions/runtime/settings.ts';
import * as args from '../../infra/deploy/args.ts';
import { DEFAULT_SCHEDULE } from '../../infra/deploy/config.ts';
import { repoRoot } from '../support/topology.ts';

const cell = (text: string) => text.replace(/[|*]/g, (c) => `\\${c}`);

/** README's row for one setting. */
function markdownRow(s: Setting<unknown>): string {
  const names = [
    s.env,
    s.flag && (s.value ? `${s.flag} ${s.value}` : s.flag),
    s.short && `-${s.short}`,
  ]
    .filter((n): n is string => Boolean(n))
    .map((n) => `\`${n}\``)
    .join(', ');
  return `| ${names} | ${cell(s.shownDefault)} | ${s.readBy.join(', ')} | ${cell(s.description)} |`;
}

/** The table rows of README's "Settings" section. */
function readmeRows(): string[] {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = /^## Settings\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .slice(1); // the header
}

describe('the settings table', () => {
  it('is what README lists, row for row', () => {
    expect(readmeRows()).toEqual(SETTING_ROWS.map(markdownRow));
  });

  it('names each variable and flag once', () => {
    const names = SETTING_ROWS.flatMap((s) => [s.env, s.flag].filter(Boolean));
    expect(new Set(names).size).toBe(names.length);
    for (const s of SETTING_ROWS) {
      expect(s.env ?? s.flag).toBeTruthy();
      if (s.env) expect(s.env).toMatch(/^PEERLINK_[A-Z_]+$/);
      if (s.flag) expect(s.flag).toMatch(/^--[a-z][a-z-]+$/);
      expect(s.readBy.length).toBeGreaterThan(0);
    }
  });

  it('holds every flag a command declares', () => {
    for (const spec of SPECS)
      for (const use of spec.flags) expect(SETTING_ROWS).toContain(use.setting);
  });

  // One bad value per row: a row added without a case here fails the next test.
  const bad: Record<keyof typeof SETTINGS, string> = {
    topology: 'topo\0logy.yaml',
    project: 'My Project',
    computeEndpoint: '127.0.0.1:8787',
    containerEndpoint: 'ftp://127.0.0.1:21',
    accessToken: 'principal: me@example.com',
    maxEventAge: 'an hour',
    serviceAccount: 'peerlink',
    local: 'maybe',
    bootstrapAudience: 'https://a.run.app, https://b .run.app',
    concurrency: '0',
    timeout: 'soon',
    json: 'yes',
    detailedExitcode: '1',
    dryRun: 'true',
    cluster: 'Front_End',
    help: 'me',
    deployProject: '-p',
    region: 'europe',
    schedule: '*/15 * *',
    skipBuild: '1',
    includeTopology: 'yes',
    yes: 'no',
    once: '1',
    verbose: '2',
  };

  it('has a bad-value case for every row', () => {
    expect(Object.keys(bad).sort()).toEqual(Object.keys(SETTINGS).sort());
  });

  it.each(Object.entries(SETTINGS))('%s rejects a bad value with a ConfigError', (key, s) => {
    const name = s.env ?? s.flag ?? key;
    const value = bad[key as keyof typeof SETTINGS];
    expect(() => s.parse(name, value)).toThrow(ConfigError);
    // Clear: it names the setting and, for valued settings, what was given.
    expect(() => s.parse(name, value)).toThrow(name);
    const word = value.trim().split(' ')[0] ?? '';
    if (!word.includes('\0')) expect(() => s.parse(name, value)).toThrow(word);
  });

  it('reads variables, falling back when unset or blank', () => {
    expect(settings({})).toEqual({
      topologyPath: 'topology.yaml',
      maxEventAgeMs: 3_600_000,
      selfPrincipal: undefined,
      local: false,
      concurrency: 4,
    });
    expect(
      settings({
        PEERLINK_TOPOLOGY: ' t.yaml ',
        PEERLINK_MAX_EVENT_AGE: '90s',
        PEERLINK_SERVICE_ACCOUNT: 'sa@p.iam.gserviceaccount.com',
        PEERLINK_LOCAL: 'true',
        PEERLINK_CONCURRENCY: '8',
      }),
    ).toEqual({
      topologyPath: 't.yaml',
      maxEventAgeMs: 90_000,
      selfPrincipal: 'sa@p.iam.gserviceaccount.com',
      local: true,
      concurrency: 8,
    });
    expect(readSetting({ PEERLINK_CONCURRENCY: '  ' }, SETTINGS.concurrency)).toBe(4);
    expect(() => settings({ PEERLINK_CONCURRENCY: '65' })).toThrow(
      "PEERLINK_CONCURRENCY: expected an integer 1-64, got '65'",
    );
  });

  it.each([
    ['my-project', true],
    ['example.com:my-project', true],
    ['My-Project', false],
    ['1project', false],
  ])('agrees with deploy on the project id %s', (value, ok) => {
    const viaArgs = () => args.project(new Map([['project', value]]));
    const viaRow = () => SETTINGS.deployProject.parse('--project', value);
    if (ok) {
      expect(viaArgs()).toBe(value);
      expect(viaRow()).toBe(value);
    } else {
      expect(viaArgs).toThrow(args.UsageError);
      expect(viaRow).toThrow(ConfigError);
    }
  });

  it.each([
    ['europe-west1', true],
    ['us-central1', true],
    ['europe', false],
    ['europe-west1-b', false],
  ])('agrees with deploy on the region %s', (value, ok) => {
    const viaArgs = () => args.region(new Map([['region', value]]), true);
    const viaRow = () => SETTINGS.region.parse('--region', value);
    if (ok) {
      expect(viaArgs()).toBe(value);
      expect(viaRow()).toBe(value);
    } else {
      expect(viaArgs).toThrow(args.UsageError);
      expect(viaRow).toThrow(ConfigError);
    }
  });

  it('agrees with deploy on the schedule and its default', () => {
    expect(SETTINGS.schedule.fallback).toBe(DEFAULT_SCHEDULE);
    expect(args.schedule(new Map(), DEFAULT_SCHEDULE)).toBe(SETTINGS.schedule.fallback);
    expect(() => args.schedule(new Map([['schedule', '* *']]), DEFAULT_SCHEDULE)).toThrow();
    expect(() => SETTINGS.schedule.parse('--schedule', '* *')).toThrow(ConfigError);
    expect(SETTINGS.schedule.parse('--schedule', ' 0 * * * * ')).toBe('0 * * * *');
  });
});
