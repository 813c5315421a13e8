import { NAME_PREFIX } from '../model/resources.ts';

/**
 * Every compute resource peerlink creates has a name starting with this prefix, so that an
 * audit-log entry (which carries only the name) can tell peerlink's resources from others'.
 * The one definition lives with the resource model; this is the name events code uses.
 */
export const PEERLINK_NAME_PREFIX: string = NAME_PREFIX;

/** True when a compute resource's short name marks it as peerlink's own. */
export function isPeerlinkOwnedName(name: string): boolean {
  return name.startsWith(PEERLINK_NAME_PREFIX) && name.length > PEERLINK_NAME_PREFIX.length;
}
