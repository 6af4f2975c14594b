/**
 * Artifact packages (tables `artifact_packages`, `artifact_package_labels`).
 * Every state change is one conditional UPDATE whose WHERE clause states
 * what must still be true (status, revision, expiry, no active hold), so
 * the database's row lock decides between racing writers: on PostgreSQL a
 * waiting UPDATE re-checks the clause against the winner's committed row.
 * Holds change `active_holds` on the package row itself for that reason.
 */
import type { ExpressionBuilder } from 'kysely';
import type {
  ArtifactPackages,
  NewPackageRow,
  NewRetentionEvent,
  PackageLabel,
  PackagePage,
  PackageQuery,
  PackageRow,
} from '../artifact-store.js';
import { StorageError } from '../errors.js';
import {
  checkEvent,
  checkId,
  checkLimit,
  checkSha256,
  checkTenant,
  checkText,
  checkTime,
} from './artifact-checks.js';
import { eventValues, PACKAGE_COLUMNS, toPackage } from './artifact-rows.js';
import type { ArtifactDatabase, ArtifactDb } from './artifact-schema.js';
import { atLeast, plus } from './artifact-sql.js';
import { check, isInt } from './columns.js';
import { guard } from './unavailable.js';

const LIVE = ['open', 'finalized'] as const;

export class SqlArtifactPackages implements ArtifactPackages {
  constructor(private readonly db: ArtifactDb) {}

  async create(row: NewPackageRow, labels: readonly PackageLabel[], event: NewRetentionEvent): Promise<void> {
    checkTenant(row.tenant);
    checkId(row.id, 'package');
    for (const [v, max, what] of [
      [row.name, 200, 'a name'],
      [row.producer, 200, 'a producer'],
      [row.subject, 500, 'a subject'],
      [row.retentionRule, 200, 'a retention rule'],
      [row.metadata, 65_536, 'metadata'],
      [row.createdBy, 200, 'an actor'],
    ] as const)
      checkText(v, max, what);
    checkTime(row.createdAt, 'createdAt');
    checkTime(row.lockUntil, 'lockUntil');
    if (row.expiresAt !== null) checkTime(row.expiresAt, 'expiresAt');
    for (const l of labels) {
      checkText(l.key, 128, 'a label key');
      checkText(l.value, 512, 'a label value');
    }
    checkEvent(event);
    await guard('create artifact package', () =>
      this.db.transaction().execute(async (trx) => {
        const r = await trx
          .insertInto('artifact_packages')
          .values({
            tenant: row.tenant,
            id: row.id,
            name: row.name,
            producer: row.producer,
            subject: row.subject,
            retention_class: row.retentionClass,
            retention_rule: row.retentionRule,
            status: 'open',
            metadata: row.metadata,
            created_at: row.createdAt,
            created_by: row.createdBy,
            finalized_at: null,
            expires_at: row.expiresAt,
            lock_until: row.lockUntil,
            eligible_at: null,
            deleted_at: null,
            file_count: 0,
            total_bytes: 0,
            active_holds: 0,
            revision: 0,
            manifest: null,
            manifest_sha256: null,
            finalize_index: null,
          })
          .onConflict((oc) => oc.columns(['tenant', 'id']).doNothing())
          .executeTakeFirst();
        if (r.numInsertedOrUpdatedRows === 0n)
          throw new StorageError('exists-different', `package ${row.id} already exists`);
        if (labels.length > 0)
          await trx
            .insertInto('artifact_package_labels')
            .values(
              labels.map((l) => ({ tenant: row.tenant, package_id: row.id, key: l.key, value: l.value })),
            )
            .execute();
        await trx.insertInto('retention_events').values(eventValues(event)).execute();
      }),
    );
  }

