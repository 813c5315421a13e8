/**
 * The end of functions-framework's CLI (build/src/main.js), bound to 127.0.0.1: the CLI has no
 * host option and listens on every interface. Imports only node: modules, so that a launcher
 * running from a staged tree resolves no package through the checkout.
 */
import type { Server } from 'node:http';

/**
 * Listens on 127.0.0.1:`port`, registers the framework's ErrorHandler once listening, prints the
 * line main.js prints, and sets no timeout on incoming connections (as main.js).
 */
export function listenOnLoopback(
  server: Server,
  errors: { register(): void },
  port: string,
  label: string,
): void {
  server
    .listen(Number(port), '127.0.0.1', () => {
      errors.register();
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      process.stdout.write(`Serving ${label} on http://127.0.0.1:${bound}/\n`);
    })
    .setTimeout(0);
}
