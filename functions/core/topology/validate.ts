/**
 * Parses and validates a topology file. Every problem is collected and reported at once, each
 * with its path, so a user fixes the file in one pass.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { TopologyError, type TopologyIssue } from '../errors.ts';
import { clusterRanges, overlappingPairs, regionOf, type Sided, subnetRanges } from './ranges.ts';
import {
  type Cluster,
  clusterAnyModeSchema,
  clusterSchema,
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

/** Parses YAML text into a validated topology, or throws TopologyError listing every issue. */
export function parseTopology(text: string, source = 'topology'): Topology {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new TopologyError(
      doc.errors.map((e) => ({
        path: e.linePos?.[0] ? `line ${e.linePos[0].line}` : '(file)',
        message: e.message.split('\n')[0] ?? e.message,
      })),
      source,
    );
  }
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

/** A cluster; when its mode is unknown, its other fields are checked too. */
function parseCluster(item: unknown): Parsed<z.infer<typeof clusterSchema>> {
  const parsed = clusterSchema.safeParse(item);
  if (parsed.success || !parsed.error.issues.some((i) => i.code === 'invalid_union')) return parsed;
  const rest = clusterAnyModeSchema.safeParse(item);
  if (!rest.success) parsed.error.issues.push(...rest.error.issues);
  return parsed;
}

/** Validates an already-parsed object. */
export function validateTopology(raw: unknown, source = 'topology'): Topology {
  const issues: TopologyIssue[] = [];
  const top = topologyShape.safeParse(raw);
  if (!top.success) issues.push(...zodIssues('', top.error));
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new TopologyError(issues, source);
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
    if (!zonal && !c.nodeLocations)
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
    check.unique(`${at}.nodePools`, c.nodePools);
    clusters.push({
      ...c,
      region: cRegion,
      nodeLocations: c.nodeLocations ?? [c.location],
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
  const rangesOf = new Map<string, Placed[]>();
  const subnetRangesOf = new Map<string, Placed[]>();
  networks.forEach((n, i) => {
    const list = subnetRanges(n).map((r) => ({ ...r, path: `${networkAt(i)}.${r.path}` }));
    subnetRangesOf.set(n.name, list);
    rangesOf.set(n.name, [...list]);
  });
  clusters.forEach((c, i) => {
    rangesOf
      .get(c.network)
      ?.push(...clusterRanges(c).map((r) => ({ ...r, path: `${clusterAt(i)}.${r.path}` })));
  });
  const overlapping = <T extends Sided & Placed>(list: readonly T[], say: (x: T, y: T) => void) => {
    for (const [i, j] of overlappingPairs(list, Number.POSITIVE_INFINITY).pairs) {
      const x = list[i];
      const y = list[j];
      if (x && y) say(x, y);
    }
  };
  const overlap = (x: Placed, y: Placed, where: string) =>
    issues.push({ path: x.path, message: `${x.range} overlaps ${y.range} (${y.path}) ${where}` });
  for (const [net, list] of rangesOf) {
    overlapping(
      list.map((r, k) => ({ ...r, side: String(k) })),
      (x, y) => overlap(x, y, `within network '${net}'`),
    );
  }
  for (const p of peerings) {
    const [a, b] = p.networks;
    const la = rangesOf.get(a);
    const lb = rangesOf.get(b);
    if (la && lb && a !== b)
      overlapping(
        [...la.map((r) => ({ ...r, side: 'a' })), ...lb.map((r) => ({ ...r, side: 'b' }))],
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
    const atOf = new Map(peers.map((p) => [p.peer, p.at]));
    const list = peers.flatMap(({ peer }) =>
      (subnetRangesOf.get(peer) ?? []).map((r) => ({ ...r, side: peer })),
    );
    overlapping(list, (x, y) => {
      const [px, py] = [x.side, y.side];
      if (peered(px, py)) return;
      issues.push({
        path: peeringAt(Math.max(atOf.get(px) ?? 0, atOf.get(py) ?? 0)),
        message: `'${hub}' would import overlapping ranges: ${x.range} (${x.path}) from '${px}' and ${y.range} (${y.path}) from '${py}'; Google Cloud refuses the second peering`,
      });
    });
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
  services.forEach((s, i) => {
    const provider = clusterByName.get(s.cluster);
    if (!provider) check.unknown(`${serviceAt(i)}.cluster`, 'clusters', s.cluster);
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

  if (issues.length > 0) throw new TopologyError(issues, source);
  return { project, region, networks, peerings, clusters, services };
}

/** A range and where the file gives it. */
interface Placed {
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
