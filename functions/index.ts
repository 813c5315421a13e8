/**
 * The Cloud Functions entry point: registers onAuditLog, sweep and bootstrap, each answering
 * the bodies functions-framework fails on in JSON (handlers/framework-errors.ts). Nothing else
 * happens here; heavy modules load on first use. Each deployed function serves one target, so
 * the sweep and bootstrap handlers load only when first called (cold start, BENCHMARKS.md).
 */
import * as functions from '@google-cloud/functions-framework';
import { answersBadBodies } from './handlers/framework-errors.ts';
import { makeOnAuditLog } from './handlers/on-audit-log.ts';
import { sweepTriggered } from './handlers/sweep-trigger.ts';
import { createRuntime } from './runtime/runtime.ts';

const runtime = createRuntime(process.env);
const { logger } = runtime;
const onAuditLog = makeOnAuditLog(runtime);
let sweep: Promise<(event: functions.CloudEvent<unknown>) => Promise<unknown>> | undefined;
let bootstrap: Promise<functions.HttpFunction> | undefined;

functions.cloudEvent(
  'onAuditLog',
  answersBadBodies(
    async (event: functions.CloudEvent<unknown>) => {
      await onAuditLog(event);
    },
    { kind: 'push', target: 'onAuditLog', source: 'event' },
    logger,
  ),
);
functions.cloudEvent(
  'sweep',
  answersBadBodies(
    async (event: functions.CloudEvent<unknown>) => {
      if (!sweepTriggered(logger, event)) return;
      sweep ??= import('./handlers/sweep.ts').then((m) => m.makeSweep(runtime));
      await (await sweep)(event);
    },
    { kind: 'push', target: 'sweep', source: 'sweep' },
    logger,
  ),
);
functions.http(
  'bootstrap',
  answersBadBodies<functions.HttpFunction>(
    async (req, res) => {
      bootstrap ??= import('./handlers/bootstrap.ts').then((m) =>
        m.makeBootstrap(runtime, { env: process.env }),
      );
      await (await bootstrap)(req, res);
    },
    { kind: 'http', target: 'bootstrap' },
    logger,
  ),
);
