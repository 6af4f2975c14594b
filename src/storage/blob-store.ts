/**
 * The port through which the artifact store keeps bytes: large blobs,
 * addressed by key (by convention the content key `sha256/<xx>/<hex>`,
 * see blob-key.ts), on a filesystem or an S3-compatible store, WORM where the
 * backend has S3 Object Lock. The registry (metadata, retention policy,
 * audit events) is the artifact domain's; this port only moves, protects
 * and describes bytes.
 *
 * Contract, for every driver (failures are StorageError with the code named):
 * - Keys are relative slash paths (blob-key.ts `isValidBlobKey`); anything
 *   else, including `..` segments, absolute paths and backslashes, MUST be
 *   rejected with 'bad-key' before any I/O.
 * - `put` MUST stream: it MUST NOT hold more than a bounded number of bytes
 *   of the body in memory (one write buffer; for S3, `queueSize` parts).
 * - `put` MUST compute size and SHA-256 itself while streaming; a digest
 *   from a client, a header or the backend is never the result.
 * - `put` MUST reject with 'too-large' as soon as the body exceeds
 *   `maxBytes`, 'size-mismatch' when it differs from a declared `size`,
 *   'digest-mismatch' when its SHA-256 differs from `expectSha256`; in each
 *   case it MUST store nothing: at most a temp file or an incomplete
 *   multipart upload, removed before the rejection.
 * - `put` MUST NOT resolve until the bytes are durable (fsync'd, or the
 *   object store acknowledged the complete object).
 * - Keys are write-once: a `put` to a key that holds an object MUST NOT
 *   replace or hide it. It resolves with `created: false` and the existing
 *   version when the bytes are identical (same size and SHA-256), and
 *   otherwise rejects with 'exists-different', storing nothing.
 * - On an Object Lock store every version `put` creates MUST carry the
 *   store's retention mode and the caller's `retainUntil`; a store without
 *   Object Lock MUST reject `retainUntil` and `legalHold` with
 *   'invalid-argument' rather than ignore them.
 * - `delete` removes one version (the current one when none is named) and
 *   MUST NOT leave a delete marker. A WORM refusal (retention or legal hold)
 *   MUST reject with 'locked'; nothing else may bypass it.
 * - `setRetention` only raises: it MUST NOT shorten a retention date or
 *   weaken a mode; a request that would is a no-op reporting the current
 *   retention.
 * - `get` and `head` of an absent key or version reject with 'not-found';
 *   `get` of bytes in a cold or archive tier without a live restored copy
 *   rejects with 'not-immediately-available' and `error.restore` set.
 * - A full `get` checks the bytes against the digest recorded at `put`:
 *   the stream errors with 'corrupt' at its end when they differ.
 * - `move` is optional: a driver offers it only when it can give an object
 *   a new key without the bytes passing through Vellum (a link on a
 *   filesystem). It ends as `put(to, <the bytes at from>, options)` would:
 *   the result's size and SHA-256 are the ones the store itself computed
 *   when it stored `from` (recorded at that put, or hashed again), never the
 *   caller's; 'size-mismatch'/'digest-mismatch' when they differ from the
 *   options, 'not-found' when `from` is absent, and `to` is write-once as for
 *   `put` (identical bytes there: `created: false`, `from` left as it was;
 *   different bytes: 'exists-different'), in each refusal moving nothing.
 *   Both keys are checked as for `put` ('bad-key'); `from` equal to `to` is
 *   'invalid-argument'. It MUST NOT resolve until `to` is durable, and MUST
 *   NOT remove `from` before that: a crash leaves the bytes under `from`,
 *   `to` or both, never neither. Once it resolves `created: true`, `from`
 *   is gone.
 */
import type { Readable } from 'node:stream';
import type { RestoreState } from './errors.js';

export type { RestoreState } from './errors.js';

/** The body of a put: any byte stream (a Node Readable is one). */
export type BlobSource = AsyncIterable<Uint8Array> | Readable;

/** How fast bytes can be read: hot and warm at once, cold and archive after a restore. */
export type RetrievalTier = 'hot' | 'warm' | 'cold' | 'archive';

/** S3 Object Lock retention modes (AWS S3 user guide, "Object Lock"). */
export type RetentionMode = 'COMPLIANCE' | 'GOVERNANCE';

export interface PutBlobOptions {
  /** The length the caller declared (e.g. Content-Length); a different length is 'size-mismatch'. */
  size?: number;
  /** The most bytes to accept; one more is 'too-large'. */
  maxBytes?: number;
  /** Lowercase hex SHA-256 the bytes must have, else 'digest-mismatch'. */
  expectSha256?: string;
  /** Media type recorded with the bytes (S3 Content-Type). */
  contentType?: string;
  /** Object Lock stores: the version's retain-until date (the mode is the store's). */
  retainUntil?: Date;
  /** Object Lock stores: put the version under a legal hold. */
  legalHold?: boolean;
}

/** Where a blob's bytes are, for the registry's storage_locations. */
export interface BlobLocation {
  /** The driver: 'fs' or 's3'. */
  backend: string;
  /** The root directory, or `s3://<bucket>/<prefix>`. */
  container: string;
  /** The key inside the container (for S3, with the store's prefix). */
  objectKey: string;
  versionId?: string;
}

