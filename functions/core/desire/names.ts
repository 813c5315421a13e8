/** Deterministic names for everything peerlink creates, so every reconcile agrees on them. */
import { createHash } from 'node:crypto';
import { NAME_PREFIX } from '../model/resources.ts';
import type { Service } from '../topology/schema.ts';

function shortHash(text: string, length = 6): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Identity of a service across clusters and namespaces. */
export function serviceId(s: Pick<Service, 'cluster' | 'namespace' | 'name'>): string {
  return `${s.cluster}/${s.namespace}/${s.name}`;
}

/** The start every Compute resource name of a service shares: `peerlink-<service>-<hash>-`. */
export function servicePrefix(s: Pick<Service, 'cluster' | 'namespace' | 'name'>): string {
  return `${NAME_PREFIX}${s.name.slice(0, 32).replace(/-+$/, '')}-${shortHash(serviceId(s))}-`;
}

/** `peerlink-<service>-<hash>-<suffix>`, always a valid Compute name of at most 63 characters. */
export function resourceName(
  s: Pick<Service, 'cluster' | 'namespace' | 'name'>,
  suffix: string,
): string {
  const prefix = servicePrefix(s);
  return `${prefix}${suffix.slice(0, 63 - prefix.length)}`.replace(/-+$/, '');
}

/** A NodePort in 30000-32767 that is stable for a service when the topology names none. */
export function defaultNodePort(s: Pick<Service, 'cluster' | 'namespace' | 'name'>): number {
  return 30000 + (Number.parseInt(shortHash(serviceId(s), 8), 16) % 2768);
}

export function nodePortOf(s: Service): number {
  return s.nodePort ?? defaultNodePort(s);
}
