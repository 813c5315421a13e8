import { ApiError, alreadyExists, badRequest, invalid, notFound } from '../core/errors.ts';
import { computeLink, refPath } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { isPrivateRange, overlaps } from './cidr.ts';
import {
  bodyObject,
  checkName,
  listReply,
  mustGet,
  mutate,
  type Prepared,
  param,
  type Resource,
  route,
} from './common.ts';
import { peeringsOf, rangesOf } from './ranges.ts';

/**
 * The message and status Compute answers while another peering operation runs on either
 * network: HTTP 400, reason badRequest, e.g. "googleapi: Error 400: There is a peering operation
 * in progress on the local or peer network. Try again later., badRequest" as reported in
 * https://github.com/terraform-google-modules/terraform-example-foundation/pull/243 and
 * https://github.com/hashicorp/terraform-provider-google/issues/3026.
 */
export const PEERING_IN_PROGRESS =
  'There is a peering operation in progress on the local or peer network. Try again later.';

function peeringLock(netKey: string): string {
  return `peering:${netKey}`;
}

/**
 * networks.addPeering / removePeering / updatePeering / listPeeringRoutes
 * (https://cloud.google.com/compute/docs/reference/rest/v1/networks/addPeering and
 * https://cloud.google.com/vpc/docs/vpc-peering). A peering is ACTIVE only when both networks
 * have a peering pointing at each other, INACTIVE otherwise; both sides' `state` and
 * `stateDetails` follow. Networks whose subnet ranges overlap cannot be peered.
 */
