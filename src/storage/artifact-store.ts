/**
 * The metadata port of the artifact store: packages, their files, the
 * content-addressed blobs the files reference (with reference counts and
 * their WORM state), where blob bytes are stored, retention events and
 * holds. The bytes themselves go through the BlobStore port; the policy
 * (retention classes, expiry math, audit entries) is the artifact domain's.
 *
 * Contract, for every driver (on top of the MetadataStore contract:
 * committed before resolving, 'unavailable' for backend failures, times in
 * integer ms since the epoch):
 * - Every method is scoped by tenant: it MUST NOT read, count or change a
 *   row of another tenant, whatever ids it is given.
 * - Methods that answer `false` (or a refusal reason) changed nothing.
 * - Compound changes (a file with its blob reference, a hold with the
 *   package's hold count, a deletion with its retention event) are one
 *   transaction: all or nothing.
 * - Conditions that guard retention (no active hold, expired, status) MUST
 *   be evaluated by the statement that makes the change, so that a hold
 *   committed before a deletion claim always stops it, whatever was read
 *   or planned earlier.
 * - A blob's `refcount` is the number of its live (not deleted) file rows.
 *   A blob row whose refcount is above 0 MUST NOT be claimed for deletion,
 *   and a claimed blob MUST NOT gain references.
 */

/** The retention classes, shortest first (artifact-store blueprint, "Retention Policy Engine"). */
export type RetentionClass =
  | 'transient'
  | 'raw-evidence'
  | 'summary-evidence'
  | 'release-evidence'
  | 'permanent-record';

/**
 * open: files may be added. finalized: immutable. deleting: claimed by a
 * deletion job (no hold or extension may be added any more). deleted: the
 * files are gone; the row stays as the record of what was there.
 */
export type PackageStatus = 'open' | 'finalized' | 'deleting' | 'deleted';

export interface NewPackageRow {
  readonly tenant: string;
  readonly id: string;
  readonly name: string;
  readonly producer: string;
  readonly subject: string;
  readonly retentionClass: RetentionClass;
  /** Which rule set `expiresAt`, in words (e.g. `raw-evidence default: 1 year`). */
  readonly retentionRule: string;
  /** Canonical JSON text of the package's metadata object. */
  readonly metadata: string;
  readonly createdAt: number;
  readonly createdBy: string;
  /** Null: never expires (permanent-record). */
  readonly expiresAt: number | null;
  /** The Object Lock retain-until date the package asks of its blobs. */
  readonly lockUntil: number;
}

export interface PackageRow extends NewPackageRow {
  readonly status: PackageStatus;
  readonly finalizedAt: number | null;
  /** When a sweep found it expired and unheld; cleared by an extension. */
  readonly eligibleAt: number | null;
  readonly deletedAt: number | null;
  readonly fileCount: number;
  readonly totalBytes: number;
  readonly activeHolds: number;
  /** Bumped by every change of the package or its files (optimistic concurrency). */
  readonly revision: number;
  readonly manifestSha256: string | null;
  /** Index of the finalize entry in the tenant's audit log. */
  readonly finalizeIndex: number | null;
}

/** A searchable metadata member: top-level scalar values, as text. */
export interface PackageLabel {
  readonly key: string;
  readonly value: string;
}

export interface PackageQuery {
  readonly tenant: string;
  readonly subject?: string;
  readonly producer?: string;
  readonly name?: string;
  readonly status?: PackageStatus;
  readonly retentionClass?: RetentionClass;
  /** Every label must match exactly. */
  readonly labels?: readonly PackageLabel[];
  readonly createdFrom?: number;
  readonly createdTo?: number;
  /** 1..1000. */
  readonly limit: number;
  /** Keyset: only packages strictly older than this (created_at, id) pair. */
  readonly after?: { readonly createdAt: number; readonly id: string };
}

export interface PackagePage {
  /** Newest first (created_at, then id, descending). */
  readonly rows: PackageRow[];
  readonly more: boolean;
}

export interface NewFileRow {
  readonly tenant: string;
  readonly id: string;
  readonly packageId: string;
  /** NFC-normalized relative path, unique in its package. */
  readonly path: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
  readonly createdAt: number;
  readonly createdBy: string;
  /** Index of the file-added entry in the audit log. */
  readonly auditIndex: number;
}

export interface FileRow extends NewFileRow {
  readonly deletedAt: number | null;
}

/** Where and how a blob was stored by the BlobStore put that referenced it. */
export interface StoredBlob {
  readonly tenant: string;
  readonly sha256: string;
  readonly size: number;
  readonly key: string;
  readonly versionId: string | null;
  /** False when the put found the bytes already stored. */
  readonly created: boolean;
  /** The Object Lock state the put left on the version (null/false without Object Lock). */
  readonly retainUntil: number | null;
  readonly legalHold: boolean;
  readonly location: NewLocation;
  readonly at: number;
}

