/**
 * Content-addressed blobs (table `blobs`): one row per (tenant, SHA-256),
 * its reference count, the version that holds the bytes, the WORM state
 * applied to that version, and the garbage-collection claim. A claim is a
 * conditional UPDATE (refcount = 0), and adding a reference requires
 * state = 'live', so the two can never both succeed.
 */
import { sql } from 'kysely';
import type { ArtifactBlobs, BlobRow, NewRetentionEvent, WantedProtection } from '../artifact-store.js';
import { checkEvent, checkLimit, checkSha256, checkTenant, checkText, checkTime } from './artifact-checks.js';
import { eventValues, toBlob } from './artifact-rows.js';
import type { ArtifactDb } from './artifact-schema.js';
import { atLeast } from './artifact-sql.js';
import { toNullableInteger, toSafeInteger } from './columns.js';
import { guard } from './unavailable.js';

/** Digests per IN (...) list. */
const CHUNK = 500;

export class SqlArtifactBlobs implements ArtifactBlobs {
  constructor(private readonly db: ArtifactDb) {}

  async get(tenant: string, sha256: string): Promise<BlobRow | undefined> {
    checkTenant(tenant);
    checkSha256(sha256);
    const row = await guard('read blob', () =>
      this.db
        .selectFrom('blobs')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('sha256', '=', sha256)
        .executeTakeFirst(),
    );
    return row && toBlob(row);
  }

  async wantedForPackage(tenant: string, packageId: string): Promise<WantedProtection[]> {
    checkTenant(tenant);
    const rows = await guard('list the blobs of a package', () =>
      this.db
        .selectFrom('artifact_files')
        .select('sha256')
        .distinct()
        .where('tenant', '=', tenant)
        .where('package_id', '=', packageId)
        .where('deleted_at', 'is', null)
        .execute(),
    );
    return this.wanted(
      tenant,
      rows.map((r) => r.sha256),
    );
  }

  async wanted(tenant: string, sha256s: readonly string[]): Promise<WantedProtection[]> {
    checkTenant(tenant);
    for (const s of sha256s) checkSha256(s);
    const out: WantedProtection[] = [];
    for (let i = 0; i < sha256s.length; i += CHUNK) {
      const chunk = sha256s.slice(i, i + CHUNK);
      const [blobs, wants] = await guard('read wanted blob protection', () =>
        Promise.all([
          this.db
            .selectFrom('blobs')
            .selectAll()
            .where('tenant', '=', tenant)
            .where('sha256', 'in', chunk)
            .execute(),
          this.db
            .selectFrom('artifact_files as f')
            .innerJoin('artifact_packages as p', (j) =>
              j.onRef('p.tenant', '=', 'f.tenant').onRef('p.id', '=', 'f.package_id'),
            )
            .select((eb) => [
              'f.sha256',
              eb.fn.max('p.lock_until').as('until'),
              eb.fn.max(sql<number>`case when ${eb.ref('p.active_holds')} > 0 then 1 else 0 end`).as('held'),
            ])
            .where('f.tenant', '=', tenant)
            .where('f.sha256', 'in', chunk)
            .where('f.deleted_at', 'is', null)
            .where('p.status', '<>', 'deleted')
            .groupBy('f.sha256')
            .execute(),
        ]),
      );
      const byDigest = new Map(wants.map((w) => [w.sha256, w]));
      for (const b of blobs) {
        const w = byDigest.get(b.sha256);
        out.push({
          blob: toBlob(b),
          retainUntil: w ? toNullableInteger(w.until, 'lock_until') : null,
          legalHold: w ? toSafeInteger(w.held, 'held') === 1 : false,
        });
      }
    }
    return out;
  }

  async dirty(tenant: string, limit: number): Promise<BlobRow[]> {
    checkTenant(tenant);
    checkLimit(limit, 10_000);
    const rows = await guard('list blobs to protect', () =>
      this.db
        .selectFrom('blobs')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('protection_dirty', '=', 1)
        .where('state', '=', 'live')
        .limit(limit)
        .execute(),
    );
    return rows.map(toBlob);
  }

