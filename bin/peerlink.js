#!/usr/bin/env node
// Runs the TypeScript CLI directly: Node 22.18+ strips types natively.
import { main } from '../functions/cli.ts';

process.exitCode = await main(process.argv.slice(2));
