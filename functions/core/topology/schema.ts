/**
 * The topology file's shape. Every object is strict, so a misspelt key is an error rather than
 * a silently ignored setting. Cross-references and range overlaps are checked in validate.ts.
 */
import { z } from 'zod';
import { cidrProblem, overlaps } from '../net/cidr.ts';

/**
 * The most a topology may hold. Each list limit is above what Google itself allows or gives by
 * default, so that no topology Google would accept is refused, and low enough that validating
 * the largest topology the limits allow takes a moment, whatever a request body holds.
 * Google's quota pages (https://cloud.google.com/vpc/docs/quota) list the quotas by name; their
 * defaults appear per project in the console, so defaults quoted here come from elsewhere.
 */
export const LIMITS = {
  /** Of YAML text; a topology of 100 networks with 10 subnets each is about 100 KB. */
  bytes: 2 ** 20,
  /** Flow collections (`[`, `{`) inside one another: the parser's memory grows with the depth. */
  nesting: 64,
  /**
   * The "Networks" quota of a project is 15 by default (Google Cloud Fundamentals course); the
   * scale benchmark's ring of peered networks (bench/lib/topology-gen.ts) goes up to 250.
   */
  networks: 250,
  /** Each subnet has a primary range, which counts towards the next limit. */
  subnets: 1_000,
  /** "Maximum number of secondary IP ranges per subnet": 170, a limit that can't be raised. */
  secondaryRanges: 170,
  /**
   * "Subnetwork ranges per VPC network" (SUBNET_RANGES_PER_NETWORK), primary and secondary
   * ranges together; 300 by default, as Google's network dashboard
   * (GoogleCloudPlatform/cloud-foundation-fabric) assumes.
   */
  subnetRanges: 1_000,
  /** "Peerings per VPC network" is 25 by default (same source). */
  peerings: 1_000,
  /**
   * GKE: 100 zonal clusters per zone plus 100 regional clusters per region in a project
   * (https://cloud.google.com/kubernetes-engine/quotas); a region has a few zones.
   */
  clusters: 500,
  /** GKE documents no limit on node pools per cluster. */
  nodePools: 100,
  /** The zones of one region: none has more than a handful. */
  nodeLocations: 20,
  nonMasqueradeCidrs: 1_000,
  services: 1_000,
  /** No more than the clusters there can be. */
  consumers: 500,
  /**
   * Problems listed in one error: it is logged as one entry, and Cloud Logging takes entries of
   * up to 256 KiB (https://cloud.google.com/logging/quotas).
   */
  issues: 200,
} as const;

/**
 * The value as typed, with control characters escaped (a newline must not start a new line) and
 * cut short, so that a huge value cannot make a huge message.
 */
const shown = (text: string): string => {
  const cut = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
  return `'${cut.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1))}'`;
};

/** One character as a user can recognise it: `'.'`, or `'е' (U+0435)` outside printable ASCII. */
function character(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code >= 0x20 && code < 0x7f ? `'${c}'` : `${shown(c)} (${hex})`;
}

/**
 * What is wrong with `text` as a name of lower-case letters, digits and hyphens that starts with
 * a letter and ends with a letter or a digit, at most `max` characters; every problem, in the
 * user's terms, or none.
 */
export function nameProblems(text: string, max: number, limit = ''): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return ['must not be empty'];
  const problems: string[] = [];
  if (chars.length > max)
    problems.push(`too long: ${chars.length} characters, at most ${max}${limit}`);
  const bad = [...new Set(chars.filter((c) => !/^[-a-z0-9]$/.test(c)))];
  if (bad.length > 0) {
    const listed = bad.slice(0, 5).map(character).join(', ');
    const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
    const upper = bad.some((c) => /^[A-Z]$/.test(c)) ? '; names are lower case' : '';
    problems.push(
      `${listed}${more} ${bad.length === 1 ? 'is' : 'are'} not allowed (use a-z, 0-9 and -${upper})`,
    );
  }
  const first = chars[0] ?? '';
  const last = chars[chars.length - 1] ?? '';
  if (/^[-0-9]$/.test(first)) problems.push(`must start with a letter, not '${first}'`);
  if (last === '-') problems.push(`must end with a letter or a digit, not '-'`);
  return problems;
}

