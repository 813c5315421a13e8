/** Base of Compute selfLinks. The simulator keeps Google's host so links match real ones. */
export const COMPUTE_BASE = 'https://www.googleapis.com/compute/v1/';

/** Where an operation or regional/zonal resource lives. */
export type Scope =
  | { kind: 'global' }
  | { kind: 'region'; region: string }
  | { kind: 'zone'; zone: string };

/** `global`, `regions/r` or `zones/z`. */
export function scopePath(scope: Scope): string {
  switch (scope.kind) {
    case 'global':
      return 'global';
    case 'region':
      return `regions/${scope.region}`;
    case 'zone':
      return `zones/${scope.zone}`;
  }
}

/** Full Compute URL for a path like `projects/p/global/networks/n`. */
export function computeLink(path: string): string {
  return COMPUTE_BASE + path;
}

/**
 * Resource path (`projects/p/global/networks/n`) from any reference form Compute accepts:
 * full URL (any host, v1/beta/alpha), `projects/...`, or a partial `global/networks/n`
 * / `regions/r/subnetworks/s` resolved in `project`.
 * https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (network: "full URL or partial")
 */
export function refPath(ref: string, project: string): string {
  const m = /(?:^|\/)(projects\/.+)$/.exec(
    ref.replace(/^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\//, ''),
  );
  if (m?.[1]) return m[1];
  return `projects/${project}/${ref.replace(/^\/+/, '')}`;
}

/** Last path segment (a resource name) of a URL or path. */
export function lastSegment(ref: string): string {
  return ref.split('/').filter(Boolean).pop() ?? '';
}
