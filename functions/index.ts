/**
 * The Cloud Functions entry point: registers onAuditLog, sweep and bootstrap. Nothing else
 * happens here; heavy modules load on first use.
 */
import * as functions from '@google-cloud/functions-framework';
import { makeBootstrap } from './handlers/bootstrap.ts';
import { makeOnAuditLog } from './handlers/on-audit-log.ts';
import { makeSweep } from './handlers/sweep.ts';
import { createRuntime } from './runtime/runtime.ts';

const runtime = createRuntime(process.env);
const onAuditLog = makeOnAuditLog(runtime);
const sweep = makeSweep(runtime);

functions.cloudEvent('onAuditLog', async (event: functions.CloudEvent<unknown>) => {
  await onAuditLog(event);
});
functions.cloudEvent('sweep', async (event: functions.CloudEvent<unknown>) => {
  await sweep(event);
});
functions.http('bootstrap', makeBootstrap(runtime));
