import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyOptionsFromEnv } from '../../functions/cli/events.ts';
import type { Io } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';
import {
  pushEnvelope,
  repoRoot,
  sharedEvent,
  sharedEventsDir,
  syntheticEventsDir,
} from '../core/events/events-fixtures.ts';

function capture(): Io & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => outLines.push(l), err: (l) => errLines.push(l) };
}

const sharedFiles = readdirSync(sharedEventsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => path.join(sharedEventsDir, f));

const tmp = mkdtempSync(path.join(tmpdir(), 'peerlink-events-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const expected: Record<string, string> = {
  'nodepool_creation_finished.json': 'reconcile',
  'cluster_creation_finished.json': 'reconcile',
  'nodepool_creation_started.json': 'defer',
  'cluster_creation_started.json': 'defer',
  'cluster_creation_started_with_error.json': 'ignore',
  'c7n-log-create-project-sink.json': 'ignore',
  'c7n-route-create.json': 'ignore',
  'c7n-lb-forwarding-rules-get.json': 'ignore',
  'firewall-insert.json': 'ignore',
  'pubsub-push-envelope.json': 'ignore',
};

describe('peerlink events classify (through main)', () => {
  it('prints one JSON trigger per file and exits 0', async () => {
    const io = capture();
    expect(await main(['events', 'classify', ...sharedFiles], io)).toBe(0);
    expect(io.errLines).toEqual([]);
    expect(io.outLines).toHaveLength(sharedFiles.length);
    const byFile = Object.fromEntries(
      io.outLines.map((line) => {
        const t = JSON.parse(line);
        return [path.basename(t.file), t];
      }),
    );
    for (const [file, action] of Object.entries(expected))
      expect(byFile[file]?.action).toBe(action);
    expect(byFile['cluster_creation_finished.json']).toMatchObject({
      project: 'khi-testing',
      scope: { location: 'us-central1-a', cluster: 'gke-basic-1' },
    });
    expect(byFile['firewall-insert.json'].scope.network).toBe('default');
    for (const t of Object.values(byFile)) expect(t.reason).not.toBe('');
  });

  it('gives the same triggers for files wrapped in the push envelope', async () => {
    const wrapped = Object.keys(expected)
      .filter((f) => f !== 'pubsub-push-envelope.json')
      .map((f) => {
        const file = path.join(tmp, `wrapped-${f}`);
        writeFileSync(file, JSON.stringify(pushEnvelope(sharedEvent(f))));
        return [f, file] as const;
      });
    const direct = capture();
    const viaEnvelope = capture();
    await main(
      ['events', 'classify', ...wrapped.map(([f]) => path.join(sharedEventsDir, f))],
      direct,
    );
    expect(
      await main(['events', 'classify', ...wrapped.map(([, file]) => file)], viaEnvelope),
    ).toBe(0);
    const strip = (line: string) => ({ ...JSON.parse(line), file: undefined });
    expect(viaEnvelope.outLines.map(strip)).toEqual(direct.outLines.map(strip));
  });

  it('names a bad file and its problem on stderr, exits 1, and still classifies the good ones', async () => {
    const bad = path.join(tmp, 'not-an-entry.json');
    writeFileSync(bad, '[1, 2, 3]');
    const missing = path.join(tmp, 'missing.json');
    const io = capture();
    const good = path.join(sharedEventsDir, 'cluster_creation_finished.json');
    expect(await main(['events', 'classify', bad, good, missing], io)).toBe(1);
    expect(io.outLines).toHaveLength(1);
    expect(JSON.parse(io.outLines[0] ?? '{}')).toMatchObject({ file: good, action: 'reconcile' });
    expect(io.errLines).toHaveLength(2);
    expect(io.errLines[0]).toContain(bad);
    expect(io.errLines[0]).toMatch(/is an array, expected a JSON object/);
    expect(io.errLines[1]).toContain(missing);
    expect(io.errLines[1]).toMatch(/ENOENT/);
  });

  it('prints usage and exits 2 without files', async () => {
    const io = capture();
    expect(await main(['events', 'classify'], io)).toBe(2);
    expect(io.errLines.join('\n')).toMatch(
      /usage: peerlink events classify \[--timeout DURATION\] FILE/,
    );
  });

  it('reads peerlink’s own service account from the environment', () => {
    expect(
      classifyOptionsFromEnv({ PEERLINK_SERVICE_ACCOUNT: ' sa@p.iam.gserviceaccount.com ' }),
    ).toEqual({
      selfPrincipal: 'sa@p.iam.gserviceaccount.com',
    });
    expect(classifyOptionsFromEnv({})).toEqual({});
  });
});

describe('node bin/peerlink.js events classify', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(
      process.execPath,
      [path.join(repoRoot, 'bin/peerlink.js'), 'events', 'classify', ...args],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, ...env },
      },
    );

  it('classifies ../shared/events/*.json from the repository root and exits 0', () => {
    const result = run(sharedFiles.map((f) => path.relative(repoRoot, f)));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(sharedFiles.length);
    const actions = Object.fromEntries(
      lines.map((l) => [path.basename(JSON.parse(l).file), JSON.parse(l).action]),
    );
    expect(actions).toEqual(expected);
  });

  it('marks peerlink’s own changes with causedBySelf from PEERLINK_SERVICE_ACCOUNT', () => {
    const file = path.join(syntheticEventsDir, 'firewall-peerlink-insert-first.json');
    const own = run([file], {
      PEERLINK_SERVICE_ACCOUNT: 'peerlink@acme-net-host.iam.gserviceaccount.com',
    });
    expect(JSON.parse(own.stdout).causedBySelf).toBe(true);
    const other = run([file], { PEERLINK_SERVICE_ACCOUNT: '' });
    expect(JSON.parse(other.stdout).causedBySelf).toBe(false);
  });

  it('exits 1 and names the file for input that is not a log entry', () => {
    const bad = path.join(tmp, 'plain.txt');
    writeFileSync(bad, 'hello');
    const result = run([bad, path.join(sharedEventsDir, 'c7n-route-create.json')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${bad}: input is not JSON`);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
  });
});
