/**
 * VPC firewall rules evaluated the way Google documents them, for one packet and the instance
 * the rules would apply to. Pure: the rules are the network's whole list, peerlink's or not.
 *
 * The semantics are the Firewall resource's field documentation (compute.proto, message
 * Firewall, shipped with @google-cloud/compute; also
 * https://cloud.google.com/compute/docs/reference/rest/v1/firewalls):
 * - `priority` 0-65535, lower is higher; "DENY rules take precedence over ALLOW rules if they
 *   have equal priority"; networks have implied rules at 65535 (allow all egress, deny all
 *   ingress: https://cloud.google.com/firewall/docs/firewalls#default_firewall_rules).
 * - `disabled`: "the network behaves as if it did not exist".
 * - targets: `targetTags` ("applies only to instances ... that have one of those tags") or
 *   `targetServiceAccounts`; with neither, "applies to all instances".
 * - ingress sources: `sourceRanges` OR `sourceTags` OR `sourceServiceAccounts` ("the
 *   connection does not need to match both fields"); `destinationRanges` narrow it further.
 *   A rule with no source at all matches every source (the API fills in 0.0.0.0/0).
 * - egress: `destinationRanges` (none: every destination), `sourceRanges` narrow it further.
 * - `allowed`/`denied`: `IPProtocol` is a name (tcp, udp, icmp, esp, ah, ipip, sctp), a number
 *   or `all`; `ports` entries are a port or a range `a-b`, and no ports means any port.
 */
import { parseCidr } from 'cidr-tools';

export type Direction = 'INGRESS' | 'EGRESS';

export interface ProtocolPorts {
  readonly IPProtocol: string;
  readonly ports?: readonly string[];
}

/** A firewall rule as Compute returns it (the fields evaluation reads). */
export interface FirewallRuleFacts {
  readonly name: string;
  readonly direction?: Direction;
  readonly priority?: number;
  readonly disabled?: boolean;
  readonly allowed?: readonly ProtocolPorts[];
  readonly denied?: readonly ProtocolPorts[];
  readonly sourceRanges?: readonly string[];
  readonly destinationRanges?: readonly string[];
  readonly sourceTags?: readonly string[];
  readonly sourceServiceAccounts?: readonly string[];
  readonly targetTags?: readonly string[];
  readonly targetServiceAccounts?: readonly string[];
}

/** An endpoint: its address and, for an instance of the network, its tags and service account. */
export interface Endpoint {
  readonly address: string;
  readonly tags?: readonly string[];
  readonly serviceAccount?: string;
}

/**
 * A connection's first packet. For INGRESS the rules apply to the destination instance, for
 * EGRESS to the source instance.
 */
export interface Packet {
  readonly direction: Direction;
  readonly source: Endpoint;
  readonly destination: Endpoint;
  /** A protocol name (tcp, udp, icmp, ...) or number. */
  readonly protocol: string;
  readonly port?: number;
}

export const IMPLIED_PRIORITY = 65535;
export const IMPLIED_ALLOW_EGRESS = '(implied allow egress)';
export const IMPLIED_DENY_INGRESS = '(implied deny ingress)';

export interface FirewallVerdict {
  readonly action: 'allow' | 'deny';
  /** The deciding rule's name, or one of the implied rules. */
  readonly rule: string;
  readonly priority: number;
  /** Every rule that matched the packet, the deciding one first, then by priority. */
  readonly matched: readonly string[];
}

/** IANA protocol numbers of the names Compute accepts. */
const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  ipip: 4,
  tcp: 6,
  udp: 17,
  esp: 50,
  ah: 51,
  sctp: 132,
};

function protocolNumber(p: string): number | undefined {
  const lower = p.toLowerCase();
  if (/^\d+$/.test(lower)) return Number(lower);
  return PROTOCOL_NUMBERS[lower];
}

function inRange(address: string, ranges: readonly string[]): boolean {
  const at = parseCidr(`${address}/32`).start;
  return ranges.some((r) => {
    const { start, end } = parseCidr(r);
    return at >= start && at <= end;
  });
}

