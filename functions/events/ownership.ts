/**
 * Every compute resource peerlink creates has a name starting with this prefix, so that an
 * audit-log entry (which carries only the name) can tell peerlink's resources from others'.
 */
export const PEERLINK_NAME_PREFIX = 'peerlink-';

/** True when a compute resource's short name marks it as peerlink's own. */
export function isPeerlinkOwnedName(name: string): boolean {
  return name.startsWith(PEERLINK_NAME_PREFIX) && name.length > PEERLINK_NAME_PREFIX.length;
}