/** What a moved object must be, and the Object Lock of its new version. */
export interface MoveBlobOptions {
  /** The length the object must have, else 'size-mismatch' (nothing moved). */
  size?: number;
  /** Lowercase hex SHA-256 the object must have, else 'digest-mismatch' (nothing moved). */
  expectSha256: string;
  /** Media type recorded with the bytes (S3 Content-Type). */
  contentType?: string;
  /** Object Lock stores: the new version's retain-until date. */
  retainUntil?: Date;
  /** Object Lock stores: put the new version under a legal hold. */
  legalHold?: boolean;
}

export interface PutBlobResult {
  key: string;
  /** The version written (or found); absent on unversioned backends. */
  versionId?: string;
  /** Bytes counted by Vellum while streaming. */
  size: number;
  /** Lowercase hex SHA-256 computed by Vellum while streaming. */
  sha256: string;
  location: BlobLocation;
  /** False when identical bytes were already stored under the key. */
  created: boolean;
}

export interface Retention {
  mode: RetentionMode;
  until: Date;
}

/** A version's WORM state. */
export interface BlobProtection {
  retention?: Retention;
  legalHold: boolean;
}

export interface BlobInfo {
  key: string;
  versionId?: string;
  size: number;
  /** The SHA-256 Vellum computed and recorded at put, when the backend holds one. */
  sha256?: string;
  contentType?: string;
  /** The backend's entity tag (opaque; not a digest). */
  etag?: string;
  lastModified: Date;
  tier: RetrievalTier;
  restore: RestoreState;
  /** Lock fields when the backend reports them with the metadata. */
  protection?: BlobProtection;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`; `end` defaults to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetBlobOptions {
  versionId?: string;
  /** A range starting past the last byte is 'bad-range'; an end past it is clamped. */
  range?: ByteRange;
}

export interface BlobRead extends BlobInfo {
  /** The bytes; the caller MUST consume or destroy it (it holds a file or a socket). */
  stream: Readable;
  /** The range served, inclusive, when one was asked for. */
  range?: { start: number; end: number };
  /** Bytes in `stream`. */
  length: number;
}

export interface BlobListEntry {
  key: string;
  size: number;
  lastModified: Date;
}

export interface DeleteResult {
  key: string;
  versionId?: string;
  /** False when there was nothing to delete. */
  deleted: boolean;
}

export interface BlobHealth {
  ok: boolean;
  backend: string;
  latencyMs: number;
  message?: string;
  /** Whether versions written here are WORM-protected (S3 Object Lock). */
  objectLock: boolean;
}

export interface PresignedGet {
  url: string;
  expiresAt: Date;
}

export interface RestoreOptions {
  /** How long the restored copy stays readable. */
  days: number;
  versionId?: string;
}

export interface BlobStore {
  /** The driver: 'fs' or 's3'. */
  readonly backend: string;
  /** Streams `source` into `key`; resolves once durable with Vellum's own size and digest. */
  put(key: string, source: BlobSource, options?: PutBlobOptions): Promise<PutBlobResult>;
  /**
   * Gives the object at `from` (stored by this store) the key `to`, without
   * copying its bytes through Vellum; resolves once `to` is durable, as a
   * `put` of those bytes to `to` would (see the contract above).
   */
  move?(from: string, to: string, options: MoveBlobOptions): Promise<PutBlobResult>;
  /** The bytes of the current version (or `versionId`), whole or a range. */
  get(key: string, options?: GetBlobOptions): Promise<BlobRead>;
  /** What is stored at `key`, without the bytes. */
  head(key: string, versionId?: string): Promise<BlobInfo>;
  /** Deletes one version (the current one by default); 'locked' when WORM forbids it. */
  delete(key: string, versionId?: string): Promise<DeleteResult>;
  /** Current objects whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<BlobListEntry>;
  /** Whether the backend answers; never rejects. */
  health(): Promise<BlobHealth>;
  /** The retrieval tier of the current version. */
  tier(key: string): Promise<RetrievalTier>;
  /** Moves the blob to another tier (filesystem; S3 uses lifecycle rules instead). */
  setTier?(key: string, tier: RetrievalTier): Promise<void>;
  /** Asks for a temporary readable copy of a cold or archived blob. */
  restore?(key: string, options: RestoreOptions): Promise<RestoreState>;
  /** A URL that GETs the bytes without credentials, for at most 604800 s (7 days). */
  presignGet?(key: string, options: { expiresSeconds: number; versionId?: string }): Promise<PresignedGet>;
  /**
   * Raises a version's retention (later date, or GOVERNANCE to COMPLIANCE);
   * never lowers it. Resolves with the retention in force afterwards.
   */
  setRetention?(
    key: string,
    versionId: string,
    retention: Retention,
  ): Promise<{ changed: boolean; retention: Retention }>;
  /** Sets or clears a version's legal hold. */
  setLegalHold?(key: string, versionId: string, on: boolean): Promise<BlobProtection>;
  /** A version's retention and legal hold. */
  getProtection?(key: string, versionId: string): Promise<BlobProtection>;
}
