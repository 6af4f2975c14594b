/**
 * What the artifact services answer: registry rows as JSON-ready objects
 * (ISO 8601 UTC times, parsed metadata), so that routes only serialize.
 */
import type {
  FileRow,
  HoldRow,
  LocationRow,
  PackageRow,
  PackageStatus,
  RetentionEventRow,
} from '../../storage/artifact-store.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export interface PackageView {
  readonly id: string;
  readonly name: string;
  readonly producer: string;
  readonly subject: string;
  readonly metadata: unknown;
  readonly status: PackageStatus;
  readonly retention: {
    readonly class: string;
    readonly rule: string;
    /** Null: never expires. */
    readonly expiresAt: string | null;
    /** When a sweep found the package expired and unheld (null when not, or extended since). */
    readonly eligibleAt: string | null;
    readonly activeHolds: number;
    /** The Object Lock date asked of the package's blobs. */
    readonly lockUntil: string;
  };
  readonly files: number;
  readonly bytes: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly finalizedAt: string | null;
  readonly deletedAt: string | null;
  readonly manifestSha256: string | null;
  /** Index of the finalize entry in the tenant's audit log. */
  readonly finalizeIndex: number | null;
}

export function packageView(p: PackageRow): PackageView {
  return {
    id: p.id,
    name: p.name,
    producer: p.producer,
    subject: p.subject,
    metadata: JSON.parse(p.metadata) as unknown,
    status: p.status,
    retention: {
      class: p.retentionClass,
      rule: p.retentionRule,
      expiresAt: isoOrNull(p.expiresAt),
      eligibleAt: isoOrNull(p.eligibleAt),
      activeHolds: p.activeHolds,
      lockUntil: iso(p.lockUntil),
    },
    files: p.fileCount,
    bytes: p.totalBytes,
    createdAt: iso(p.createdAt),
    createdBy: p.createdBy,
    finalizedAt: isoOrNull(p.finalizedAt),
    deletedAt: isoOrNull(p.deletedAt),
    manifestSha256: p.manifestSha256,
    finalizeIndex: p.finalizeIndex,
  };
}

export interface LocationView {
  readonly backend: string;
  readonly container: string;
  readonly objectKey: string;
  readonly versionId: string | null;
  readonly tier: string;
  readonly restoreStatus: string;
  readonly restoreRequestedAt: string | null;
  readonly restoreExpiresAt: string | null;
  readonly status: string;
  readonly createdAt: string;
  readonly lastVerifiedAt: string | null;
}

export function locationView(l: LocationRow): LocationView {
  return {
    backend: l.backend,
    container: l.container,
    objectKey: l.objectKey,
    versionId: l.versionId,
    tier: l.tier,
    restoreStatus: l.restoreStatus,
    restoreRequestedAt: isoOrNull(l.restoreRequestedAt),
    restoreExpiresAt: isoOrNull(l.restoreExpiresAt),
    status: l.status,
    createdAt: iso(l.createdAt),
    lastVerifiedAt: isoOrNull(l.lastVerifiedAt),
  };
}

export interface FileView {
  readonly id: string;
  readonly packageId: string;
  readonly path: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** Index of the file-added entry in the tenant's audit log. */
  readonly auditIndex: number;
  readonly deletedAt: string | null;
  readonly locations?: readonly LocationView[];
}

export function fileView(f: FileRow, locations?: readonly LocationRow[]): FileView {
  return {
    id: f.id,
    packageId: f.packageId,
    path: f.path,
    mediaType: f.mediaType,
    size: f.size,
    sha256: f.sha256,
    createdAt: iso(f.createdAt),
    createdBy: f.createdBy,
    auditIndex: f.auditIndex,
    deletedAt: isoOrNull(f.deletedAt),
    ...(locations && { locations: locations.map(locationView) }),
  };
}

export interface HoldView {
  readonly id: string;
  readonly packageId: string;
  readonly caseId: string;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly active: boolean;
  readonly releasedAt: string | null;
  readonly releasedBy: string | null;
  readonly releaseReason: string | null;
}

export function holdView(h: HoldRow): HoldView {
  return {
    id: h.id,
    packageId: h.packageId,
    caseId: h.caseId,
    reason: h.reason,
    createdBy: h.createdBy,
    createdAt: iso(h.createdAt),
    active: h.releasedAt === null,
    releasedAt: isoOrNull(h.releasedAt),
    releasedBy: h.releasedBy,
    releaseReason: h.releaseReason,
  };
}

export interface RetentionEventView {
  readonly seq: number;
  readonly packageId: string | null;
  readonly type: string;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly previousExpiresAt: string | null;
  readonly newExpiresAt: string | null;
  readonly holdId: string | null;
  readonly item: unknown;
  readonly auditIndex: number | null;
}

export function eventView(e: RetentionEventRow): RetentionEventView {
  return {
    seq: e.seq,
    packageId: e.packageId,
    type: e.type,
    reason: e.reason,
    createdBy: e.createdBy,
    createdAt: iso(e.createdAt),
    previousExpiresAt: isoOrNull(e.previousExpiresAt),
    newExpiresAt: isoOrNull(e.newExpiresAt),
    holdId: e.holdId,
    item: e.item === null ? null : (JSON.parse(e.item) as unknown),
    auditIndex: e.auditIndex,
  };
}
