/**
 * The artifact store's tables as Kysely sees them (migrations 0002 and 0003), kept
 * beside `schema.ts` and joined to it with `db.withTables<ArtifactTables>()`.
 * Integers read back as numbers or strings (pg int8): read them through
 * `toSafeInteger`. Flags are 0/1 integers.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { Database, Int, NullableInt } from './schema.js';

export type ArtifactTables = {
  artifact_packages: {
    tenant: string;
    id: string;
    name: string;
    producer: string;
    subject: string;
    retention_class: string;
    retention_rule: string;
    status: string;
    /** Canonical JSON text of the metadata object. */
    metadata: string;
    created_at: Int;
    created_by: string;
    finalized_at: NullableInt;
    /** Null exactly for permanent-record packages (a CHECK constraint). */
    expires_at: NullableInt;
    lock_until: Int;
    eligible_at: NullableInt;
    deleted_at: NullableInt;
    /** The deletion run that claimed the package, and when (a stale claim is taken over). */
    deletion_run: string | null;
    deletion_claimed_at: NullableInt;
    file_count: Int;
    total_bytes: Int;
    active_holds: Int;
    revision: Int;
    manifest: string | null;
    manifest_sha256: string | null;
    finalize_index: NullableInt;
  };
  artifact_package_labels: { tenant: string; package_id: string; key: string; value: string };
  artifact_files: {
    tenant: string;
    id: string;
    package_id: string;
    path: string;
    media_type: string;
    size: Int;
    sha256: string;
    created_at: Int;
    created_by: string;
    audit_index: Int;
    deleted_at: NullableInt;
  };
  blobs: {
    tenant: string;
    sha256: string;
    size: Int;
    refcount: Int;
    state: string;
    key: string;
    version_id: string | null;
    retain_until: NullableInt;
    legal_hold: Int;
    protection_dirty: Int;
    created_at: Int;
    claimed_at: NullableInt;
    delete_failed_at: NullableInt;
    delete_error: string | null;
  };
  storage_locations: {
    tenant: string;
    id: string;
    sha256: string;
    backend: string;
    container: string;
    object_key: string;
    version_id: string | null;
    tier: string;
    restore_status: string;
    restore_requested_at: NullableInt;
    restore_expires_at: NullableInt;
    status: string;
    created_at: Int;
    last_verified_at: NullableInt;
  };
  holds: {
    tenant: string;
    id: string;
    package_id: string;
    case_id: string;
    reason: string;
    created_by: string;
    created_at: Int;
    released_at: NullableInt;
    released_by: string | null;
    release_reason: string | null;
  };
  artifact_uploads: {
    tenant: string;
    id: string;
    package_id: string;
    path: string;
    media_type: string;
    size: Int;
    sha256: string;
    state: string;
    received: Int;
    parts: Int;
    created_at: Int;
    created_by: string;
    updated_at: Int;
    expires_at: Int;
    file_id: string | null;
    failure: string | null;
  };
  artifact_upload_parts: {
    tenant: string;
    upload_id: string;
    part_offset: Int;
    size: Int;
    sha256: string;
    object_key: string;
    version_id: string | null;
  };
  retention_events: {
    seq: ColumnType<number | string, never, never>;
    tenant: string;
    package_id: string | null;
    event_type: string;
    reason: string;
    created_by: string;
    created_at: Int;
    previous_expires_at: NullableInt;
    new_expires_at: NullableInt;
    hold_id: string | null;
    item: string | null;
    audit_index: NullableInt;
  };
};

export type ArtifactDatabase = Database & ArtifactTables;

/** A Kysely instance (or transaction) over the artifact tables. */
export type ArtifactDb = Kysely<ArtifactDatabase>;
