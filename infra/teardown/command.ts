/**
 * `peerlink teardown --project P [--region R] [--include-topology] [--yes]`: removes what deploy
 * created, found by listing, never by assuming: a resource is deleted only when its name starts
 * with `peerlink-` (custom roles: `peerlink`) AND it carries the mark (label `managed-by=peerlink`,
 * or the marker in its description where the API has no labels). Same-named resources without the
 * mark are left alone and reported.
 *
 * Without `--include-topology`, the topology (networks, subnets, peerings, clusters) and what the
 * reactor made in it (firewall rules, load balancer parts, Kubernetes objects) stay. With it,
 * clusters labelled `managed-by=peerlink`, compute resources whose description holds
 * `[managed-by=peerlink]`, and the marked networks with their marked subnets and `peerlink-`
 * peerings are deleted too.
 *
 * It lists everything first, prints it, and asks on stdin unless `--yes`.
 */
import { createInterface } from 'node:readline';
import type { PubSub } from '@google-cloud/pubsub';
import { PubSub as PubSubClient } from '@google-cloud/pubsub';
import type { Io } from '../../functions/cli/io.ts';
import { OWNER_MARKER } from '../../functions/core/model/resources.ts';
import * as args from '../deploy/args.ts';
import { DESCRIPTION_MARKER, LABEL_KEY, LABEL_VALUE, PREFIX } from '../deploy/config.ts';
import { type Argv, displayArgv, execRunner, type Runner, StepError } from '../deploy/gcloud.ts';

export interface TeardownDeps {
  readonly run: Runner;
  readonly pubsub: (project: string) => PubSub;
  /** Where the confirmation is read from. */
  readonly stdin: NodeJS.ReadableStream;
}

