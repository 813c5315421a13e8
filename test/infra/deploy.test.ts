import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../infra/deploy/command.ts';
import { displayArgv } from '../../infra/deploy/gcloud.ts';
import { BOOTSTRAP_ROLE, REACTOR_ROLE } from '../../infra/iam/permissions.ts';
import { sinkFilter } from '../../infra/sink-filter.ts';
import { type PubsubEmulator, startPubsubEmulator } from '../support/pubsub-emulator.ts';
import {
  captureIo,
  emulatorClients,
  fakeCheckout,
  isProbe,
  PROJECT_NUMBER,
  REGION,
  type Stub,
  stub,
} from './support.ts';

let emulator: PubsubEmulator;
let clients: ReturnType<typeof emulatorClients>;
const stubs: Stub[] = [];

beforeAll(async () => {
  emulator = await startPubsubEmulator({ projectId: 'infra-deploy' });
  clients = emulatorClients(emulator.host);
}, 90_000);

afterAll(async () => {
  await clients?.closeAll();
  await emulator?.stop();
  for (const s of stubs) s.cleanup();
});

/** A project of its own per test: the emulator keeps projects apart. */
function setUp(project: string) {
  const s = stub(project);
  stubs.push(s);
  const checkout = fakeCheckout(s.dir);
  const args = [
    '--project',
    project,
    '--region',
    REGION,
    '--topology',
    checkout.topology,
    '--skip-build',
  ];
  const run = async (extra: string[] = []) => {
    const io = captureIo();
    const code = await deploy([...args, ...extra], io, {
      run: s.run,
      pubsub: clients.make,
      repoRoot: checkout.root,
      sleep: async () => {},
    });
    return { code, io };
  };
  return { s, run, source: path.join(checkout.root, '.peerlink/deploy/source') };
}

const SPEC_LABEL = /^--update-labels=managed-by=peerlink,peerlink-spec=[0-9a-f]{16}$/;