export interface NewLocation {
  /** Row id, used only when the blob has no live location on this backend yet. */
  readonly id: string;
  readonly backend: string;
  readonly container: string;
  readonly objectKey: string;
  readonly versionId: string | null;
}

export type AddFileRefusal =
  /** The package is not open (finalized, deleting, deleted) or does not exist. */
  | 'not-open'
  /** The package already has a file at this path. */
  | 'duplicate-path'
  /** The package has `maxFiles` files. */
  | 'too-many-files'
  /** The blob is being deleted by garbage collection: upload again shortly. */
  | 'blob-busy';

export type BlobState = 'live' | 'deleting';

export interface BlobRow {
  readonly tenant: string;
  readonly sha256: string;
  readonly size: number;
  readonly refcount: number;
  readonly state: BlobState;
  readonly key: string;
  readonly versionId: string | null;
  /** The retain-until date set on the version (null: no Object Lock). */
  readonly retainUntil: number | null;
  readonly legalHold: boolean;
  /** The protection the packages want differs from what was applied: sync again. */
  readonly protectionDirty: boolean;
  readonly createdAt: number;
  readonly deleteFailedAt: number | null;
  readonly deleteError: string | null;
}

/** What the packages referencing a blob ask of its version. */
export interface WantedProtection {
  readonly blob: BlobRow;
  /** Latest `lockUntil` of the non-deleted packages with a live file of this blob. */
  readonly retainUntil: number | null;
  /** Whether any of those packages has an active hold. */
  readonly legalHold: boolean;
}

export type RetrievalTierName = 'hot' | 'warm' | 'cold' | 'archive';
export type RestoreStatus =
  | 'available'
  | 'archived'
  | 'restore-requested'
  | 'restoring'
  | 'restored'
  | 'expired';
export type LocationStatus = 'stored' | 'corrupt' | 'missing' | 'deleted';

export interface LocationRow {
  readonly tenant: string;
  readonly id: string;
  readonly sha256: string;
  readonly backend: string;
  readonly container: string;
  readonly objectKey: string;
  readonly versionId: string | null;
  readonly tier: RetrievalTierName;
  readonly restoreStatus: RestoreStatus;
  readonly restoreRequestedAt: number | null;
  readonly restoreExpiresAt: number | null;
  readonly status: LocationStatus;
  readonly createdAt: number;
  readonly lastVerifiedAt: number | null;
}

export type RetentionEventType =
  | 'default_rule_applied'
  | 'extended'
  | 'hold_applied'
  | 'hold_released'
  | 'deletion_eligible'
  | 'deletion_requested'
  | 'deleted'
  | 'deletion_failed';

export interface NewRetentionEvent {
  readonly tenant: string;
  /** Null for a blob's deletion that no single package caused. */
  readonly packageId: string | null;
  readonly type: RetentionEventType;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly previousExpiresAt: number | null;
  readonly newExpiresAt: number | null;
  readonly holdId: string | null;
  /** Canonical JSON of the item a per-item event is about (a file or a blob), else null. */
  readonly item: string | null;
  /** Index of the matching audit log entry, when it was appended first. */
  readonly auditIndex: number | null;
}

export interface RetentionEventRow extends NewRetentionEvent {
  /** Increasing in insertion order. */
  readonly seq: number;
}

