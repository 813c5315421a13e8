/**
 * Parses and validates a topology file. Every problem is collected and reported at once, each
 * with its path, so a user fixes the file in one pass; input beyond the limits in `LIMITS` is
 * refused before the work it would cost.
 */
import { isAlias, isNode, Lexer, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { TopologyError, type TopologyIssue } from '../errors.ts';
import { unusableAddressProblem } from '../net/cidr.ts';
import {
  clusterRanges,
  overlappingPairs,
  regionOf,
  type Span,
  spanOf,
  subnetRanges,
} from './ranges.ts';
import {
  type Cluster,
  clusterAnyModeSchema,
  clusterSchema,
  LIMITS,
  type Network,
  networkSchema,
  type Peering,
  peeringSchema,
  regionSchema,
  type Service,
  serviceSchema,
  type Topology,
  topologyLists,
  topologyShape,
} from './schema.ts';

export { TopologyError, type TopologyIssue } from '../errors.ts';

const counted = (n: number): string => n.toLocaleString('en-US');

/**
 * The problem with a topology of `bytes` bytes, if it is too large; `more` when only a part of
 * it was read (a pipe has no size to tell).
 */
export function sizeProblem(bytes: number, more?: 'more'): TopologyIssue | undefined {
  const size = more ? `more than ${counted(LIMITS.bytes)}` : counted(bytes);
  return bytes > LIMITS.bytes
    ? {
        path: '(file)',
        message: `the topology is ${size} bytes, at most ${counted(LIMITS.bytes)} (1 MiB)`,
      }
    : undefined;
}

/** UTF-8 length of `text`, counted without encoding it. */
function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 code units
      i++;
    } else if (c >= 0x800) bytes += 2;
    else if (c >= 0x80) bytes += 1;
  }
  return bytes;
}

/**
 * The line where flow collections first nest deeper than the limit, if they do. The lexer is
 * linear and knows quoted scalars and comments; the parser would recurse once per level.
 */
function tooDeep(text: string): number | undefined {
  let depth = 0;
  let line = 1;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      depth += 1;
      if (depth > LIMITS.nesting) return line;
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
    else for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) line += 1;
  }
  return undefined;
}

/** Throws the problems, listing at most `LIMITS.issues` of them and how many more there are. */
function refuse(issues: readonly TopologyIssue[], source: string, unlisted = false): never {
  const max = LIMITS.issues;
  if (issues.length <= max && !unlisted) throw new TopologyError(issues, source);
  const more = unlisted ? 'more problems' : `${counted(issues.length - max)} more problems`;
  throw new TopologyError(
    [
      ...issues.slice(0, max),
      { path: '(top level)', message: `${more} not listed (only the first ${max} are)` },
    ],
    source,
  );
}

/**
 * Parses YAML text into a validated topology, or throws TopologyError listing every issue. Text
 * over `LIMITS.bytes`, flow collections nested deeper than `LIMITS.nesting` and any YAML anchor
 * or alias are refused before the document is built: a topology needs none of them, and an
 * alias can make a few bytes expand into gigabytes ("billion laughs").
 */
export function parseTopology(text: string, source = 'topology'): Topology {
  const tooLarge = sizeProblem(utf8Bytes(text));
  if (tooLarge) refuse([tooLarge], source);
  const deep = tooDeep(text);
  if (deep !== undefined)
    refuse(
      [
        {
          path: `line ${deep}`,
          message: `nested more than ${LIMITS.nesting} levels deep; a topology needs a few`,
        },
      ],
      source,
    );
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    refuse(
      doc.errors.map((e) => ({
        path: e.linePos?.[0] ? `line ${e.linePos[0].line}` : '(file)',
        message: e.message.split('\n')[0] ?? e.message,
      })),
      source,
    );
  }
  const aliases: TopologyIssue[] = [];
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? '(file)' : `line ${lineCounter.linePos(offset).line}`;
  visit(doc, (_key, node) => {
    if (!isNode(node)) return;
    if (isAlias(node))
      aliases.push({
        path: lineOf(node.range?.[0]),
        message: `'*${node.source}' is a YAML alias; a topology has none: write the value out`,
      });
    else if (node.anchor)
      aliases.push({
        path: lineOf(node.range?.[0]),
        message: `'&${node.anchor}' is a YAML anchor; a topology has none: write the value out`,
      });
  });
  if (aliases.length > 0) refuse(aliases, source);
  return validateTopology(doc.toJS(), source);
}

