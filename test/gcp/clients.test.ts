/**
 * Lazy loading, checked by outcome in a fresh process: building the adapters loads no Google or
 * Kubernetes client, and the first use of one Compute client loads that client's module only
 * (not the package index with every client), and nothing of GKE or Kubernetes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

const SCRIPT = `
import { createRequire } from 'node:module';
import { createCloud } from './functions/gcp/cloud.ts';
import { computeClients } from './functions/gcp/clients.ts';
import { createAuth } from './functions/gcp/auth.ts';
import { cloudConfig } from './functions/gcp/config.ts';
const cache = createRequire(import.meta.url).cache;
const loaded = () => Object.keys(cache).filter((k) =>
  /node_modules\\/(@google-cloud\\/(compute|container)|@kubernetes\\/client-node)\\//.test(k));
const config = cloudConfig({ PEERLINK_PROJECT: 'p', PEERLINK_ACCESS_TOKEN: 'principal:x@p',
  PEERLINK_COMPUTE_ENDPOINT: 'http://127.0.0.1:9' });
createCloud(config);
const afterCreate = loaded();
await computeClients(config.compute, createAuth(config))('firewalls');
console.log(JSON.stringify({ afterCreate, afterFirst: loaded() }));
`;

describe('client loading', () => {
  it('nothing loads until used, then only the one Compute client module', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: new URL('../..', import.meta.url).pathname,
      timeout: 60_000,
    });
    const { afterCreate, afterFirst } = JSON.parse(stdout) as {
      afterCreate: string[];
      afterFirst: string[];
    };
    expect(afterCreate).toEqual([]);
    const clients = afterFirst.filter((p) => /\/build\/src\/.*\.js$/.test(p));
    expect(clients.map((p) => p.replace(/^.*node_modules\//, ''))).toEqual([
      '@google-cloud/compute/build/src/v1/firewalls_client.js',
    ]);
    expect(afterFirst.some((p) => /container|client-node/.test(p))).toBe(false);
  });
});
