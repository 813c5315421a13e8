import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from './main.ts';

const run = promisify(execFile);

describe('parseConfig', () => {
  it.each([
    [
      [],
      {},
      {
        host: '127.0.0.1',
        port: 8787,
        operationMs: 50,
        out: '.peerlink/sim.json',
        load: undefined,
      },
    ],
    [['--port', '9000', '--operation-ms', '0'], { SIM_PORT: '1' }, { port: 9000, operationMs: 0 }],
    [
      [],
      { SIM_PORT: '9100', SIM_OUT: '/tmp/x.json', SIM_LOAD: 's.json' },
      { port: 9100, out: '/tmp/x.json', load: 's.json' },
    ],
  ])('%j %j', (argv, env, want) => {
    expect(parseConfig(argv, env)).toMatchObject(want);
  });

  it('rejects a malformed port', () => {
    expect(() => parseConfig(['--port', 'x'], {})).toThrow(/port/);
  });
});

describe('npm run sim (test/sim/main.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerlink-sim-'));
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves Compute, writes sim.json, and a created cluster answers kubectl through the written kubeconfig', async () => {
    const out = join(dir, 'sim.json');
    child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'main.ts'), '--port', '0', '--out', out, '--operation-ms', '20'],
      {
        // Its state (kubeconfigs in .peerlink/kube) goes under the cwd: a temporary one.
        cwd: dir,
        env: { ...process.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no start within 20 s: ${stdout}`)), 20_000);
      child?.stdout?.on('data', (b: Buffer) => {
        stdout += b.toString();
        if (stdout.includes('wrote ')) {
          clearTimeout(t);
          resolve();
        }
      });
      child?.once('exit', (code) => reject(new Error(`exited ${code}: ${stdout}`)));
    });
    const info = JSON.parse(readFileSync(out, 'utf8')) as {
      url: string;
      endpoints: { compute: string };
    };
    const list = (await (
      await fetch(`${info.endpoints.compute}/projects/demo/global/firewalls`)
    ).json()) as { kind: string };
    expect(list.kind).toBe('compute#firewallList');

    const post = (path: string, body: unknown) =>
      fetch(`${info.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (
        await post('/compute/v1/projects/demo/global/networks', {
          name: 'vpc',
          autoCreateSubnetworks: false,
        })
      ).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    const sub = await post('/compute/v1/projects/demo/regions/us-central1/subnetworks', {
      name: 'nodes',
      network: 'global/networks/vpc',
      ipCidrRange: '10.0.0.0/24',
    });
    expect(sub.status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    const created = await post('/v1/projects/demo/locations/us-central1-a/clusters', {
      cluster: { name: 'blue', network: 'vpc', subnetwork: 'nodes', initialNodeCount: 1 },
    });
    expect(created.status).toBe(200);

    let kubeconfig: string | undefined;
    for (let i = 0; i < 80 && !kubeconfig; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = JSON.parse(readFileSync(out, 'utf8')) as { kubeconfigs?: Record<string, string> };
      kubeconfig = Object.values(now.kubeconfigs ?? {})[0];
    }
    expect(kubeconfig).toBeDefined();
    // Its kubeconfigs go under the directory it runs in, never the checkout's .peerlink/.
    expect(String(kubeconfig).startsWith(join(dir, '.peerlink/kube'))).toBe(true);
    const { stdout: kubectl } = await run(
      'kubectl',
      ['--kubeconfig', String(kubeconfig), 'get', 'configmaps', '-A'],
      { timeout: 20_000 },
    );
    expect(kubectl).toMatch(/NAMESPACE\s+NAME/);
  });
});
