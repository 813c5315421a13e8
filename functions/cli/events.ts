import { readFile, stat } from 'node:fs/promises';
import { type ClassifyOptions, classify } from '../core/events/classify.ts';
import { decodeEvent, MAX_EVENT_BYTES } from '../core/events/decode.ts';
import { MalformedEventError } from '../core/errors.ts';
import type { Command } from './main.ts';

const USAGE = 'usage: peerlink events classify FILE...';

/** Options from the environment, parsed purely so that tests pass their own. */
export function classifyOptionsFromEnv(env: NodeJS.ProcessEnv): ClassifyOptions {
  const self = env.PEERLINK_SERVICE_ACCOUNT?.trim();
  return self ? { selfPrincipal: self } : {};
}

/**
 * `peerlink events classify FILE...`: one JSON line per readable file on stdout, the file's
 * name first, then the trigger. A file that is not an audit-log entry (in any form the
 * decoder accepts) is named on stderr with the problem, and the exit status becomes 2; the
 * other files are still classified.
 */
export const classifyCommand: Command = async (args, io) => {
  if (args.length === 0 || args.includes('-h') || args.includes('--help')) {
    io.err(USAGE);
    return 2;
  }
  const options = classifyOptionsFromEnv(process.env);
  let status = 0;
  for (const file of args) {
    try {
      const trigger = classify(decodeEvent(await readEventFile(file)), options);
      io.out(JSON.stringify({ file, ...trigger }));
    } catch (err) {
      if (!(err instanceof MalformedEventError || isFsError(err))) throw err;
      io.err(`peerlink: ${file}: ${err.message}`);
      status = 2;
    }
  }
  return status;
};

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
