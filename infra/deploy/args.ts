/** Command-line flags of deploy and teardown, parsed by pure functions. */

/** Bad usage: the command prints it and exits 2. */
export class UsageError extends Error {}

/** `--name value`, `--name=value` and boolean `--name`, nothing else. */
export function parseFlags(
  args: readonly string[],
  valued: readonly string[],
  booleans: readonly string[],
): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!m?.[1]) throw new UsageError(`unexpected argument: ${arg}`);
    const name = m[1];
    if (booleans.includes(name)) {
      if (m[2] !== undefined) throw new UsageError(`--${name} takes no value`);
      out.set(name, true);
    } else if (valued.includes(name)) {
      const value = m[2] ?? args[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      out.set(name, value);
    } else {
      throw new UsageError(`unknown flag --${name}`);
    }
  }
  return out;
}

// Project ids: lowercase letters, digits and hyphens (domain-scoped ones add `:` and `.`).
const PROJECT = /^[a-z][a-z0-9.:-]{0,62}$/;
const REGION = /^[a-z]+-[a-z]+[0-9]+$/;

export function project(flags: Map<string, string | true>): string {
  const p = flags.get('project');
  if (typeof p !== 'string') throw new UsageError('--project is required');
  if (!PROJECT.test(p)) throw new UsageError(`--project: not a project id: ${p}`);
  return p;
}

export function region(flags: Map<string, string | true>, required: boolean): string | undefined {
  const r = flags.get('region');
  if (r === undefined && !required) return undefined;
  if (typeof r !== 'string') throw new UsageError('--region is required');
  if (!REGION.test(r)) throw new UsageError(`--region: not a region: ${r}`);
  return r;
}

/** Five cron fields, as Cloud Scheduler takes them (unix-cron). */
export function schedule(flags: Map<string, string | true>, fallback: string): string {
  const s = flags.get('schedule') ?? fallback;
  if (typeof s !== 'string' || s.trim().split(/\s+/).length !== 5) {
    throw new UsageError(`--schedule: expected five cron fields, e.g. "${fallback}"`);
  }
  return s.trim();
}
