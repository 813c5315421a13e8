/**
 * Serves one function registered by functions/index.ts on 127.0.0.1, as functions-framework's
 * CLI (build/src/main.js) does but for the address: functions-framework 5 has no host option
 * and its CLI listens on every interface. `node test/local/serve-function.ts --target=NAME
 * --port=N`; the other options are the CLI's, read by its own parser.
 *
 * The package exports only its index and `testing`, so its modules are required by path; the
 * registry is the one functions/index.ts registers into (one module cache for the package).
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { listenOnLoopback } from '../support/serve-loopback.ts';

const require = createRequire(import.meta.url);
const src = dirname(require.resolve('@google-cloud/functions-framework'));
const load = <T>(name: string) => require(join(src, name)) as T;

interface Options {
  readonly port: string;
  readonly target: string;
  readonly signatureType: string;
}
const { parseOptions } = load<{ parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options }>(
  'options.js',
);
const { getRegisteredFunction } = load<{
  getRegisteredFunction(name: string): { userFunction: unknown; signatureType: string } | undefined;
}>('function_registry.js');
// Looked up when called, not now: functions/index.ts replaces getServer on this module when
// imported (handlers/framework-errors.ts wraps it to answer bad bodies in JSON).
const framework = load<{ getServer(fn: unknown, options: Options): Server }>('server.js');
const { ErrorHandler } = load<{ ErrorHandler: new (s: Server) => { register(): void } }>(
  'invoker.js',
);

const options = parseOptions(process.argv, process.env);
await import('../../functions/index.ts');
const registered = getRegisteredFunction(options.target);
if (!registered) {
  process.stderr.write(`functions/index.ts registers no function '${options.target}'\n`);
  process.exit(1);
}
// What getServer needs of the loaded function, as main.js passes it: the function and the
// signature type it was registered with.
const server = framework.getServer(registered.userFunction, {
  ...options,
  signatureType: registered.signatureType,
});
listenOnLoopback(
  server,
  new ErrorHandler(server),
  options.port,
  `${options.target} (${registered.signatureType})`,
);
