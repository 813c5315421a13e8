/**
 * Google's schemas check every body. Every reply the simulator sends during a representative run
 * is recorded (`sim.recorder`): bootstrap, the reliability scenarios and a sweep through
 * peerlink's real adapters (test/reliability/harness.ts), then a tour calling each Compute and
 * GKE route with plain fetch. Each request is matched to its RPC by the RPC's
 * `(google.api.http)` rule in the client libraries' own protos, and every 2xx JSON body is checked
 * against the RPC's response message (conformance/proto-schema.ts); error bodies against
 * `{error: {code, message}}`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootstrapUntilOk,
  control,
  runScenario,
  startWorld,
  sweepPlan,
  type World,
} from '../reliability/harness.ts';
import { SCENARIOS } from '../reliability/scenarios.ts';
import {
  type Api,
  errorBodyProblems,
  findBinding,
  loadApi,
  stringEnumOf,
  validate,
} from './conformance/proto-schema.ts';
import { resourceInUse } from './core/errors.ts';
import type { RecordedReply } from './core/http.ts';
import type { Route } from './core/router.ts';

const compute = loadApi('@google-cloud/compute', 'google.cloud.compute.v1', {
  stringEnums: true,
  base64Fingerprints: true,
});
const container = loadApi('@google-cloud/container', 'google.container.v1', {
  stringEnums: false,
  base64Fingerprints: false,
});

/** The sim mounts Compute at /compute/v1 and GKE at /v1, as Google does and as the http rules say. */
function apiOf(path: string): Api | undefined {
  if (path.startsWith('/compute/v1/')) return compute;
  if (path.startsWith('/v1/')) return container;
  return undefined;
}

/** GKE's catch-all for methods it does not have: no RPC by design. */
const CATCH_ALL = 'container.methodNotFound';

/** Registered routes the tour cannot make answer 2xx, and why. */
const UNCHECKABLE: Record<string, string> = {
  'GET /compute/v1/projects/{project}/zones/{zone}/autoscalers/{autoscaler}':
    'the simulator keeps no autoscalers (GKE uses the cluster autoscaler)',
};

let w: World;
const replies: RecordedReply[] = [];
/** Tour calls that did not answer 2xx (the tour's own bug or the simulator's). */
const tourFailures: string[] = [];

function apiRoutes(): Route[] {
  return w.running.sim.router
    .routes()
    .filter((r) => r.kind !== 'control' && apiOf(r.pattern) && r.name !== CATCH_ALL);
}

beforeAll(async () => {
  w = await startWorld(10);
  w.running.sim.recorder = (e) => replies.push(e);
  const runs = await bootstrapUntilOk(w, 'conformance');
  if (!runs.at(-1)?.ok) throw new Error(`bootstrap failed: ${JSON.stringify(runs)}`);
  const base = await control.save(w);
  for (const s of SCENARIOS) await runScenario(w, base, s.change);
  await sweepPlan(w);
  await tour(w);
}, 240_000);
afterAll(async () => {
  await w?.close();
});