/** One thing to delete: how to show it and how to delete it. */
interface Doomed {
  readonly what: string;
  readonly delete: Argv | (() => Promise<void>);
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const last = (path: unknown): string => str(path).split('/').pop() ?? '';
const labelled = (labels: unknown): boolean => obj(labels)[LABEL_KEY] === LABEL_VALUE;
const described = (item: Json, marker: string): boolean => str(item.description).includes(marker);

const USAGE = 'usage: peerlink teardown --project P [--region R] [--include-topology] [--yes]';

async function list(run: Runner, argv: Argv): Promise<Json[]> {
  const r = await run(argv);
  if (r.code !== 0)
    throw new StepError(`${displayArgv(argv)} failed (exit ${r.code}):\n${r.stderr.trim()}`);
  const parsed: unknown = JSON.parse(r.stdout || '[]');
  return Array.isArray(parsed) ? parsed.map(obj) : [];
}

async function describe(run: Runner, argv: Argv): Promise<Json> {
  const r = await run(argv);
  if (r.code !== 0)
    throw new StepError(`${displayArgv(argv)} failed (exit ${r.code}):\n${r.stderr.trim()}`);
  return obj(JSON.parse(r.stdout || '{}'));
}

/** A Pub/Sub client call whose failure stops the teardown with a message, not a stack. */
async function viaPubsub<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw new StepError(`Pub/Sub ${what}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

/** What deploy created, in deletion order (dependents first). */
async function findDeployed(
  run: Runner,
  pubsub: PubSub,
  project: string,
  region: string | undefined,
  skipped: string[],
): Promise<Doomed[]> {
  const P = `--project=${project}`;
  const out: Doomed[] = [];
  const mine = (name: string, marked: boolean, kind: string): boolean => {
    if (!name.startsWith(PREFIX)) return false;
    if (!marked) skipped.push(`${kind} ${name} (no managed-by=peerlink mark)`);
    return marked;
  };

  const functions = (await list(run, ['gcloud', 'functions', 'list', P, '--format=json'])).filter(
    (f) => mine(last(f.name), labelled(f.labels), 'function'),
  );
  const regions = new Set(functions.map((f) => str(f.name).split('/')[3] ?? ''));
  if (region) regions.add(region);
  regions.delete('');
  for (const r of [...regions].sort()) {
    const jobs = await list(run, [
      'gcloud',
      'scheduler',
      'jobs',
      'list',
      P,
      `--location=${r}`,
      '--format=json',
    ]);
    for (const j of jobs.filter((j) =>
      mine(last(j.name), described(j, DESCRIPTION_MARKER), 'scheduler job'),
    )) {
      out.push({
        what: `Cloud Scheduler job ${last(j.name)} (${r})`,
        delete: [
          'gcloud',
          'scheduler',
          'jobs',
          'delete',
          last(j.name),
          P,
          `--location=${r}`,
          '--quiet',
        ],
      });
    }
  }
  if (regions.size === 0)
    skipped.push(
      'Cloud Scheduler jobs: no region known (no peerlink function found; pass --region)',
    );

  for (const s of await list(run, ['gcloud', 'logging', 'sinks', 'list', P, '--format=json'])) {
    if (mine(str(s.name), described(s, DESCRIPTION_MARKER), 'log sink')) {
      out.push({
        what: `log sink ${s.name}`,
        delete: ['gcloud', 'logging', 'sinks', 'delete', str(s.name), P, '--quiet'],
      });
    }
  }

  const [subscriptions] = await viaPubsub('list subscriptions', () => pubsub.getSubscriptions());
  for (const sub of subscriptions) {
    const [m] = await viaPubsub(`get ${sub.name}`, () => sub.getMetadata());
    if (mine(last(sub.name), labelled(m.labels), 'subscription')) {
      out.push({
        what: `Pub/Sub subscription ${last(sub.name)}`,
        delete: async () => void (await sub.delete()),
      });
    }
  }

  for (const f of functions) {
    const [, , , r, , name] = str(f.name).split('/');
    out.push({
      what: `function ${name} (${r})`,
      delete: [
        'gcloud',
        'functions',
        'delete',
        name ?? '',
        '--gen2',
        P,
        `--region=${r}`,
        '--quiet',
      ],
    });
  }

  const [topics] = await viaPubsub('list topics', () => pubsub.getTopics());
  for (const topic of topics) {
    const [m] = await viaPubsub(`get ${topic.name}`, () => topic.getMetadata());
    if (mine(last(topic.name), labelled(m.labels), 'topic')) {
      out.push({
        what: `Pub/Sub topic ${last(topic.name)}`,
        delete: async () => void (await topic.delete()),
      });
    }
  }

  // Bindings of peerlink's roles to peerlink's accounts; the roles and accounts go next.
  const rolePrefix = `projects/${project}/roles/peerlink`;
  const accountMember = new RegExp(
    `^serviceAccount:${PREFIX}[a-z0-9-]*@${project.replace(/[.:]/g, '\\$&')}\\.iam\\.gserviceaccount\\.com$`,
  );
  const policy = await describe(run, [
    'gcloud',
    'projects',
    'get-iam-policy',
    project,
    '--format=json',
  ]);
  for (const b of Array.isArray(policy.bindings) ? policy.bindings.map(obj) : []) {
    if (!str(b.role).startsWith(rolePrefix) || b.condition !== undefined) continue;
    for (const member of Array.isArray(b.members) ? b.members.map(str) : []) {
      if (!accountMember.test(member)) continue;
      out.push({
        what: `project binding ${b.role} → ${member}`,
        delete: [
          'gcloud',
          'projects',
          'remove-iam-policy-binding',
          project,
          `--member=${member}`,
          `--role=${str(b.role)}`,
          '--condition=None',
          '--quiet',
        ],
      });
    }
  }

  for (const role of await list(run, ['gcloud', 'iam', 'roles', 'list', P, '--format=json'])) {
    const id = last(role.name);
    if (!id.startsWith('peerlink') || role.deleted === true) continue;
    if (!described(role, DESCRIPTION_MARKER)) {
      skipped.push(`custom role ${id} (no managed-by=peerlink mark)`);
      continue;
    }
    out.push({
      what: `custom role ${id}`,
      delete: ['gcloud', 'iam', 'roles', 'delete', id, P, '--quiet'],
    });
  }

  for (const sa of await list(run, [
    'gcloud',
    'iam',
    'service-accounts',
    'list',
    P,
    '--format=json',
  ])) {
    const email = str(sa.email);
    if (mine(email, described(sa, DESCRIPTION_MARKER), 'service account')) {
      out.push({
        what: `service account ${email}`,
        delete: ['gcloud', 'iam', 'service-accounts', 'delete', email, P, '--quiet'],
      });
    }
  }
  return out;
}

/** The topology and what the reactor made in it: only with --include-topology. */
async function findTopology(run: Runner, project: string): Promise<Doomed[]> {
  const P = `--project=${project}`;
  const out: Doomed[] = [];
  const marked = (i: Json) => described(i, OWNER_MARKER);
  for (const c of await list(run, [
    'gcloud',
    'container',
    'clusters',
    'list',
    P,
    '--format=json',
  ])) {
    if (!labelled(c.resourceLabels)) continue;
    out.push({
      what: `GKE cluster ${c.name} (${c.location}) and its workloads`,
      delete: [
        'gcloud',
        'container',
        'clusters',
        'delete',
        str(c.name),
        P,
        `--location=${str(c.location)}`,
        '--quiet',
      ],
    });
  }
  // Load balancer parts, dependents first: forwarding rule → its reserved address, backend
  // service → health check. An address in use, or in a subnet, blocks the delete of either.
  for (const kind of ['forwarding-rules', 'addresses', 'backend-services', 'health-checks']) {
    for (const i of await list(run, ['gcloud', 'compute', kind, 'list', P, '--format=json'])) {
      if (!str(i.name).startsWith(PREFIX) || !marked(i)) continue;
      const where = i.region ? `--region=${last(i.region)}` : '--global';
      out.push({
        what: `${kind === 'addresses' ? 'address' : kind.replace(/s$/, '')} ${i.name}`,
        delete: ['gcloud', 'compute', kind, 'delete', str(i.name), P, where, '--quiet'],
      });
    }
  }
  for (const f of await list(run, [
    'gcloud',
    'compute',
    'firewall-rules',
    'list',
    P,
    '--format=json',
  ])) {
    if (!str(f.name).startsWith(PREFIX) || !marked(f)) continue;
    out.push({
      what: `firewall rule ${f.name}`,
      delete: ['gcloud', 'compute', 'firewall-rules', 'delete', str(f.name), P, '--quiet'],
    });
  }
  const networks = (
    await list(run, ['gcloud', 'compute', 'networks', 'list', P, '--format=json'])
  ).filter(marked);
  const names = new Set(networks.map((n) => str(n.name)));
  for (const n of networks) {
    for (const peering of Array.isArray(n.peerings) ? n.peerings.map(obj) : []) {
      if (!str(peering.name).startsWith(PREFIX)) continue;
      out.push({
        what: `peering ${peering.name} of network ${n.name}`,
        delete: [
          'gcloud',
          'compute',
          'networks',
          'peerings',
          'delete',
          str(peering.name),
          `--network=${str(n.name)}`,
          P,
          '--quiet',
        ],
      });
    }
  }
  if (names.size > 0) {
    for (const s of await list(run, [
      'gcloud',
      'compute',
      'networks',
      'subnets',
      'list',
      P,
      '--format=json',
    ])) {
      if (!names.has(last(s.network)) || !marked(s)) continue;
      out.push({
        what: `subnetwork ${s.name} (${last(s.region)})`,
        delete: [
          'gcloud',
          'compute',
          'networks',
          'subnets',
          'delete',
          str(s.name),
          P,
          `--region=${last(s.region)}`,
          '--quiet',
        ],
      });
    }
  }
  for (const n of networks) {
    out.push({
      what: `network ${n.name}`,
      delete: ['gcloud', 'compute', 'networks', 'delete', str(n.name), P, '--quiet'],
    });
  }
  return out;
}

async function confirm(stdin: NodeJS.ReadableStream, io: Io, question: string): Promise<boolean> {
  io.out(question);
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    for await (const line of rl) return /^\s*y(es)?\s*$/i.test(line);
    return false;
  } finally {
    rl.close();
  }
}

export async function teardown(
  argv: string[],
  io: Io,
  deps: Partial<TeardownDeps> = {},
): Promise<number> {
  let flags: Map<string, string | true>;
  let project: string;
  let region: string | undefined;
  try {
    flags = args.parseFlags(argv, ['project', 'region'], ['include-topology', 'yes']);
    project = args.project(flags);
    region = args.region(flags, false);
  } catch (e) {
    if (!(e instanceof args.UsageError)) throw e;
    io.err(`peerlink teardown: ${e.message}\n${USAGE}`);
    return 2;
  }
  const run = deps.run ?? execRunner();
  const pubsub = (deps.pubsub ?? ((p) => new PubSubClient({ projectId: p })))(project);
  const skipped: string[] = [];
  try {
    const doomed = [
      ...(flags.has('include-topology') ? await findTopology(run, project) : []),
      ...(await findDeployed(run, pubsub, project, region, skipped)),
    ];
    for (const s of skipped) io.out(`left alone: ${s}`);
    if (doomed.length === 0) {
      io.out(`peerlink teardown: nothing of peerlink's found in project ${project}`);
      return 0;
    }
    io.out(`peerlink teardown will delete from project ${project}:`);
    for (const d of doomed) io.out(`  ${d.what}`);
    if (!flags.has('include-topology'))
      io.out('(networks, clusters and workloads stay: --include-topology removes them)');
    if (
      !flags.has('yes') &&
      !(await confirm(deps.stdin ?? process.stdin, io, `Delete these ${doomed.length}? [y/N]`))
    ) {
      io.err('peerlink teardown: aborted, nothing deleted');
      return 1;
    }
    for (const d of doomed) {
      if (typeof d.delete === 'function') {
        try {
          await d.delete();
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          throw new StepError(`${d.what}: ${message}`, { cause: e });
        }
      } else {
        const r = await run(d.delete);
        if (r.code !== 0)
          throw new StepError(
            `${d.what}: ${displayArgv(d.delete)} failed (exit ${r.code}):\n${r.stderr.trim()}`,
          );
      }
      io.out(`deleted ${d.what}`);
    }
  } catch (e) {
    if (!(e instanceof StepError)) throw e;
    io.err(`peerlink teardown: ${e.message}\nRun it again to continue.`);
    return 1;
  }
  io.out('peerlink teardown: done');
  return 0;
}

export const teardownCommand = (argv: string[], io: Io): Promise<number> => teardown(argv, io);
