#!/usr/bin/env node
// Runs the TypeScript CLI directly: Node 22.18+ strips types natively.
// Checked before the .ts import, which an older Node cannot even load (a static import would
// fail before this file's code runs).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `peerlink needs Node.js 22.18 or later (this is ${process.version}): run \`npm ci\`, then \`npx peerlink\` (npm ci brings Node 22 on linux-x64), or install Node 22.\n`,
  );
  process.exit(1);
}
const { main } = await import('../functions/cli/main.ts');

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const code = await main(process.argv.slice(2));
process.exitCode = code;
// The answer is out, but the Google clients keep connections open, and a call cut off by the
// deadline is still in flight: either would hold the process up. Flush what was written (at
// most 2 s), then end it.
const flushed = (stream) => new Promise((resolve) => stream.write('', () => resolve()));
await Promise.race([
  Promise.all([flushed(process.stdout), flushed(process.stderr)]),
  new Promise((resolve) => setTimeout(resolve, 2_000)),
]);
process.exit(code);
