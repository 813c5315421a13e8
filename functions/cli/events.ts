import { readFile, stat } from 'node:fs/promises';
import { MalformedEventError } from '../core/errors.ts';
import { type ClassifyOptions, classify } from '../core/events/classify.ts';
import { decodeEvent, MAX_EVENT_BYTES } from '../core/events/decode.ts';
import { readSetting, SETTINGS } from '../runtime/settings.ts';
import { EXIT, runCommand } from './flags.ts';
import type { Command } from './io.ts';
import { EVENTS_CLASSIFY } from './specs.ts';

/** Options from the environment, parsed purely so that tests pass their own. */
export function classifyOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): ClassifyOptions {
  const self = readSetting(env, SETTINGS.serviceAccount);
  return self ? { selfPrincipal: self } : {};
}

/**
 * `peerlink events classify FILE...`: one JSON line per readable file on stdout, the file's
 * name first, then the trigger. A file that is not an audit-log entry (in any form the
 * decoder accepts) is named on stderr with the problem, and the exit status becomes 1; the
 * other files are still classified.
 */
export const classifyCommand: Command = (args, io) =>
  runCommand(EVENTS_CLASSIFY, args, io, async (p) => {
    const options = classifyOptionsFromEnv(process.env);
    let status: number = EXIT.ok;
    for (const file of p.positionals) {
      try {
        const trigger = classify(decodeEvent(await readEventFile(file)), options);
        io.out(JSON.stringify({ file, ...trigger }));
      } catch (err) {
        if (!(err instanceof MalformedEventError || isFsError(err))) throw err;
        io.err(`peerlink: ${file}: ${err.message}`);
        status = EXIT.error;
      }
    }
    return status;
  });

async function readEventFile(file: string): Promise<Buffer> {
  const info = await stat(file);
  if (!info.isFile()) throw new MalformedEventError('not a regular file');
  // Refuse before reading: a huge file must not be loaded into memory.
  if (info.size > MAX_EVENT_BYTES) {
    throw new MalformedEventError(`${info.size} bytes, more than the ${MAX_EVENT_BYTES} allowed`);
  }
  return readFile(file);
}

function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
