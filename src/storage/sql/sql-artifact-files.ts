/**
 * Artifact files (table `artifact_files`) and the blob references they
 * hold. Adding a file is one transaction in a fixed lock order (package
 * row, file row, blob row, location row), so racing adders never deadlock
 * and a refused step rolls back the ones before it.
 */
import type {
  AddFileRefusal,
  ArtifactFiles,
  FileRow,
  NewFileRow,
  NewRetentionEvent,
  StoredBlob,
} from '../artifact-store.js';
import { checkEvent, checkId, checkSha256, checkTenant, checkText, checkTime } from './artifact-checks.js';
import { eventValues, toFile } from './artifact-rows.js';
import type { ArtifactDb } from './artifact-schema.js';
import { plus } from './artifact-sql.js';
import { check, isInt, toSafeInteger } from './columns.js';
import { guard } from './unavailable.js';

/** Thrown inside a transaction to roll it back and answer a refusal. */
class Refusal extends Error {
  constructor(readonly refusal: AddFileRefusal) {
    super(refusal);
  }
}

type AddResult = { ok: true; activeHolds: number } | { ok: false; refusal: AddFileRefusal };

export class SqlArtifactFiles implements ArtifactFiles {
  constructor(private readonly db: ArtifactDb) {}

  async add(file: NewFileRow, blob: StoredBlob, maxFiles: number): Promise<AddResult> {
    checkFile(file);
    checkSha256(blob.sha256);
    check(
      blob.tenant === file.tenant && blob.sha256 === file.sha256 && blob.size === file.size,
      'blob ≠ file',
    );
    checkText(blob.key, 1024, 'a blob key');
    check(isInt(maxFiles, 1), 'maxFiles must be a positive integer');
    return guard('add artifact file', async () => {
      try {
        return await this.db.transaction().execute((trx) => addIn(trx, file, blob, maxFiles));
      } catch (e) {
        if (e instanceof Refusal) return { ok: false, refusal: e.refusal };
        throw e;
      }
    });
  }

