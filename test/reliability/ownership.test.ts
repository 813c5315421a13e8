/**
 * Ownership property: resources peerlink does not own, named exactly like or close to
 * peerlink's own (same name without the marker, prefix variants, suffixes, truncations, near
 * markers and labels), are never modified or deleted by a sweep or a bootstrap, and a
 * same-named one is reported as a conflict. Runs against the simulator through the real
 * adapters; each foreign resource is compared byte for byte before and after.
 */
import { KubeConfig, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackendService,
  type ForwardingRule,
  type HealthCheck,
  keyOf,
  OWNER_MARKER,
} from '../../functions/core/model/resources.ts';
import { plan } from '../../functions/core/plan/diff.ts';
import { bootstrap } from '../../functions/engine/bootstrap.ts';
import type { ReconcileReport } from '../../functions/engine/reconcile.ts';
import { makeSweep } from '../../functions/handlers/sweep.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import { capturingLogger } from '../fixtures/bad-input/harness.ts';
import { startWorld, type World } from '../fixtures/bad-input/world.ts';
import { Actor } from '../local/actor.ts';

type ComputeKind = 'firewall' | 'healthCheck' | 'backendService' | 'forwardingRule';
const COMPUTE_KINDS: readonly ComputeKind[] = [
  'firewall',
  'healthCheck',
  'backendService',
  'forwardingRule',
];
type KubeKind = 'ConfigMap' | 'Service' | 'Deployment' | 'DaemonSet';

interface ForeignCompute {
  readonly kind: ComputeKind;
  readonly name: string;
  readonly description: string;
  readonly network: 'vpc-a' | 'vpc-b';
}

interface ForeignKube {
  readonly cluster: string;
  readonly kind: KubeKind;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

interface KubeName {
  readonly cluster: string;
  readonly kind: KubeKind;
  readonly namespace: string;
  readonly name: string;
}

const REGION = 'europe-west1';
const PATH: Record<ComputeKind, string> = {
  firewall: 'global/firewalls',
  healthCheck: `regions/${REGION}/healthChecks`,
  backendService: `regions/${REGION}/backendServices`,
  forwardingRule: `regions/${REGION}/forwardingRules`,
};
const API_VERSION: Record<KubeKind, string> = {
  ConfigMap: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  DaemonSet: 'apps/v1',
};
/** Another team's load balancer parts, which foreign backend services and rules point at. */
const ANCHOR_HC = 'team-hc';
const ANCHOR_BS = 'team-bs';

const lines: Record<string, unknown>[] = [];
let world: World;
let actor: Actor;
let sweep: ReturnType<typeof makeSweep>;
/** peerlink's own names after bootstrap, per kind. */
const own: Record<ComputeKind, string[]> = {
  firewall: [],
  healthCheck: [],
  backendService: [],
  forwardingRule: [],
};
let ownKube: KubeName[] = [];
const kubeApis = new Map<string, KubernetesObjectApi>();
let runs = 0;

const computeKey = (kind: ComputeKind, name: string) =>
  kind === 'firewall' ? `firewall/${name}` : `${kind}/${REGION}/${name}`;
const kubeKey = (k: KubeName) => `kube/${k.cluster}/${k.kind}/${k.namespace}/${k.name}`;
const url = (path: string) =>
  `https://www.googleapis.com/compute/v1/projects/${world.topology.project}/${path}`;

async function names(kind: ComputeKind): Promise<string[]> {
  const list = await actor.get(PATH[kind]);
  return ((list?.items as { name: string }[] | undefined) ?? []).map((i) => i.name).sort();
}

async function kubeApi(cluster: string): Promise<KubernetesObjectApi> {
  const cached = kubeApis.get(cluster);
  if (cached) return cached;
  const c = world.topology.clusters.find((x) => x.name === cluster);
  const got = c && (await world.cloud.container.getCluster(c.location, cluster));
  if (!got?.endpoint || !got.masterAuth?.clusterCaCertificate) throw new Error(`no ${cluster}`);
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    {
      name: cluster,
      server: `https://${got.endpoint}`,
      caData: got.masterAuth.clusterCaCertificate,
      skipTLSVerify: false,
    },
    // Another team: the simulated clusters accept any principal token.
    { name: 'team', token: 'principal:team@example.com' },
  );
  const api = KubernetesObjectApi.makeApiClient(kc);
  kubeApis.set(cluster, api);
  return api;
}