describe('the checker', () => {
  const network = compute.root.lookupType('google.cloud.compute.v1.Network');
  const operation = container.root.lookupType('google.container.v1.Operation');

  it('passes a body that follows the protos', () => {
    expect(
      validate(compute, network, {
        kind: 'compute#network',
        id: '123',
        name: 'n',
        mtu: 1460,
        autoCreateSubnetworks: false,
        peerings: [{ name: 'p', state: 'ACTIVE', stackType: 'IPV4_ONLY' }],
        routingConfig: { routingMode: 'REGIONAL' },
      }),
    ).toEqual([]);
    expect(
      validate(container, operation, {
        name: 'operation-1',
        operationType: 'CREATE_CLUSTER',
        status: 'DONE',
        error: { code: 3, message: 'x', details: [] },
      }),
    ).toEqual([]);
  });

  it('fails unknown fields, wrong types, bad enum values, numbers for uint64, bad bytes and nulls', () => {
    expect(
      validate(compute, network, {
        id: 123,
        name: 7,
        mtu: '1460',
        autoCreateSubnetworks: null,
        peerings: [{ name: 'p', foo: 1, state: 'UP' }, { state: 'UNDEFINED_STATE' }],
        subnetworks: 'x',
      }),
    ).toEqual([
      'Network.id: 123 is not a uint64 decimal string (uint64)',
      'Network.name: 7 is not a string (string)',
      'Network.mtu: "1460" is not an int32 number (int32)',
      'Network.autoCreateSubnetworks: null (Google leaves an unset field out)',
      'Network.peerings[0].foo: unknown field of NetworkPeering',
      'Network.peerings[0].state: "UP" is not a NetworkPeering.State value (ACTIVE, INACTIVE)',
      'Network.peerings[1].state: "UNDEFINED_STATE" is not a NetworkPeering.State value (ACTIVE, INACTIVE)',
      'Network.subnetworks: "x" is not an array (repeated string)',
    ]);
    const subnet = compute.root.lookupType('google.cloud.compute.v1.Subnetwork');
    expect(validate(compute, subnet, { fingerprint: 'not base64!' })).toEqual([
      'Subnetwork.fingerprint: "not base64!" is not a base64 string (string, bytes format)',
    ]);
    expect(validate(container, operation, { status: 3, operationType: 'MAKE_TEA' })).toEqual([
      'Operation.status: 3 is not a Operation.Status value (STATUS_UNSPECIFIED, PENDING, RUNNING, DONE, ABORTING)',
      'Operation.operationType: "MAKE_TEA" is not a Operation.Type value (TYPE_UNSPECIFIED, CREATE_CLUSTER, DELETE_CLUSTER, UPGRADE_MASTER, UPGRADE_NODES, REPAIR_CLUSTER, UPDATE_CLUSTER, CREATE_NODE_POOL, ...)',
    ]);
  });

  it("finds the enum compute.proto's comment names for each of Compute's enum-like string fields", () => {
    // `// Check the <Enum> enum for the list of possible values.` above `optional string <field>`.
    const file = createRequire(import.meta.url).resolve(
      '@google-cloud/compute/build/protos/google/cloud/compute/v1/compute.proto',
    );
    const lines = readFileSync(file, 'utf8').split('\n');
    const scopes: string[] = [];
    const wrong: string[] = [];
    let named: string | undefined;
    let count = 0;
    for (const line of lines) {
      const open = /^\s*(message|enum|oneof) (\w+) \{/.exec(line);
      if (open) scopes.push(open[1] === 'message' ? (open[2] ?? '') : '');
      else if (/^\s*\}/.test(line)) scopes.pop();
      const comment = /Check the (\w+) enum for the list of possible values/.exec(line);
      if (comment) named = comment[1];
      const field = /^\s*(?:optional |repeated )?string (\w+) = \d+;/.exec(line);
      if (!field || !named) continue;
      const type = compute.root.lookupType(
        `google.cloud.compute.v1.${scopes.filter((x) => x).join('.')}`,
      );
      const name = (field[1] ?? '').replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      const f = type.fields[name];
      const found = f && stringEnumOf(type, f)?.name;
      if (found !== named) wrong.push(`${type.name}.${name}: ${named}, found ${found}`);
      named = undefined;
      count++;
    }
    expect(wrong).toEqual([]);
    expect(count).toBeGreaterThan(500);
  });

  it('matches requests to RPCs by their http rules', () => {
    const rpc = (api: Api, method: string, path: string) => findBinding(api, method, path)?.rpc;
    expect(rpc(compute, 'GET', '/compute/v1/projects/p/global/networks/n')).toBe('Networks.Get');
    expect(rpc(compute, 'POST', '/compute/v1/projects/p/regions/r/operations/o/wait')).toBe(
      'RegionOperations.Wait',
    );
    const pool = '/v1/projects/p/locations/l/clusters/c/nodePools/np';
    expect(rpc(container, 'GET', pool)).toBe('ClusterManager.GetNodePool');
    expect(rpc(container, 'POST', `${pool}:setSize`)).toBe('ClusterManager.SetNodePoolSize');
    expect(rpc(container, 'POST', '/v1/projects/p/zones/z/clusters/c/resourceLabels')).toBe(
      'ClusterManager.SetLabels',
    );
    expect(rpc(container, 'POST', `${pool}/update`)).toBeUndefined();
  });
});