function pathOf(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
    prefix,
  );
}

function zodIssues(prefix: string, error: z.ZodError): TopologyIssue[] {
  return error.issues.map((i) => ({
    path: pathOf(prefix, i.path) || '(top level)',
    message: i.message,
  }));
}

type Parsed<T> = { success: true; data: T } | { success: false; error: z.ZodError };

/** Why a Standard cluster without node pools is refused (clusterKindIssues, parseCluster). */
const NODE_POOLS_REQUIRED = 'a Standard cluster needs at least one node pool (nodePools)';

/** A cluster; when its mode is unknown, its other fields are checked too. */
function parseCluster(item: unknown): Parsed<z.infer<typeof clusterSchema>> {
  const parsed = clusterSchema.safeParse(item);
  if (parsed.success) return parsed;
  // Missing node pools are reported with the cluster's other problems, as when it parses.
  const raw = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  if (raw.autopilot !== true && raw.nodePools === undefined)
    parsed.error.issues.push({
      code: 'custom',
      path: ['nodePools'],
      message: NODE_POOLS_REQUIRED,
      input: undefined,
    });
  if (!parsed.error.issues.some((i) => i.code === 'invalid_union')) return parsed;
  const rest = clusterAnyModeSchema.safeParse(item);
  if (!rest.success) parsed.error.issues.push(...rest.error.issues);
  return parsed;
}

