/**
 * Resumable uploads (tables `artifact_uploads` and `artifact_upload_parts`,
 * migration 0003). A part is recorded in the same transaction that moves
 * the upload's `received` offset, and only when the part starts exactly
 * there: two clients racing with the same part both stage it, one records
 * it, the other is told the offset moved.
 */
import type {
  ArtifactUploads,
  NewUploadRow,
  UploadPartRow,
  UploadRow,
  UploadState,
} from '../artifact-store.js';
import { checkId, checkLimit, checkSha256, checkTenant, checkText, checkTime } from './artifact-checks.js';
import { toUpload, toUploadPart } from './artifact-rows.js';
import type { ArtifactDb } from './artifact-schema.js';
import { plus } from './artifact-sql.js';
import { check, isInt } from './columns.js';
import { guard } from './unavailable.js';

const STATES: readonly UploadState[] = ['open', 'completing', 'completed', 'failed', 'aborted', 'expired'];

export class SqlArtifactUploads implements ArtifactUploads {
  constructor(private readonly db: ArtifactDb) {}

  async create(row: NewUploadRow): Promise<void> {
    checkTenant(row.tenant);
    checkId(row.id, 'upload');
    checkId(row.packageId, 'package');
    checkText(row.path, 1024, 'a path');
    checkText(row.mediaType, 255, 'a media type');
    check(isInt(row.size), 'size must be a non-negative integer');
    checkSha256(row.sha256);
    checkTime(row.createdAt, 'createdAt');
    checkText(row.createdBy, 200, 'an actor');
    checkTime(row.expiresAt, 'expiresAt');
    await guard('create upload', () =>
      this.db
        .insertInto('artifact_uploads')
        .values({
          tenant: row.tenant,
          id: row.id,
          package_id: row.packageId,
          path: row.path,
          media_type: row.mediaType,
          size: row.size,
          sha256: row.sha256,
          state: 'open',
          received: 0,
          parts: 0,
          created_at: row.createdAt,
          created_by: row.createdBy,
          updated_at: row.createdAt,
          expires_at: row.expiresAt,
          file_id: null,
          failure: null,
        })
        .execute(),
    );
  }

  async get(tenant: string, id: string): Promise<UploadRow | undefined> {
    checkTenant(tenant);
    checkId(id, 'upload');
    const row = await guard('read upload', () =>
      this.db
        .selectFrom('artifact_uploads')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row && toUpload(row);
  }

  async addPart(
    tenant: string,
    id: string,
    part: UploadPartRow,
    now: number,
    maxParts: number,
  ): Promise<'added' | 'offset' | 'closed' | 'too-many-parts'> {
    checkTenant(tenant);
    checkId(id, 'upload');
    check(isInt(part.offset) && isInt(part.size, 1), 'a part has an offset and at least one byte');
    checkSha256(part.sha256);
    checkText(part.key, 1024, 'an object key');
    if (part.versionId !== null) checkText(part.versionId, 1024, 'a version id');
    checkTime(now, 'now');
    check(isInt(maxParts, 1), 'maxParts must be positive');
    return guard('add upload part', () =>
      this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('artifact_uploads')
          .set({ received: plus('received', part.size), parts: plus('parts', 1), updated_at: now })
          .where('tenant', '=', tenant)
          .where('id', '=', id)
          .where('state', '=', 'open')
          .where('expires_at', '>', now)
          .where('received', '=', part.offset)
          .where('parts', '<', maxParts)
          .where('size', '>=', part.offset + part.size)
          .executeTakeFirst();
        if (r.numUpdatedRows === 1n) {
          await trx
            .insertInto('artifact_upload_parts')
            .values({
              tenant,
              upload_id: id,
              part_offset: part.offset,
              size: part.size,
              sha256: part.sha256,
              object_key: part.key,
              version_id: part.versionId,
            })
            .execute();
          return 'added' as const;
        }
        const row = await trx
          .selectFrom('artifact_uploads')
          .selectAll()
          .where('tenant', '=', tenant)
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) return 'closed' as const;
        const u = toUpload(row);
        if (u.state !== 'open' || u.expiresAt <= now) return 'closed' as const;
        if (u.received !== part.offset || u.size < part.offset + part.size) return 'offset' as const;
        return 'too-many-parts' as const;
      }),
    );
  }

  async parts(tenant: string, id: string): Promise<UploadPartRow[]> {
    checkTenant(tenant);
    checkId(id, 'upload');
    const rows = await guard('list upload parts', () =>
      this.db
        .selectFrom('artifact_upload_parts')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('upload_id', '=', id)
        .orderBy('part_offset')
        .execute(),
    );
    return rows.map(toUploadPart);
  }

  async transition(
    tenant: string,
    id: string,
    from: readonly UploadState[],
    to: UploadState,
    t: { now: number; staleBefore?: number; fileId?: string; failure?: string },
  ): Promise<boolean> {
    checkTenant(tenant);
    checkId(id, 'upload');
    check(from.length > 0 && [...from, to].every((s) => STATES.includes(s)), 'unknown upload state');
    checkTime(t.now, 'now');
    if (t.staleBefore !== undefined) checkTime(t.staleBefore, 'staleBefore');
    if (t.fileId !== undefined) checkId(t.fileId, 'file');
    if (t.failure !== undefined) checkText(t.failure, 2000, 'a failure');
    const stale = t.staleBefore;
    const r = await guard('move upload', () =>
      this.db
        .updateTable('artifact_uploads')
        .set({
          state: to,
          updated_at: t.now,
          ...(t.fileId !== undefined && { file_id: t.fileId }),
          ...(t.failure !== undefined && { failure: t.failure }),
        })
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .where((eb) =>
          stale === undefined
            ? eb('state', 'in', [...from])
            : eb.or([
                eb('state', 'in', [...from]),
                eb.and([eb('state', '=', 'completing'), eb('updated_at', '<', stale)]),
              ]),
        )
        .executeTakeFirst(),
    );
    return r.numUpdatedRows === 1n;
  }

  async dropParts(tenant: string, id: string, offsets: readonly number[]): Promise<void> {
    checkTenant(tenant);
    checkId(id, 'upload');
    check(
      offsets.every((o) => isInt(o)),
      'offsets are non-negative integers',
    );
    if (offsets.length === 0) return;
    await guard('drop upload parts', () =>
      this.db.transaction().execute(async (trx) => {
        for (let i = 0; i < offsets.length; i += 500) {
          const batch = offsets.slice(i, i + 500);
          const r = await trx
            .deleteFrom('artifact_upload_parts')
            .where('tenant', '=', tenant)
            .where('upload_id', '=', id)
            .where('part_offset', 'in', batch)
            .executeTakeFirst();
          await trx
            .updateTable('artifact_uploads')
            .set({ parts: plus('parts', -Number(r.numDeletedRows)) })
            .where('tenant', '=', tenant)
            .where('id', '=', id)
            .execute();
        }
      }),
    );
  }

  async stale(tenant: string, now: number, limit: number): Promise<UploadRow[]> {
    checkTenant(tenant);
    checkTime(now, 'now');
    checkLimit(limit);
    const rows = await guard('list stale uploads', () =>
      this.db
        .selectFrom('artifact_uploads')
        .selectAll()
        .where('tenant', '=', tenant)
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'open'), eb('expires_at', '<=', now)]),
            eb.and([eb('state', 'in', ['completed', 'failed', 'aborted', 'expired']), eb('parts', '>', 0)]),
          ]),
        )
        .orderBy('expires_at')
        .limit(limit)
        .execute(),
    );
    return rows.map(toUpload);
  }
}
