import type { LogEntry } from './audit.ts';
import { compileFilter, type EntryFilter } from './filter.ts';

/** Sink configuration, as `PUT /__sim/sink` takes it. */
export interface SinkConfig {
  /** `projects/P/topics/T` on the Pub/Sub emulator. */
  topic: string;
  /** Logging query subset (see filter.ts); absent = every entry. */
  filter?: string;
  /** `host:port` of the emulator; defaults to PUBSUB_EMULATOR_HOST. Must be loopback. */
  emulatorHost?: string;
}

/** Sink status, as `GET /__sim/sink` shows it. */
export interface SinkStatus {
  config: SinkConfig | null;
  published: number;
  failed: number;
  lastError: string | null;
}

/**
 * Publishes matching audit entries to a Pub/Sub topic, as a Cloud Logging sink does: the
 * message data is the LogEntry JSON and the attribute `logging.googleapis.com/timestamp` is set
 * (https://cloud.google.com/logging/docs/export/pubsub). Uses the emulator's REST API
 * (`POST /v1/{topic}:publish`, https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.topics/publish)
 * so the simulator does not load the gRPC client. Publishing is ordered and never blocks the API
 * call that wrote the entry; {@link LogSink.flush} waits for it.
 */
export class LogSink {
  #config: SinkConfig | null = null;
  #filter: EntryFilter = () => false;
  #chain: Promise<void> = Promise.resolve();
  #published = 0;
  #failed = 0;
  #lastError: string | null = null;

  /** Sets or clears (null) the sink. Throws FilterSyntaxError or Error on a bad config. */
  configure(config: SinkConfig | null): void {
    if (config) {
      if (!/^projects\/[^/]+\/topics\/[^/]{3,}$/.test(config.topic)) {
        throw new Error(`topic must look like projects/P/topics/T, got ${config.topic}`);
      }
      const host = config.emulatorHost ?? process.env.PUBSUB_EMULATOR_HOST;
      if (!host || !/^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(host)) {
        throw new Error(
          'sink needs a loopback emulator host (emulatorHost or PUBSUB_EMULATOR_HOST)',
        );
      }
      this.#filter = compileFilter(config.filter);
      this.#config = { ...config, emulatorHost: host };
    } else {
      this.#config = null;
      this.#filter = () => false;
    }
  }

  status(): SinkStatus {
    return {
      config: this.#config,
      published: this.#published,
      failed: this.#failed,
      lastError: this.#lastError,
    };
  }

  /** Queues `entry` for publishing when it matches. */
  offer(entry: LogEntry): void {
    const config = this.#config;
    if (!config || !this.#filter(entry)) return;
    this.#chain = this.#chain.then(() => this.#publish(config, entry));
  }

  /** Resolves once everything queued so far was published (or failed). */
  flush(): Promise<void> {
    return this.#chain;
  }

  async #publish(config: SinkConfig, entry: LogEntry): Promise<void> {
    const url = `http://${config.emulatorHost}/v1/${config.topic}:publish`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          messages: [
            {
              data: Buffer.from(JSON.stringify(entry)).toString('base64'),
              attributes: { 'logging.googleapis.com/timestamp': entry.timestamp },
            },
          ],
        }),
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`publish ${res.status}: ${await res.text()}`);
      this.#published += 1;
    } catch (e) {
      this.#failed += 1;
      this.#lastError = e instanceof Error ? e.message : String(e);
    }
  }
}