/** Validates an already-parsed object. */
export function validateTopology(raw: unknown, source = 'topology'): Topology {
  const issues: TopologyIssue[] = [];
  const top = topologyShape.safeParse(raw);
  if (!top.success) issues.push(...zodIssues('', top.error));
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) refuse(issues, source);
  const fields = raw as Record<string, unknown>;
  const project = String(fields.project);
  // Without a valid region, subnets that default to it have no region to compare.
  const region = regionSchema.safeParse(fields.region).success ? String(fields.region) : '';

  // Each list is checked on its own: one of the wrong type is reported, and references into it
  // are not reported again as unknown.
  const unusable = new Set<string>();
  function list(key: keyof typeof topologyLists): unknown[] {
    const parsed = topologyLists[key].safeParse(fields[key]);
    if (parsed.success) return parsed.data;
    issues.push(...zodIssues(key, parsed.error));
    unusable.add(key);
    return [];
  }
  const lists = {
    networks: list('networks'),
    peerings: list('peerings'),
    clusters: list('clusters'),
    services: list('services'),
  };
  // Lists over the limits are refused before any item is parsed: their size is the problem.
  const tooMany = limitIssues(lists);
  if (tooMany.length > 0) refuse([...issues, ...tooMany], source);

  // Items are parsed one by one: a bad item is reported and left out, and references to it by
  // name are not reported again as unknown. `at` keeps each item's index in the file, for paths.
  const rawNames = new Set<string>();
  function items<T>(
    list: unknown[],
    key: string,
    parse: (item: unknown) => Parsed<T>,
  ): { out: T[]; at: number[] } {
    const out: T[] = [];
    const at: number[] = [];
    list.forEach((item, i) => {
      const parsed = parse(item);
      if (parsed.success) {
        out.push(parsed.data);
        at.push(i);
      } else {
        issues.push(...zodIssues(`${key}[${i}]`, parsed.error));
        const n = (item as { name?: unknown } | null)?.name;
        if (typeof n === 'string') rawNames.add(`${key}:${n}`);
      }
    });
    return { out, at };
  }

  const parsedNetworks = items(lists.networks, 'networks', (x) => networkSchema.safeParse(x));
  const networks: Network[] = parsedNetworks.out.map((n) => ({
    ...n,
    subnets: n.subnets.map((s) => ({ ...s, region: s.region ?? region })),
  }));
  const parsedPeerings = items(lists.peerings, 'peerings', (x) => peeringSchema.safeParse(x));
  const peerings: Peering[] = parsedPeerings.out;
  const parsedClusters = items(lists.clusters, 'clusters', parseCluster);
  const parsedServices = items(lists.services, 'services', (x) => serviceSchema.safeParse(x));
  const services: Service[] = parsedServices.out;
  const networkAt = (i: number) => `networks[${parsedNetworks.at[i]}]`;
  const peeringAt = (i: number) => `peerings[${parsedPeerings.at[i]}]`;
  const clusterAt = (i: number) => `clusters[${parsedClusters.at[i]}]`;
  const serviceAt = (i: number) => `services[${parsedServices.at[i]}]`;

  const check = new Checker(issues, rawNames, unusable);
  check.unique('networks', networks, parsedNetworks.at);
  check.unique('clusters', parsedClusters.out, parsedClusters.at);
  check.unique(
    'services',
    services.map((s) => ({ name: `${s.namespace}/${s.name}@${s.cluster}` })),
    parsedServices.at,
  );
  // Compute wants a subnet's name unique in its region across the project's networks ("Limitations
  // for naming subnets", https://cloud.google.com/vpc/docs/subnets); within one network peerlink
  // wants it unique everywhere, since clusters name their subnet.
  const subnetNamed = new Map<string, { network: number; path: string }>();
  networks.forEach((n, i) => {
    check.unique(`${networkAt(i)}.subnets`, n.subnets);
    n.subnets.forEach((s, j) => {
      check.unique(`${networkAt(i)}.subnets[${j}].secondaryRanges`, s.secondaryRanges);
      const key = `${s.region} ${s.name}`;
      const first = subnetNamed.get(key);
      if (!first) subnetNamed.set(key, { network: i, path: `${networkAt(i)}.subnets[${j}]` });
      else if (first.network !== i && s.region !== '')
        issues.push({
          path: `${networkAt(i)}.subnets[${j}].name`,
          message: `subnet name '${s.name}' is already used in ${s.region} by ${first.path}; Google Cloud needs subnet names unique within a region of a project`,
        });
    });
  });

  const networkByName = new Map(networks.map((n) => [n.name, n]));
  const clusters: Cluster[] = [];
  parsedClusters.out.forEach((c, i) => {
    const at = clusterAt(i);
    const network = networkByName.get(c.network);
    const subnet = network?.subnets.find((s) => s.name === c.subnet);
    const cRegion = regionOf(c.location);
    if (!network) check.unknown(`${at}.network`, 'networks', c.network);
    else if (!subnet)
      issues.push({
        path: `${at}.subnet`,
        message: `no subnet '${c.subnet}' in network '${c.network}'`,
      });
    else if (subnet.region !== '' && subnet.region !== cRegion)
      issues.push({
        path: `${at}.location`,
        message: `'${c.location}' is in region ${cRegion} but subnet '${subnet.name}' is in ${subnet.region}`,
      });
    if (c.mode === 'vpc-native' && subnet) {
      for (const key of ['podSecondaryRange', 'serviceSecondaryRange'] as const) {
        if (!subnet.secondaryRanges.some((r) => r.name === c[key]))
          issues.push({
            path: `${at}.${key}`,
            message: `subnet '${subnet.name}' has no secondary range '${c[key]}'`,
          });
      }
    }
    const zonal = c.location !== cRegion;
    if (!zonal && !c.nodeLocations && !c.autopilot)
      issues.push({
        path: `${at}.nodeLocations`,
        message: 'a regional cluster must list its zones',
      });
    c.nodeLocations?.forEach((z, j) => {
      if (regionOf(z) !== cRegion || z === cRegion)
        issues.push({
          path: `${at}.nodeLocations[${j}]`,
          message: `'${z}' is not a zone of ${cRegion}`,
        });
    });
    check.unique(`${at}.nodePools`, c.nodePools ?? []);
    issues.push(...clusterKindIssues(at, c));
    clusters.push({
      ...c,
      region: cRegion,
      nodeLocations: c.nodeLocations ?? [c.location],
      nodePools: c.nodePools ?? [],
    } as Cluster);
  });

  const pairs = new Set<string>();
  peerings.forEach((p, i) => {
    const [a, b] = p.networks;
    p.networks.forEach((n, j) => {
      if (!networkByName.has(n)) check.unknown(`${peeringAt(i)}.networks[${j}]`, 'networks', n);
    });
    if (a === b)
      issues.push({
        path: `${peeringAt(i)}.networks`,
        message: 'a network cannot peer with itself',
      });
    const key = [a, b].sort().join(' ');
    if (pairs.has(key))
      issues.push({
        path: peeringAt(i),
        message: `networks '${a}' and '${b}' are already peered`,
      });
    pairs.add(key);
  });
  const peered = (a: string, b: string) => a === b || pairs.has([a, b].sort().join(' '));

  // Ranges that must not overlap: every subnet range and every routes-mode cluster range.
  const placed = (path: string, range: string): Placed => ({ path, range, ...spanOf(range) });
  const rangesOf = new Map<string, Placed[]>();
  const subnetRangesOf = new Map<string, Placed[]>();
  networks.forEach((n, i) => {
    const list = subnetRanges(n).map((r) => placed(`${networkAt(i)}.${r.path}`, r.range));
    subnetRangesOf.set(n.name, list);
    rangesOf.set(n.name, [...list]);
  });
  clusters.forEach((c, i) => {
    rangesOf
      .get(c.network)
      ?.push(...clusterRanges(c).map((r) => placed(`${clusterAt(i)}.${r.path}`, r.range)));
  });
  // Overlaps are looked for only until there are more problems than can be listed.
  let unlisted = false;
  const overlapping = (
    list: readonly Placed[],
    sideOf: (i: number) => number,
    say: (x: Placed, y: Placed, i: number, j: number) => void,
  ) => {
    const found = overlappingPairs(list, sideOf, Math.max(0, LIMITS.issues + 1 - issues.length));
    unlisted ||= found.more;
    for (const [i, j] of found.pairs) {
      const x = list[i];
      const y = list[j];
      if (x && y) say(x, y, i, j);
    }
  };
  const overlap = (x: Placed, y: Placed, where: string) =>
    issues.push({ path: x.path, message: `${x.range} overlaps ${y.range} (${y.path}) ${where}` });
  for (const [net, list] of rangesOf) {
    overlapping(
      list,
      (k) => k,
      (x, y) => overlap(x, y, `within network '${net}'`),
    );
  }
  for (const p of peerings) {
    const [a, b] = p.networks;
    const la = rangesOf.get(a);
    const lb = rangesOf.get(b);
    if (la && lb && a !== b)
      overlapping(
        la.concat(lb),
        (k) => (k < la.length ? 0 : 1),
        (x, y) => overlap(x, y, `between peered networks '${a}' and '${b}'`),
      );
  }

  // A network imports the subnet ranges of every network it peers with, so Google refuses a
  // peering that would bring in a range overlapping one it already imports from another peer
  // (https://cloud.google.com/vpc/docs/vpc-peering, subnet ranges of peered networks). Pairs of
  // peers that are peered with each other are reported above already.
  const peeringsOf = new Map<string, { peer: string; at: number }[]>();
  peerings.forEach((p, i) => {
    const [a, b] = p.networks;
    if (a === b || !networkByName.has(a) || !networkByName.has(b)) return;
    for (const [self, peer] of [
      [a, b],
      [b, a],
    ] as const) {
      const list = peeringsOf.get(self) ?? [];
      if (!list.some((x) => x.peer === peer)) list.push({ peer, at: i });
      peeringsOf.set(self, list);
    }
  });
  for (const [hub, peers] of peeringsOf) {
    const list: Placed[] = [];
    const peerOf: number[] = [];
    peers.forEach(({ peer }, k) => {
      for (const r of subnetRangesOf.get(peer) ?? []) {
        list.push(r);
        peerOf.push(k);
      }
    });
    overlapping(
      list,
      (i) => peerOf[i] ?? 0,
      (x, y, i, j) => {
        const px = peers[peerOf[i] ?? 0];
        const py = peers[peerOf[j] ?? 0];
        if (!px || !py || peered(px.peer, py.peer)) return;
        issues.push({
          path: peeringAt(Math.max(px.at, py.at)),
          message: `'${hub}' would import overlapping ranges: ${x.range} (${x.path}) from '${px.peer}' and ${y.range} (${y.path}) from '${py.peer}'; Google Cloud refuses the second peering`,
        });
      },
    );
  }

  const clusterByName = new Map(clusters.map((c) => [c.name, c]));
  // A NodePort belongs to one Service in a cluster, whatever its namespace
  // (https://kubernetes.io/docs/concepts/services-networking/service/#nodeport-custom-port).
  const nodePorts = new Map<string, string>();
  services.forEach((s, i) => {
    if (s.nodePort === undefined) return;
    const key = `${s.cluster} ${s.nodePort}`;
    const first = nodePorts.get(key);
    if (first === undefined) nodePorts.set(key, serviceAt(i));
    else
      issues.push({
        path: `${serviceAt(i)}.nodePort`,
        message: `nodePort ${s.nodePort} is already used by ${first} in cluster '${s.cluster}'; a NodePort belongs to one Service`,
      });
  });
  const addresses = new Map<string, string>();
  services.forEach((s, i) => {
    const provider = clusterByName.get(s.cluster);
    if (!provider) check.unknown(`${serviceAt(i)}.cluster`, 'clusters', s.cluster);
    // Autopilot manages the nodes itself: a peerlink-managed ILB could not list their groups.
    if (provider?.autopilot && s.ilb === 'managed')
      issues.push({
        path: `${serviceAt(i)}.ilb`,
        message: `cluster '${provider.name}' is an Autopilot cluster, whose nodes' instance groups peerlink cannot read; use ilb: gke`,
      });
    const subnet = provider
      ? networkByName.get(provider.network)?.subnets.find((n) => n.name === provider.subnet)
      : undefined;
    if (s.address !== undefined && subnet) {
      const problem = unusableAddressProblem(s.address, subnet.range);
      if (problem)
        issues.push({
          path: `${serviceAt(i)}.address`,
          message: `${problem}, the range of subnet '${subnet.name}' where the ILB of cluster '${s.cluster}' takes its address`,
        });
      const key = `${subnet.region} ${s.address}`;
      const first = addresses.get(key);
      if (first === undefined) addresses.set(key, serviceAt(i));
      else
        issues.push({
          path: `${serviceAt(i)}.address`,
          message: `${s.address} is already the address of ${first}; an internal address belongs to one forwarding rule`,
        });
    }
    s.consumers.forEach((name, j) => {
      const consumer = clusterByName.get(name);
      if (!consumer) check.unknown(`${serviceAt(i)}.consumers[${j}]`, 'clusters', name);
      else if (provider && !unusable.has('peerings') && !peered(consumer.network, provider.network))
        issues.push({
          path: `${serviceAt(i)}.consumers[${j}]`,
          message: `cluster '${name}' is in network '${consumer.network}', which is not peered with '${provider.network}'`,
        });
      if (name === s.cluster)
        issues.push({
          path: `${serviceAt(i)}.consumers[${j}]`,
          message: 'a service cannot consume itself',
        });
    });
  });

  if (issues.length > 0) refuse(issues, source, unlisted);
  return { project, region, networks, peerings, clusters, services };
}

