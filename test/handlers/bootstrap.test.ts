import type { AddressInfo } from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopologyError, TransientError } from '../../functions/core/errors.ts';
import { makeBootstrap } from '../../functions/handlers/bootstrap.ts';
import { answersBadBodies } from '../../functions/handlers/framework-errors.ts';
import { idTokenIssuer } from '../support/id-tokens.ts';
import { type TestRuntime, testRuntime } from '../support/runtime.ts';
import { exampleFacts, exampleTopology, exampleYaml } from '../support/topology.ts';

const t = exampleTopology();
const facts = exampleFacts(t);
const ready = {
  ...facts,
  clusters: Object.fromEntries(
    Object.entries(facts.clusters).map(([k, c]) => [
      k,
      { ...c, nodePools: c.nodePools.map((p) => ({ ...p, name: 'default-pool' })) },
    ]),
  ),
};

const AUDIENCE = 'https://peerlink-bootstrap-123456789.europe-west1.run.app';
const CALLER = 'deployer@peerlink-demo.iam.gserviceaccount.com';
const tokens = idTokenIssuer({ aud: AUDIENCE, email: CALLER });
const remoteOptions = {
  env: { PEERLINK_BOOTSTRAP_AUDIENCE: AUDIENCE },
  verifier: tokens.verifier,
};

const local = testRuntime({ PEERLINK_LOCAL: '1' }, ready);
const remote = testRuntime({}, ready);
// Through answersBadBodies, as functions/index.ts registers it.
const asDeployed = (rt: TestRuntime, handler: functions.HttpFunction) =>
  answersBadBodies(handler, { kind: 'http', target: 'bootstrap' }, rt.logger);
functions.http('bootstrapLocal', asDeployed(local, makeBootstrap(local)));
functions.http('bootstrapRemote', asDeployed(remote, makeBootstrap(remote, remoteOptions)));

const servers = new Map<string, { url: string; close: () => void }>();
beforeAll(async () => {
  for (const name of ['bootstrapLocal', 'bootstrapRemote']) {
    const server = getTestServer(name);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.set(name, {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    });
  }
});
afterAll(() => {
  for (const s of servers.values()) s.close();
});

