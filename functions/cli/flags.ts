/**
 * The one flag parser of the `peerlink` commands: a command is declared as data (name, summary,
 * flags drawn from the settings table, positionals, examples), parsed with node:util parseArgs,
 * and run under one exit-code rule: 0 success, 1 error, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { ConfigError, TopologyError } from '../core/errors.ts';
import { dispositionOf } from '../engine/disposition.ts';
import { readSetting, SETTINGS, type Setting } from '../runtime/settings.ts';
import type { Io } from './io.ts';

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** A flag as one command uses it: a row of the settings table, plus what differs here. */
export interface FlagUse {
  readonly setting: Setting<unknown>;
  readonly required?: boolean;
  /** What the flag means for this command, when the row's description is too general. */
  readonly description?: string;
  /** The default for this command, as shown, when it is not the row's. */
  readonly shownDefault?: string;
}

export interface CommandSpec {
  /** `plan`, `render manifests`. */
  readonly name: string;
  /** How messages name it, when it is not `peerlink NAME` (`npm start`). */
  readonly title?: string;
  /** How it is invoked in the usage line, when that is not the title (`npm start --`). */
  readonly usagePrefix?: string;
  /** One line: what the command does. */
  readonly summary: string;
  readonly flags: readonly FlagUse[];
  readonly positionals?: {
    /** As shown in the usage line, e.g. `FILE...`. */
    readonly name: string;
    readonly description: string;
    readonly min: number;
  };
  readonly examples: readonly string[];
  /** Paragraphs after the flags: what else a user must know. */
  readonly notes?: readonly string[];
  /** Exit statuses beyond 0, 1 and 2. */
  readonly exitCodes?: string;
}

/** The parsed command line. */
export interface Parsed {
  /** A string flag's validated value; undefined when it was not given. */
  value<T>(s: Setting<T>): T | undefined;
  /** A required flag's value (the parser has checked that it was given). */
  required<T>(s: Setting<T>): T;
  /** Whether a boolean flag was given. */
  has(s: Setting<unknown>): boolean;
  readonly positionals: readonly string[];
}

export type ParseResult =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage'; readonly message: string }
  | { readonly kind: 'ok'; readonly parsed: Parsed };

const optionName = (s: Setting<unknown>): string => (s.flag ?? '').replace(/^--/, '');

/** `--help` anywhere before `--` asks for help, whatever else is wrong with the line. */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export function parseCommand(spec: CommandSpec, args: readonly string[]): ParseResult {
  if (wantsHelp(args)) return { kind: 'help' };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const { setting: s } of spec.flags) {
    options[optionName(s)] = {
      type: s.value ? 'string' : 'boolean',
      ...(s.short ? { short: s.short } : {}),
    };
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: spec.positionals !== undefined,
    }));
  } catch (e) {
    return { kind: 'usage', message: e instanceof Error ? e.message : String(e) };
  }
  const parsed = new Map<Setting<unknown>, unknown>();
  for (const use of spec.flags) {
    const s = use.setting;
    const raw = values[optionName(s)];
    if (raw === undefined) {
      if (use.required) return { kind: 'usage', message: `${s.flag} is required` };
      continue;
    }
    if (typeof raw === 'boolean') {
      parsed.set(s, raw);
      continue;
    }
    try {
      parsed.set(s, s.parse(s.flag ?? '', raw));
    } catch (e) {
      if (e instanceof ConfigError) return { kind: 'usage', message: e.message };
      throw e;
    }
  }
  const min = spec.positionals?.min ?? 0;
  if (positionals.length < min)
    return { kind: 'usage', message: `expected ${spec.positionals?.name ?? 'arguments'}` };
  const value = <T>(s: Setting<T>): T | undefined => parsed.get(s) as T | undefined;
  return {
    kind: 'ok',
    parsed: {
      value,
      required<T>(s: Setting<T>): T {
        if (!parsed.has(s)) throw new Error(`${s.flag} was not parsed`);
        return parsed.get(s) as T;
      },
      has: (s) => parsed.get(s) === true,
      positionals,
    },
  };
}

