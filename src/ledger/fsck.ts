/**
 * The integrity check of every log in a deployment: each log audited from
 * its published checkpoint down (the checks of `vellum verify`), the
 * checkpoint lock compared with the published checkpoint, and leftovers of
 * interrupted rounds reported (staging objects, temp files). It reads only:
 * it repairs nothing, and says what recovery would do.
 */
import type { CheckpointLock } from '../storage/checkpoint-lock.js';
import type { LogCatalog } from '../storage/log-catalog.js';
import type { LogSource } from '../storage/log-source.js';
import type { ObjectStore } from '../storage/object-store.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { bytesEqual } from '../tlog/hash.js';
import { parseSignerKey, parseVerifierKey } from '../tlog/note.js';
import { auditLog } from './audit.js';

export interface FsckDrivers {
  readonly catalog: LogCatalog;
  readonly lock: CheckpointLock;
  readonly store: (tenant: string, log: string) => ObjectStore;
  readonly source: (tenant: string, log: string) => LogSource;
  /** Leftover temp files of a log's store, when the driver can tell. */
  readonly tempFiles?: (tenant: string, log: string) => Promise<string[]>;
}

export interface FsckFinding {
  readonly log: string;
  readonly item: string;
  readonly problem: string;
}

export interface FsckReport {
  readonly logs: { log: string; size: number }[];
  readonly findings: FsckFinding[];
}

export async function fsck(
  d: FsckDrivers,
  onLog?: (log: string, done: number, total: number) => void,
): Promise<FsckReport> {
  const all = await d.catalog.list();
  const report: FsckReport = { logs: [], findings: [] };
  for (const [i, { tenant, log }] of all.entries()) {
    const id = `${tenant}/${log}`;
    onLog?.(id, i, all.length);
    const found = (item: string, problem: string) => report.findings.push({ log: id, item, problem });
    const record = await d.catalog.get(tenant, log);
    if (!record) {
      found('catalog', 'listed but unreadable');
      continue;
    }
    const signer = parseSignerKey(record.skey);
    const verifier = parseVerifierKey(signer.vkey);
    const store = d.store(tenant, log);
    const locked = await d.lock.get(id);
    const published = await store.get('checkpoint');
    if (!locked) found('checkpoint lock', 'missing: the log was never opened, or its lock was lost');
    if (!published) found('checkpoint', 'missing');
    if (locked && published && !bytesEqual(locked, published)) {
      try {
        const l = openCheckpoint(locked, [verifier]).checkpoint;
        const p = openCheckpoint(published, [verifier]).checkpoint;
        found(
          'checkpoint',
          l.size > p.size
            ? `a committed round (size ${l.size}) is not published yet (published: ${p.size}); opening the log publishes it`
            : `the published checkpoint (size ${p.size}) is not the committed one (size ${l.size})`,
        );
      } catch (e) {
        found('checkpoint lock', `does not verify: ${(e as Error).message}`);
      }
    }
    const result = await auditLog(d.source(tenant, log), { logKey: verifier });
    if (result.ok) report.logs.push({ log: id, size: result.checkpoint.size });
    else found(result.item, result.reason);
    for (const k of await store.list('staging/'))
      found(k, 'orphaned staging object of an interrupted round; opening the log removes it');
    for (const t of (await d.tempFiles?.(tenant, log)) ?? [])
      found(t, 'leftover temp file of an interrupted write');
  }
  onLog?.('', all.length, all.length);
  return report;
}