/** The body another team would send for a foreign Compute resource. */
function computeBody(r: ForeignCompute): Record<string, unknown> {
  const network = url(`global/networks/${r.network}`);
  switch (r.kind) {
    case 'firewall':
      return {
        name: r.name,
        description: r.description,
        network,
        direction: 'INGRESS',
        priority: 900,
        sourceRanges: ['192.168.0.0/16'],
        allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
      };
    case 'healthCheck':
      return {
        name: r.name,
        description: r.description,
        type: 'TCP',
        tcpHealthCheck: { port: 8080 },
      };
    case 'backendService':
      return {
        name: r.name,
        description: r.description,
        loadBalancingScheme: 'INTERNAL',
        protocol: 'TCP',
        network: url('global/networks/vpc-a'),
        healthChecks: [url(`regions/${REGION}/healthChecks/${ANCHOR_HC}`)],
      };
    case 'forwardingRule':
      return {
        name: r.name,
        description: r.description,
        loadBalancingScheme: 'INTERNAL',
        IPProtocol: 'TCP',
        ports: ['8080'],
        network: url('global/networks/vpc-a'),
        subnetwork: url(`regions/${REGION}/subnetworks/vpc-a-europe-west1`),
        backendService: url(`regions/${REGION}/backendServices/${ANCHOR_BS}`),
      };
  }
}

function kubeBody(k: ForeignKube): KubernetesObject & Record<string, unknown> {
  const metadata = {
    name: k.name,
    namespace: k.namespace,
    labels: k.labels,
    annotations: k.annotations,
  };
  const pod = {
    metadata: { labels: { app: `team-${k.name}` } },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
  };
  const head = { apiVersion: API_VERSION[k.kind], kind: k.kind, metadata };
  switch (k.kind) {
    case 'ConfigMap':
      return { ...head, data: { owner: 'team' } };
    case 'Service':
      return { ...head, spec: { ports: [{ port: 8080 }], selector: { app: `team-${k.name}` } } };
    case 'Deployment':
    case 'DaemonSet':
      return {
        ...head,
        spec: { selector: { matchLabels: { app: `team-${k.name}` } }, template: pod },
      };
  }
}

/** Each foreign Compute resource as the API returns it, and each Kubernetes object as stored. */
async function fingerprints(
  compute: readonly ForeignCompute[],
  kube: readonly ForeignKube[],
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of compute) {
    const res = await fetch(
      `${world.sim.url}/compute/v1/projects/${world.topology.project}/${PATH[r.kind]}/${r.name}`,
    );
    out[computeKey(r.kind, r.name)] = `${res.status} ${await res.text()}`;
  }
  const snapshot = (await world.sim.sim.snapshot()) as unknown as {
    parts: { kube: Record<string, unknown> };
  };
  for (const k of kube) {
    const objects = Object.entries(snapshot.parts.kube).find(([key]) =>
      key.endsWith(`/clusters/${k.cluster}`),
    )?.[1] as { kind: string; metadata: { namespace?: string; name: string } }[] | undefined;
    const stored = objects?.find(
      (o) =>
        o.kind === k.kind && o.metadata.namespace === k.namespace && o.metadata.name === k.name,
    );
    out[kubeKey(k)] = JSON.stringify(stored ?? null);
  }
  return out;
}

// --- arbitraries -------------------------------------------------------------------------

const RFC1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Names near `base`: suffixed, prefix variants, truncated. Never `base` itself. */
function nearName(base: string): fc.Arbitrary<string> {
  const rest = base.startsWith('peerlink-') ? base.slice('peerlink-'.length) : base;
  return fc
    .oneof(
      fc.stringMatching(/^[a-z0-9]{1,4}$/).map((s) => `${base}-${s}`),
      fc.constantFrom('2', 'x', '-old', '-copy', '-v2').map((s) => `${base}${s}`),
      fc
        .constantFrom('peerlink', 'peerlinks-', 'peerlink--', 'xpeerlink-', 'peer-link-', 'pl-')
        .map((p) => `${p}${rest}`),
      fc.integer({ min: 4, max: Math.max(4, base.length - 1) }).map((k) => base.slice(0, k)),
    )
    .map((n) => n.slice(0, 63).replace(/-+$/, ''))
    .filter((n) => n !== base && RFC1035.test(n));
}

