import type { PubSub } from '@google-cloud/pubsub';
import type { Argv } from './gcloud.ts';

/**
 * Values learnt while deploying (project number, function URLs, the sink's writer identity).
 * In a dry run they are not known, and a placeholder stands in for them.
 */
export class Context {
  readonly project: string;
  readonly region: string;
  readonly dryRun: boolean;
  readonly #values = new Map<string, string>();

  constructor(project: string, region: string, dryRun: boolean) {
    this.project = project;
    this.region = region;
    this.dryRun = dryRun;
  }

  set(key: string, value: string): void {
    this.#values.set(key, value);
  }

  /** The value, or `<key>` in a dry run. Throws when a real run has not learnt it. */
  get(key: string): string {
    const v = this.#values.get(key);
    if (v !== undefined) return v;
    if (this.dryRun) return `<${key}>`;
    throw new Error(`deploy has not learnt ${key} yet: a step that provides it did not run`);
  }
}

/** What a probe says about the resource. */
export type Presence = 'absent' | 'ok' | 'update';

/**
 * A gcloud-driven step. `probe` is a read (describe, get-iam-policy); its JSON output decides
 * between leaving the resource alone, updating it, or creating it. A probe that fails with
 * NOT_FOUND means absent; any other failure stops the deploy.
 */
export interface GcloudStep {
  readonly kind: 'gcloud';
  readonly title: string;
  probe(ctx: Context): Argv;
  /** From the probe's parsed output; default: it exists, so `ok`. */
  presence?(described: unknown, ctx: Context): Presence;
  /** Commands when absent; undefined means absence is an error (e.g. the project). */
  create?(ctx: Context): Argv[];
  /** Commands when present but different. */
  update?(ctx: Context): Argv[];
  /** Reads values later steps need from the probe's output (re-probed after a change). */
  capture?(described: unknown, ctx: Context): void;
}

/** A Pub/Sub step, through @google-cloud/pubsub. */
export interface PubsubStep {
  readonly kind: 'pubsub';
  readonly title: string;
  /** What it would do, for the dry run: one line per call. */
  plan(ctx: Context): string[];
  ensure(pubsub: PubSub, ctx: Context): Promise<'created' | 'updated' | 'unchanged'>;
}

/** Work on this machine (build, staging the upload). */
export interface LocalStep {
  readonly kind: 'local';
  readonly title: string;
  plan(ctx: Context): string[];
  run(ctx: Context): Promise<void>;
}

export type Step = GcloudStep | PubsubStep | LocalStep;
