/** Runs the installed kubectl against a kubeconfig, bounded in time, never throwing. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export interface KubectlRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A kubectl bound to one kubeconfig, with its discovery cache under `dir`. */
export function kubectlFor(kubeconfig: () => string, dir: () => string, timeoutMs = 20_000) {
  return (...args: string[]): Promise<KubectlRun> =>
    new Promise((resolve) => {
      execFile(
        'kubectl',
        [
          '--kubeconfig',
          kubeconfig(),
          '--cache-dir',
          join(dir(), 'cache'),
          '--request-timeout=10s',
          ...args,
        ],
        { timeout: timeoutMs },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
}