const DESCRIPTIONS = [
  '',
  'hand-made by the network team',
  'peerlink: consumer ingress for backend-cluster/default/dummy-backend',
  '[managed-by=Peerlink]',
  '[MANAGED-BY=PEERLINK]',
  '[managed-by=peerlink ]',
  '[ managed-by=peerlink]',
  'managed-by=peerlink',
  '[managed-by=peerlinks]',
  '[managed-by: peerlink]',
  '(managed-by=peerlink)',
  '[managed_by=peerlink]',
  '[managed-by=peer link]',
];

const LABELS: Record<string, string>[] = [
  {},
  { 'app.kubernetes.io/managed-by': 'Peerlink' },
  { 'app.kubernetes.io/managed-by': 'PEERLINK' },
  { 'app.kubernetes.io/managed-by': 'peerlink-operator' },
  { 'app.kubernetes.io/managed-by': 'helm' },
  { 'managed-by': 'peerlink' },
  { 'app.kubernetes.io/managed_by': 'peerlink' },
  { 'example.com/managed-by': 'peerlink' },
];
const ANNOTATIONS: Record<string, string>[] = [
  {},
  { 'app.kubernetes.io/managed-by': 'peerlink' },
  { description: '[managed-by=peerlink]' },
];

function foreignCompute(): fc.Arbitrary<ForeignCompute> {
  return fc
    .constantFrom(...COMPUTE_KINDS)
    .chain((kind) =>
      fc.record({
        kind: fc.constant(kind),
        name: fc.constantFrom(...own[kind]).chain(nearName),
        description: fc.constantFrom(...DESCRIPTIONS),
        network: fc.constantFrom('vpc-a' as const, 'vpc-b' as const),
      }),
    )
    .filter((r) => !own[r.kind].includes(r.name) && r.name !== ANCHOR_HC && r.name !== ANCHOR_BS);
}

function foreignKube(): fc.Arbitrary<ForeignKube> {
  return fc
    .record({
      base: fc.constantFrom(...ownKube),
      kind: fc.constantFrom<KubeKind>('ConfigMap', 'Service', 'Deployment', 'DaemonSet'),
      name: fc.constantFrom(...ownKube.map((k) => k.name)).chain(nearName),
      labels: fc.constantFrom(...LABELS),
      annotations: fc.constantFrom(...ANNOTATIONS),
    })
    .map(({ base, kind, name, labels, annotations }) => ({
      cluster: base.cluster,
      namespace: base.namespace,
      kind,
      name,
      labels,
      annotations,
    }));
}

type Collision =
  | { readonly kind: ComputeKind; readonly name: string }
  | { readonly kube: KubeName };

interface World0 {
  readonly collisions: readonly Collision[];
  readonly compute: readonly ForeignCompute[];
  readonly kube: readonly ForeignKube[];
  readonly collisionDescriptions: readonly string[];
  readonly collisionLabels: readonly Record<string, string>[];
}

function scenario(): fc.Arbitrary<World0> {
  const collidable: Collision[] = [
    ...COMPUTE_KINDS.flatMap((kind) => own[kind].map((name) => ({ kind, name }))),
    ...ownKube.map((kube) => ({ kube })),
  ];
  return fc.record({
    collisions: fc.subarray(collidable, { maxLength: 3 }),
    compute: fc.uniqueArray(foreignCompute(), {
      maxLength: 6,
      selector: (r) => computeKey(r.kind, r.name),
    }),
    kube: fc.uniqueArray(foreignKube(), { maxLength: 4, selector: kubeKey }),
    collisionDescriptions: fc.array(fc.constantFrom(...DESCRIPTIONS), {
      minLength: 3,
      maxLength: 3,
    }),
    collisionLabels: fc.array(fc.constantFrom(...LABELS), { minLength: 3, maxLength: 3 }),
  });
}

// --- the world -----------------------------------------------------------------------------

beforeAll(async () => {
  world = await startWorld();
  actor = new Actor(world.sim.url, world.topology.project);
  sweep = makeSweep(createRuntime(world.env, capturingLogger(lines)));
  for (const kind of COMPUTE_KINDS) own[kind] = await names(kind);
  ownKube = (
    await Promise.all(
      world.topology.clusters.map(async (c) =>
        (
          await world.cloud.kube.listManaged(c.name)
        ).map((m) => ({
          cluster: c.name,
          kind: m.kind as KubeKind,
          namespace: String((m.metadata as { namespace?: string }).namespace),
          name: String((m.metadata as { name?: string }).name),
        })),
      ),
    )
  ).flat();
  // Another team's health check and backend service, which foreign resources point at.
  await actor.compute('POST', PATH.healthCheck, {
    name: ANCHOR_HC,
    type: 'TCP',
    tcpHealthCheck: { port: 8080 },
  });
  await actor.compute(
    'POST',
    PATH.backendService,
    computeBody({ kind: 'backendService', name: ANCHOR_BS, description: '', network: 'vpc-a' }),
  );
});
afterAll(async () => {
  await world?.close();
});

