import { execFile } from 'node:child_process';

/** A command as an argument vector: `argv[0]` is the program. Never joined into a shell string. */
export type Argv = readonly string[];

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one argument vector and resolves with its exit status and output (never rejects on a
 * non-zero exit; rejects only when the program cannot be started). */
export type Runner = (argv: Argv) => Promise<RunResult>;

/** A runner over `execFile` (no shell), with the given environment. */
export function execRunner(env: NodeJS.ProcessEnv = process.env, cwd?: string): Runner {
  return (argv) =>
    new Promise((resolve, reject) => {
      const [file, ...args] = argv;
      if (file === undefined) {
        reject(new Error('empty argument vector'));
        return;
      }
      execFile(
        file,
        args,
        { env, cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            reject(new Error(`cannot run ${file}`, { cause: error }));
            return;
          }
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
        },
      );
    });
}

/** gcloud's way of saying a describe found nothing (HTTP 404 / gRPC NOT_FOUND). */
export function isNotFound(r: RunResult): boolean {
  return r.code !== 0 && /NOT_FOUND|not found|does not exist|404/i.test(r.stderr);
}

/** For display only: quotes each argument the way a POSIX shell would need. */
export function displayArgv(argv: Argv): string {
  return argv
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** Thrown when a step's command fails; the deploy stops there and a rerun resumes. */
export class StepError extends Error {}