/** The argument vectors of a deploy into an empty project, in order. */
function fullDeploy(p: string, source: string): unknown[] {
  const agent = `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;
  const sa = (n: string) => `${n}@${p}.iam.gserviceaccount.com`;
  const fnDescribe = (n: string) => [
    'gcloud',
    'functions',
    'describe',
    n,
    '--gen2',
    `--project=${p}`,
    `--region=${REGION}`,
    '--format=json',
  ];
  const fnDeploy = (n: string, entry: string, account: string, timeout: string, max: string) => [
    'gcloud',
    'functions',
    'deploy',
    n,
    '--gen2',
    `--project=${p}`,
    `--region=${REGION}`,
    '--runtime=nodejs22',
    `--source=${source}`,
    `--entry-point=${entry}`,
    '--trigger-http',
    '--no-allow-unauthenticated',
    `--service-account=${sa(account)}`,
    '--memory=512Mi',
    `--timeout=${timeout}`,
    `--max-instances=${max}`,
    `--set-env-vars=PEERLINK_PROJECT=${p},PEERLINK_TOPOLOGY=peerlink-topology.yaml,PEERLINK_SERVICE_ACCOUNT=${sa(account)}`,
    '--set-build-env-vars=GOOGLE_NODE_RUN_SCRIPTS=',
    expect.stringMatching(SPEC_LABEL),
    '--quiet',
  ];
  const role = (id: string, title: string, description: string, permissions: readonly string[]) => [
    'gcloud',
    'iam',
    'roles',
    'create',
    id,
    `--project=${p}`,
    `--title=${title}`,
    `--description=${description}`,
    `--permissions=${permissions.join(',')}`,
    '--stage=GA',
    '--quiet',
  ];
  return [
    ['gcloud', 'projects', 'describe', p, '--format=json'],
    [
      'gcloud',
      'iam',
      'service-accounts',
      'describe',
      sa('peerlink-reactor'),
      `--project=${p}`,
      '--format=json',
    ],
    [
      'gcloud',
      'iam',
      'service-accounts',
      'create',
      'peerlink-reactor',
      `--project=${p}`,
      '--display-name=peerlink reactor',
      '--description=managed-by=peerlink; runs onAuditLog and sweep',
      '--quiet',
    ],
    [
      'gcloud',
      'iam',
      'service-accounts',
      'describe',
      sa('peerlink-bootstrap'),
      `--project=${p}`,
      '--format=json',
    ],
    [
      'gcloud',
      'iam',
      'service-accounts',
      'create',
      'peerlink-bootstrap',
      `--project=${p}`,
      '--display-name=peerlink bootstrap',
      '--description=managed-by=peerlink; runs bootstrap (provisions the topology)',
      '--quiet',
    ],
    [
      'gcloud',
      'iam',
      'service-accounts',
      'describe',
      sa('peerlink-invoker'),
      `--project=${p}`,
      '--format=json',
    ],
    [
      'gcloud',
      'iam',
      'service-accounts',
      'create',
      'peerlink-invoker',
      `--project=${p}`,
      '--display-name=peerlink push invoker',
      '--description=managed-by=peerlink; signs Pub/Sub push requests to onAuditLog and sweep',
      '--quiet',
    ],
    ['gcloud', 'iam', 'roles', 'describe', 'peerlinkReactor', `--project=${p}`, '--format=json'],
    role('peerlinkReactor', 'peerlink reactor', REACTOR_ROLE.description, REACTOR_ROLE.permissions),
    ['gcloud', 'iam', 'roles', 'describe', 'peerlinkBootstrap', `--project=${p}`, '--format=json'],
    role(
      'peerlinkBootstrap',
      'peerlink bootstrap',
      BOOTSTRAP_ROLE.description,
      BOOTSTRAP_ROLE.permissions,
    ),
    ['gcloud', 'projects', 'get-iam-policy', p, '--format=json'],
    [
      'gcloud',
      'projects',
      'add-iam-policy-binding',
      p,
      `--member=serviceAccount:${sa('peerlink-reactor')}`,
      `--role=projects/${p}/roles/peerlinkReactor`,
      '--condition=None',
      '--quiet',
    ],
    ['gcloud', 'projects', 'get-iam-policy', p, '--format=json'],
    [
      'gcloud',
      'projects',
      'add-iam-policy-binding',
      p,
      `--member=serviceAccount:${sa('peerlink-bootstrap')}`,
      `--role=projects/${p}/roles/peerlinkBootstrap`,
      '--condition=None',
      '--quiet',
    ],
    fnDescribe('peerlink-on-audit-log'),
    fnDeploy('peerlink-on-audit-log', 'onAuditLog', 'peerlink-reactor', '300s', '3'),
    fnDescribe('peerlink-on-audit-log'),
    fnDescribe('peerlink-sweep'),
    fnDeploy('peerlink-sweep', 'sweep', 'peerlink-reactor', '540s', '1'),
    fnDescribe('peerlink-sweep'),
    fnDescribe('peerlink-bootstrap'),
    fnDeploy('peerlink-bootstrap', 'bootstrap', 'peerlink-bootstrap', '1800s', '1'),
    fnDescribe('peerlink-bootstrap'),
    ...['peerlink-on-audit-log', 'peerlink-sweep', 'peerlink-bootstrap'].map((n) => [
      'gcloud',
      'run',
      'services',
      'get-iam-policy',
      n,
      `--project=${p}`,
      `--region=${REGION}`,
      '--format=json',
    ]),
    ...['peerlink-on-audit-log', 'peerlink-sweep'].flatMap((n) => [
      [
        'gcloud',
        'run',
        'services',
        'get-iam-policy',
        n,
        `--project=${p}`,
        `--region=${REGION}`,
        '--format=json',
      ],
      [
        'gcloud',
        'run',
        'services',
        'add-iam-policy-binding',
        n,
        `--project=${p}`,
        `--region=${REGION}`,
        `--member=serviceAccount:${sa('peerlink-invoker')}`,
        '--role=roles/run.invoker',
        '--quiet',
      ],
    ]),
    [
      'gcloud',
      'iam',
      'service-accounts',
      'get-iam-policy',
      sa('peerlink-invoker'),
      `--project=${p}`,
      '--format=json',
    ],
    [
      'gcloud',
      'iam',
      'service-accounts',
      'add-iam-policy-binding',
      sa('peerlink-invoker'),
      `--project=${p}`,
      `--member=${agent}`,
      '--role=roles/iam.serviceAccountTokenCreator',
      '--quiet',
    ],
    [
      'gcloud',
      'pubsub',
      'topics',
      'get-iam-policy',
      'peerlink-dead-letter',
      `--project=${p}`,
      '--format=json',
    ],
    [
      'gcloud',
      'pubsub',
      'topics',
      'add-iam-policy-binding',
      'peerlink-dead-letter',
      `--project=${p}`,
      `--member=${agent}`,
      '--role=roles/pubsub.publisher',
      '--quiet',
    ],
    ...['peerlink-audit-push', 'peerlink-sweep-push'].flatMap((s) => [
      ['gcloud', 'pubsub', 'subscriptions', 'get-iam-policy', s, `--project=${p}`, '--format=json'],
      [
        'gcloud',
        'pubsub',
        'subscriptions',
        'add-iam-policy-binding',
        s,
        `--project=${p}`,
        `--member=${agent}`,
        '--role=roles/pubsub.subscriber',
        '--quiet',
      ],
    ]),
    [
      'gcloud',
      'logging',
      'sinks',
      'describe',
      'peerlink-audit-sink',
      `--project=${p}`,
      '--format=json',
    ],
    [
      'gcloud',
      'logging',
      'sinks',
      'create',
      'peerlink-audit-sink',
      `pubsub.googleapis.com/projects/${p}/topics/peerlink-audit`,
      `--project=${p}`,
      `--log-filter=${sinkFilter()}`,
      '--description=managed-by=peerlink; Admin Activity audit entries peerlink reacts to',
      '--quiet',
    ],
    [
      'gcloud',
      'logging',
      'sinks',
      'describe',
      'peerlink-audit-sink',
      `--project=${p}`,
      '--format=json',
    ],
    [
      'gcloud',
      'pubsub',
      'topics',
      'get-iam-policy',
      'peerlink-audit',
      `--project=${p}`,
      '--format=json',
    ],
    [
      'gcloud',
      'pubsub',
      'topics',
      'add-iam-policy-binding',
      'peerlink-audit',
      `--project=${p}`,
      '--member=serviceAccount:service-stub@gcp-sa-logging.iam.gserviceaccount.com',
      '--role=roles/pubsub.publisher',
      '--quiet',
    ],
    [
      'gcloud',
      'scheduler',
      'jobs',
      'describe',
      'peerlink-sweep',
      `--project=${p}`,
      `--location=${REGION}`,
      '--format=json',
    ],
    [
      'gcloud',
      'scheduler',
      'jobs',
      'create',
      'pubsub',
      'peerlink-sweep',
      `--project=${p}`,
      `--location=${REGION}`,
      '--schedule=*/15 * * * *',
      '--time-zone=Etc/UTC',
      '--topic=peerlink-sweep',
      '--message-body={"trigger":"schedule"}',
      '--description=managed-by=peerlink; wakes the sweep',
      '--quiet',
    ],
  ];
}

/** What a full deploy leaves in Pub/Sub, read back from the emulator. */
async function pubsubState(project: string) {
  const ps = clients.make(project);
  const [topics] = await ps.getTopics();
  const [subs] = await ps.getSubscriptions();
  const subscriptions = await Promise.all(subs.map(async (s) => (await s.getMetadata())[0]));
  return {
    topics: (await Promise.all(topics.map(async (t) => (await t.getMetadata())[0])))
      .map((t) => ({ name: t.name, labels: t.labels }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    subscriptions: subscriptions
      .map((s) => ({
        name: s.name,
        topic: s.topic,
        ackDeadlineSeconds: s.ackDeadlineSeconds,
        labels: s.labels,
        pushEndpoint: s.pushConfig?.pushEndpoint || undefined,
        oidc: s.pushConfig?.oidcToken?.serviceAccountEmail || undefined,
        retry: s.retryPolicy
          ? [
              Number(s.retryPolicy.minimumBackoff?.seconds),
              Number(s.retryPolicy.maximumBackoff?.seconds),
            ]
          : undefined,
        deadLetter: s.deadLetterPolicy
          ? [s.deadLetterPolicy.deadLetterTopic, s.deadLetterPolicy.maxDeliveryAttempts]
          : undefined,
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
  };
}

describe('deploy', () => {
  it('runs the exact argument vectors of a full deploy and leaves Pub/Sub configured', async () => {
    const project = 'deploy-full';
    const { s, run, source } = setUp(project);
    const { code, io } = await run();
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    expect(s.calls()).toEqual(fullDeploy(project, source));

    const label = { 'managed-by': 'peerlink' };
    const url = (n: string) => `https://${n}-stub-${REGION}.a.run.app`;
    const invoker = `peerlink-invoker@${project}.iam.gserviceaccount.com`;
    const t = (n: string) => `projects/${project}/topics/${n}`;
    expect(await pubsubState(project)).toEqual({
      topics: ['peerlink-audit', 'peerlink-dead-letter', 'peerlink-sweep'].map((n) => ({
        name: t(n),
        labels: label,
      })),
      subscriptions: [
        {
          name: `projects/${project}/subscriptions/peerlink-audit-push`,
          topic: t('peerlink-audit'),
          ackDeadlineSeconds: 360,
          labels: label,
          pushEndpoint: url('peerlink-on-audit-log'),
          oidc: invoker,
          retry: [10, 600],
          deadLetter: [t('peerlink-dead-letter'), 5],
        },
        {
          name: `projects/${project}/subscriptions/peerlink-dead-letter-hold`,
          topic: t('peerlink-dead-letter'),
          ackDeadlineSeconds: 60,
          labels: label,
          pushEndpoint: undefined,
          oidc: undefined,
          retry: undefined,
          deadLetter: undefined,
        },
        {
          name: `projects/${project}/subscriptions/peerlink-sweep-push`,
          topic: t('peerlink-sweep'),
          ackDeadlineSeconds: 600,
          labels: label,
          pushEndpoint: url('peerlink-sweep'),
          oidc: invoker,
          retry: [10, 600],
          deadLetter: [t('peerlink-dead-letter'), 5],
        },
      ],
    });
    // The ack deadline is above each event function's timeout.
    const deployed = s.calls().filter((a) => a[2] === 'deploy');
    const timeout = (name: string) =>
      Number(
        deployed
          .find((a) => a[3] === name)
          ?.find((x) => x.startsWith('--timeout='))
          ?.slice(10, -1),
      );
    expect(timeout('peerlink-on-audit-log')).toBeLessThan(360);
    expect(timeout('peerlink-sweep')).toBeLessThan(600);
  });

  it('is idempotent: a second deploy runs only probes and changes nothing', async () => {
    const { s, run } = setUp('deploy-twice');
    expect((await run()).code).toBe(0);
    const before = s.state();
    const pubsubBefore = await pubsubState('deploy-twice');
    const first = s.calls().length;
    const second = await run();
    expect(second.code).toBe(0);
    const again = s.calls().slice(first);
    expect(again.length).toBeGreaterThan(0);
    expect(again.filter((a) => !isProbe(a))).toEqual([]);
    expect(s.state()).toEqual(before);
    expect(await pubsubState('deploy-twice')).toEqual(pubsubBefore);
    expect(second.io.lines.filter((l) => /: (created|updated)$/.test(l))).toEqual([]);
  });

  it('keeps the functions private: a public invoker added by hand is removed by the next deploy', async () => {
    const project = 'deploy-private';
    const { s, run } = setUp(project);
    expect((await run()).code).toBe(0);
    const key = `run services peerlink-bootstrap@${REGION}`;
    const st = s.state();
    st.policies[key] = {
      bindings: [{ role: 'roles/run.invoker', members: ['allUsers', 'user:ops@example.com'] }],
    };
    writeFileSync(s.statePath, JSON.stringify(st));
    const before = s.calls().length;
    expect((await run()).code).toBe(0);
    expect(
      s
        .calls()
        .slice(before)
        .filter((a) => !isProbe(a)),
    ).toEqual([
      [
        'gcloud',
        'run',
        'services',
        'remove-iam-policy-binding',
        'peerlink-bootstrap',
        `--project=${project}`,
        `--region=${REGION}`,
        '--member=allUsers',
        '--role=roles/run.invoker',
        '--quiet',
      ],
    ]);
    expect(s.state().policies[key]?.bindings).toEqual([
      { role: 'roles/run.invoker', members: ['user:ops@example.com'] },
    ]);
  });

  it('retries a binding whose new service account IAM does not show yet, a bounded number of times', async () => {
    const project = 'deploy-propagation';
    const { s, run } = setUp(project);
    const notYet = `INVALID_ARGUMENT: Service account peerlink-reactor@${project}.iam.gserviceaccount.com does not exist.`;
    s.failOnce('projects add-iam-policy-binding', notYet);
    s.failOnce('projects add-iam-policy-binding', notYet);
    const { code } = await run();
    expect(code).toBe(0);
    const tries = s.calls().filter((a) => a[1] === 'projects' && a[2] === 'add-iam-policy-binding');
    expect(
      tries.filter((a) => a.includes(`--role=projects/${project}/roles/peerlinkReactor`)),
    ).toHaveLength(3);

    // A refusal that persists stops the deploy after the bounded retries.
    const other = setUp('deploy-propagation-2');
    for (let i = 0; i < 10; i++) other.s.failOnce('projects add-iam-policy-binding', notYet);
    const failed = await other.run();
    expect(failed.code).toBe(1);
    expect(
      other.s.calls().filter((a) => a[1] === 'projects' && a[2] === 'add-iam-policy-binding'),
    ).toHaveLength(5);
  });

  it('recovers after a step fails midway: the rerun completes and creates nothing twice', async () => {
    const project = 'deploy-recover';
    const { s, run, source } = setUp(project);
    s.failOnce('functions deploy peerlink-sweep');
    const failed = await run();
    expect(failed.code).toBe(1);
    expect(failed.io.errors.join('\n')).toMatch(/function peerlink-sweep .*injected failure/s);
    const firstCalls = s.calls().length;
    // Nothing after the failing step ran.
    expect(s.calls().some((a) => a.includes('peerlink-bootstrap') && a[1] === 'functions')).toBe(
      false,
    );

    const rerun = await run();
    expect(rerun.io.errors).toEqual([]);
    expect(rerun.code).toBe(0);
    const mutations = s.calls().filter((a) => !isProbe(a));
    const failing = (a: string[]) =>
      a[1] === 'functions' && a[2] === 'deploy' && a[3] === 'peerlink-sweep';
    // Every change was made once, except the one that failed, which was tried once more.
    expect(mutations.filter(failing)).toHaveLength(2);
    const others = mutations.filter((a) => !failing(a)).map((a) => JSON.stringify(a));
    expect(new Set(others).size).toBe(others.length);
    // And the rerun did what a clean deploy would have done from that point.
    const mutatingFull = fullDeploy(project, source).filter((a) => !isProbe(a as string[]));
    expect(mutations.filter((a) => !failing(a)).length + 1).toBe(mutatingFull.length);
    expect(s.calls().length).toBeGreaterThan(firstCalls);
  });

  it('--dry-run changes nothing and prints the complete ordered step list with every command', async () => {
    const project = 'deploy-dry';
    const { s, run, source } = setUp(project);
    const dry = await run(['--dry-run']);
    expect(dry.code).toBe(0);
    expect(s.calls()).toEqual([]);
    expect((await pubsubState(project)).topics).toEqual([]);

    const real = await run();
    expect(real.code).toBe(0);
    // Same steps, same order.
    const titles = (lines: string[], strip: RegExp) =>
      lines.filter((l) => /^step \d+\/\d+: /.test(l)).map((l) => l.replace(strip, ''));
    expect(titles(dry.io.lines, /$^/)).toEqual(
      titles(real.io.lines, /: (created|updated|unchanged|done)$/),
    );
    // Every command the real deploy ran was printed, in the same order, once the values only a
    // real run learns (project number, URLs, writer identity, spec hash) are filled in.
    const fill = (l: string) =>
      l
        .replaceAll('<projectNumber>', PROJECT_NUMBER)
        .replaceAll(
          '<sinkWriter>',
          'serviceAccount:service-stub@gcp-sa-logging.iam.gserviceaccount.com',
        )
        .replace(/(--update-labels=managed-by=peerlink,peerlink-spec=)[^,\s']+/g, '$1H')
        // A placeholder made the printed word need quotes; the filled-in one does not.
        .replace(/'([\w@%+=:,./-]*)'/g, '$1');
    const printed = fill(
      dry.io.lines
        .map((l) =>
          l.replace(/^ {2}(probe|if missing|if differs|after a change, probe again): +/, ''),
        )
        .join('\n'),
    );
    let at = 0;
    for (const argv of fullDeploy(project, source)) {
      const words = (argv as unknown[]).map((a) =>
        typeof a === 'string' ? a : '--update-labels=managed-by=peerlink,peerlink-spec=H',
      );
      const expected = fill(displayArgv(words));
      const found = printed.indexOf(expected, at);
      expect(found, `not printed in order: ${expected.slice(0, 120)}`).toBeGreaterThanOrEqual(at);
      at = found;
    }
  });

  it.each([
    [['--region', REGION, '--topology', 'x.yaml'], /--project is required/],
    [['--project', 'p', '--topology', 'x.yaml'], /--region is required/],
    [['--project', 'p', '--region', REGION], /--topology is required/],
    [['--project', 'p', '--region', REGION, '--topology', 'x.yaml', '--colour'], /unknown flag/],
    [
      ['--project', 'p', '--region', REGION, '--topology', 'x.yaml', '--schedule', 'hourly'],
      /five cron fields/,
    ],
  ])('refuses bad usage %j with exit 2', async (argv, message) => {
    const io = captureIo();
    expect(await deploy(argv, io, { run: () => Promise.reject(new Error('must not run')) })).toBe(
      2,
    );
    expect(io.errors.join('\n')).toMatch(message);
  });

  // Well-formed flags naming a file that cannot be read: an error (1), not a usage error (2).
  it('refuses a topology it cannot read with exit 1, running nothing', async () => {
    const io = captureIo();
    const argv = ['--project', 'p', '--region', REGION, '--topology', '/nonexistent/topology.yaml'];
    expect(await deploy(argv, io, { run: () => Promise.reject(new Error('must not run')) })).toBe(
      1,
    );
    expect(io.errors.join('\n')).toMatch(/topology/);
  });
});