/**
 * What a cluster's mode, datapath and Autopilot settings rule out: Dataplane V2 and Autopilot
 * need a VPC-native cluster, Autopilot always runs Dataplane V2
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/dataplane-v2), and Autopilot refuses
 * privileged workloads such as a DaemonSet with NET_ADMIN and configures masquerading with an
 * egress NAT policy instead of ip-masq-agent
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/egress-nat-policy-ip-masq-autopilot).
 */
function clusterKindIssues(at: string, c: z.infer<typeof clusterSchema>): TopologyIssue[] {
  const out: TopologyIssue[] = [];
  if (c.mode === 'routes' && c.datapath === 'dataplane-v2')
    out.push({
      path: `${at}.datapath`,
      message: 'Dataplane V2 needs a VPC-native cluster (mode: vpc-native)',
    });
  if (c.mode === 'routes' && c.autopilot)
    out.push({
      path: `${at}.autopilot`,
      message: 'Autopilot clusters are VPC-native (mode: vpc-native)',
    });
  if (c.autopilot && c.datapath === 'legacy')
    out.push({ path: `${at}.datapath`, message: 'Autopilot clusters always run Dataplane V2' });
  if (c.autopilot && (c.masquerade === 'agent' || c.masquerade === 'ip-masq-agent'))
    out.push({
      path: `${at}.masquerade`,
      message: `Autopilot refuses the ${c.masquerade === 'agent' ? "agent's DaemonSet (NET_ADMIN)" : 'ip-masq-agent ConfigMap'}; use egress-nat-policy or auto`,
    });
  // GKE places and sizes an Autopilot cluster's nodes itself, in a region
  // (https://cloud.google.com/kubernetes-engine/docs/concepts/autopilot-overview; "GKE Autopilot
  // clusters are always regional clusters":
  // https://cloud.google.com/kubernetes-engine/docs/concepts/regional-clusters).
  if (c.autopilot && regionOf(c.location) !== c.location)
    out.push({
      path: `${at}.location`,
      message: `Autopilot clusters are regional: give a region such as ${regionOf(c.location)}, not a zone`,
    });
  if (c.autopilot && (c.nodePools?.length ?? 0) > 0)
    out.push({
      path: `${at}.nodePools`,
      message: 'GKE creates and sizes the node pools of an Autopilot cluster: remove nodePools',
    });
  if (c.autopilot && c.nodeLocations)
    out.push({
      path: `${at}.nodeLocations`,
      message: "GKE chooses the zones of an Autopilot cluster's nodes: remove nodeLocations",
    });
  if (!c.autopilot && (c.nodePools?.length ?? 0) === 0)
    out.push({ path: `${at}.nodePools`, message: NODE_POOLS_REQUIRED });
  if (!c.autopilot && c.masquerade === 'egress-nat-policy')
    out.push({
      path: `${at}.masquerade`,
      message:
        'egress-nat-policy is how Autopilot clusters configure masquerading; this cluster is not Autopilot',
    });
  return out;
}