export interface NewHold {
  readonly tenant: string;
  readonly id: string;
  readonly packageId: string;
  readonly caseId: string;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface HoldRow extends NewHold {
  readonly releasedAt: number | null;
  readonly releasedBy: string | null;
  readonly releaseReason: string | null;
}

export interface ArtifactPackages {
  /** Inserts the package, its labels and its `default_rule_applied` event; 'exists-different' when the id is taken. */
  create(row: NewPackageRow, labels: readonly PackageLabel[], event: NewRetentionEvent): Promise<void>;
  get(tenant: string, id: string): Promise<PackageRow | undefined>;
  list(q: PackageQuery): Promise<PackagePage>;
  /**
   * open -> finalized, storing the manifest text, its digest and the index
   * of the finalize entry, only while the package is open at `revision`
   * (no file was added since the manifest was built).
   */
  finalize(
    tenant: string,
    id: string,
    f: {
      revision: number;
      finalizedAt: number;
      manifest: string;
      manifestSha256: string;
      finalizeIndex: number;
    },
  ): Promise<boolean>;
  /** The manifest text recorded at finalize. */
  manifest(tenant: string, id: string): Promise<string | undefined>;
  /**
   * Sets expires_at and lock_until from `from` to the later `to` (compare
   * and swap on expires_at), clears eligible_at, records `event`; only for
   * open and finalized packages.
   */
  extend(
    tenant: string,
    id: string,
    c: { from: number; to: number; lockUntil: number },
    event: NewRetentionEvent,
  ): Promise<boolean>;
  /** Open or finalized packages with expires_at <= now, no active hold and no eligible_at, oldest expiry first. */
  expired(tenant: string, now: number, limit: number): Promise<PackageRow[]>;
  /** Sets eligible_at, if the package is still expired, unheld and not yet marked; records `event`. */
  markEligible(tenant: string, id: string, now: number, event: NewRetentionEvent): Promise<boolean>;
  /** Packages marked eligible (open or finalized), and packages in 'deleting' (claimed by a run, maybe a dead one). */
  eligible(tenant: string, limit: number): Promise<PackageRow[]>;
  /**
   * open/finalized -> deleting for deletion run `run`, in one statement
   * that requires eligible_at set, expires_at <= now and no active hold, as
   * the database has them at that moment; records `event` ('claimed'). A
   * package left 'deleting' by a run whose claim is older than
   * `staleBefore` is taken over ('resumed', no event). Otherwise false.
   */
  claimForDeletion(
    tenant: string,
    id: string,
    c: { now: number; run: string; staleBefore: number },
    event: NewRetentionEvent,
  ): Promise<'claimed' | 'resumed' | false>;
  /** deleting -> deleted once it has no live file; records `event`. */
  markDeleted(tenant: string, id: string, now: number, event: NewRetentionEvent): Promise<boolean>;
}

export interface ArtifactFiles {
  /**
   * Adds a file and its blob reference in one transaction: the package
   * must be open and have fewer than `maxFiles` files, the path must be
   * free, and the blob must not be claimed by garbage collection. Inserts
   * or references the blob row (refcount + 1, keeping the later
   * retain-until and any legal hold the put set) and its location.
   * Resolves with the package's active hold count after the change.
   */
  add(
    file: NewFileRow,
    blob: StoredBlob,
    maxFiles: number,
  ): Promise<{ ok: true; activeHolds: number } | { ok: false; refusal: AddFileRefusal }>;
  get(tenant: string, id: string): Promise<FileRow | undefined>;
  /** The package's files by path; deleted ones only when asked. */
  list(tenant: string, packageId: string, includeDeleted?: boolean): Promise<FileRow[]>;
  /** The live file at `path` in the package. */
  byPath(tenant: string, packageId: string, path: string): Promise<FileRow | undefined>;
  /**
   * Marks a live file of a 'deleting' package deleted and releases its
   * blob reference, recording `event`; false when it was already deleted.
   */
  remove(tenant: string, id: string, now: number, event: NewRetentionEvent): Promise<boolean>;
}

export interface ArtifactBlobs {
  get(tenant: string, sha256: string): Promise<BlobRow | undefined>;
  /** What the referencing packages want of each blob of the package (its live files). */
  wantedForPackage(tenant: string, packageId: string): Promise<WantedProtection[]>;
  /** The same for given blobs. */
  wanted(tenant: string, sha256s: readonly string[]): Promise<WantedProtection[]>;
  /** Blobs whose protection must be synced again. */
  dirty(tenant: string, limit: number): Promise<BlobRow[]>;
  /** Records the protection now applied to the version (never lowers retain_until). */
  setProtection(
    tenant: string,
    sha256: string,
    p: { retainUntil: number | null; legalHold: boolean; dirty: boolean },
  ): Promise<void>;
  /** Unreferenced blobs (refcount 0), live or with a claim older than `staleBefore`. */
  unreferenced(tenant: string, staleBefore: number, limit: number): Promise<BlobRow[]>;
  /** live (or stale deleting) with refcount 0 -> deleting; false if referenced or claimed meanwhile. */
  claim(tenant: string, sha256: string, now: number, staleBefore: number): Promise<boolean>;
  /** Removes a claimed blob's row after its bytes were deleted; marks its locations deleted; records `event`. */
  forget(tenant: string, sha256: string, now: number, event: NewRetentionEvent): Promise<boolean>;
  /** Returns a claimed blob to live after a refused delete; records the failure and `event`. */
  unclaim(
    tenant: string,
    sha256: string,
    now: number,
    error: string,
    event: NewRetentionEvent,
  ): Promise<void>;
}

export interface StorageLocations {
  /** Non-deleted locations of a blob. */
  forBlob(tenant: string, sha256: string): Promise<LocationRow[]>;
  /** Non-deleted locations of the blobs of a package's live files. */
  forPackage(tenant: string, packageId: string): Promise<LocationRow[]>;
  /** Records what the backend said about the tier and restore of the bytes. */
  setTier(
    tenant: string,
    id: string,
    t: {
      tier: RetrievalTierName;
      restoreStatus: RestoreStatus;
      restoreRequestedAt?: number | null;
      restoreExpiresAt: number | null;
    },
  ): Promise<void>;
  /** Stored locations of live blobs, least recently verified first (never verified first). */
  toVerify(tenant: string, limit: number): Promise<LocationRow[]>;
  /** Records a verification: 'stored' (ok), 'corrupt' or 'missing'. */
  verified(tenant: string, id: string, at: number, status: 'stored' | 'corrupt' | 'missing'): Promise<void>;
}

export interface ArtifactHolds {
  /** Adds the hold and counts it on its package (open or finalized only); records `event`. */
  apply(hold: NewHold, event: NewRetentionEvent): Promise<boolean>;
  /** Releases an active hold of `packageId`; records `event`. */
  release(
    tenant: string,
    packageId: string,
    id: string,
    r: { releasedAt: number; releasedBy: string; reason: string },
    event: NewRetentionEvent,
  ): Promise<boolean>;
  get(tenant: string, id: string): Promise<HoldRow | undefined>;
  /** Holds of a package, oldest first, released ones included. */
  list(tenant: string, packageId: string): Promise<HoldRow[]>;
}

export interface RetentionEvents {
  /** Records a standalone event (one not part of another change). */
  add(event: NewRetentionEvent): Promise<void>;
  /** Events of a package, in order. */
  list(tenant: string, packageId: string): Promise<RetentionEventRow[]>;
  /** Events of the tenant from `afterSeq` on (all packages and blob-only events), in order. */
  since(tenant: string, afterSeq: number, limit: number): Promise<RetentionEventRow[]>;
}

/**
 * A resumable upload: a file sent in pieces (parts) at increasing offsets,
 * each kept in the staging store until the whole file is there and the
 * upload is completed into the package (migration 0003).
 */
export type UploadState = 'open' | 'completing' | 'completed' | 'failed' | 'aborted' | 'expired';

export interface NewUploadRow {
  readonly tenant: string;
  readonly id: string;
  readonly packageId: string;
  /** The file's path in the package (normalized by the domain). */
  readonly path: string;
  readonly mediaType: string;
  /** The declared length and SHA-256 of the whole file. */
  readonly size: number;
  readonly sha256: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly expiresAt: number;
}

export interface UploadRow extends NewUploadRow {
  readonly state: UploadState;
  /** Bytes received so far: the offset the next part must start at. */
  readonly received: number;
  /** Parts whose staged objects are not yet deleted. */
  readonly parts: number;
  readonly updatedAt: number;
  /** The file the upload became, once completed. */
  readonly fileId: string | null;
  /** Why it failed, when it did. */
  readonly failure: string | null;
}

export interface UploadPartRow {
  readonly offset: number;
  readonly size: number;
  readonly sha256: string;
  /** The staged object. */
  readonly key: string;
  readonly versionId: string | null;
}

export interface ArtifactUploads {
  create(row: NewUploadRow): Promise<void>;
  get(tenant: string, id: string): Promise<UploadRow | undefined>;
  /**
   * Records a part at `part.offset`, only while the upload is open, not
   * expired at `now`, `part.offset` equals `received` and fewer than
   * `maxParts` parts exist; `received` grows by the part's size.
   */
  addPart(
    tenant: string,
    id: string,
    part: UploadPartRow,
    now: number,
    maxParts: number,
  ): Promise<'added' | 'offset' | 'closed' | 'too-many-parts'>;
  /** The parts whose objects remain, by offset. */
  parts(tenant: string, id: string): Promise<UploadPartRow[]>;
  /**
   * Moves the upload from one of `from` to `to` (with the file it became or
   * why it failed). A 'completing' upload last updated before
   * `staleBefore` counts as 'open' (its completer died). False when the
   * upload was not in one of those states.
   */
  transition(
    tenant: string,
    id: string,
    from: readonly UploadState[],
    to: UploadState,
    t: { now: number; staleBefore?: number; fileId?: string; failure?: string },
  ): Promise<boolean>;
  /** Forgets the parts at these offsets (their objects are deleted). */
  dropParts(tenant: string, id: string, offsets: readonly number[]): Promise<void>;
  /** Uploads to clean up: open past their expiry, or ended with parts left. */
  stale(tenant: string, now: number, limit: number): Promise<UploadRow[]>;
}

export interface ArtifactStore {
  readonly uploads: ArtifactUploads;
  readonly packages: ArtifactPackages;
  readonly files: ArtifactFiles;
  readonly blobs: ArtifactBlobs;
  readonly locations: StorageLocations;
  readonly holds: ArtifactHolds;
  readonly events: RetentionEvents;
}
