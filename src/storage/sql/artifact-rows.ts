/**
 * Artifact rows across the SQL boundary: database rows to the port's row
 * types (integers checked, enums checked), and a retention event to the
 * values of its insert. A value the port does not know is 'unavailable':
 * the database holds something this version cannot read.
 */
import type { Selectable } from 'kysely';
import type {
  BlobRow,
  BlobState,
  FileRow,
  HoldRow,
  LocationRow,
  LocationStatus,
  NewRetentionEvent,
  PackageRow,
  PackageStatus,
  RestoreStatus,
  RetentionClass,
  RetentionEventRow,
  RetentionEventType,
  RetrievalTierName,
  UploadPartRow,
  UploadRow,
  UploadState,
} from '../artifact-store.js';
import { StorageError } from '../errors.js';
import type { ArtifactTables } from './artifact-schema.js';
import { toNullableInteger, toSafeInteger } from './columns.js';

type Row<T extends keyof ArtifactTables> = Selectable<ArtifactTables[T]>;

function oneOf<T extends string>(values: readonly T[], v: string, what: string): T {
  if (!(values as readonly string[]).includes(v))
    throw new StorageError('unavailable', `the database holds an unknown ${what} ${JSON.stringify(v)}`);
  return v as T;
}

const CLASSES: readonly RetentionClass[] = [
  'transient',
  'raw-evidence',
  'summary-evidence',
  'release-evidence',
  'permanent-record',
];
const STATUSES: readonly PackageStatus[] = ['open', 'finalized', 'deleting', 'deleted'];
const BLOB_STATES: readonly BlobState[] = ['live', 'deleting'];
const TIERS: readonly RetrievalTierName[] = ['hot', 'warm', 'cold', 'archive'];
const RESTORES: readonly RestoreStatus[] = [
  'available',
  'archived',
  'restore-requested',
  'restoring',
  'restored',
  'expired',
];
const LOCATION_STATUSES: readonly LocationStatus[] = ['stored', 'corrupt', 'missing', 'deleted'];
const EVENT_TYPES: readonly RetentionEventType[] = [
  'default_rule_applied',
  'extended',
  'hold_applied',
  'hold_released',
  'deletion_eligible',
  'deletion_requested',
  'deleted',
  'deletion_failed',
];

const int = toSafeInteger;
const nint = toNullableInteger;

/** A package row as read by PACKAGE_COLUMNS (no manifest text, no deletion claim). */
export function toPackage(
  r: Omit<Row<'artifact_packages'>, 'manifest' | 'deletion_run' | 'deletion_claimed_at'>,
): PackageRow {
  return {
    tenant: r.tenant,
    id: r.id,
    name: r.name,
    producer: r.producer,
    subject: r.subject,
    retentionClass: oneOf(CLASSES, r.retention_class, 'retention class'),
    retentionRule: r.retention_rule,
    status: oneOf(STATUSES, r.status, 'package status'),
    metadata: r.metadata,
    createdAt: int(r.created_at, 'created_at'),
    createdBy: r.created_by,
    finalizedAt: nint(r.finalized_at, 'finalized_at'),
    expiresAt: nint(r.expires_at, 'expires_at'),
    lockUntil: int(r.lock_until, 'lock_until'),
    eligibleAt: nint(r.eligible_at, 'eligible_at'),
    deletedAt: nint(r.deleted_at, 'deleted_at'),
    fileCount: int(r.file_count, 'file_count'),
    totalBytes: int(r.total_bytes, 'total_bytes'),
    activeHolds: int(r.active_holds, 'active_holds'),
    revision: int(r.revision, 'revision'),
    manifestSha256: r.manifest_sha256,
    finalizeIndex: nint(r.finalize_index, 'finalize_index'),
  };
}

/** The package columns of a PackageRow (the manifest text is read only by `manifest`). */
export const PACKAGE_COLUMNS = [
  'tenant',
  'id',
  'name',
  'producer',
  'subject',
  'retention_class',
  'retention_rule',
  'status',
  'metadata',
  'created_at',
  'created_by',
  'finalized_at',
  'expires_at',
  'lock_until',
  'eligible_at',
  'deleted_at',
  'file_count',
  'total_bytes',
  'active_holds',
  'revision',
  'manifest_sha256',
  'finalize_index',
] as const;

