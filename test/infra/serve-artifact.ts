/**
 * Serves one function of a staged deploy source the way the Cloud Functions Node.js runtime
 * does, but on 127.0.0.1. Run it with the staged directory as the working directory and
 * FUNCTION_TARGET, FUNCTION_SIGNATURE_TYPE and PORT in the environment.
 *
 * Google's buildpack starts `node_modules/.bin/functions-framework` in the application root
 * (cmd/nodejs/functions_framework/lib/lib.go in github.com/GoogleCloudPlatform/buildpacks). This
 * does what that CLI's build/src/main.js does (its option parser, its loader, which finds the
 * code through package.json's `main`, getServer and ErrorHandler) with the staged tree's own
 * functions-framework; only the address differs, as the CLI has no host option and listens on
 * every interface. It imports nothing but node: modules (and a helper that imports only those),
 * so nothing resolves from the checkout.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { listenOnLoopback } from '../support/serve-loopback.ts';

const staged = createRequire(join(process.cwd(), 'package.json'));
const src = dirname(staged.resolve('@google-cloud/functions-framework'));
const load = <T>(name: string) => staged(join(src, name)) as T;

interface Options {
  readonly port: string;
  readonly target: string;
  readonly sourceLocation: string;
  signatureType: string;
}
const { parseOptions } = load<{ parseOptions(): Options }>('options.js');
const { getUserFunction } = load<{
  getUserFunction(
    source: string,
    target: string,
    signatureType: string,
  ): Promise<{ userFunction: unknown; signatureType: string } | null>;
}>('loader.js');
const { getServer } = load<{ getServer(fn: unknown, options: Options): Server }>('server.js');
const { ErrorHandler } = load<{ ErrorHandler: new (s: Server) => { register(): void } }>(
  'invoker.js',
);

const options = parseOptions();
const loaded = await getUserFunction(options.sourceLocation, options.target, options.signatureType);
if (!loaded) {
  process.stderr.write(`Could not load the function '${options.target}', shutting down.\n`);
  process.exit(1);
}
// As main.js: the signature type registered in code wins over the configured one.
options.signatureType = loaded.signatureType;
const server = getServer(loaded.userFunction, options);
listenOnLoopback(
  server,
  new ErrorHandler(server),
  options.port,
  `${options.target} (${loaded.signatureType})`,
);