function flagWords(s: Setting<unknown>): string {
  return `${s.short ? `-${s.short}, ` : ''}${s.flag}${s.value ? ` ${s.value}` : ''}`;
}

const titleOf = (spec: CommandSpec): string => spec.title ?? `peerlink ${spec.name}`;

export function usageLine(spec: CommandSpec): string {
  const flags = spec.flags.map(({ setting: s, required }) => {
    const words = `${s.flag}${s.value ? ` ${s.value}` : ''}`;
    return required ? words : `[${words}]`;
  });
  return [
    'usage:',
    spec.usagePrefix ?? titleOf(spec),
    ...flags,
    ...(spec.positionals ? [spec.positionals.name] : []),
  ].join(' ');
}

/** Fills words into lines of at most `width` characters, each starting with `indent`. */
function wrap(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

function table(rows: readonly (readonly [string, string])[]): string[] {
  const col = Math.min(28, Math.max(...rows.map(([k]) => k.length)) + 2);
  return rows.flatMap(([k, text]) => {
    const body = wrap(text, ' '.repeat(col + 2));
    const first = body[0]?.trimStart() ?? '';
    const head = k.length + 2 <= col ? [`  ${k.padEnd(col)}${first}`] : [`  ${k}`, body[0] ?? ''];
    return [...head, ...body.slice(1)];
  });
}

const EXIT_LINE = 'exit status: 0 success, 1 error (the reason is printed), 2 usage error';

/** What `peerlink help COMMAND` and `--help` print: usage, flags, exit statuses, examples. */
export function helpText(spec: CommandSpec): string {
  const flagRows = [...spec.flags, { setting: SETTINGS.help }].map((use): [string, string] => {
    const s = use.setting;
    const dflt = use.required
      ? ' (required)'
      : s.value
        ? ` (default: ${use.shownDefault ?? s.shownDefault})`
        : '';
    return [flagWords(s), `${use.description ?? s.description}${dflt}`];
  });
  const rows: [string, string][] = spec.positionals
    ? [[spec.positionals.name, spec.positionals.description], ...flagRows]
    : flagRows;
  return [
    `${titleOf(spec)}: ${spec.summary}`,
    '',
    usageLine(spec),
    '',
    spec.positionals ? 'arguments and flags:' : 'flags:',
    ...table(rows),
    ...(spec.notes ?? []).flatMap((n) => ['', ...wrap(n, '')]),
    '',
    ...wrap(`${EXIT_LINE}${spec.exitCodes ? `, ${spec.exitCodes}` : ''}.`, ''),
    '',
    spec.examples.length > 1 ? 'examples:' : 'example:',
    ...spec.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** Prints a usage error and the usage line to stderr; returns 2. */
export function usageError(io: Io, spec: CommandSpec, message: string): number {
  io.err(`${titleOf(spec)}: ${message}`);
  io.err(usageLine(spec));
  const help = spec.title
    ? `${spec.usagePrefix ?? spec.title} --help`
    : `peerlink help ${spec.name}`;
  io.err(`Run '${help}' for the flags and an example.`);
  return EXIT.usage;
}

/** The most of one error message a command prints: a body or a dump can run to kilobytes. */
export const MAX_ERROR_CHARS = 300;

/** `text` on one line, cut to `max` characters with a note of how much was left out. */
export function clip(text: string, max = MAX_ERROR_CHARS): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length <= max
    ? line
    : `${line.slice(0, max)}… (${line.length - max} more characters)`;
}

/** Stack frames printed for an unexpected error: enough to find the bug. */
const STACK_FRAMES = 8;

/**
 * The lines a failed command prints: the reason, and whether running it again may help, as the
 * one disposition (functions/engine/disposition.ts) classes the failure.
 */
export function failureLines(title: string, e: unknown): string[] {
  // A topology's problems are the answer the user asked for: every one (the validator caps
  // how many), a line each, clipped.
  if (e instanceof TopologyError) {
    const [head = 'the topology is invalid:'] = e.message.split('\n');
    return [
      `${title}: ${clip(head)}`,
      ...e.issues.map((i) => `  ${clip(`${i.path}: ${i.message}`)}`),
    ];
  }
  const d = dispositionOf(e, 'cli');
  const text = clip(e instanceof Error ? e.message : String(e));
  switch (d.failure) {
    case 'transient':
      return [`${title}: ${text}`, 'This may pass: run the command again.'];
    case 'terminal':
      return [`${title}: ${text}`, 'The cloud refused for good: running it again will not help.'];
    case 'configuration':
    case 'bad-input':
      return [`${title}: ${text}`];
    case 'unexpected': {
      const frames =
        e instanceof Error ? (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)) : [];
      return [
        `${title}: unexpected error: ${text}`,
        ...frames.slice(0, STACK_FRAMES).map((l) => `  ${clip(l)}`),
      ];
    }
  }
}

/** A file the command was told to read cannot be read: a configuration problem, not a bug. */
export function unreadable(what: string, e: unknown): unknown {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string'
    ? new ConfigError(`cannot read ${what}: ${e.message}`, { cause: e })
    : e;
}

/** `90000` → `90s`, `3600000` → `1h`, `1500` → `1500ms`: a deadline as a user would write it. */
export function durationText(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/**
 * The command's total deadline in ms: `--timeout`, else PEERLINK_TIMEOUT, else the command's
 * default (the timeout flag's shown default, a duration); undefined when it takes none.
 * @throws ConfigError for a bad PEERLINK_TIMEOUT
 */
export function deadlineOf(
  spec: CommandSpec,
  p: Parsed,
  env: Readonly<Record<string, string | undefined>>,
): number | undefined {
  const use = spec.flags.find((u) => u.setting === SETTINGS.timeout);
  if (!use) return undefined;
  // The row's own shownDefault sums up every command's; each use states its own.
  if (!use.shownDefault) throw new Error(`${spec.name}: its --timeout has no default`);
  return (
    p.value(SETTINGS.timeout) ??
    readSetting(env, SETTINGS.timeout) ??
    SETTINGS.timeout.parse('--timeout', use.shownDefault)
  );
}

const EXPIRED = Symbol('expired');

/**
 * Parses `args` for `spec` and runs `body`: help goes to stdout (0), a usage error and the
 * usage to stderr (2), an error thrown by `body` is printed with its reason (1), and so is a
 * deadline that passes first (1): `body`'s signal is then aborted.
 */
export async function runCommand(
  spec: CommandSpec,
  args: readonly string[],
  io: Io,
  body: (p: Parsed, signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const r = parseCommand(spec, args);
  if (r.kind === 'help') {
    io.out(helpText(spec));
    return EXIT.ok;
  }
  if (r.kind === 'usage') return usageError(io, spec, r.message);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const ms = deadlineOf(spec, r.parsed, process.env);
    const expired = new Promise<typeof EXPIRED>((resolve) => {
      if (ms !== undefined) timer = setTimeout(() => resolve(EXPIRED), ms);
    });
    const result = await Promise.race([body(r.parsed, controller.signal), expired]);
    if (result !== EXPIRED) return result;
    controller.abort();
    io.err(
      `${titleOf(spec)}: deadline passed: not done within ${durationText(ms ?? 0)} (--timeout or PEERLINK_TIMEOUT sets it)`,
    );
    return EXIT.error;
  } catch (e) {
    for (const line of failureLines(titleOf(spec), e)) io.err(line);
    return EXIT.error;
  } finally {
    clearTimeout(timer);
  }
}
