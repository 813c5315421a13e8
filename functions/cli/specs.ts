/**
 * Every `peerlink` command as data: `peerlink help` and `--help` print from here without
 * loading a command's module, so asking for help never loads the cloud clients.
 */
import { SETTINGS } from '../runtime/settings.ts';
import type { CommandSpec, FlagUse } from './flags.ts';

const topologyFromEnv = {
  setting: SETTINGS.topology,
  description: 'The topology file.',
  shownDefault: '$PEERLINK_TOPOLOGY, else topology.yaml in the current directory',
};
const topologyRequired = {
  setting: SETTINGS.topology,
  description: 'The topology file.',
  required: true,
};

/** The command's total deadline; `shown` is also its default (runCommand parses it). */
const timeout = (shown: string): FlagUse => ({ setting: SETTINGS.timeout, shownDefault: shown });
const TIMEOUT = timeout('10m');

const ENDPOINTS =
  "The cloud is whatever the environment names: Google's APIs with Application Default Credentials by default, or e.g. the simulator with PEERLINK_COMPUTE_ENDPOINT and PEERLINK_CONTAINER_ENDPOINT (README.md, Settings).";

export const PLAN: CommandSpec = {
  name: 'plan',
  summary: 'show what a reconcile of the whole topology would change; writes nothing',
  flags: [
    topologyFromEnv,
    { setting: SETTINGS.json, description: 'The plan as JSON: each action with its changes.' },
    { setting: SETTINGS.detailedExitcode },
    TIMEOUT,
  ],
  notes: [
    'Each action is + create, ~ update (each changed field as before → after), - delete or ! conflict (a same-named resource peerlink does not own, or a write the cloud would refuse: never written), with its reason; then what waits (pending), the masquerade CIDRs per consumer cluster, and a summary.',
    ENDPOINTS,
  ],
  exitCodes:
    '3 with --detailed-exitcode when changes are pending (terraform uses 2 for that; peerlink keeps 2 for usage errors)',
  examples: [
    'peerlink plan --topology infra/topology.example.yaml',
    'peerlink plan --detailed-exitcode; echo $?   # 0: nothing to do, 3: changes pending',
  ],
};

export const APPLY: CommandSpec = {
  name: 'apply',
  summary: 'reconcile the whole topology once: observe, plan, apply',
  flags: [
    topologyFromEnv,
    { setting: SETTINGS.json, description: 'The reconcile report as JSON.' },
    TIMEOUT,
  ],
  notes: [ENDPOINTS],
  examples: ['peerlink apply --topology infra/topology.example.yaml'],
};

export const SWEEP: CommandSpec = {
  name: 'sweep',
  summary: 'the reconcile the scheduled sweep runs',
  flags: [
    topologyFromEnv,
    { setting: SETTINGS.json, description: 'The reconcile report as JSON.' },
    TIMEOUT,
  ],
  notes: [ENDPOINTS],
  examples: ['peerlink sweep --topology infra/topology.example.yaml'],
};

export const BOOTSTRAP: CommandSpec = {
  name: 'bootstrap',
  summary: 'provision a topology from nothing, step by step, as the bootstrap function does',
  flags: [
    topologyRequired,
    {
      setting: SETTINGS.dryRun,
      description: 'Plan each step and print it; create nothing.',
    },
    {
      setting: SETTINGS.json,
      description: 'One JSON line per step and the report last, as the bootstrap function streams.',
    },
    // Creating clusters and node pools takes many minutes each.
    timeout('1h'),
  ],
  notes: [
    'Steps: networks and subnets; peerings (waiting for ACTIVE); firewall rules; clusters; node pools (waiting for RUNNING); backend workloads; the internal load balancer; masquerade configuration. Each step observes, plans and applies, and request ids are seeded by a hash of the topology, so a rerun after a failure resumes where the first stopped and creates nothing twice.',
    ENDPOINTS,
  ],
  examples: ['peerlink bootstrap --topology infra/topology.example.yaml --dry-run'],
};

export const VALIDATE: CommandSpec = {
  name: 'validate',
  summary: 'check a topology file and print every problem; reads no cloud',
  flags: [topologyRequired, TIMEOUT],
  examples: ['peerlink validate --topology infra/topology.example.yaml'],
};

export const RENDER_MANIFESTS: CommandSpec = {
  name: 'render manifests',
  summary: "print the Kubernetes objects peerlink keeps in the topology's clusters (YAML)",
  flags: [topologyRequired, { setting: SETTINGS.cluster }, TIMEOUT],
  notes: [
    'Facts are predicted from the topology alone (peerings ACTIVE, each network importing its peers), so the output needs no cloud.',
  ],
  examples: [
    'peerlink render manifests --topology infra/topology.example.yaml --cluster frontend-cluster | kubectl apply -f -',
  ],
};

export const EVENTS_CLASSIFY: CommandSpec = {
  name: 'events classify',
  summary: 'print the trigger each audit-log entry becomes, one JSON line per file',
  flags: [TIMEOUT],
  positionals: {
    name: 'FILE...',
    min: 1,
    description:
      'Audit-log entries in any form a function receives: a LogEntry, a Pub/Sub push envelope, a CloudEvent.',
  },
  notes: [
    'A file that is not an audit-log entry is named on stderr with the problem, the others are still classified, and the exit status is 1. Entries whose principal is PEERLINK_SERVICE_ACCOUNT are marked causedBySelf.',
  ],
  examples: ['peerlink events classify test/fixtures/events/*.json'],
};

// Deploy and teardown parse their own flags (infra/deploy/args.ts); these give their help.
export const DEPLOY: CommandSpec = {
  name: 'deploy',
  summary: 'put peerlink on a project, or bring it up to date; each step probes first',
  flags: [
    { setting: SETTINGS.deployProject, required: true },
    { setting: SETTINGS.region, required: true },
    topologyRequired,
    { setting: SETTINGS.schedule },
    { setting: SETTINGS.skipBuild },
    {
      setting: SETTINGS.dryRun,
      description: 'Print every step and gcloud command; change nothing.',
    },
  ],
  notes: [
    'It ensures the functions, topics, subscriptions, log sink, scheduler job and IAM peerlink needs. A second run changes nothing; a run that failed halfway is finished by running it again. Needs gcloud, logged in with gcloud auth login and gcloud auth application-default login (README.md, Deploy to Google Cloud).',
  ],
  examples: [
    'peerlink deploy --project P --region europe-west1 --topology my-topology.yaml --dry-run',
  ],
};

export const TEARDOWN: CommandSpec = {
  name: 'teardown',
  summary: 'remove what deploy created; lists it and asks first',
  flags: [
    { setting: SETTINGS.deployProject, required: true },
    { setting: SETTINGS.region, shownDefault: 'the regions of the functions found' },
    { setting: SETTINGS.includeTopology },
    { setting: SETTINGS.yes },
  ],
  notes: [
    "Only resources named peerlink-… that carry peerlink's mark (the label managed-by=peerlink, or the marker in their description) are deleted; a look-alike without it is reported and left alone.",
  ],
  examples: [
    'peerlink teardown --project P',
    'peerlink teardown --project P --include-topology --yes',
  ],
};

/** In the order `peerlink help` lists them. */
export const SPECS: readonly CommandSpec[] = [
  PLAN,
  APPLY,
  SWEEP,
  BOOTSTRAP,
  VALIDATE,
  RENDER_MANIFESTS,
  EVENTS_CLASSIFY,
  DEPLOY,
  TEARDOWN,
];