let served = 0;
/** Serves `handler` under a name of its own, closed after the file's tests. */
async function serveOnce(handler: functions.HttpFunction): Promise<string> {
  const name = `bootstrapOnce${++served}`;
  functions.http(name, handler);
  const server = getTestServer(name);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.set(name, {
    url,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return url;
}

function call(name: string, init: RequestInit & { path?: string } = {}) {
  return fetch(`${servers.get(name)?.url}${init.path ?? '/'}`, { method: 'POST', ...init });
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('bootstrap over HTTP', () => {
  it('answers 405 to anything but POST', async () => {
    const res = await call('bootstrapLocal', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('requires a bearer token unless running locally', async () => {
    expect((await call('bootstrapRemote')).status).toBe(401);
    const res = await call('bootstrapRemote', {
      headers: { authorization: `Bearer ${tokens.sign()}` },
      path: '/?dryRun=1',
    });
    expect(res.status).toBe(200);
  });

  const other = idTokenIssuer({ aud: AUDIENCE, email: CALLER });
  it.each([
    ['no token', undefined, /^an Authorization: Bearer token is required/],
    ['a token that is not a JWT', 'not-a-real-token', /^the bearer token is not a Google ID token/],
    [
      'a token for another audience',
      tokens.sign({ aud: 'https://evil.example.com' }),
      /^the ID token is for another audience: this function accepts https:\/\/peerlink-bootstrap-/,
    ],
    ['an expired token', tokens.sign({ expiresIn: -3_600 }), /^the ID token has expired$/],
    ['an unsigned token', tokens.unsigned(), /^the ID token is not signed by Google$/],
    ['a token signed by another key', other.sign(), /^the ID token is not signed by Google$/],
    [
      'a token whose signature Google removed',
      `${tokens.unsigned()}SIGNATURE_REMOVED_BY_GOOGLE`,
      /^the ID token's signature was removed by Google/,
    ],
    ['a token of another issuer', tokens.sign({ iss: 'https://evil.example.com' }), /not issued/],
    ['a token without an email', tokens.sign({ email: '' }), /names no caller/],
  ])(
    'deployed, answers 401 with the reason to %s, and runs nothing',
    async (_name, token, reason) => {
      remote.lines.length = 0;
      const res = await call('bootstrapRemote', {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        path: '/?dryRun=0',
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await res.json()) as { error: string }).error).toMatch(reason);
      expect(remote.resources.writes).toBe(0);
      expect(remote.lines).toEqual([
        expect.objectContaining({
          severity: 'WARNING',
          message: expect.stringMatching(/^bootstrap refused: /),
        }),
      ]);
      if (token) expect(JSON.stringify(remote.lines)).not.toContain(token.split('.')[1]);
    },
  );

  it("deployed, logs the verified caller's email at NOTICE", async () => {
    remote.lines.length = 0;
    const res = await call('bootstrapRemote', {
      headers: { authorization: `Bearer ${tokens.sign()}` },
      path: '/?dryRun=1',
    });
    expect(lines(await res.text()).at(-1)).toMatchObject({ report: { ok: true } });
    expect(remote.lines[0]).toMatchObject({
      severity: 'NOTICE',
      message: `bootstrap started by ${CALLER} (dry run)`,
      caller: CALLER,
    });
    expect(remote.lines.at(-1)).toMatchObject({ severity: 'NOTICE', caller: CALLER });
  });

  it("deployed, takes the function's URL from the request's Host when no audience is set", async () => {
    const rt = testRuntime({}, ready);
    const url = await serveOnce(makeBootstrap(rt, { verifier: tokens.verifier }));
    const post = (aud: string) =>
      fetch(`${url}/?dryRun=1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.sign({ aud })}` },
      });
    const own = await post(`https://${new URL(url).host}`);
    expect(lines(await own.text()).at(-1)).toMatchObject({ report: { ok: true } });
    expect((await post(AUDIENCE)).status).toBe(401);
  });

  it('answers 500 naming the setting when PEERLINK_BOOTSTRAP_AUDIENCE is bad', async () => {
    const rt = testRuntime({}, ready);
    const env = { PEERLINK_BOOTSTRAP_AUDIENCE: 'https://a.run.app,' };
    const url = await serveOnce(makeBootstrap(rt, { env, verifier: tokens.verifier }));
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.sign()}` },
    });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^PEERLINK_BOOTSTRAP_AUDIENCE: expected audiences separated by commas/,
    );
    expect(rt.resources.writes).toBe(0);
  });

  it.each([
    [
      'a JSON body with an unknown key',
      { 'content-type': 'application/json' },
      '{"topologee": "x"}',
      /bad body: \(body\): Unrecognized key/,
    ],
    [
      'an unsupported content type',
      { 'content-type': 'text/plain' },
      'hello',
      /unsupported content type 'text\/plain'/,
    ],
    [
      'an invalid topology',
      { 'content-type': 'application/yaml' },
      'project: x\n',
      /invalid topology/,
    ],
  ])('answers 400 to %s', async (_name, headers, body, message) => {
    const res = await call('bootstrapLocal', { headers, body });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(message);
  });

  it.each([
    ['JSON', '{"dryRun": false}'],
    ['YAML', exampleYaml],
  ])('answers 400 to a %s body without a Content-Type, and runs nothing', async (_kind, text) => {
    const writes = local.resources.writes;
    // Bytes, so that fetch adds no Content-Type of its own (a string body is sent as text/plain).
    const res = await call('bootstrapLocal', { body: new TextEncoder().encode(text) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /the request has a body but no Content-Type: send application\/json/,
    );
    expect(local.resources.writes).toBe(writes);
  });

  const evilYaml = exampleYaml.replace('project: peerlink-demo', 'project: evil-project-123');

  it.each([
    ['a YAML topology', { 'content-type': 'application/yaml' }, evilYaml],
    [
      'a JSON body with a topology',
      { 'content-type': 'application/json' },
      JSON.stringify({ topology: evilYaml, dryRun: false }),
    ],
  ])('deployed, answers 400 to %s and provisions nothing', async (_name, headers, body) => {
    const res = await call('bootstrapRemote', {
      headers: { ...headers, authorization: `Bearer ${tokens.sign()}` },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /a topology in the body is accepted only in local mode .*: the deployed function provisions the topology it was deployed with/,
    );
    expect(remote.resources.writes).toBe(0);
  });

  it('deployed, takes options in a JSON body', async () => {
    const res = await call('bootstrapRemote', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.sign()}` },
      body: '{"dryRun": true}',
    });
    expect(lines(await res.text()).at(-1)).toMatchObject({ report: { ok: true, dryRun: true } });
    expect(remote.resources.writes).toBe(0);
  });

  it.each([
    ["the topology's project", {}, 'peerlink-demo'],
    ['PEERLINK_PROJECT', { PEERLINK_PROJECT: 'other-project-1' }, 'other-project-1'],
  ])(
    "locally, answers 400 to a topology of another project than %s's",
    async (_name, env: Record<string, string>, project) => {
      const rt = testRuntime({ PEERLINK_LOCAL: '1', ...env }, ready);
      const url = await serveOnce(makeBootstrap(rt, { env }));
      for (const body of [evilYaml, exampleYaml]) {
        if (project === 'peerlink-demo' && body === exampleYaml) continue;
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/yaml' },
          body,
        });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: string }).error).toMatch(
          new RegExp(
            `the topology's project is '[-a-z0-9]+', but this runtime works in project '${project}'`,
          ),
        );
      }
      expect(rt.resources.writes).toBe(0);
    },
  );

  it('answers 500 naming the problem when the deployed topology cannot be read', async () => {
    const rt = testRuntime({ PEERLINK_LOCAL: '1' }, ready);
    rt.topologyResult = new TopologyError([{ path: 'networks', message: 'Required' }], 'x.yaml');
    const res = await fetch(await serveOnce(makeBootstrap(rt)), { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      error: 'the deployed topology is invalid: fix it and redeploy',
      issues: [{ path: 'networks', message: 'Required' }],
    });
    expect(rt.lines).toContainEqual(expect.objectContaining({ severity: 'ERROR' }));
    expect(rt.resources.writes).toBe(0);
  });

  it('answers 503, logged at WARNING, when the cloud ports fail for a reason that may pass', async () => {
    const rt = testRuntime({ PEERLINK_LOCAL: '1' }, ready);
    rt.deps = async () => {
      throw new TransientError('429 rateLimitExceeded');
    };
    const res = await fetch(await serveOnce(makeBootstrap(rt)), { method: 'POST' });
    expect(res.status).toBe(503);
    expect(rt.lines).toContainEqual(
      expect.objectContaining({ severity: 'WARNING', failure: 'transient' }),
    );
    expect(rt.resources.writes).toBe(0);
  });

  it("answers 400 in JSON naming the syntax error for JSON that does not parse (the framework's body parser)", async () => {
    const res = await call('bootstrapLocal', {
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: expect.stringMatching(/^the body is not valid JSON \(Expected property name/),
    });
  });

  it.each([
    ['?dryRun=True', /dryRun must be 1, true or empty .* got "True"/],
    ['?dryRun=yes', /dryRun must be .* got "yes"/],
    ['?dryRun=%20', /dryRun must be .* got " "/],
    ['?dryRun=1&dryRun=0', /dryRun must be .* got \["1","0"\]/],
    ['?dryrun=1', /unknown query parameter 'dryrun': bootstrap takes only dryRun/],
    ['?dry-run', /unknown query parameter 'dry-run'/],
  ])('answers 400 to %s and runs nothing', async (query, message) => {
    const writes = local.resources.writes;
    const res = await call('bootstrapLocal', { path: `/${query}` });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    expect(local.resources.writes).toBe(writes);
  });

  it.each([
    ['?dryRun=1', true],
    ['?dryRun=true', true],
    ['?dryRun', true],
    ['?dryRun=', true],
    ['?dryRun=0', false],
    ['?dryRun=false', false],
  ])('takes %s as dryRun %s', async (query, dry) => {
    const rt = testRuntime({ PEERLINK_LOCAL: '1' }, ready);
    const res = await fetch(`${await serveOnce(makeBootstrap(rt))}/${query}`, { method: 'POST' });
    const out = lines(await res.text());
    expect(out.at(-1)).toMatchObject({ report: { ok: true, dryRun: dry } });
    expect(rt.resources.writes > 0).toBe(!dry);
  });

  it('returns the plan and changes nothing with ?dryRun=1', async () => {
    const res = await call('bootstrapLocal', { path: '/?dryRun=1' });
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const out = lines(await res.text());
    expect(out.slice(0, -1).map((l) => [l.step, l.status])).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n, 'planned']),
    );
    expect(out.at(-1)).toMatchObject({ report: { ok: true, dryRun: true } });
    expect(local.resources.writes).toBe(0);
  });

  it('provisions step by step, streaming a line per step, and a second run changes nothing', async () => {
    const first = lines(
      await (
        await call('bootstrapLocal', {
          headers: { 'content-type': 'application/yaml' },
          body: exampleYaml,
        })
      ).text(),
    );
    expect(first.slice(0, -1).map((l) => [l.name, l.status])).toEqual([
      ['networks and subnets', 'done'],
      ['peerings', 'done'],
      ['firewall rules', 'done'],
      ['clusters', 'done'],
      ['node pools', 'done'],
      ['backend workloads', 'done'],
      ['internal load balancer', 'done'],
      ['masquerade configuration', 'done'],
    ]);
    expect(first[0]).toMatchObject({ plan: { create: 4 }, elapsedMs: expect.any(Number) });
    expect(first.at(-1)).toMatchObject({ report: { ok: true, steps: expect.any(Array) } });
    const writes = local.resources.writes;
    expect(writes).toBeGreaterThan(10);
    const second = lines(await (await call('bootstrapLocal')).text());
    expect(second.slice(0, -1).every((l) => (l.plan as { create: number }).create === 0)).toBe(
      true,
    );
    expect(local.resources.writes).toBe(writes);
  });
});