async function runSweep(): Promise<ReconcileReport> {
  runs += 1;
  const report = await sweep({ id: `ownership-${runs}` });
  if (!report) throw new Error(`sweep refused the topology: ${JSON.stringify(lines.at(-1))}`);
  return report;
}

async function runBootstrap() {
  runs += 1;
  const run = bootstrap(
    world.topology,
    { resources: world.cloud.resources, facts: world.cloud.facts },
    { dryRun: false, seed: `ownership-bootstrap-${runs}`, pollMs: 20, waitTimeoutMs: 30_000 },
  );
  for (;;) {
    const n = await run.next();
    if (n.done) return n.value;
  }
}

async function deleteCompute(kind: ComputeKind, name: string): Promise<void> {
  if (await actor.get(`${PATH[kind]}/${name}`))
    await actor.compute('DELETE', `${PATH[kind]}/${name}`);
}

/** Removes peerlink's resource of that name (and what refers to it) to make room for a twin. */
async function makeRoom(c: Collision): Promise<void> {
  if ('kube' in c) {
    const api = await kubeApi(c.kube.cluster);
    await api.delete({
      apiVersion: API_VERSION[c.kube.kind],
      kind: c.kube.kind,
      metadata: { name: c.kube.name, namespace: c.kube.namespace },
    });
    return;
  }
  const chain: ComputeKind[] =
    c.kind === 'healthCheck'
      ? ['forwardingRule', 'backendService', 'healthCheck']
      : c.kind === 'backendService'
        ? ['forwardingRule', 'backendService']
        : [c.kind];
  for (const kind of chain) for (const name of own[kind]) await deleteCompute(kind, name);
}

/** Ignores NotFound: the resource may be gone already (e.g. a failed run's leftovers). */
const quietly = (p: Promise<unknown>) => p.catch(() => undefined);

/**
 * Back to the bootstrapped world, best effort (it also runs after a failed run, so that
 * shrinking starts from a clean world): foreign resources removed, peerlink's restored.
 * Returns the outcome of a last sweep, 'noop' when the world is as bootstrapped.
 */
async function restore(
  compute: readonly ForeignCompute[],
  kube: readonly ForeignKube[],
): Promise<string> {
  for (const kind of ['forwardingRule', 'backendService', 'healthCheck'] as const)
    for (const name of await names(kind))
      if (name !== ANCHOR_BS && name !== ANCHOR_HC) await quietly(deleteCompute(kind, name));
  for (const r of compute.filter((x) => x.kind === 'firewall'))
    await quietly(deleteCompute(r.kind, r.name));
  for (const k of kube)
    await quietly(
      (await kubeApi(k.cluster)).delete({
        apiVersion: API_VERSION[k.kind],
        kind: k.kind,
        metadata: { name: k.name, namespace: k.namespace },
      }),
    );
  let outcome = '';
  for (let i = 0; i < 3 && outcome !== 'noop'; i++) outcome = (await runSweep()).outcome;
  return outcome;
}

