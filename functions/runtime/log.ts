/**
 * Structured logging in the form Cloud Logging reads from stdout: one JSON object a line with
 * `severity` and `message` (https://cloud.google.com/functions/docs/monitoring/logging#writing_structured_logs).
 */

export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

export type LogSink = (line: string) => void;

export interface Logger {
  log(severity: Severity, message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(sink: LogSink = (line) => process.stdout.write(`${line}\n`)): Logger {
  return {
    log(severity, message, fields = {}) {
      sink(JSON.stringify({ severity, message, component: 'peerlink', ...fields }));
    },
  };
}