  async get(tenant: string, id: string): Promise<PackageRow | undefined> {
    checkTenant(tenant);
    checkId(id, 'package');
    const row = await guard('read artifact package', () =>
      this.db
        .selectFrom('artifact_packages')
        .select(PACKAGE_COLUMNS)
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row && toPackage(row);
  }

  async list(q: PackageQuery): Promise<PackagePage> {
    checkTenant(q.tenant);
    checkLimit(q.limit);
    const labels = q.labels ?? [];
    check(labels.length <= 16, 'at most 16 metadata filters');
    if (q.after) {
      checkTime(q.after.createdAt, 'cursor');
      checkId(q.after.id, 'package');
    }
    for (const t of [q.createdFrom, q.createdTo]) if (t !== undefined) checkTime(t, 'a time filter');
    const rows = await guard('list artifact packages', () =>
      this.db
        .selectFrom('artifact_packages as p')
        .select(PACKAGE_COLUMNS.map((c) => `p.${c}` as const))
        .where('p.tenant', '=', q.tenant)
        .$if(q.subject !== undefined, (b) => b.where('p.subject', '=', q.subject!))
        .$if(q.producer !== undefined, (b) => b.where('p.producer', '=', q.producer!))
        .$if(q.name !== undefined, (b) => b.where('p.name', '=', q.name!))
        .$if(q.status !== undefined, (b) => b.where('p.status', '=', q.status!))
        .$if(q.retentionClass !== undefined, (b) => b.where('p.retention_class', '=', q.retentionClass!))
        .$if(q.createdFrom !== undefined, (b) => b.where('p.created_at', '>=', q.createdFrom!))
        .$if(q.createdTo !== undefined, (b) => b.where('p.created_at', '<', q.createdTo!))
        .$if(q.after !== undefined, (b) =>
          b.where((eb) =>
            eb.or([
              eb('p.created_at', '<', q.after!.createdAt),
              eb.and([eb('p.created_at', '=', q.after!.createdAt), eb('p.id', '<', q.after!.id)]),
            ]),
          ),
        )
        .$if(labels.length > 0, (b) => b.where((eb) => eb.and(labels.map((l) => hasLabel(eb, l)))))
        .orderBy('p.created_at', 'desc')
        .orderBy('p.id', 'desc')
        .limit(q.limit + 1)
        .execute(),
    );
    const out = rows.map(toPackage);
    for (const p of out)
      if (p.tenant !== q.tenant) throw new StorageError('unavailable', 'a package query crossed tenants');
    return { rows: out.slice(0, q.limit), more: out.length > q.limit };
  }

  async finalize(
    tenant: string,
    id: string,
    f: {
      revision: number;
      finalizedAt: number;
      manifest: string;
      manifestSha256: string;
      finalizeIndex: number;
    },
  ): Promise<boolean> {
    checkTenant(tenant);
    checkId(id, 'package');
    checkSha256(f.manifestSha256);
    checkTime(f.finalizedAt, 'finalizedAt');
    check(isInt(f.finalizeIndex) && isInt(f.revision), 'finalize needs integer revision and index');
    check(typeof f.manifest === 'string', 'the manifest is text');
    const r = await guard('finalize artifact package', () =>
      this.db
        .updateTable('artifact_packages')
        .set({
          status: 'finalized',
          finalized_at: f.finalizedAt,
          manifest: f.manifest,
          manifest_sha256: f.manifestSha256,
          finalize_index: f.finalizeIndex,
          revision: plus('revision', 1),
        })
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .where('status', '=', 'open')
        .where('revision', '=', f.revision)
        .executeTakeFirst(),
    );
    return r.numUpdatedRows === 1n;
  }

  async manifest(tenant: string, id: string): Promise<string | undefined> {
    checkTenant(tenant);
    checkId(id, 'package');
    const row = await guard('read artifact manifest', () =>
      this.db
        .selectFrom('artifact_packages')
        .select('manifest')
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row?.manifest ?? undefined;
  }

  async extend(
    tenant: string,
    id: string,
    c: { from: number; to: number; lockUntil: number },
    event: NewRetentionEvent,
  ): Promise<boolean> {
    checkTenant(tenant);
    checkId(id, 'package');
    for (const t of [c.from, c.to, c.lockUntil]) checkTime(t, 'an expiry');
    check(c.to > c.from, 'an extension must move the expiry later');
    checkEvent(event);
    return guard('extend artifact retention', () =>
      this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('artifact_packages')
          .set({
            expires_at: c.to,
            lock_until: atLeast('lock_until', c.lockUntil),
            eligible_at: null,
            revision: plus('revision', 1),
          })
          .where('tenant', '=', tenant)
          .where('id', '=', id)
          .where('status', 'in', LIVE)
          .where('expires_at', '=', c.from)
          .executeTakeFirst();
        if (r.numUpdatedRows !== 1n) return false;
        await trx.insertInto('retention_events').values(eventValues(event)).execute();
        return true;
      }),
    );
  }

  async expired(tenant: string, now: number, limit: number): Promise<PackageRow[]> {
    checkTenant(tenant);
    checkTime(now, 'now');
    checkLimit(limit, 10_000);
    const rows = await guard('find expired artifact packages', () =>
      this.db
        .selectFrom('artifact_packages')
        .select(PACKAGE_COLUMNS)
        .where('tenant', '=', tenant)
        .where('status', 'in', LIVE)
        .where('expires_at', '<=', now)
        .where('eligible_at', 'is', null)
        .where('active_holds', '=', 0)
        .orderBy('expires_at', 'asc')
        .orderBy('id', 'asc')
        .limit(limit)
        .execute(),
    );
    return rows.map(toPackage);
  }

