import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../infra/deploy/command.ts';
import { teardown } from '../../infra/teardown/command.ts';
import { type PubsubEmulator, startPubsubEmulator } from '../support/pubsub-emulator.ts';
import { captureIo, emulatorClients, fakeCheckout, REGION, type Stub, stub } from './support.ts';

let emulator: PubsubEmulator;
let clients: ReturnType<typeof emulatorClients>;
const stubs: Stub[] = [];

beforeAll(async () => {
  emulator = await startPubsubEmulator({ projectId: 'infra-teardown' });
  clients = emulatorClients(emulator.host);
}, 90_000);

afterAll(async () => {
  await clients?.closeAll();
  await emulator?.stop();
  for (const s of stubs) s.cleanup();
});

const MARK = '[managed-by=peerlink]';

/** A deployed project, plus things teardown must not touch and topology it may. */
async function deployed(project: string) {
  const s = stub(project);
  stubs.push(s);
  const checkout = fakeCheckout(s.dir);
  const io = captureIo();
  const code = await deploy(
    ['--project', project, '--region', REGION, '--topology', checkout.topology, '--skip-build'],
    io,
    { run: s.run, pubsub: clients.make, repoRoot: checkout.root },
  );
  expect(code).toBe(0);
  const ps = clients.make(project);
  // Foreign: a look-alike topic without the label, and someone else's topic.
  await ps.createTopic('peerlink-lookalike');
  await ps.createTopic('someone-elses', { labels: { 'managed-by': 'peerlink' } } as never);
  s.addResource(`iam service-accounts peerlink-handmade@${project}.iam.gserviceaccount.com`, {
    email: `peerlink-handmade@${project}.iam.gserviceaccount.com`,
    description: 'made by hand',
  });
  // Topology, and what the reactor made in it.
  s.addResource('container clusters backend-cluster@europe-west1-c', {
    name: 'backend-cluster',
    location: 'europe-west1-c',
    resourceLabels: { 'managed-by': 'peerlink' },
  });
  s.addResource('container clusters team-cluster@europe-west1-b', {
    name: 'team-cluster',
    location: 'europe-west1-b',
  });
  s.addResource('compute firewall-rules peerlink-allow-frontend', {
    name: 'peerlink-allow-frontend',
    description: `${MARK} admits the frontend`,
  });
  s.addResource('compute firewall-rules peerlink-unmarked', { name: 'peerlink-unmarked' });
  s.addResource(`compute forwarding-rules peerlink-svc-fr@${REGION}`, {
    name: 'peerlink-svc-fr',
    region: `https://www.googleapis.com/compute/v1/projects/${project}/regions/${REGION}`,
    description: MARK,
  });
  s.addResource(`compute addresses peerlink-svc-ip@${REGION}`, {
    name: 'peerlink-svc-ip',
    region: `https://www.googleapis.com/compute/v1/projects/${project}/regions/${REGION}`,
    description: MARK,
  });
  s.addResource(`compute addresses peerlink-team-ip@${REGION}`, {
    name: 'peerlink-team-ip',
    region: `https://www.googleapis.com/compute/v1/projects/${project}/regions/${REGION}`,
    description: 'made by hand',
  });
  s.addResource('compute networks vpc-a', {
    name: 'vpc-a',
    description: MARK,
    peerings: [{ name: 'peerlink-vpc-a-vpc-b' }, { name: 'manual-peering' }],
  });
  s.addResource('compute networks peerings peerlink-vpc-a-vpc-b', { name: 'peerlink-vpc-a-vpc-b' });
  s.addResource('compute networks subnets vpc-a-europe-west1@europe-west1', {
    name: 'vpc-a-europe-west1',
    network: `https://www.googleapis.com/compute/v1/projects/${project}/global/networks/vpc-a`,
    region: `https://www.googleapis.com/compute/v1/projects/${project}/regions/${REGION}`,
    description: MARK,
  });
  s.addResource('compute networks default', { name: 'default' });
  return s;
}

async function topics(project: string): Promise<string[]> {
  const [list] = await clients.make(project).getTopics();
  return list.map((t) => t.name.split('/').pop() ?? '').sort();
}

async function subscriptions(project: string): Promise<string[]> {
  const [list] = await clients.make(project).getSubscriptions();
  return list.map((t) => t.name.split('/').pop() ?? '').sort();
}

const live = (s: Stub) =>
  Object.entries(s.state().resources)
    .filter(([, v]) => v.deleted !== true)
    .map(([k]) => k)
    .sort();

function run(s: Stub, project: string, extra: string[], answer?: string) {
  const io = captureIo();
  const stdin = Readable.from(answer === undefined ? [] : [answer]);
  return teardown(['--project', project, ...extra], io, {
    run: s.run,
    pubsub: clients.make,
    stdin,
  }).then((code) => ({ code, io }));
}