describe('the plan around a foreign twin', () => {
  const hc: HealthCheck = {
    kind: 'healthCheck',
    name: 'peerlink-x-hc',
    region: REGION,
    port: 30001,
    description: `peerlink ${OWNER_MARKER}`,
  };
  const bs: BackendService = {
    kind: 'backendService',
    name: 'peerlink-x-bs',
    region: REGION,
    network: 'vpc-a',
    healthCheck: hc.name,
    backends: [],
    description: `peerlink ${OWNER_MARKER}`,
  };
  const fr: ForwardingRule = {
    kind: 'forwardingRule',
    name: 'peerlink-x-fr',
    region: REGION,
    network: 'vpc-a',
    subnetwork: 'vpc-a-europe-west1',
    backendService: bs.name,
    ports: ['30001'],
    allowGlobalAccess: false,
    address: '',
    IPAddress: '',
    description: `peerlink ${OWNER_MARKER}`,
  };

  it('holds back what would point at a foreign health check or backend service', () => {
    const foreignHc = { resource: { ...hc, description: 'theirs' }, owned: false };
    expect(plan([hc, bs, fr], [foreignHc]).actions.map((a) => [a.op, a.key])).toEqual([
      ['conflict', keyOf(hc)],
      ['conflict', keyOf(bs)],
      ['conflict', keyOf(fr)],
    ]);
    const foreignBs = { resource: { ...bs, description: 'theirs' }, owned: false };
    expect(plan([hc, bs, fr], [foreignBs]).actions.map((a) => [a.op, a.key])).toEqual([
      ['create', keyOf(hc)],
      ['conflict', keyOf(bs)],
      ['conflict', keyOf(fr)],
    ]);
  });
});

describe('resources peerlink does not own', () => {
  it('are never modified or deleted by a sweep or a bootstrap; same-named ones are conflicts', async () => {
    expect(own.firewall.length).toBeGreaterThan(0);
    expect(ownKube.length).toBeGreaterThan(0);
    for (const d of DESCRIPTIONS) expect(d.includes(OWNER_MARKER)).toBe(false);
    await fc.assert(
      fc.asyncProperty(scenario(), async (s) => {
        const twinsCompute: ForeignCompute[] = [];
        const twinsKube: ForeignKube[] = [];
        const expected: string[] = [];
        for (const [i, c] of s.collisions.entries()) {
          if ('kube' in c) {
            twinsKube.push({
              ...c.kube,
              labels: s.collisionLabels[i] ?? {},
              annotations: {},
            });
            expected.push(kubeKey(c.kube));
          } else {
            twinsCompute.push({
              kind: c.kind,
              name: c.name,
              description: s.collisionDescriptions[i] ?? '',
              network: 'vpc-a',
            });
            expected.push(computeKey(c.kind, c.name));
          }
        }
        const compute = [...twinsCompute, ...s.compute];
        const kube = [
          ...twinsKube,
          ...s.kube.filter((k) => !twinsKube.some((t) => kubeKey(t) === kubeKey(k))),
        ];
        // peerlink's own parts that would point at a foreign twin are held back as conflicts.
        const [hc, bs, fr] = [
          computeKey('healthCheck', own.healthCheck[0] ?? ''),
          computeKey('backendService', own.backendService[0] ?? ''),
          computeKey('forwardingRule', own.forwardingRule[0] ?? ''),
        ];
        const heldBack = new Set(expected);
        if (heldBack.has(hc)) heldBack.add(bs);
        if (heldBack.has(bs)) heldBack.add(fr);
        let restored = '';
        try {
          for (const c of s.collisions) await makeRoom(c);
          for (const r of compute) await actor.compute('POST', PATH[r.kind], computeBody(r));
          for (const k of kube) await (await kubeApi(k.cluster)).create(kubeBody(k));
          const before = await fingerprints(compute, kube);

          const swept = await runSweep();
          const booted = await runBootstrap();
          const after = await fingerprints(compute, kube);

          expect(after).toEqual(before);
          expect(swept.outcome).not.toBe('failed');
          expect(
            swept.actions
              .filter((a) => a.op === 'conflict')
              .map((a) => a.key)
              .sort(),
          ).toEqual([...heldBack].sort());
          const foreign = new Set(Object.keys(before));
          expect(swept.actions.filter((a) => a.op !== 'conflict' && foreign.has(a.key))).toEqual(
            [],
          );
          expect(booted.ok).toBe(true);
          const bootConflicts = new Set(
            booted.steps.flatMap((st) =>
              (st.results ?? []).filter((r) => r.outcome === 'conflict').map((r) => r.key),
            ),
          );
          for (const key of heldBack) expect(bootConflicts).toContain(key);
          // Held back means not created: nothing of peerlink's points at the foreign twin.
          for (const [kind, key] of [
            ['backendService', bs],
            ['forwardingRule', fr],
          ] as const)
            if (heldBack.has(key) && !expected.includes(key))
              expect(await actor.get(`${PATH[kind]}/${own[kind][0]}`), key).toBeNull();
        } finally {
          restored = await restore(compute, kube);
        }
        expect(restored, 'the world restored after the run').toBe('noop');
      }),
      { numRuns: 12 },
    );
  }, 240_000);
});