/** Lists longer than `LIMITS` allows, nested ones included, from the raw lists. */
function limitIssues(
  lists: Readonly<Record<keyof typeof topologyLists, unknown[]>>,
): TopologyIssue[] {
  const out: TopologyIssue[] = [];
  const field = (item: unknown, key: string): unknown =>
    typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : undefined;
  /** Reports `list` when it is longer than `max`; true when it is. */
  const over = (list: unknown, max: number, path: string, what: string, where = ''): boolean => {
    if (!Array.isArray(list) || list.length <= max) return false;
    out.push({
      path,
      message: `too many ${what}: ${counted(list.length)}, at most ${counted(max)}${where}`,
    });
    return true;
  };
  if (!over(lists.networks, LIMITS.networks, 'networks', 'networks'))
    lists.networks.forEach((n, i) => {
      const subnets = field(n, 'subnets');
      const at = `networks[${i}]`;
      if (
        !Array.isArray(subnets) ||
        over(subnets, LIMITS.subnets, `${at}.subnets`, 'subnets', ' in a network')
      )
        return;
      let ranges = 0;
      let tooManySecondary = false;
      subnets.forEach((s, j) => {
        const secondary = field(s, 'secondaryRanges');
        const path = `${at}.subnets[${j}].secondaryRanges`;
        if (over(secondary, LIMITS.secondaryRanges, path, 'secondary ranges', ' in a subnet'))
          tooManySecondary = true;
        ranges += 1 + (Array.isArray(secondary) ? secondary.length : 0);
      });
      if (!tooManySecondary && ranges > LIMITS.subnetRanges)
        out.push({
          path: at,
          message: `too many subnet ranges (primary and secondary): ${counted(ranges)}, at most ${counted(LIMITS.subnetRanges)} in a network`,
        });
    });
  over(lists.peerings, LIMITS.peerings, 'peerings', 'peerings');
  if (!over(lists.clusters, LIMITS.clusters, 'clusters', 'clusters'))
    lists.clusters.forEach((c, i) => {
      const at = `clusters[${i}]`;
      const where = ' in a cluster';
      over(field(c, 'nodePools'), LIMITS.nodePools, `${at}.nodePools`, 'node pools', where);
      over(field(c, 'nodeLocations'), LIMITS.nodeLocations, `${at}.nodeLocations`, 'zones', where);
      const cidrs = field(c, 'nonMasqueradeCidrs');
      over(
        cidrs,
        LIMITS.nonMasqueradeCidrs,
        `${at}.nonMasqueradeCidrs`,
        'non-masquerade ranges',
        where,
      );
    });
  if (!over(lists.services, LIMITS.services, 'services', 'services'))
    lists.services.forEach((s, i) => {
      const consumers = field(s, 'consumers');
      over(consumers, LIMITS.consumers, `services[${i}].consumers`, 'consumers', ' in a service');
    });
  return out;
}

/** A range and where the file gives it. */
interface Placed extends Span {
  readonly path: string;
  readonly range: string;
}

class Checker {
  readonly #issues: TopologyIssue[];
  readonly #badNames: Set<string>;
  readonly #badLists: Set<string>;
  constructor(issues: TopologyIssue[], badNames: Set<string>, badLists: Set<string>) {
    this.#issues = issues;
    this.#badNames = badNames;
    this.#badLists = badLists;
  }

  /** `at` maps an index in `list` to the item's index in the file. */
  unique(path: string, list: readonly { name: string }[], at?: readonly number[]): void {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      if (seen.has(item.name))
        this.#issues.push({
          path: `${path}[${at?.[i] ?? i}].name`,
          message: `duplicate name '${item.name}'`,
        });
      seen.add(item.name);
    });
  }

  /** Reports a reference to an unknown item, unless that item or its list failed to parse. */
  unknown(path: string, key: string, name: string): void {
    if (this.#badNames.has(`${key}:${name}`) || this.#badLists.has(key)) return;
    this.#issues.push({ path, message: `unknown ${key.replace(/s$/, '')} '${name}'` });
  }
}