/** A name of at most `max` characters, every problem in one message. */
function nameOf(max: number, limit = '') {
  return z.string().superRefine((text, ctx) => {
    const problems = nameProblems(text, max, limit);
    if (problems.length > 0) ctx.addIssue({ code: 'custom', message: problems.join('; ') });
  });
}

/**
 * Compute resource names: 1-63 characters, `[a-z]([-a-z0-9]*[a-z0-9])?`
 * (https://cloud.google.com/compute/docs/naming-resources#resource-name-format).
 */
const name = nameOf(63);

/**
 * GKE cluster names: up to 40 characters (the v1 Cluster reference, `name`:
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#Cluster).
 * GKE refuses node pool names over 40 too, though the NodePool reference does not say so (as
 * users of the API have found: https://gitlab.com/thorchain/devops/cluster-launcher/-/merge_requests/67).
 */
const gkeName = nameOf(40, " (GKE's limit)");

const cidr = z.string().superRefine((text, ctx) => {
  const problem = cidrProblem(text);
  if (problem?.kind === 'syntax')
    ctx.addIssue({ code: 'custom', message: `${shown(text)} is not an IPv4 CIDR` });
  if (problem?.kind === 'hostBits')
    ctx.addIssue({
      code: 'custom',
      message: `${shown(text)} has host bits set; did you mean '${problem.suggestion}'?`,
    });
});

const region = z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'must be a region such as europe-west1');
const location = z
  .string()
  .regex(/^[a-z]+-[a-z]+\d+(-[a-z])?$/, 'must be a region or a zone such as europe-west1-b');

/**
 * Ranges Compute refuses in any subnet range, primary or secondary: the "Prohibited IPv4 subnet
 * ranges" of https://cloud.google.com/vpc/docs/subnets (Google's public API addresses aside,
 * which no list here could keep up with). 240.0.0.0/4 and privately used public ranges are
 * valid there, so they are not refused.
 */
const PROHIBITED: readonly (readonly [string, string])[] = [
  ['0.0.0.0/8', 'current network'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'limited broadcast'],
  ['199.36.153.4/30', 'restricted.googleapis.com'],
  ['199.36.153.8/30', 'private.googleapis.com'],
];

/** The smallest primary range is a /29 (https://cloud.google.com/vpc/docs/subnets, IPv4 ranges). */
const SMALLEST_SUBNET_PREFIX = 29;

function subnetRange(primary: boolean) {
  return cidr.superRefine((text, ctx) => {
    if (cidrProblem(text) !== null) return;
    const hit = PROHIBITED.filter(([range]) => overlaps([text], [range]));
    if (hit.length > 0)
      ctx.addIssue({
        code: 'custom',
        message: `${shown(text)} overlaps ${hit.map(([r, why]) => `${r} (${why})`).join(', ')}, which Google Cloud does not allow in a subnet`,
      });
    const prefix = Number(text.split('/')[1]);
    if (primary && prefix > SMALLEST_SUBNET_PREFIX)
      ctx.addIssue({
        code: 'custom',
        message: `${shown(text)} is smaller than /${SMALLEST_SUBNET_PREFIX}, the smallest subnet Google Cloud allows`,
      });
  });
}

export const subnetSchema = z.strictObject({
  name,
  region: region.optional(),
  range: subnetRange(true),
  secondaryRanges: z.array(z.strictObject({ name, range: subnetRange(false) })).default([]),
});

export const networkSchema = z.strictObject({
  name,
  subnets: z.array(subnetSchema).min(1),
});

export const peeringSchema = z.strictObject({
  networks: z.tuple([name, name]),
  exportCustomRoutes: z.boolean().default(false),
  importCustomRoutes: z.boolean().default(false),
});

export const nodePoolSchema = z.strictObject({
  name: gkeName,
  nodeCount: z.number().int().min(1).max(1000).default(1),
  machineType: z.string().min(1).default('e2-medium'),
});

export const masqueradeModes = [
  'agent',
  'ip-masq-agent',
  'egress-nat-policy',
  'none',
  'auto',
] as const;

/**
 * GKE's datapath: `legacy` (kube-proxy and iptables) or `dataplane-v2` (the API's
 * `networkConfig.datapathProvider: ADVANCED_DATAPATH`, eBPF), which needs a VPC-native cluster
 * and is always on in Autopilot
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/dataplane-v2,
 * https://cloud.google.com/kubernetes-engine/docs/how-to/dataplane-v2).
 */