function portMatches(ports: readonly string[] | undefined, port: number | undefined): boolean {
  if (!ports || ports.length === 0) return true;
  if (port === undefined) return false;
  return ports.some((p) => {
    const [a, b] = p.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    return port >= lo && port <= hi;
  });
}

function protocolMatches(list: readonly ProtocolPorts[], packet: Packet): boolean {
  const wanted = protocolNumber(packet.protocol);
  return list.some((e) => {
    if (e.IPProtocol.toLowerCase() === 'all') return true;
    const n = protocolNumber(e.IPProtocol);
    return n !== undefined && n === wanted && portMatches(e.ports, packet.port);
  });
}

const some = (xs: readonly string[] | undefined) => (xs?.length ?? 0) > 0;
const shares = (xs: readonly string[] | undefined, ys: readonly string[] | undefined) =>
  (xs ?? []).some((x) => (ys ?? []).includes(x));

/** Whether `rule` applies to the instance the packet's direction puts it on. */
function targets(rule: FirewallRuleFacts, instance: Endpoint): boolean {
  if (some(rule.targetTags)) return shares(rule.targetTags, instance.tags);
  if (some(rule.targetServiceAccounts))
    return instance.serviceAccount !== undefined
      ? (rule.targetServiceAccounts ?? []).includes(instance.serviceAccount)
      : false;
  return true;
}

function addresses(rule: FirewallRuleFacts, packet: Packet): boolean {
  if (packet.direction === 'INGRESS') {
    const anySource =
      !some(rule.sourceRanges) && !some(rule.sourceTags) && !some(rule.sourceServiceAccounts);
    const source =
      anySource ||
      (some(rule.sourceRanges) && inRange(packet.source.address, rule.sourceRanges ?? [])) ||
      shares(rule.sourceTags, packet.source.tags) ||
      (packet.source.serviceAccount !== undefined &&
        (rule.sourceServiceAccounts ?? []).includes(packet.source.serviceAccount));
    const destination =
      !some(rule.destinationRanges) ||
      inRange(packet.destination.address, rule.destinationRanges ?? []);
    return source && destination;
  }
  const destination =
    !some(rule.destinationRanges) ||
    inRange(packet.destination.address, rule.destinationRanges ?? []);
  const source =
    !some(rule.sourceRanges) || inRange(packet.source.address, rule.sourceRanges ?? []);
  return destination && source;
}

/** Whether `rule` matches the packet, and with which action. */
function match(rule: FirewallRuleFacts, packet: Packet): 'allow' | 'deny' | undefined {
  if (rule.disabled) return undefined;
  if ((rule.direction ?? 'INGRESS') !== packet.direction) return undefined;
  const instance = packet.direction === 'INGRESS' ? packet.destination : packet.source;
  if (!targets(rule, instance) || !addresses(rule, packet)) return undefined;
  if ((rule.denied?.length ?? 0) > 0)
    return protocolMatches(rule.denied ?? [], packet) ? 'deny' : undefined;
  if (protocolMatches(rule.allowed ?? [], packet)) return 'allow';
  return undefined;
}

/**
 * The network's decision on `packet`: the matching rule of the highest priority decides, a deny
 * winning a tie; with no matching rule, the implied rule of the direction does.
 */
export function evaluateFirewall(
  rules: readonly FirewallRuleFacts[],
  packet: Packet,
): FirewallVerdict {
  const implied = {
    name: packet.direction === 'INGRESS' ? IMPLIED_DENY_INGRESS : IMPLIED_ALLOW_EGRESS,
    action: packet.direction === 'INGRESS' ? ('deny' as const) : ('allow' as const),
    priority: IMPLIED_PRIORITY,
  };
  const hits = rules
    .flatMap((r) => {
      const action = match(r, packet);
      return action ? [{ name: r.name, action, priority: r.priority ?? 1000 }] : [];
    })
    .concat([implied])
    // Priority first, deny before allow, then the name, so the list's order never matters.
    .sort(
      (a, b) =>
        a.priority - b.priority ||
        (a.action === b.action ? 0 : a.action === 'deny' ? -1 : 1) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
  const winner = hits[0] ?? implied;
  return {
    action: winner.action,
    rule: winner.name,
    priority: winner.priority,
    matched: hits.filter((h) => h !== implied).map((h) => h.name),
  };
}
