#!/usr/bin/env node
// Runs the TypeScript CLI directly: Node 22.18+ strips types natively.
import { main } from '../functions/cli/main.ts';

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