export const datapaths = ['legacy', 'dataplane-v2'] as const;

/** An IPv4 address in dotted decimal, without leading zeros. */
const ipv4 = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
    'must be an IPv4 address such as 10.193.0.10',
  );

const clusterCommon = {
  name: gkeName,
  network: name,
  subnet: name,
  location,
  /** Zones of the node pools; defaults to the location when it is a zone. */
  nodeLocations: z.array(location).min(1).optional(),
  /** Standard clusters only, at least one: GKE creates and sizes an Autopilot cluster's pools. */
  nodePools: z.array(nodePoolSchema).optional(),
  masquerade: z.enum(masqueradeModes).default('auto'),
  /** Destinations the node does not masquerade today, for clusters configured otherwise than GKE's defaults. */
  nonMasqueradeCidrs: z.array(cidr).min(1).optional(),
  /** Absent: read from the cluster; bootstrap then creates `legacy`. */
  datapath: z.enum(datapaths).optional(),
  /** An Autopilot cluster (https://cloud.google.com/kubernetes-engine/docs/concepts/autopilot-overview). */
  autopilot: z.boolean().default(false),
};

export const clusterSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    ...clusterCommon,
    mode: z.literal('routes'),
    podRange: cidr,
    serviceRange: cidr,
  }),
  z.strictObject({
    ...clusterCommon,
    mode: z.literal('vpc-native'),
    podSecondaryRange: name,
    serviceSecondaryRange: name,
  }),
]);

export const serviceSchema = z.strictObject({
  name,
  cluster: name,
  namespace: name.default('default'),
  port: z.number().int().min(1).max(65535),
  targetPort: z.number().int().min(1).max(65535).optional(),
  /**
   * A passthrough ILB does not translate ports, so clients of a `managed` ILB connect to the
   * NodePort. Defaults to a stable port derived from the service's identity.
   */
  nodePort: z.number().int().min(30000).max(32767).optional(),
  image: z.string().min(1).default('nginx:1.27'),
  replicas: z.number().int().min(1).max(100).default(2),
  consumers: z.array(name).min(1),
  ilb: z.enum(['managed', 'gke']).default('managed'),
  globalAccess: z.boolean().optional(),
  /**
   * The ILB's internal address, reserved so that it survives the forwarding rule; absent: one
   * reserved from the provider's subnet.
   */
  address: ipv4.optional(),
});

/** A cluster whose mode is missing or unknown: its other fields are still checked. */
export const clusterAnyModeSchema = z.strictObject({
  ...clusterCommon,
  mode: z.unknown().optional(),
  podRange: cidr.optional(),
  serviceRange: cidr.optional(),
  podSecondaryRange: name.optional(),
  serviceSecondaryRange: name.optional(),
});

export const regionSchema = region;

/**
 * The top level. The lists are checked on their own (`topologyLists`) and their items one by
 * one, so that a bad key or list does not hide the problems of the others.
 */
export const topologyShape = z.strictObject({
  project: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id'),
  region,
  networks: z.unknown().optional(),
  peerings: z.unknown().optional(),
  clusters: z.unknown().optional(),
  services: z.unknown().optional(),
});

export const topologyLists = {
  networks: z.array(z.unknown()).min(1),
  peerings: z.array(z.unknown()).default([]),
  clusters: z.array(z.unknown()).default([]),
  services: z.array(z.unknown()).default([]),
} as const;

export type Subnet = z.infer<typeof subnetSchema> & { region: string };
export type Network = Omit<z.infer<typeof networkSchema>, 'subnets'> & { subnets: Subnet[] };
export type Peering = z.infer<typeof peeringSchema>;
export type NodePool = z.infer<typeof nodePoolSchema>;
export type Cluster = z.infer<typeof clusterSchema> & {
  region: string;
  nodeLocations: string[];
  nodePools: NodePool[];
};
export type Service = z.infer<typeof serviceSchema>;

/** A validated topology, with defaults filled in. */
export interface Topology {
  readonly project: string;
  readonly region: string;
  readonly networks: readonly Network[];
  readonly peerings: readonly Peering[];
  readonly clusters: readonly Cluster[];
  readonly services: readonly Service[];
}
