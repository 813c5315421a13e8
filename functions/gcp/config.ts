/**
 * Cloud configuration, read through the settings table (functions/runtime/settings.ts) from an
 * environment passed in, so tests never touch `process.env`.
 */
import { ConfigError } from '../core/errors.ts';
import { type Endpoint, parseEndpoint, readSetting, SETTINGS } from '../runtime/settings.ts';

export type { Endpoint } from '../runtime/settings.ts';
export { parseEndpoint };

export interface CloudConfig {
  /** Project peerlink works in (`PEERLINK_PROJECT`). */
  readonly project: string;
  /** Compute endpoint; undefined means Google's (`compute.googleapis.com`). */
  readonly compute: Endpoint | undefined;
  /** Container endpoint; undefined means Google's (`container.googleapis.com`). */
  readonly container: Endpoint | undefined;
  /**
   * A static bearer token (`PEERLINK_ACCESS_TOKEN`), for local runs against the simulator
   * (e.g. `principal:peerlink@<project>.iam.gserviceaccount.com`). Undefined: Application
   * Default Credentials.
   */
  readonly accessToken: string | undefined;
}

/** Reads the cloud settings from `env`. Throws {@link ConfigError} when one is malformed. */
export function cloudConfig(env: Readonly<Record<string, string | undefined>>): CloudConfig {
  const project = readSetting(env, SETTINGS.project);
  if (!project) throw new ConfigError('PEERLINK_PROJECT is not set');
  return {
    project,
    compute: readSetting(env, SETTINGS.computeEndpoint),
    container: readSetting(env, SETTINGS.containerEndpoint),
    accessToken: readSetting(env, SETTINGS.accessToken),
  };
}