  async markEligible(tenant: string, id: string, now: number, event: NewRetentionEvent): Promise<boolean> {
    checkTenant(tenant);
    checkId(id, 'package');
    checkTime(now, 'now');
    checkEvent(event);
    return guard('mark artifact package eligible', () =>
      this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('artifact_packages')
          .set({ eligible_at: now })
          .where('tenant', '=', tenant)
          .where('id', '=', id)
          .where('status', 'in', LIVE)
          .where('expires_at', '<=', now)
          .where('eligible_at', 'is', null)
          .where('active_holds', '=', 0)
          .executeTakeFirst();
        if (r.numUpdatedRows !== 1n) return false;
        await trx.insertInto('retention_events').values(eventValues(event)).execute();
        return true;
      }),
    );
  }

  async eligible(tenant: string, limit: number): Promise<PackageRow[]> {
    checkTenant(tenant);
    checkLimit(limit, 10_000);
    const rows = await guard('find eligible artifact packages', () =>
      this.db
        .selectFrom('artifact_packages')
        .select(PACKAGE_COLUMNS)
        .where('tenant', '=', tenant)
        .where((eb) =>
          eb.or([
            eb.and([eb('status', 'in', LIVE), eb('eligible_at', 'is not', null)]),
            eb('status', '=', 'deleting'),
          ]),
        )
        .orderBy('expires_at', 'asc')
        .orderBy('id', 'asc')
        .limit(limit)
        .execute(),
    );
    return rows.map(toPackage);
  }

  async claimForDeletion(
    tenant: string,
    id: string,
    c: { now: number; run: string; staleBefore: number },
    event: NewRetentionEvent,
  ): Promise<'claimed' | 'resumed' | false> {
    checkTenant(tenant);
    checkId(id, 'package');
    checkId(c.run, 'run');
    checkTime(c.now, 'now');
    checkTime(c.staleBefore, 'staleBefore');
    checkEvent(event);
    return guard('claim artifact package for deletion', () =>
      this.db.transaction().execute(async (trx) => {
        // The retention guard: evaluated by the statement that changes the row, at run time.
        const r = await trx
          .updateTable('artifact_packages')
          .set({
            status: 'deleting',
            deletion_run: c.run,
            deletion_claimed_at: c.now,
            revision: plus('revision', 1),
          })
          .where('tenant', '=', tenant)
          .where('id', '=', id)
          .where('status', 'in', LIVE)
          .where('eligible_at', 'is not', null)
          .where('expires_at', '<=', c.now)
          .where('active_holds', '=', 0)
          .executeTakeFirst();
        if (r.numUpdatedRows === 1n) {
          await trx.insertInto('retention_events').values(eventValues(event)).execute();
          return 'claimed' as const;
        }
        const stale = await trx
          .updateTable('artifact_packages')
          .set({ deletion_run: c.run, deletion_claimed_at: c.now })
          .where('tenant', '=', tenant)
          .where('id', '=', id)
          .where('status', '=', 'deleting')
          .where((eb) =>
            eb.or([eb('deletion_claimed_at', 'is', null), eb('deletion_claimed_at', '<', c.staleBefore)]),
          )
          .executeTakeFirst();
        return stale.numUpdatedRows === 1n ? ('resumed' as const) : false;
      }),
    );
  }

  async markDeleted(tenant: string, id: string, now: number, event: NewRetentionEvent): Promise<boolean> {
    checkTenant(tenant);
    checkId(id, 'package');
    checkTime(now, 'now');
    checkEvent(event);
    return guard('mark artifact package deleted', () =>
      this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('artifact_packages')
          .set({ status: 'deleted', deleted_at: now, revision: plus('revision', 1) })
          .where('tenant', '=', tenant)
          .where('id', '=', id)
          .where('status', '=', 'deleting')
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('artifact_files as f')
                  .select('f.id')
                  .where('f.tenant', '=', tenant)
                  .where('f.package_id', '=', id)
                  .where('f.deleted_at', 'is', null),
              ),
            ),
          )
          .executeTakeFirst();
        if (r.numUpdatedRows !== 1n) return false;
        await trx.insertInto('retention_events').values(eventValues(event)).execute();
        return true;
      }),
    );
  }
}

function hasLabel(
  eb: ExpressionBuilder<ArtifactDatabase & { p: ArtifactDatabase['artifact_packages'] }, 'p'>,
  l: PackageLabel,
) {
  return eb.exists(
    eb
      .selectFrom('artifact_package_labels as l')
      .select('l.key')
      .whereRef('l.tenant', '=', 'p.tenant')
      .whereRef('l.package_id', '=', 'p.id')
      .where('l.key', '=', l.key)
      .where('l.value', '=', l.value),
  );
}
