/**
 * Typed Compute Engine operations over the generated clients. Every mutation sends a
 * requestId (a UUID derived from the caller's string), waits for its operation and throws the
 * typed errors of `errors.ts`. Values are the REST representations; `convert.ts` maps them to
 * the model.
 */
import type { protos } from '@google-cloud/compute';
import { requestUuid } from '../core/request-id.ts';
import type { ComputeClients } from './clients.ts';
import { toCloudError } from './map-error.ts';
import { operationOf, type WaitOptions, waitOperation } from './operations.ts';
import { retryRead } from './read-retry.ts';

export type ApiFirewall = protos.google.cloud.compute.v1.IFirewall;
export type ApiHealthCheck = protos.google.cloud.compute.v1.IHealthCheck;
export type ApiBackendService = protos.google.cloud.compute.v1.IBackendService;
export type ApiForwardingRule = protos.google.cloud.compute.v1.IForwardingRule;
export type ApiAddress = protos.google.cloud.compute.v1.IAddress;
export type ApiNetwork = protos.google.cloud.compute.v1.INetwork;
export type ApiNetworkPeering = protos.google.cloud.compute.v1.INetworkPeering;
export type ApiSubnetwork = protos.google.cloud.compute.v1.ISubnetwork;
export type ApiInstance = protos.google.cloud.compute.v1.IInstance;
export type ApiPeeringRoute = protos.google.cloud.compute.v1.IExchangedPeeringRoute;

export interface ComputeDeps {
  readonly project: string;
  readonly clients: ComputeClients;
  readonly wait?: WaitOptions;
}

/** A filter matching peerlink's names (Compute's `eq` takes an RE2 regular expression). */
export const PEERLINK_NAME_FILTER = 'name eq peerlink-.*';

export interface Compute {
  readonly project: string;
  /**
   * Any collection's client, with `read` and `mutate` below: an adapter of a collection that has
   * no wrapper here calls it directly, and gets the same error mapping, read retry and wait.
   */
  readonly clients: ComputeClients;
  /** Runs a read; maps its failure; retries it when transient (read-retry.ts). */
  read<T>(what: string, call: () => Promise<T>): Promise<T>;
  /** Runs a mutation, waits for its operation, maps failures. */
  mutate(what: string, call: () => Promise<unknown>): Promise<void>;
  firewalls: {
    list(filter?: string): Promise<ApiFirewall[]>;
    get(name: string): Promise<ApiFirewall>;
    insert(fw: ApiFirewall, requestId: string): Promise<void>;
    /** JSON merge patch: lists replace; an empty list cannot be sent (use update). */
    patch(name: string, fw: ApiFirewall, requestId: string): Promise<void>;
    /** Full replacement (PUT). */
    update(name: string, fw: ApiFirewall, requestId: string): Promise<void>;
    delete(name: string, requestId: string): Promise<void>;
  };
  healthChecks: {
    list(region: string, filter?: string): Promise<ApiHealthCheck[]>;
    insert(region: string, hc: ApiHealthCheck, requestId: string): Promise<void>;
    patch(region: string, name: string, hc: ApiHealthCheck, requestId: string): Promise<void>;
    delete(region: string, name: string, requestId: string): Promise<void>;
  };
  backendServices: {
    list(region: string, filter?: string): Promise<ApiBackendService[]>;
    get(region: string, name: string): Promise<ApiBackendService>;
    insert(region: string, bs: ApiBackendService, requestId: string): Promise<void>;
    /** Sends `fingerprint`; a stale one throws PreconditionFailedError (412 conditionNotMet). */
    patch(
      region: string,
      name: string,
      bs: ApiBackendService,
      fingerprint: string,
      requestId: string,
    ): Promise<void>;
    /** Full replacement (PUT), with `fingerprint` as for patch. */
    update(
      region: string,
      name: string,
      bs: ApiBackendService,
      fingerprint: string,
      requestId: string,
    ): Promise<void>;
    delete(region: string, name: string, requestId: string): Promise<void>;
  };
  forwardingRules: {
    list(region: string, filter?: string): Promise<ApiForwardingRule[]>;
    insert(region: string, fr: ApiForwardingRule, requestId: string): Promise<void>;
    patch(region: string, name: string, fr: ApiForwardingRule, requestId: string): Promise<void>;
    delete(region: string, name: string, requestId: string): Promise<void>;
  };
  networks: {
    get(name: string): Promise<ApiNetwork>;
    insert(network: ApiNetwork, requestId: string): Promise<void>;
    addPeering(name: string, peering: ApiNetworkPeering, requestId: string): Promise<void>;
    removePeering(name: string, peeringName: string, requestId: string): Promise<void>;
    /** Used by tests against a real project to clean up; peerlink never deletes networks. */
    delete(name: string, requestId: string): Promise<void>;
    /** Routes `network` imports (INCOMING) or exports over one peering, in one region. */
    listPeeringRoutes(
      name: string,
      peeringName: string,
      region: string,
      direction?: 'INCOMING' | 'OUTGOING',
    ): Promise<ApiPeeringRoute[]>;
  };
  subnetworks: {
    get(region: string, name: string): Promise<ApiSubnetwork>;
    list(region: string, filter?: string): Promise<ApiSubnetwork[]>;
    insert(region: string, subnet: ApiSubnetwork, requestId: string): Promise<void>;
    /** Used by tests against a real project to clean up; peerlink never deletes subnets. */
    delete(region: string, name: string, requestId: string): Promise<void>;
  };
  instanceGroups: {
    /** Instance URLs of a zonal instance group. */
    listInstances(zone: string, name: string): Promise<string[]>;
  };
  instances: {
    get(zone: string, name: string): Promise<ApiInstance>;
  };
}

