/**
 * Prometheus metrics of one server, in their own registry (never the
 * process-global one, so that several apps can live in one test process):
 *
 * - vellum_entries_appended_total{tenant,log}      entries acknowledged (durable)
 * - vellum_append_seconds{wait}                    append latency as the client sees it
 * - vellum_batch_entries                           entries per sequencing round (LogOptions.onRound)
 * - vellum_round_seconds                           duration of a sequencing round
 * - vellum_pool_depth{tenant,log}                  entries waiting to be sequenced
 * - vellum_checkpoint_age_seconds{tenant,log}      seconds since this process saw the log's
 *                                                  published size change (or first used the log)
 * - vellum_http_requests_total{method,route,status}
 * - vellum_http_request_seconds{method,route}
 * - vellum_artifact_scrub_mismatches_total{tenant} stored blobs whose bytes no longer hash to
 *                                                  their digest (or could not be read), per scrub
 * plus the default Node.js process metrics.
 *
 * Logs are watched once the HTTP layer has used them; a log closed by the
 * registry's LRU is forgotten when it is garbage-collected.
 */
import client from 'prom-client';
import type { Log } from '../ledger/log.js';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new client.Registry();
  readonly #watched = new Map<string, { log: WeakRef<Log>; size: number; since: number }>();

  readonly appended = new client.Counter({
    name: 'vellum_entries_appended_total',
    help: 'Entries acknowledged as durable',
    labelNames: ['tenant', 'log'] as const,
    registers: [this.registry],
  });
  readonly appendSeconds = new client.Histogram({
    name: 'vellum_append_seconds',
    help: 'Append latency from request to answer',
    labelNames: ['wait'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  readonly batchEntries = new client.Histogram({
    name: 'vellum_batch_entries',
    help: 'Entries integrated per sequencing round',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
    registers: [this.registry],
  });
  readonly roundSeconds = new client.Histogram({
    name: 'vellum_round_seconds',
    help: 'Duration of a sequencing round (to its commit point)',
    buckets: SECONDS,
    registers: [this.registry],
  });
  readonly httpRequests = new client.Counter({
    name: 'vellum_http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpSeconds = new client.Histogram({
    name: 'vellum_http_request_seconds',
    help: 'HTTP request duration by route template',
    labelNames: ['method', 'route'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  readonly scrubMismatches = new client.Counter({
    name: 'vellum_artifact_scrub_mismatches_total',
    help: 'Stored blobs a scrub found not to hash to their digest, or could not read',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    const watched = this.#watched;
    new client.Gauge({
      name: 'vellum_pool_depth',
      help: 'Entries waiting in the log pool',
      labelNames: ['tenant', 'log'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [id, w] of watched) {
          const log = w.log.deref();
          if (!log) watched.delete(id);
          else this.set(labels(id), log.pending);
        }
      },
    });
    new client.Gauge({
      name: 'vellum_checkpoint_age_seconds',
      help: "Seconds since this process saw the log's published size change",
      labelNames: ['tenant', 'log'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const now = Date.now();
        for (const [id, w] of watched) {
          const log = w.log.deref();
          if (!log) continue;
          const size = headSize(log);
          if (size !== w.size) {
            w.size = size;
            w.since = now;
          }
          this.set(labels(id), (now - w.since) / 1000);
        }
      },
    });
    if (opts.processMetrics !== false) client.collectDefaultMetrics({ register: this.registry });
  }

  /** For RegistryOptions.logOptions.onRound. */
  readonly onRound = (r: { entries: number; size: number; ms: number }): void => {
    this.batchEntries.observe(r.entries);
    this.roundSeconds.observe(r.ms / 1000);
  };

  /** Starts (or keeps) watching a log's pool depth and checkpoint age. */
  watch(log: Log): void {
    const w = this.#watched.get(log.id);
    if (w && w.log.deref() === log) return;
    this.#watched.set(log.id, { log: new WeakRef(log), size: headSize(log), since: Date.now() });
  }

  /** The exposition text, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function labels(id: string): { tenant: string; log: string } {
  const [tenant = '', log = ''] = id.split('/');
  return { tenant, log };
}

function headSize(log: Log): number {
  try {
    return log.head().size;
  } catch {
    return -1;
  }
}