export function peeringRoutes(sim: Sim): Route[] {
  const C = 'networks';
  const mutation = (
    req: SimRequest,
    verb: 'addPeering' | 'removePeering' | 'updatePeering',
    peerOf: (local: Resource) => string | undefined,
    prepare: (local: Resource, key: string) => Prepared,
  ) => {
    const project = param(req, 'project');
    const key = `projects/${project}/global/networks/${param(req, 'network')}`;
    const local = sim.store.get<Resource>(C, key);
    const peerRef = local ? peerOf(local) : undefined;
    const peerKey = peerRef ? refPath(peerRef, project) : undefined;
    const locks = [peeringLock(key), ...(peerKey ? [peeringLock(peerKey)] : [])];
    return mutate(sim, {
      req,
      project,
      scope: { kind: 'global' },
      collection: C,
      verb,
      resourcePath: key,
      resourceType: 'gce_network',
      resourceLabels: local ? { network_id: local.id } : undefined,
      idLabel: 'network_id',
      targetId: local?.id,
      permission: `compute.networks.${verb}`,
      locks,
      prepare: () => {
        const net = mustGet(sim, C, key);
        if (
          locks.some((l) => sim.ops.busy(l)) ||
          sim.faults.peeringInProgress(`compute.networks.${verb}`)
        ) {
          throw badRequest(PEERING_IN_PROGRESS);
        }
        return prepare(net, key);
      },
    });
  };

  return [
    route('POST', 'global/networks/{network}/addPeering', C, 'addPeering', 'write', (req) => {
      const want = peeringFromBody(bodyObject(req), param(req, 'project'));
      return mutation(
        req,
        'addPeering',
        () => want.network,
        (local, key) => {
          checkName(want.name, 'networkPeering');
          if (refPath(want.network, '') === key)
            throw invalid('A network cannot be peered with itself.');
          // Duplicate name: the exact status is not documented; 409 alreadyExists is the closest reason.
          if (peeringsOf(local).some((p) => p.name === want.name))
            throw alreadyExists(`${key}/peerings/${want.name}`);
          if (peeringsOf(local).some((p) => p.network === want.network)) {
            throw invalid(
              `Network '${key}' is already peered with network '${refPath(want.network, '')}'.`,
            );
          }
          return () => {
            const net = sim.store.get<Resource>(C, key);
            if (!net) throw notFound(key);
            const peer = sim.store.get<Resource>(C, refPath(want.network, ''));
            if (peer) checkNoOverlap(sim, key, refPath(want.network, ''));
            net.peerings = [...peeringsOf(net), { ...want, state: 'INACTIVE', stateDetails: '' }];
            refreshPeeringStates(sim);
          };
        },
      );
    }),
    route('POST', 'global/networks/{network}/removePeering', C, 'removePeering', 'write', (req) => {
      const name = String(bodyObject(req).name ?? '');
      return mutation(
        req,
        'removePeering',
        (local) => peeringsOf(local).find((p) => p.name === name)?.network as string | undefined,
        (local, key) => {
          if (!peeringsOf(local).some((p) => p.name === name))
            throw notFound(`${key}/peerings/${name}`);
          return () => {
            const net = sim.store.get<Resource>(C, key);
            if (!net) throw notFound(key);
            net.peerings = peeringsOf(net).filter((p) => p.name !== name);
            refreshPeeringStates(sim);
          };
        },
      );
    }),
    route(
      'PATCH',
      'global/networks/{network}/updatePeering',
      C,
      'updatePeering',
      'write',
      (req) => {
        const body = bodyObject(req);
        const patch = (body.networkPeering ?? {}) as JsonObject;
        const name = String(patch.name ?? '');
        return mutation(
          req,
          'updatePeering',
          (local) => peeringsOf(local).find((p) => p.name === name)?.network as string | undefined,
          (local, key) => {
            if (!peeringsOf(local).some((p) => p.name === name))
              throw notFound(`${key}/peerings/${name}`);
            if (patch.exchangeSubnetRoutes === false)
              throw invalid(
                "Invalid value for field 'networkPeering.exchangeSubnetRoutes': 'false'. Must be true.",
              );
            // Updatable fields (https://cloud.google.com/compute/docs/reference/rest/v1/networks/updatePeering).
            const fields = [
              'exportCustomRoutes',
              'importCustomRoutes',
              'exportSubnetRoutesWithPublicIp',
              'importSubnetRoutesWithPublicIp',
              'stackType',
              'updateStrategy',
            ];
            return () => {
              const net = sim.store.get<Resource>(C, key);
              const entry = net && peeringsOf(net).find((p) => p.name === name);
              if (!entry) throw notFound(`${key}/peerings/${name}`);
              for (const f of fields)
                if (patch[f] !== undefined)
                  entry[f] = structuredClone(patch[f]) as JsonObject[string];
            };
          },
        );
      },
    ),
    route(
      'GET',
      'global/networks/{network}/listPeeringRoutes',
      C,
      'listPeeringRoutes',
      'read',
      (req) => {
        const project = param(req, 'project');
        const key = `projects/${project}/global/networks/${param(req, 'network')}`;
        const local = mustGet(sim, C, key);
        const peeringName = req.query.get('peeringName');
        if (!peeringName) throw invalid("Required field 'peeringName' not specified");
        const direction = req.query.get('direction') ?? 'INCOMING';
        if (direction !== 'INCOMING' && direction !== 'OUTGOING') {
          throw invalid(
            `Invalid value for field 'direction': '${direction}'. Must be INCOMING or OUTGOING.`,
          );
        }
        const entry = peeringsOf(local).find((p) => p.name === peeringName);
        if (!entry) throw notFound(`${key}/peerings/${peeringName}`);
        const items = exchangedRoutes(sim, key, entry, direction);
        return listReply(
          req,
          'compute#exchangedPeeringRoutesList',
          `${key}/listPeeringRoutes`,
          items,
        );
      },
    ),
  ];
}

/** Normalises both addPeering body forms into a peering entry (without state). */
function peeringFromBody(
  body: JsonObject,
  project: string,
): JsonObject & { name: string; network: string } {
  const np = body.networkPeering as JsonObject | undefined;
  // Legacy form: {name, peerNetwork, autoCreateRoutes}; current: {networkPeering: {...}}.
  const name = String(np?.name ?? body.name ?? '');
  const peer = np?.network ?? body.peerNetwork;
  if (!name) throw invalid("Required field 'networkPeering.name' not specified");
  if (typeof peer !== 'string' || !peer)
    throw invalid("Required field 'networkPeering.network' not specified");
  if (np?.exchangeSubnetRoutes === false || body.autoCreateRoutes === false) {
    // Compute requires subnet route exchange (https://cloud.google.com/compute/docs/reference/rest/v1/networks, exchangeSubnetRoutes).
    throw invalid(
      "Invalid value for field 'networkPeering.exchangeSubnetRoutes': 'false'. Must be true.",
    );
  }
  const flag = (f: string, dflt: boolean): boolean =>
    typeof np?.[f] === 'boolean'
      ? (np[f] as boolean)
      : typeof body[f] === 'boolean'
        ? (body[f] as boolean)
        : dflt;
  return {
    name,
    network: computeLink(refPath(peer, project)),
    autoCreateRoutes: true,
    exchangeSubnetRoutes: true,
    exportCustomRoutes: flag('exportCustomRoutes', false),
    importCustomRoutes: flag('importCustomRoutes', false),
    exportSubnetRoutesWithPublicIp: flag('exportSubnetRoutesWithPublicIp', true),
    importSubnetRoutesWithPublicIp: flag('importSubnetRoutesWithPublicIp', false),
    stackType: typeof np?.stackType === 'string' ? np.stackType : 'IPV4_ONLY',
    peerMtu: 1460,
  };
}