describe("the simulator's bodies, against Google's protos", () => {
  it("serves only Compute and GKE routes that are Google's http rules", () => {
    const sample = (pattern: string) => pattern.replace(/\{([^}=]+)\}/g, '$1-x');
    const strays = apiRoutes()
      .filter((r) => {
        const api = apiOf(r.pattern);
        return api && !findBinding(api, r.method, sample(r.pattern));
      })
      .map((r) => `${r.method} ${r.pattern}`);
    expect(strays).toEqual([]);
  });

  it('answers every Compute and GKE call with a body that follows its RPC', () => {
    const problems = new Set<string>();
    let checked = 0;
    for (const r of replies) {
      const api = apiOf(r.path);
      if (!api || r.route === CATCH_ALL) continue;
      const at = `${r.method} ${r.path} -> ${r.status}`;
      let body: unknown;
      try {
        body = JSON.parse(r.payload);
      } catch {
        problems.add(`${at}: not JSON (${r.contentType})`);
        continue;
      }
      if (r.status < 200 || r.status > 299) {
        for (const p of errorBodyProblems(body, 'error')) problems.add(`${at}: ${p}`);
        continue;
      }
      const b = findBinding(api, r.method, r.path);
      if (!b) {
        problems.add(`${at}: no Google RPC has this http rule`);
        continue;
      }
      checked++;
      for (const p of validate(api, b.response, body)) problems.add(`${b.rpc}: ${p}`);
    }
    expect(checked).toBeGreaterThan(300);
    expect([...problems]).toEqual([]);
  });

  it('has checked a 2xx body of every registered Compute and GKE route', () => {
    const seen = new Set<string>();
    for (const r of replies) {
      if (r.status < 200 || r.status > 299 || !apiOf(r.path)) continue;
      const m = w.running.sim.router.match(r.method, r.path);
      if ('route' in m) seen.add(`${m.route.method} ${m.route.pattern}`);
    }
    const all = apiRoutes().map((r) => `${r.method} ${r.pattern}`);
    const unchecked = all.filter((k) => !seen.has(k));
    const share = `${all.length - unchecked.length}/${all.length}`;
    process.stdout.write(`[conformance] 2xx bodies checked for ${share} routes\n`);
    expect(tourFailures).toEqual([]);
    expect(unchecked).toEqual(Object.keys(UNCHECKABLE));
  });
});

/**
 * One call to every Compute and GKE route, on what the run left behind plus throwaway resources
 * (`conf-*`). Lists and gets first, then each mutation, waited for.
 */