  async setProtection(
    tenant: string,
    sha256: string,
    p: { retainUntil: number | null; legalHold: boolean; dirty: boolean },
  ): Promise<void> {
    checkTenant(tenant);
    checkSha256(sha256);
    if (p.retainUntil !== null) checkTime(p.retainUntil, 'retainUntil');
    await guard('record blob protection', () =>
      this.db
        .updateTable('blobs')
        .set({
          ...(p.retainUntil !== null && {
            retain_until: atLeast('retain_until', p.retainUntil),
          }),
          legal_hold: p.legalHold ? 1 : 0,
          protection_dirty: p.dirty ? 1 : 0,
        })
        .where('tenant', '=', tenant)
        .where('sha256', '=', sha256)
        .execute(),
    );
  }

  async unreferenced(tenant: string, staleBefore: number, limit: number): Promise<BlobRow[]> {
    checkTenant(tenant);
    checkTime(staleBefore, 'staleBefore');
    checkLimit(limit, 10_000);
    const rows = await guard('list unreferenced blobs', () =>
      this.db
        .selectFrom('blobs')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('refcount', '=', 0)
        .where((eb) =>
          eb.or([
            eb('state', '=', 'live'),
            eb.and([eb('state', '=', 'deleting'), eb('claimed_at', '<', staleBefore)]),
          ]),
        )
        .orderBy('sha256')
        .limit(limit)
        .execute(),
    );
    return rows.map(toBlob);
  }

  async claim(tenant: string, sha256: string, now: number, staleBefore: number): Promise<boolean> {
    checkTenant(tenant);
    checkSha256(sha256);
    checkTime(now, 'now');
    const r = await guard('claim blob for deletion', () =>
      this.db
        .updateTable('blobs')
        .set({ state: 'deleting', claimed_at: now })
        .where('tenant', '=', tenant)
        .where('sha256', '=', sha256)
        .where('refcount', '=', 0)
        .where((eb) =>
          eb.or([
            eb('state', '=', 'live'),
            eb.and([eb('state', '=', 'deleting'), eb('claimed_at', '<', staleBefore)]),
          ]),
        )
        .executeTakeFirst(),
    );
    return r.numUpdatedRows === 1n;
  }

  async forget(tenant: string, sha256: string, now: number, event: NewRetentionEvent): Promise<boolean> {
    checkTenant(tenant);
    checkSha256(sha256);
    checkTime(now, 'now');
    checkEvent(event);
    return guard('forget deleted blob', () =>
      this.db.transaction().execute(async (trx) => {
        const r = await trx
          .deleteFrom('blobs')
          .where('tenant', '=', tenant)
          .where('sha256', '=', sha256)
          .where('state', '=', 'deleting')
          .where('refcount', '=', 0)
          .executeTakeFirst();
        if (r.numDeletedRows !== 1n) return false;
        await trx
          .updateTable('storage_locations')
          .set({ status: 'deleted' })
          .where('tenant', '=', tenant)
          .where('sha256', '=', sha256)
          .where('status', '<>', 'deleted')
          .execute();
        await trx.insertInto('retention_events').values(eventValues(event)).execute();
        return true;
      }),
    );
  }

  async unclaim(
    tenant: string,
    sha256: string,
    now: number,
    error: string,
    event: NewRetentionEvent,
  ): Promise<void> {
    checkTenant(tenant);
    checkSha256(sha256);
    checkTime(now, 'now');
    checkText(error, 4000, 'an error');
    checkEvent(event);
    await guard('release blob claim', () =>
      this.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('blobs')
          .set({ state: 'live', claimed_at: null, delete_failed_at: now, delete_error: error })
          .where('tenant', '=', tenant)
          .where('sha256', '=', sha256)
          .where('state', '=', 'deleting')
          .execute();
        await trx.insertInto('retention_events').values(eventValues(event)).execute();
      }),
    );
  }
}
