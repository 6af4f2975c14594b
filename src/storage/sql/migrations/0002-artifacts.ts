/**
 * 0002: the artifact store (artifact-store blueprint, "Data Model"):
 * packages and their searchable metadata labels, files, content-addressed
 * blobs with reference counts and their WORM state, storage locations
 * (tier, restore, verification), retention events and holds. Every table
 * is keyed by tenant first. As with 0001, nothing is imported: the value
 * lists are written out so that this migration never changes meaning.
 *
 * Departures from the blueprint, on purpose: storage locations belong to a
 * blob (content addressing stores bytes once per tenant), not to a file;
 * there is no `retention_rules` table (the default durations are
 * configuration, and each package records the rule applied in
 * `retention_rule`); `audit_events` is the tenant's `audit` log, not a
 * table.
 */
import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const CLASSES = list([
  'transient',
  'raw-evidence',
  'summary-evidence',
  'release-evidence',
  'permanent-record',
]);
const PACKAGE_STATUS = list(['open', 'finalized', 'deleting', 'deleted']);
const BLOB_STATE = list(['live', 'deleting']);
const TIERS = list(['hot', 'warm', 'cold', 'archive']);
const RESTORE = list(['available', 'archived', 'restore-requested', 'restoring', 'restored', 'expired']);
const LOCATION_STATUS = list(['stored', 'corrupt', 'missing', 'deleted']);
const EVENTS = list([
  'default_rule_applied',
  'extended',
  'hold_applied',
  'hold_released',
  'deletion_eligible',
  'deletion_requested',
  'deleted',
  'deletion_failed',
]);

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema of their own time, not today's Database type.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const check = (s: string) => sql.raw(s);

  await db.schema
    .createTable('artifact_packages')
    .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.name'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('producer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('retention_class', 'text', (c) => c.notNull())
    .addColumn('retention_rule', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('finalized_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('lock_until', 'bigint', (c) => c.notNull())
    .addColumn('eligible_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addColumn('deletion_run', 'text')
    .addColumn('deletion_claimed_at', 'bigint')
    .addColumn('file_count', 'bigint', (c) => c.notNull())
    .addColumn('total_bytes', 'bigint', (c) => c.notNull())
    .addColumn('active_holds', 'integer', (c) => c.notNull())
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .addColumn('manifest', 'text')
    .addColumn('manifest_sha256', 'text')
    .addColumn('finalize_index', 'bigint')
    .addPrimaryKeyConstraint('artifact_packages_pk', ['tenant', 'id'])
    .addCheckConstraint('artifact_packages_class', check(`retention_class in (${CLASSES})`))
    .addCheckConstraint('artifact_packages_status', check(`status in (${PACKAGE_STATUS})`))
    .addCheckConstraint('artifact_packages_holds', check('active_holds >= 0'))
    .addCheckConstraint(
      'artifact_packages_permanent',
      check(`(expires_at is null) = (retention_class = 'permanent-record')`),
    )
    .execute();
  await db.schema
    .createIndex('artifact_packages_created')
    .on('artifact_packages')
    .columns(['tenant', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('artifact_packages_subject')
    .on('artifact_packages')
    .columns(['tenant', 'subject', 'created_at'])
    .execute();
  await db.schema
    .createIndex('artifact_packages_producer')
    .on('artifact_packages')
    .columns(['tenant', 'producer', 'created_at'])
    .execute();
  await db.schema
    .createIndex('artifact_packages_expiry')
    .on('artifact_packages')
    .columns(['tenant', 'status', 'expires_at'])
    .execute();
  await db.schema
    .createIndex('artifact_packages_eligible')
    .on('artifact_packages')
    .columns(['tenant', 'eligible_at'])
    .execute();

  await db.schema
    .createTable('artifact_package_labels')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('package_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('artifact_package_labels_pk', ['tenant', 'package_id', 'key'])
    .addForeignKeyConstraint(
      'artifact_package_labels_package',
      ['tenant', 'package_id'],
      'artifact_packages',
      ['tenant', 'id'],
    )
    .execute();
  await db.schema
    .createIndex('artifact_package_labels_value')
    .on('artifact_package_labels')
    .columns(['tenant', 'key', 'value'])
    .execute();

  await db.schema
    .createTable('blobs')
    .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.name'))
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('refcount', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text')
    .addColumn('retain_until', 'bigint')
    .addColumn('legal_hold', 'integer', (c) => c.notNull())
    .addColumn('protection_dirty', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint')
    .addColumn('delete_failed_at', 'bigint')
    .addColumn('delete_error', 'text')
    .addPrimaryKeyConstraint('blobs_pk', ['tenant', 'sha256'])
    .addCheckConstraint('blobs_refcount', check('refcount >= 0'))
    .addCheckConstraint('blobs_state', check(`state in (${BLOB_STATE})`))
    .addCheckConstraint('blobs_claim', check(`state = 'live' or refcount = 0`))
    .addCheckConstraint('blobs_legal_hold', check('legal_hold in (0, 1)'))
    .addCheckConstraint('blobs_protection_dirty', check('protection_dirty in (0, 1)'))
    .execute();
  await db.schema.createIndex('blobs_refcount').on('blobs').columns(['tenant', 'refcount']).execute();
  await db.schema.createIndex('blobs_dirty').on('blobs').columns(['tenant', 'protection_dirty']).execute();

  await db.schema
    .createTable('artifact_files')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('package_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('audit_index', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('artifact_files_pk', ['tenant', 'id'])
    .addUniqueConstraint('artifact_files_path', ['tenant', 'package_id', 'path'])
    .addForeignKeyConstraint('artifact_files_package', ['tenant', 'package_id'], 'artifact_packages', [
      'tenant',
      'id',
    ])
    .execute();
  // Reference lookups (wanted protection, dry runs) go from a blob to its files.
  await db.schema
    .createIndex('artifact_files_blob')
    .on('artifact_files')
    .columns(['tenant', 'sha256'])
    .execute();

  await db.schema
    .createTable('storage_locations')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('backend', 'text', (c) => c.notNull())
    .addColumn('container', 'text', (c) => c.notNull())
    .addColumn('object_key', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text')
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('restore_status', 'text', (c) => c.notNull())
    .addColumn('restore_requested_at', 'bigint')
    .addColumn('restore_expires_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_verified_at', 'bigint')
    .addPrimaryKeyConstraint('storage_locations_pk', ['tenant', 'id'])
    .addCheckConstraint('storage_locations_tier', check(`tier in (${TIERS})`))
    .addCheckConstraint('storage_locations_restore', check(`restore_status in (${RESTORE})`))
    .addCheckConstraint('storage_locations_status', check(`status in (${LOCATION_STATUS})`))
    .execute();
  // One live location per blob and backend container; deleted ones stay as history.
  await db.schema
    .createIndex('storage_locations_blob')
    .on('storage_locations')
    .columns(['tenant', 'sha256', 'backend', 'container'])
    .unique()
    .where(sql.ref('status'), '<>', 'deleted')
    .execute();
  await db.schema
    .createIndex('storage_locations_verify')
    .on('storage_locations')
    .columns(['tenant', 'status', 'last_verified_at'])
    .execute();

  await db.schema
    .createTable('holds')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('package_id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('released_at', 'bigint')
    .addColumn('released_by', 'text')
    .addColumn('release_reason', 'text')
    .addPrimaryKeyConstraint('holds_pk', ['tenant', 'id'])
    .addForeignKeyConstraint('holds_package', ['tenant', 'package_id'], 'artifact_packages', ['tenant', 'id'])
    .execute();
  await db.schema.createIndex('holds_package').on('holds').columns(['tenant', 'package_id']).execute();

  await db.schema
    .createTable('retention_events')
    .addColumn('seq', pg ? 'bigint' : 'integer', (c) =>
      pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey(),
    )
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('package_id', 'text')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('previous_expires_at', 'bigint')
    .addColumn('new_expires_at', 'bigint')
    .addColumn('hold_id', 'text')
    .addColumn('item', 'text')
    .addColumn('audit_index', 'bigint')
    .addCheckConstraint('retention_events_type', check(`event_type in (${EVENTS})`))
    .execute();
  await db.schema
    .createIndex('retention_events_package')
    .on('retention_events')
    .columns(['tenant', 'package_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('retention_events_tenant')
    .on('retention_events')
    .columns(['tenant', 'seq'])
    .execute();
}
