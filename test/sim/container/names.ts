/** Base of GKE selfLinks (the real host, so links look like Google's). */
export const CONTAINER_BASE = 'https://container.googleapis.com/v1/';

/** A zone looks like `us-central1-a`; a region like `us-central1`. */
export function isZone(location: string): boolean {
  return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(location);
}

/** Region of a zone or region name. */
export function regionOf(location: string): string {
  return isZone(location) ? location.replace(/-[a-z]$/, '') : location;
}

/**
 * `zones/<z>` for zonal locations and `locations/<r>` for regional ones: GKE writes
 * `resourceName` and selfLinks this way although requests say `locations/`
 * (compare the real sample shared/events/nodepool_creation_started.json, beside the clone).
 */
export function scopeOf(location: string): string {
  return isZone(location) ? `zones/${location}` : `locations/${location}`;
}

/** Store key of a cluster (always the `locations/` form). */
export function clusterKey(project: string, location: string, cluster: string): string {
  return `projects/${project}/locations/${location}/clusters/${cluster}`;
}

/** `projects/P/zones/Z/clusters/C` (audit resourceName). */
export function clusterResourceName(project: string, location: string, cluster: string): string {
  return `projects/${project}/${scopeOf(location)}/clusters/${cluster}`;
}

/** `projects/P/zones/Z/clusters/C/nodePools/N` (audit resourceName). */
export function nodePoolResourceName(
  project: string,
  location: string,
  cluster: string,
  pool: string,
): string {
  return `${clusterResourceName(project, location, cluster)}/nodePools/${pool}`;
}

/** Full GKE selfLink for a path. */
export function containerLink(path: string): string {
  return CONTAINER_BASE + path;
}

/** Default zones of a regional cluster or pool (GKE picks three of the region's zones). */
export function defaultZones(location: string): string[] {
  return isZone(location) ? [location] : ['a', 'b', 'c'].map((z) => `${location}-${z}`);
}
