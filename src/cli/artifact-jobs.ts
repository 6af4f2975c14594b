/**
 * The artifact store's background jobs in `vellum serve`, per tenant:
 *
 * - retention (every VELLUM_RETENTION_INTERVAL s, default 600): `sweep`
 *   marks expired, unheld packages eligible, then `deletion.run` deletes
 *   what is still deletable and collects unreferenced blobs; resumable
 *   uploads left open past their expiry end, and ended uploads' staged
 *   parts are deleted;
 * - scrub (every VELLUM_SCRUB_INTERVAL s, default 3600): re-hashes the
 *   least recently verified blobs.
 *
 * An interval of 0 disables a job. Runs never overlap; each logs what it did
 * (and failures, per tenant, without stopping the others).
 */
import type { Artifacts } from '../domain/artifacts/index.js';

export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ArtifactJobOptions {
  readonly artifacts: Artifacts;
  readonly tenants: () => Promise<string[]>;
  /** 0 disables. */
  readonly retentionMs: number;
  /** 0 disables. */
  readonly scrubMs: number;
  readonly log: JobLog;
  /** Blobs scrubbed per tenant per run (default 100). */
  readonly scrubLimit?: number;
}

export interface ArtifactJobs {
  /** One retention run over every tenant (what the timer does). */
  retention(): Promise<void>;
  scrub(): Promise<void>;
  /** Stops the timers and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startArtifactJobs(o: ArtifactJobOptions): ArtifactJobs {
  const { artifacts, log } = o;
  const running = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  const eachTenant = async (job: string, f: (tenant: string) => Promise<void>) => {
    let tenants: string[];
    try {
      tenants = await o.tenants();
    } catch (e) {
      log.error({ job, err: e }, `artifact ${job}: cannot list tenants`);
      return;
    }
    for (const tenant of tenants) {
      if (stopped) return;
      try {
        await f(tenant);
      } catch (e) {
        log.error({ job, tenant, err: e }, `artifact ${job} failed for tenant ${tenant}`);
      }
    }
  };

  const retention = () =>
    eachTenant('retention', async (tenant) => {
      const uploads = await artifacts.uploads.collect(tenant);
      if (uploads.expired + uploads.partsDeleted + uploads.partsLeft > 0)
        log.info(
          { job: 'retention', tenant, uploads },
          `artifact uploads: ${tenant}: ${uploads.expired} expired, ${uploads.partsDeleted} parts deleted, ${uploads.partsLeft} left for later`,
        );
      const sweep = await artifacts.deletion.sweep(tenant, 'system:retention');
      const { report } = await artifacts.deletion.run(tenant, 'system:retention');
      const deleted = report?.deleted.length ?? 0;
      const blobs = report?.blobs.deleted.length ?? 0;
      const refused = report?.blobs.failed.length ?? 0;
      if (sweep.eligible.length + deleted + blobs + refused + sweep.lockPending > 0)
        log.info(
          {
            job: 'retention',
            tenant,
            eligible: sweep.eligible,
            lockPending: sweep.lockPending,
            deleted: report?.deleted ?? [],
            skipped: report?.skipped ?? [],
            blobsDeleted: blobs,
            blobsRefused: refused,
          },
          `artifact retention: ${tenant}: ${sweep.eligible.length} eligible, ${deleted} packages deleted, ${blobs} blobs deleted, ${refused} refused`,
        );
    });

  const scrub = () =>
    eachTenant('scrub', async (tenant) => {
      const r = await artifacts.scrub.scrub(tenant, 'system:scrub', { limit: o.scrubLimit ?? 100 });
      if (r.mismatches.length > 0)
        log.warn(
          { job: 'scrub', tenant, mismatches: r.mismatches },
          `artifact scrub: ${tenant}: ${r.mismatches.length} MISMATCHES of ${r.checked} blobs`,
        );
      else if (r.checked > 0)
        log.info(
          { job: 'scrub', tenant, checked: r.checked, ok: r.ok, skipped: r.skipped.length },
          `artifact scrub: ${tenant}: ${r.ok}/${r.checked} blobs ok`,
        );
    });

  const every = (ms: number, run: () => Promise<void>) => {
    if (ms <= 0) return;
    let busy = false;
    const t = setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      const p = run().finally(() => {
        busy = false;
        running.delete(p);
      });
      running.add(p);
    }, ms);
    t.unref();
    timers.push(t);
  };
  every(o.retentionMs, retention);
  every(o.scrubMs, scrub);

  return {
    retention,
    scrub,
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running]);
    },
  };
}