  async get(tenant: string, id: string): Promise<FileRow | undefined> {
    checkTenant(tenant);
    checkId(id, 'file');
    const row = await guard('read artifact file', () =>
      this.db
        .selectFrom('artifact_files')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row && toFile(row);
  }

  async list(tenant: string, packageId: string, includeDeleted = false): Promise<FileRow[]> {
    checkTenant(tenant);
    checkId(packageId, 'package');
    const rows = await guard('list artifact files', () =>
      this.db
        .selectFrom('artifact_files')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('package_id', '=', packageId)
        .$if(!includeDeleted, (b) => b.where('deleted_at', 'is', null))
        .execute(),
    );
    // Code-unit order whatever the database's collation (manifests must not depend on it).
    return rows.map(toFile).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async byPath(tenant: string, packageId: string, path: string): Promise<FileRow | undefined> {
    checkTenant(tenant);
    checkId(packageId, 'package');
    checkText(path, 4096, 'a path');
    const row = await guard('read artifact file by path', () =>
      this.db
        .selectFrom('artifact_files')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('package_id', '=', packageId)
        .where('path', '=', path)
        .where('deleted_at', 'is', null)
        .executeTakeFirst(),
    );
    return row && toFile(row);
  }

  async remove(tenant: string, id: string, now: number, event: NewRetentionEvent): Promise<boolean> {
    checkTenant(tenant);
    checkId(id, 'file');
    checkTime(now, 'now');
    checkEvent(event);
    return guard('remove artifact file', () =>
      this.db.transaction().execute(async (trx) => {
        const gone = await trx
          .updateTable('artifact_files')
          .set({ deleted_at: now })
          .where('tenant', '=', tenant)
          .where('id', '=', id)
          .where('deleted_at', 'is', null)
          .where(({ exists, selectFrom }) =>
            exists(
              selectFrom('artifact_packages as p')
                .select('p.id')
                .where('p.tenant', '=', tenant)
                .whereRef('p.id', '=', 'artifact_files.package_id')
                .where('p.status', '=', 'deleting'),
            ),
          )
          .returning('sha256')
          .executeTakeFirst();
        if (!gone) return false;
        await trx
          .updateTable('blobs')
          .set({ refcount: plus('refcount', -1) })
          .where('tenant', '=', tenant)
          .where('sha256', '=', gone.sha256)
          .execute();
        await trx.insertInto('retention_events').values(eventValues(event)).execute();
        return true;
      }),
    );
  }
}

async function addIn(
  trx: ArtifactDb,
  file: NewFileRow,
  blob: StoredBlob,
  maxFiles: number,
): Promise<AddResult> {
  const { tenant } = file;
  const pkg = await trx
    .updateTable('artifact_packages')
    .set({
      file_count: plus('file_count', 1),
      total_bytes: plus('total_bytes', file.size),
      revision: plus('revision', 1),
    })
    .where('tenant', '=', tenant)
    .where('id', '=', file.packageId)
    .where('status', '=', 'open')
    .where('file_count', '<', maxFiles)
    .returning('active_holds')
    .executeTakeFirst();
  if (!pkg) {
    const row = await trx
      .selectFrom('artifact_packages')
      .select('status')
      .where('tenant', '=', tenant)
      .where('id', '=', file.packageId)
      .executeTakeFirst();
    return { ok: false, refusal: row?.status === 'open' ? 'too-many-files' : 'not-open' };
  }
  const inserted = await trx
    .insertInto('artifact_files')
    .values({
      tenant,
      id: file.id,
      package_id: file.packageId,
      path: file.path,
      media_type: file.mediaType,
      size: file.size,
      sha256: file.sha256,
      created_at: file.createdAt,
      created_by: file.createdBy,
      audit_index: file.auditIndex,
      deleted_at: null,
    })
    .onConflict((oc) => oc.columns(['tenant', 'package_id', 'path']).doNothing())
    .executeTakeFirst();
  if (inserted.numInsertedOrUpdatedRows === 0n) throw new Refusal('duplicate-path');
  await referenceBlob(trx, blob);
  return { ok: true, activeHolds: toSafeInteger(pkg.active_holds, 'active_holds') };
}

/** Inserts the blob row with one reference, or adds one to the live row; a claimed blob refuses. */
async function referenceBlob(trx: ArtifactDb, blob: StoredBlob): Promise<void> {
  const { tenant, sha256 } = blob;
  const fresh = await trx
    .insertInto('blobs')
    .values({
      tenant,
      sha256,
      size: blob.size,
      refcount: 1,
      state: 'live',
      key: blob.key,
      version_id: blob.versionId,
      retain_until: blob.retainUntil,
      legal_hold: blob.legalHold ? 1 : 0,
      protection_dirty: 0,
      created_at: blob.at,
      claimed_at: null,
      delete_failed_at: null,
      delete_error: null,
    })
    .onConflict((oc) => oc.columns(['tenant', 'sha256']).doNothing())
    .executeTakeFirst();
  if (inserted(fresh)) {
    await addLocation(trx, blob);
    return;
  }
  const old = await trx
    .selectFrom('blobs')
    .select(['retain_until', 'legal_hold', 'version_id'])
    .where('tenant', '=', tenant)
    .where('sha256', '=', sha256)
    .where('state', '=', 'live')
    .executeTakeFirst();
  if (!old) throw new Refusal('blob-busy');
  // A put that created a new version means the recorded one was gone: the new one is the blob now.
  const replaced = blob.created && old.version_id !== blob.versionId;
  const oldUntil = old.retain_until === null ? null : toSafeInteger(old.retain_until, 'retain_until');
  const until =
    replaced || oldUntil === null
      ? blob.retainUntil
      : blob.retainUntil === null
        ? oldUntil
        : Math.max(oldUntil, blob.retainUntil);
  const hold = replaced
    ? blob.legalHold
    : blob.legalHold || toSafeInteger(old.legal_hold, 'legal_hold') === 1;
  const r = await trx
    .updateTable('blobs')
    .set({
      refcount: plus('refcount', 1),
      retain_until: until,
      legal_hold: hold ? 1 : 0,
      ...(replaced && { key: blob.key, version_id: blob.versionId, protection_dirty: 1 }),
    })
    .where('tenant', '=', tenant)
    .where('sha256', '=', sha256)
    .where('state', '=', 'live')
    .executeTakeFirst();
  if (r.numUpdatedRows !== 1n) throw new Refusal('blob-busy');
  if (replaced)
    await trx
      .updateTable('storage_locations')
      .set({ object_key: blob.location.objectKey, version_id: blob.location.versionId })
      .where('tenant', '=', tenant)
      .where('sha256', '=', sha256)
      .where('backend', '=', blob.location.backend)
      .where('container', '=', blob.location.container)
      .where('status', '<>', 'deleted')
      .execute();
  await addLocation(trx, blob);
}

/** The blob's location on this backend, unless it has a live one already. */
async function addLocation(trx: ArtifactDb, blob: StoredBlob): Promise<void> {
  const loc = blob.location;
  const have = await trx
    .selectFrom('storage_locations')
    .select('id')
    .where('tenant', '=', blob.tenant)
    .where('sha256', '=', blob.sha256)
    .where('backend', '=', loc.backend)
    .where('container', '=', loc.container)
    .where('status', '<>', 'deleted')
    .executeTakeFirst();
  if (have) return;
  await trx
    .insertInto('storage_locations')
    .values({
      tenant: blob.tenant,
      id: loc.id,
      sha256: blob.sha256,
      backend: loc.backend,
      container: loc.container,
      object_key: loc.objectKey,
      version_id: loc.versionId,
      tier: 'hot',
      restore_status: 'available',
      restore_requested_at: null,
      restore_expires_at: null,
      status: 'stored',
      created_at: blob.at,
      last_verified_at: null,
    })
    .execute();
}

function inserted(r: { numInsertedOrUpdatedRows?: bigint }): boolean {
  return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

function checkFile(f: NewFileRow): void {
  checkTenant(f.tenant);
  checkId(f.id, 'file');
  checkId(f.packageId, 'package');
  checkText(f.path, 4096, 'a path');
  check(f.path.length > 0, 'a path is not empty');
  checkText(f.mediaType, 255, 'a media type');
  check(isInt(f.size), 'a size is a non-negative integer');
  checkSha256(f.sha256);
  checkTime(f.createdAt, 'createdAt');
  checkText(f.createdBy, 200, 'an actor');
  check(isInt(f.auditIndex), 'an audit index is a non-negative integer');
}