export function toFile(r: Row<'artifact_files'>): FileRow {
  return {
    tenant: r.tenant,
    id: r.id,
    packageId: r.package_id,
    path: r.path,
    mediaType: r.media_type,
    size: int(r.size, 'size'),
    sha256: r.sha256,
    createdAt: int(r.created_at, 'created_at'),
    createdBy: r.created_by,
    auditIndex: int(r.audit_index, 'audit_index'),
    deletedAt: nint(r.deleted_at, 'deleted_at'),
  };
}

export function toBlob(r: Row<'blobs'>): BlobRow {
  return {
    tenant: r.tenant,
    sha256: r.sha256,
    size: int(r.size, 'size'),
    refcount: int(r.refcount, 'refcount'),
    state: oneOf(BLOB_STATES, r.state, 'blob state'),
    key: r.key,
    versionId: r.version_id,
    retainUntil: nint(r.retain_until, 'retain_until'),
    legalHold: int(r.legal_hold, 'legal_hold') === 1,
    protectionDirty: int(r.protection_dirty, 'protection_dirty') === 1,
    createdAt: int(r.created_at, 'created_at'),
    deleteFailedAt: nint(r.delete_failed_at, 'delete_failed_at'),
    deleteError: r.delete_error,
  };
}

export function toLocation(r: Row<'storage_locations'>): LocationRow {
  return {
    tenant: r.tenant,
    id: r.id,
    sha256: r.sha256,
    backend: r.backend,
    container: r.container,
    objectKey: r.object_key,
    versionId: r.version_id,
    tier: oneOf(TIERS, r.tier, 'tier'),
    restoreStatus: oneOf(RESTORES, r.restore_status, 'restore status'),
    restoreRequestedAt: nint(r.restore_requested_at, 'restore_requested_at'),
    restoreExpiresAt: nint(r.restore_expires_at, 'restore_expires_at'),
    status: oneOf(LOCATION_STATUSES, r.status, 'location status'),
    createdAt: int(r.created_at, 'created_at'),
    lastVerifiedAt: nint(r.last_verified_at, 'last_verified_at'),
  };
}

export function toHold(r: Row<'holds'>): HoldRow {
  return {
    tenant: r.tenant,
    id: r.id,
    packageId: r.package_id,
    caseId: r.case_id,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: int(r.created_at, 'created_at'),
    releasedAt: nint(r.released_at, 'released_at'),
    releasedBy: r.released_by,
    releaseReason: r.release_reason,
  };
}

export function toEvent(r: Row<'retention_events'>): RetentionEventRow {
  return {
    seq: int(r.seq, 'seq'),
    tenant: r.tenant,
    packageId: r.package_id,
    type: oneOf(EVENT_TYPES, r.event_type, 'retention event type'),
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: int(r.created_at, 'created_at'),
    previousExpiresAt: nint(r.previous_expires_at, 'previous_expires_at'),
    newExpiresAt: nint(r.new_expires_at, 'new_expires_at'),
    holdId: r.hold_id,
    item: r.item,
    auditIndex: nint(r.audit_index, 'audit_index'),
  };
}

/** The insert values of a retention event. */
export function eventValues(e: NewRetentionEvent) {
  return {
    tenant: e.tenant,
    package_id: e.packageId,
    event_type: e.type,
    reason: e.reason,
    created_by: e.createdBy,
    created_at: e.createdAt,
    previous_expires_at: e.previousExpiresAt,
    new_expires_at: e.newExpiresAt,
    hold_id: e.holdId,
    item: e.item,
    audit_index: e.auditIndex,
  };
}

const UPLOAD_STATES: readonly UploadState[] = [
  'open',
  'completing',
  'completed',
  'failed',
  'aborted',
  'expired',
];

export function toUpload(r: Row<'artifact_uploads'>): UploadRow {
  return {
    tenant: r.tenant,
    id: r.id,
    packageId: r.package_id,
    path: r.path,
    mediaType: r.media_type,
    size: int(r.size, 'size'),
    sha256: r.sha256,
    state: oneOf(UPLOAD_STATES, r.state, 'upload state'),
    received: int(r.received, 'received'),
    parts: int(r.parts, 'parts'),
    createdAt: int(r.created_at, 'created_at'),
    createdBy: r.created_by,
    updatedAt: int(r.updated_at, 'updated_at'),
    expiresAt: int(r.expires_at, 'expires_at'),
    fileId: r.file_id,
    failure: r.failure,
  };
}

export function toUploadPart(r: Row<'artifact_upload_parts'>): UploadPartRow {
  return {
    offset: int(r.part_offset, 'part_offset'),
    size: int(r.size, 'size'),
    sha256: r.sha256,
    key: r.object_key,
    versionId: r.version_id,
  };
}