/** Builds the Compute adapter. No client is loaded until a method needs it. */
export function createCompute(deps: ComputeDeps): Compute {
  const { project, clients } = deps;

  /** Runs a read; maps its failure; retries it when transient. */
  const read = <T>(what: string, call: () => Promise<T>): Promise<T> =>
    retryRead(async () => {
      try {
        return await call();
      } catch (e) {
        throw toCloudError(e, what);
      }
    });

  /** Runs a mutation, waits for its operation, maps failures. */
  const mutate = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    let op: ReturnType<typeof operationOf>;
    try {
      const result = (await call()) as unknown[];
      op = operationOf(result[0]);
    } catch (e) {
      throw toCloudError(e, what);
    }
    await waitOperation(clients, project, op, what, deps.wait);
  };

  const optFilter = (filter: string | undefined) => (filter ? { filter } : {});

  return {
    project,
    clients,
    read,
    mutate,
    firewalls: {
      list: (filter) =>
        read('firewalls.list', async () => {
          const [items] = await (await clients('firewalls')).list({
            project,
            ...optFilter(filter),
          });
          return items;
        }),
      get: (name) =>
        read(`firewalls.get ${name}`, async () => {
          const [fw] = await (await clients('firewalls')).get({ project, firewall: name });
          return fw;
        }),
      insert: (fw, requestId) =>
        mutate(`firewalls.insert ${fw.name}`, async () =>
          (await clients('firewalls')).insert({
            project,
            firewallResource: fw,
            requestId: requestUuid(requestId),
          }),
        ),
      patch: (name, fw, requestId) =>
        mutate(`firewalls.patch ${name}`, async () =>
          (await clients('firewalls')).patch({
            project,
            firewall: name,
            firewallResource: fw,
            requestId: requestUuid(requestId),
          }),
        ),
      update: (name, fw, requestId) =>
        mutate(`firewalls.update ${name}`, async () =>
          (await clients('firewalls')).update({
            project,
            firewall: name,
            firewallResource: fw,
            requestId: requestUuid(requestId),
          }),
        ),
      delete: (name, requestId) =>
        mutate(`firewalls.delete ${name}`, async () =>
          (await clients('firewalls')).delete({
            project,
            firewall: name,
            requestId: requestUuid(requestId),
          }),
        ),
    },
    healthChecks: {
      list: (region, filter) =>
        read(`regionHealthChecks.list ${region}`, async () => {
          const [items] = await (await clients('regionHealthChecks')).list({
            project,
            region,
            ...optFilter(filter),
          });
          return items;
        }),
      insert: (region, hc, requestId) =>
        mutate(`regionHealthChecks.insert ${hc.name}`, async () =>
          (await clients('regionHealthChecks')).insert({
            project,
            region,
            healthCheckResource: hc,
            requestId: requestUuid(requestId),
          }),
        ),
      patch: (region, name, hc, requestId) =>
        mutate(`regionHealthChecks.patch ${name}`, async () =>
          (await clients('regionHealthChecks')).patch({
            project,
            region,
            healthCheck: name,
            healthCheckResource: hc,
            requestId: requestUuid(requestId),
          }),
        ),
      delete: (region, name, requestId) =>
        mutate(`regionHealthChecks.delete ${name}`, async () =>
          (await clients('regionHealthChecks')).delete({
            project,
            region,
            healthCheck: name,
            requestId: requestUuid(requestId),
          }),
        ),
    },
    backendServices: {
      list: (region, filter) =>
        read(`regionBackendServices.list ${region}`, async () => {
          const [items] = await (await clients('regionBackendServices')).list({
            project,
            region,
            ...optFilter(filter),
          });
          return items;
        }),
      get: (region, name) =>
        read(`regionBackendServices.get ${name}`, async () => {
          const [bs] = await (await clients('regionBackendServices')).get({
            project,
            region,
            backendService: name,
          });
          return bs;
        }),
      insert: (region, bs, requestId) =>
        mutate(`regionBackendServices.insert ${bs.name}`, async () =>
          (await clients('regionBackendServices')).insert({
            project,
            region,
            backendServiceResource: bs,
            requestId: requestUuid(requestId),
          }),
        ),
      patch: (region, name, bs, fingerprint, requestId) =>
        mutate(`regionBackendServices.patch ${name}`, async () =>
          (await clients('regionBackendServices')).patch({
            project,
            region,
            backendService: name,
            backendServiceResource: { ...bs, fingerprint },
            requestId: requestUuid(requestId),
          }),
        ),
      // https://cloud.google.com/compute/docs/reference/rest/v1/regionBackendServices/update
      update: (region, name, bs, fingerprint, requestId) =>
        mutate(`regionBackendServices.update ${name}`, async () =>
          (await clients('regionBackendServices')).update({
            project,
            region,
            backendService: name,
            backendServiceResource: { ...bs, fingerprint },
            requestId: requestUuid(requestId),
          }),
        ),
      delete: (region, name, requestId) =>
        mutate(`regionBackendServices.delete ${name}`, async () =>
          (await clients('regionBackendServices')).delete({
            project,
            region,
            backendService: name,
            requestId: requestUuid(requestId),
          }),
        ),
    },
    forwardingRules: {
      list: (region, filter) =>
        read(`forwardingRules.list ${region}`, async () => {
          const [items] = await (await clients('forwardingRules')).list({
            project,
            region,
            ...optFilter(filter),
          });
          return items;
        }),
      insert: (region, fr, requestId) =>
        mutate(`forwardingRules.insert ${fr.name}`, async () =>
          (await clients('forwardingRules')).insert({
            project,
            region,
            forwardingRuleResource: fr,
            requestId: requestUuid(requestId),
          }),
        ),
      patch: (region, name, fr, requestId) =>
        mutate(`forwardingRules.patch ${name}`, async () =>
          (await clients('forwardingRules')).patch({
            project,
            region,
            forwardingRule: name,
            forwardingRuleResource: fr,
            requestId: requestUuid(requestId),
          }),
        ),
      delete: (region, name, requestId) =>
        mutate(`forwardingRules.delete ${name}`, async () =>
          (await clients('forwardingRules')).delete({
            project,
            region,
            forwardingRule: name,
            requestId: requestUuid(requestId),
          }),
        ),
    },
    networks: {
      get: (name) =>
        read(`networks.get ${name}`, async () => {
          const [n] = await (await clients('networks')).get({ project, network: name });
          return n;
        }),
      insert: (network, requestId) =>
        mutate(`networks.insert ${network.name}`, async () =>
          (await clients('networks')).insert({
            project,
            networkResource: network,
            requestId: requestUuid(requestId),
          }),
        ),
      addPeering: (name, peering, requestId) =>
        mutate(`networks.addPeering ${name}/${peering.name}`, async () =>
          (await clients('networks')).addPeering({
            project,
            network: name,
            networksAddPeeringRequestResource: { networkPeering: peering },
            requestId: requestUuid(requestId),
          }),
        ),
      removePeering: (name, peeringName, requestId) =>
        mutate(`networks.removePeering ${name}/${peeringName}`, async () =>
          (await clients('networks')).removePeering({
            project,
            network: name,
            networksRemovePeeringRequestResource: { name: peeringName },
            requestId: requestUuid(requestId),
          }),
        ),
      delete: (name, requestId) =>
        mutate(`networks.delete ${name}`, async () =>
          (await clients('networks')).delete({
            project,
            network: name,
            requestId: requestUuid(requestId),
          }),
        ),
      listPeeringRoutes: (name, peeringName, region, direction = 'INCOMING') =>
        read(`networks.listPeeringRoutes ${name}/${peeringName} ${region}`, async () => {
          const [routes] = await (await clients('networks')).listPeeringRoutes({
            project,
            network: name,
            peeringName,
            region,
            direction,
          });
          return routes;
        }),
    },
    subnetworks: {
      get: (region, name) =>
        read(`subnetworks.get ${region}/${name}`, async () => {
          const [s] = await (await clients('subnetworks')).get({
            project,
            region,
            subnetwork: name,
          });
          return s;
        }),
      list: (region, filter) =>
        read(`subnetworks.list ${region}`, async () => {
          const [items] = await (await clients('subnetworks')).list({
            project,
            region,
            ...optFilter(filter),
          });
          return items;
        }),
      insert: (region, subnet, requestId) =>
        mutate(`subnetworks.insert ${subnet.name}`, async () =>
          (await clients('subnetworks')).insert({
            project,
            region,
            subnetworkResource: subnet,
            requestId: requestUuid(requestId),
          }),
        ),
      delete: (region, name, requestId) =>
        mutate(`subnetworks.delete ${region}/${name}`, async () =>
          (await clients('subnetworks')).delete({
            project,
            region,
            subnetwork: name,
            requestId: requestUuid(requestId),
          }),
        ),
    },
    instanceGroups: {
      listInstances: (zone, name) =>
        read(`instanceGroups.listInstances ${zone}/${name}`, async () => {
          const [items] = await (await clients('instanceGroups')).listInstances({
            project,
            zone,
            instanceGroup: name,
            instanceGroupsListInstancesRequestResource: { instanceState: 'ALL' },
          });
          return items.flatMap((i) => (i.instance ? [i.instance] : []));
        }),
    },
    instances: {
      get: (zone, name) =>
        read(`instances.get ${zone}/${name}`, async () => {
          const [i] = await (await clients('instances')).get({ project, zone, instance: name });
          return i;
        }),
    },
  };
}