describe('teardown', () => {
  it('asks first, and an answer other than yes deletes nothing', async () => {
    const project = 'teardown-no';
    const s = await deployed(project);
    const before = { resources: live(s), topics: await topics(project) };
    for (const answer of ['n\n', '\n', undefined]) {
      const { code, io } = await run(s, project, [], answer);
      expect(code).toBe(1);
      expect(io.lines.join('\n')).toMatch(/Delete these \d+\? \[y\/N\]/);
      expect(io.errors.join('\n')).toMatch(/aborted, nothing deleted/);
    }
    expect({ resources: live(s), topics: await topics(project) }).toEqual(before);
  });

  it('on yes removes exactly what deploy created, and leaves the topology and foreign look-alikes', async () => {
    const project = 'teardown-yes';
    const s = await deployed(project);
    const { code, io } = await run(s, project, [], 'y\n');
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    expect(live(s)).toEqual([
      `compute addresses peerlink-svc-ip@${REGION}`,
      `compute addresses peerlink-team-ip@${REGION}`,
      'compute firewall-rules peerlink-allow-frontend',
      'compute firewall-rules peerlink-unmarked',
      `compute forwarding-rules peerlink-svc-fr@${REGION}`,
      'compute networks default',
      'compute networks peerings peerlink-vpc-a-vpc-b',
      'compute networks subnets vpc-a-europe-west1@europe-west1',
      'compute networks vpc-a',
      'container clusters backend-cluster@europe-west1-c',
      'container clusters team-cluster@europe-west1-b',
      `iam service-accounts peerlink-handmade@${project}.iam.gserviceaccount.com`,
      `projects ${project}`,
    ]);
    expect(await topics(project)).toEqual(['peerlink-lookalike', 'someone-elses']);
    expect(await subscriptions(project)).toEqual([]);
    const bindings = s.state().policies[`projects ${project}`]?.bindings ?? [];
    expect(bindings.filter((b) => b.role.includes('peerlink'))).toEqual([]);
    expect(io.lines).toContain(
      'left alone: topic peerlink-lookalike (no managed-by=peerlink mark)',
    );
    expect(io.lines).toContain(
      `left alone: service account peerlink-handmade@${project}.iam.gserviceaccount.com (no managed-by=peerlink mark)`,
    );

    // Run again: nothing left to do.
    const again = await run(s, project, ['--yes']);
    expect(again.code).toBe(0);
    expect(again.io.lines.at(-1)).toMatch(/nothing of peerlink's found/);
  });

  it('--include-topology --yes also removes marked clusters, reactor resources and networks, without asking', async () => {
    const project = 'teardown-all';
    const s = await deployed(project);
    const { code, io } = await run(s, project, ['--include-topology', '--yes'], 'n\n');
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    expect(io.lines.join('\n')).not.toMatch(/\[y\/N\]/);
    expect(live(s)).toEqual([
      `compute addresses peerlink-team-ip@${REGION}`,
      'compute firewall-rules peerlink-unmarked',
      'compute networks default',
      'container clusters team-cluster@europe-west1-b',
      `iam service-accounts peerlink-handmade@${project}.iam.gserviceaccount.com`,
      `projects ${project}`,
    ]);
    // Dependents go first: the cluster before the network, the subnet and peering before it too.
    const deleted = io.lines.filter((l) => l.startsWith('deleted '));
    const at = (what: string) => deleted.findIndex((l) => l.startsWith(`deleted ${what}`));
    expect(at('GKE cluster backend-cluster')).toBeLessThan(at('network vpc-a'));
    expect(at('subnetwork vpc-a-europe-west1')).toBeLessThan(at('network vpc-a'));
    expect(at('peering peerlink-vpc-a-vpc-b')).toBeLessThan(at('network vpc-a'));
    // The rule before the address it uses, the address before its subnet.
    expect(at('forwarding-rule peerlink-svc-fr')).toBeLessThan(at('address peerlink-svc-ip'));
    expect(at('address peerlink-svc-ip')).toBeLessThan(at('subnetwork vpc-a-europe-west1'));
    expect(deleted.some((l) => l.includes('manual-peering'))).toBe(false);
  });

  it.each([
    [[], /--project is required/],
    [['--project', 'p', '--force'], /unknown flag/],
    [['--project', 'p', '--region', 'mars'], /not a region/],
  ])('refuses bad usage %j with exit 2', async (argv, message) => {
    const io = captureIo();
    expect(await teardown(argv, io, { run: () => Promise.reject(new Error('must not run')) })).toBe(
      2,
    );
    expect(io.errors.join('\n')).toMatch(message);
  });
});