async function tour(world: World): Promise<void> {
  const P = world.t.project;
  const R = world.t.region;
  // The provider cluster: its nodes back the service's load balancer.
  const cluster = world.t.clusters.find((c) => c.name === world.t.services[0]?.cluster);
  if (!cluster) throw new Error('the example topology has a service on a cluster');
  const Z = cluster.location;
  const cp = `/compute/v1/projects/${P}`;
  const link = (path: string) => `https://www.googleapis.com/compute/v1/projects/${P}/${path}`;

  async function call(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await fetch(`${world.running.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Json;
    if (!res.ok) tourFailures.push(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
  const get = (path: string) => call('GET', `${cp}/${path}`);
  const first = async (path: string): Promise<Json> => {
    const items = (await get(path)).items;
    return (Array.isArray(items) ? items[0] : undefined) ?? {};
  };
  /** A Compute mutation, waited for with the operation's own `wait`. */
  async function op(method: string, path: string, body?: unknown): Promise<Json> {
    const o = await call(method, `${cp}/${path}`, body);
    const scope =
      typeof o.zone === 'string'
        ? `zones/${o.zone.split('/').pop()}`
        : typeof o.region === 'string'
          ? `regions/${o.region.split('/').pop()}`
          : 'global';
    let done = o;
    for (let i = 0; i < 50 && done.status !== 'DONE' && typeof o.name === 'string'; i++) {
      done = await call('POST', `${cp}/${scope}/operations/${o.name}/wait`);
    }
    if (done.error) tourFailures.push(`${method} ${path}: ${JSON.stringify(done.error)}`);
    return done;
  }

  // Compute lists, aggregated lists and gets of what the run made.
  for (const c of ['networks', 'firewalls', 'routes', 'operations']) await get(`global/${c}`);
  for (const c of [
    'subnetworks',
    'healthChecks',
    'backendServices',
    'addresses',
    'forwardingRules',
  ]) {
    await get(`regions/${R}/${c}`);
  }
  await get(`regions/${R}/operations`);
  for (const c of ['instances', 'instanceGroups', 'instanceGroupManagers', 'autoscalers']) {
    await get(`zones/${Z}/${c}`);
  }
  for (const c of [
    'subnetworks',
    'addresses',
    'forwardingRules',
    'backendServices',
    'healthChecks',
    'instances',
    'instanceGroups',
    'instanceGroupManagers',
    'autoscalers',
    'operations',
  ]) {
    await get(`aggregated/${c}`);
  }
  const named = async (path: string) => {
    const item = await first(path);
    return typeof item.name === 'string' ? item.name : 'missing';
  };
  for (const c of ['networks', 'firewalls', 'routes']) {
    await get(`global/${c}/${await named(`global/${c}`)}`);
  }
  for (const c of [
    'subnetworks',
    'healthChecks',
    'backendServices',
    'addresses',
    'forwardingRules',
  ]) {
    await get(`regions/${R}/${c}/${await named(`regions/${R}/${c}`)}`);
  }
  for (const c of ['instances', 'instanceGroups', 'instanceGroupManagers']) {
    await get(`zones/${Z}/${c}/${await named(`zones/${Z}/${c}`)}`);
  }
  const igm = await named(`zones/${Z}/instanceGroupManagers`);
  await call('POST', `${cp}/zones/${Z}/instanceGroupManagers/${igm}/listManagedInstances`);
  const bs = await first(`regions/${R}/backendServices`);
  const group = (bs.backends as Json[] | undefined)?.[0]?.group;
  await call('POST', `${cp}/regions/${R}/backendServices/${String(bs.name)}/getHealth`, { group });

  // Operations: get and delete one of each scope. The simulator has no zonal mutation, so a
  // zonal operation is started directly, as an instance group resize would be.
  const globalOp = await named('global/operations');
  await get(`global/operations/${globalOp}`);
  await call('DELETE', `${cp}/global/operations/${globalOp}`);
  const regionOp = await named(`regions/${R}/operations`);
  await get(`regions/${R}/operations/${regionOp}`);
  await call('POST', `${cp}/regions/${R}/operations/${regionOp}/wait`);
  await call('DELETE', `${cp}/regions/${R}/operations/${regionOp}`);
  const zonal = world.running.sim.ops.start({
    project: P,
    scope: { kind: 'zone', zone: Z },
    operationType: 'compute.instanceGroupManagers.resize',
    targetLink: link(`zones/${Z}/instanceGroupManagers/${igm}`),
    user: 'user@example.com',
  });
  await get(`zones/${Z}/operations`);
  await get(`zones/${Z}/operations/${zonal.name}`);
  await call('POST', `${cp}/zones/${Z}/operations/${zonal.name}/wait`);
  await call('DELETE', `${cp}/zones/${Z}/operations/${zonal.name}`);
  // An operation whose effect fails, so that Operation.error is checked too.
  const failing = world.running.sim.ops.start({
    project: P,
    scope: { kind: 'global' },
    operationType: 'delete',
    targetLink: link('global/networks/conf-in-use'),
    user: 'user@example.com',
    apply: () => {
      throw resourceInUse(`projects/${P}/global/networks/conf-in-use`, 'conf-firewall', 'network');
    },
  });
  const failed = await call('POST', `${cp}/global/operations/${failing.name}/wait`);
  if (!failed.error) tourFailures.push(`operation ${failing.name}: no error`);

  // Compute mutations on throwaway resources.
  const net = 'conf-net';
  await op('POST', 'global/networks', { name: net, autoCreateSubnetworks: false });
  await op('POST', 'global/networks', { name: `${net}-2`, autoCreateSubnetworks: false });
  await op('PATCH', `global/networks/${net}`, { routingConfig: { routingMode: 'GLOBAL' } });
  await op('POST', `global/networks/${net}/addPeering`, {
    networkPeering: { name: 'conf-peering', network: link(`global/networks/${net}-2`) },
  });
  await op('PATCH', `global/networks/${net}/updatePeering`, {
    networkPeering: { name: 'conf-peering', importCustomRoutes: true },
  });
  await get(
    `global/networks/${net}/listPeeringRoutes?peeringName=conf-peering&direction=INCOMING&region=${R}`,
  );
  await op('POST', `global/networks/${net}/removePeering`, { name: 'conf-peering' });
  // A peering with routes to exchange: the topology's.
  const peered = ((await get(`global/networks/${cluster.network}`)).peerings as Json[])?.[0];
  await get(
    `global/networks/${cluster.network}/listPeeringRoutes?peeringName=${String(peered?.name)}&direction=INCOMING&region=${R}`,
  );
  const subnet = `regions/${R}/subnetworks/conf-subnet`;
  await op('POST', `regions/${R}/subnetworks`, {
    name: 'conf-subnet',
    network: link(`global/networks/${net}`),
    ipCidrRange: '10.250.0.0/24',
  });
  await op('PATCH', subnet, {
    description: 'conformance',
    fingerprint: (await get(subnet)).fingerprint,
  });
  await op('POST', `${subnet}/expandIpCidrRange`, { ipCidrRange: '10.250.0.0/23' });
  await op('POST', `${subnet}/setPrivateIpGoogleAccess`, { privateIpGoogleAccess: true });
  const firewall = {
    name: 'conf-fw',
    network: link(`global/networks/${net}`),
    sourceRanges: ['10.0.0.0/8'],
    allowed: [{ IPProtocol: 'tcp', ports: ['80'] }],
  };
  await op('POST', 'global/firewalls', firewall);
  await op('PUT', 'global/firewalls/conf-fw', { ...firewall, description: 'conformance' });
  await op('DELETE', 'global/firewalls/conf-fw');
  await op('POST', 'global/routes', {
    name: 'conf-route',
    network: link(`global/networks/${net}`),
    destRange: '192.0.2.0/24',
    nextHopGateway: 'global/gateways/default-internet-gateway',
  });
  await get('global/routes/conf-route');
  await op('DELETE', 'global/routes/conf-route');
  const hc = { name: 'conf-hc', type: 'TCP', tcpHealthCheck: { port: 8080 } };
  await op('POST', `regions/${R}/healthChecks`, hc);
  await op('PATCH', `regions/${R}/healthChecks/conf-hc`, { checkIntervalSec: 10 });
  await op('PUT', `regions/${R}/healthChecks/conf-hc`, { ...hc, description: 'conformance' });
  const backendService = {
    name: 'conf-bs',
    loadBalancingScheme: 'INTERNAL',
    network: link(`global/networks/${net}`),
    healthChecks: [link(`regions/${R}/healthChecks/conf-hc`)],
  };
  const bsPath = `regions/${R}/backendServices/conf-bs`;
  await op('POST', `regions/${R}/backendServices`, backendService);
  await op('PATCH', bsPath, {
    description: 'conformance',
    fingerprint: (await get(bsPath)).fingerprint,
  });
  await op('PUT', bsPath, { ...backendService, fingerprint: (await get(bsPath)).fingerprint });
  const ipPath = `regions/${R}/addresses/conf-ip`;
  await op('POST', `regions/${R}/addresses`, {
    name: 'conf-ip',
    addressType: 'INTERNAL',
    subnetwork: link(subnet),
  });
  const frPath = `regions/${R}/forwardingRules/conf-fr`;
  await op('POST', `regions/${R}/forwardingRules`, {
    name: 'conf-fr',
    loadBalancingScheme: 'INTERNAL',
    backendService: link(bsPath),
    network: link(`global/networks/${net}`),
    subnetwork: link(subnet),
    ports: ['80'],
    IPAddress: link(ipPath),
  });
  await get(ipPath);
  await op('PATCH', frPath, { allowGlobalAccess: true });
  await op('DELETE', frPath);
  await op('DELETE', ipPath);
  await op('DELETE', bsPath);
  await op('DELETE', `regions/${R}/healthChecks/conf-hc`);
  await op('DELETE', subnet);
  await op('DELETE', `global/networks/${net}-2`);
  await op('DELETE', `global/networks/${net}`);

  // GKE, in both the locations/ and the zones/ form.
  const gkeDone = async (o: Json, base: string, failing = false) => {
    let done = o;
    for (let i = 0; i < 200 && done.status !== 'DONE' && typeof o.name === 'string'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      done = await call('GET', `${base}/operations/${o.name}`);
    }
    if (Boolean(done.error) !== failing) {
      tourFailures.push(`${String(o.operationType)}: error ${JSON.stringify(done.error)}`);
    }
    return done;
  };
  for (const scope of ['locations', 'zones'] as const) {
    const base = `/v1/projects/${P}/${scope}/${Z}`;
    const gke = async (method: string, path: string, body?: unknown) =>
      gkeDone(await call(method, `${base}/${path}`, body), base);
    await call('GET', `${base}/clusters`);
    await call('GET', `${base}/clusters/${cluster.name}`);
    await call('GET', `${base}/clusters/${cluster.name}/nodePools`);
    await call('GET', `${base}/clusters/${cluster.name}/nodePools/default-pool`);
    await call('GET', `${base}/${scope === 'locations' ? 'serverConfig' : 'serverconfig'}`);
    const ops = (await call('GET', `${base}/operations`)).operations as Json[] | undefined;
    await call('GET', `${base}/operations/${String(ops?.[0]?.name)}`);

    const name = `conf-${scope}`;
    const c = `clusters/${name}`;
    await gke('POST', 'clusters', {
      cluster: {
        name,
        network: cluster.network,
        subnetwork: cluster.subnet,
        ipAllocationPolicy: { useIpAliases: false },
        nodePools: [{ name: 'default-pool', initialNodeCount: 1 }],
      },
    });
    const labelFingerprint = (await call('GET', `${base}/${c}`)).labelFingerprint;
    await gke('POST', scope === 'locations' ? `${c}:setResourceLabels` : `${c}/resourceLabels`, {
      resourceLabels: { conformance: 'yes' },
      labelFingerprint,
    });
    await gke('PUT', c, {
      update: { desiredNodePoolAutoscaling: { enabled: true, minNodeCount: 1, maxNodeCount: 2 } },
    });
    await gke('POST', `${c}/nodePools`, { nodePool: { name: 'extra', initialNodeCount: 1 } });
    const pool = `${c}/nodePools/extra`;
    await gke(
      scope === 'locations' ? 'PUT' : 'POST',
      scope === 'locations' ? pool : `${pool}/update`,
      {
        nodeVersion: '-',
        imageType: 'COS_CONTAINERD',
      },
    );
    await gke('POST', scope === 'locations' ? `${pool}:setSize` : `${pool}/setSize`, {
      nodeCount: 2,
    });
    await gke('POST', scope === 'locations' ? `${pool}:setAutoscaling` : `${pool}/autoscaling`, {
      autoscaling: { enabled: true, minNodeCount: 1, maxNodeCount: 3 },
    });
    await gke('DELETE', pool);
    await gke('DELETE', c);
  }
  // Last: deleting a cluster whose nodes back the load balancer fails, and the cluster is ERROR.
  const base = `/v1/projects/${P}/locations/${Z}`;
  const deleting = await call('DELETE', `${base}/clusters/${cluster.name}`);
  await gkeDone(deleting, base, true);
  const broken = await call('GET', `${base}/clusters/${cluster.name}`);
  if (broken.status !== 'ERROR') tourFailures.push(`cluster ${cluster.name}: ${broken.status}`);
}

type Json = Record<string, unknown>;
