/**
 * 0003: resumable uploads. An upload is a file of a package sent in parts
 * at increasing offsets; each part is a staged object until the upload is
 * completed (then the parts become one content-addressed blob) or ends
 * otherwise (then they are deleted). `received` is the offset the next
 * part must start at, so a part is accepted once; `parts` counts the
 * staged objects left to delete. As before, the value lists are written
 * out so that this migration never changes meaning.
 */
import { type Kysely, sql } from 'kysely';

const STATES = ['open', 'completing', 'completed', 'failed', 'aborted', 'expired']
  .map((v) => `'${v}'`)
  .join(', ');

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema of their own time, not today's Database type.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('artifact_uploads')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('package_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('received', 'bigint', (c) => c.notNull())
    .addColumn('parts', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('file_id', 'text')
    .addColumn('failure', 'text')
    .addPrimaryKeyConstraint('artifact_uploads_pk', ['tenant', 'id'])
    .addForeignKeyConstraint('artifact_uploads_package', ['tenant', 'package_id'], 'artifact_packages', [
      'tenant',
      'id',
    ])
    .addCheckConstraint('artifact_uploads_state', sql.raw(`state in (${STATES})`))
    .addCheckConstraint('artifact_uploads_received', sql.raw('received >= 0 and received <= size'))
    .execute();
  await db.schema
    .createIndex('artifact_uploads_stale')
    .on('artifact_uploads')
    .columns(['tenant', 'state', 'expires_at'])
    .execute();

  await db.schema
    .createTable('artifact_upload_parts')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('part_offset', 'bigint', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('object_key', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text')
    .addPrimaryKeyConstraint('artifact_upload_parts_pk', ['tenant', 'upload_id', 'part_offset'])
    .addForeignKeyConstraint('artifact_upload_parts_upload', ['tenant', 'upload_id'], 'artifact_uploads', [
      'tenant',
      'id',
    ])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('artifact_upload_parts').execute();
  await db.schema.dropTable('artifact_uploads').execute();
}