/**
 * Rejects peering two networks with overlapping subnet ranges (primary or secondary), as an
 * operation error like Compute's "An IP range in the peer network (...) overlaps with an IP
 * range in the local network (...) allocated by resource (...)"
 * (https://cloud.google.com/vpc/docs/vpc-peering#restrictions: "subnet IP ranges can't overlap").
 */
export function checkNoOverlap(sim: Sim, localKey: string, peerKey: string): void {
  const mine = rangesOf(sim, localKey);
  for (const theirs of rangesOf(sim, peerKey)) {
    const hit = mine.find((m) => overlaps(m.range, theirs.range));
    if (hit) {
      throw new ApiError(
        400,
        'invalid',
        `An IP range in the peer network (${theirs.range}) overlaps with an IP range in the local network (${hit.range}) allocated by resource (${hit.subnetKey}).`,
      );
    }
  }
}

/** Recomputes ACTIVE/INACTIVE for every peering of every network. */
export function refreshPeeringStates(sim: Sim): void {
  const stamp = `[${new Date().toISOString()}]`;
  for (const [key, net] of sim.store.entries<Resource>('networks')) {
    const url = computeLink(key);
    for (const p of peeringsOf(net)) {
      const peer = sim.store.get<Resource>('networks', refPath(String(p.network), ''));
      const active = Boolean(peer && peeringsOf(peer).some((q) => q.network === url));
      const state = active ? 'ACTIVE' : 'INACTIVE';
      if (p.state !== state || !p.stateDetails) {
        p.state = state;
        p.stateDetails = active
          ? `${stamp}: Connected.`
          : `${stamp}: Waiting for peer network to connect.`;
      }
    }
  }
}

/** Active peers of a network (store keys), for overlap checks on new subnet ranges. */
export function activePeers(sim: Sim, netKey: string): string[] {
  const net = sim.store.get<Resource>('networks', netKey);
  if (!net) return [];
  return peeringsOf(net)
    .filter((p) => p.state === 'ACTIVE')
    .map((p) => refPath(String(p.network), ''));
}

/**
 * Subnet routes exchanged over one peering. INCOMING: the peer's subnet ranges this network
 * imports; OUTGOING: this network's ranges offered to the peer, `imported` telling whether the
 * peer accepts them. Nothing is exchanged unless the peering is ACTIVE. Privately used public
 * ranges pass only with export/importSubnetRoutesWithPublicIp. Subnet routes are global in a VPC,
 * so all regions are listed whatever `region` says (it scopes dynamic routes, which the
 * simulator does not have). https://cloud.google.com/compute/docs/reference/rest/v1/networks/listPeeringRoutes
 */
function exchangedRoutes(
  sim: Sim,
  localKey: string,
  entry: JsonObject,
  direction: string,
): JsonObject[] {
  const peerKey = refPath(String(entry.network), '');
  const peer = sim.store.get<Resource>('networks', peerKey);
  const back = peer ? peeringsOf(peer).find((q) => q.network === computeLink(localKey)) : undefined;
  if (entry.state !== 'ACTIVE' || !back) return [];
  const [exporterKey, exporterEntry, importerEntry] =
    direction === 'INCOMING' ? [peerKey, back, entry] : [localKey, entry, back];
  return rangesOf(sim, exporterKey)
    .filter(
      (r) => isPrivateRange(r.range) || exporterEntry.exportSubnetRoutesWithPublicIp !== false,
    )
    .map((r) => ({
      destRange: r.range,
      type: 'SUBNET_PEERING_ROUTE',
      nextHopRegion: r.region,
      priority: 0,
      imported: isPrivateRange(r.range) || importerEntry.importSubnetRoutesWithPublicIp === true,
    }));
}
