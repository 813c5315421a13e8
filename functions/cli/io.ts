/**
 * What every command gets and gives, in a module of its own so that commands (and
 * infra/deploy, infra/teardown) can name it without importing the dispatcher in main.ts.
 */

/** Where a command writes: `out` for results, `err` for problems and usage errors. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

/**
 * A command: its arguments (after the command's name) in, its exit status out. 0 success,
 * 1 error, 2 usage error; `plan --detailed-exitcode` adds 3 (changes pending).
 */
export type Command = (args: string[], io: Io) => Promise<number>;

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
