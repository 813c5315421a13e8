/**
 * The Cloud Functions entry point: registers onAuditLog, sweep and bootstrap. Nothing else
 * happens here; heavy modules load on first use. Each deployed function serves one target, so
 * the sweep and bootstrap handlers load only when first called (cold start, BENCHMARKS.md).
 */
import * as functions from '@google-cloud/functions-framework';
import { makeOnAuditLog } from './handlers/on-audit-log.ts';
import { createRuntime } from './runtime/runtime.ts';

const runtime = createRuntime(process.env);
const onAuditLog = makeOnAuditLog(runtime);
let sweep: Promise<(event: functions.CloudEvent<unknown>) => Promise<unknown>> | undefined;
let bootstrap: Promise<functions.HttpFunction> | undefined;

functions.cloudEvent('onAuditLog', async (event: functions.CloudEvent<unknown>) => {
  await onAuditLog(event);
});
functions.cloudEvent('sweep', async (event: functions.CloudEvent<unknown>) => {
  sweep ??= import('./handlers/sweep.ts').then((m) => m.makeSweep(runtime));
  await (await sweep)(event);
});
functions.http('bootstrap', async (req, res) => {
  bootstrap ??= import('./handlers/bootstrap.ts').then((m) =>
    m.makeBootstrap(runtime, { env: process.env }),
  );
  await (await bootstrap)(req, res);
});
