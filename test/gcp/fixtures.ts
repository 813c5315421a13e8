/** Infrastructure the contract suites need, created through the adapters themselves. */
import type {
  NetworkResource,
  PeeringResource,
  SubnetworkResource,
} from '../../functions/core/model/resources.ts';
import { OWNER_MARKER } from '../../functions/core/model/resources.ts';
import type { Target } from './target.ts';

export const DESCRIPTION = `peerlink contract test ${OWNER_MARKER}`;

let counter = 0;
/** A requestId unique to this run. */
export const rid = (t: Target, what: string) => `${t.suffix}/${what}/${++counter}`;

export function networkOf(name: string): NetworkResource {
  return { kind: 'network', name, description: DESCRIPTION };
}

export function subnetOf(
  t: Target,
  network: string,
  name: string,
  range: string,
  secondaryRanges: { name: string; range: string }[] = [],
): SubnetworkResource {
  return {
    kind: 'subnetwork',
    name,
    network,
    region: t.region,
    range,
    secondaryRanges,
    description: DESCRIPTION,
  };
}

export function peeringOf(network: string, peerNetwork: string): PeeringResource {
  return {
    kind: 'peering',
    name: `peerlink-${network}-${peerNetwork}`.slice(0, 63).replace(/-+$/, ''),
    network,
    peerNetwork,
    exportCustomRoutes: false,
    importCustomRoutes: false,
  };
}

/** Creates a custom-mode network with one subnet; removed again on a real project. */
export async function networkWithSubnet(
  t: Target,
  network: string,
  subnet: SubnetworkResource,
): Promise<void> {
  const port = t.cloud.resources;
  await port.create(networkOf(network), rid(t, `net-${network}`));
  t.defer(() => t.cloud.compute.networks.delete(network, rid(t, `del-net-${network}`)));
  await port.create(subnet, rid(t, `subnet-${subnet.name}`));
  t.defer(() =>
    t.cloud.compute.subnetworks.delete(subnet.region, subnet.name, rid(t, `del-${subnet.name}`)),
  );
}
