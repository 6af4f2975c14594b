/**
 * What every artifact service shares: the ports (registry metadata, blob
 * store, audit log), the clock, ids, the retention policy and limits, and
 * whether the blob store keeps versions under Object Lock.
 */
import type { LogRegistry } from '../../ledger/registry.js';
import type {
  ArtifactStore,
  NewRetentionEvent,
  PackageRow,
  RetentionEventType,
} from '../../storage/artifact-store.js';
import type { BlobStore, RetentionMode } from '../../storage/blob-store.js';
import { DomainError } from '../errors.js';
import { ArtifactAudit } from './audit.js';
import { type RetentionPolicy, retentionPolicy } from './retention.js';

export interface ArtifactLimits {
  /** Most bytes of one file (default 5 GiB). */
  readonly maxFileBytes: number;
  /** Most files in one package (default 10,000). */
  readonly maxFilesPerPackage: number;
  /** Most bytes of a package's metadata as canonical JSON (default 16 KiB: it goes into a log entry). */
  readonly maxMetadataBytes: number;
}

/** Metadata travels in the package-created entry, and an entry is at most 65,535 bytes. */
export const MAX_METADATA_BYTES = 32 * 1024;

export const DEFAULT_LIMITS: ArtifactLimits = {
  maxFileBytes: 5 * 1024 ** 3,
  maxFilesPerPackage: 10_000,
  maxMetadataBytes: 16 * 1024,
};

/** A blob whose bytes no longer hash to their digest (see scrub.ts). */
export interface ScrubMismatch {
  readonly tenant: string;
  readonly sha256: string;
  readonly key: string;
  readonly versionId: string | null;
  /** The digest of the bytes read; null when they could not be read at all. */
  readonly actualSha256: string | null;
  readonly reason: string;
}

export interface ArtifactDeps {
  readonly store: ArtifactStore;
  /** Where blob bytes go: `<tenant>/blobs/sha256/<hex>`. */
  readonly blobs: BlobStore;
  /** The tenant logs (the artifact events go to each tenant's `audit` log). */
  readonly registry: Pick<LogRegistry, 'get'>;
  /** Random bytes from a CSPRNG (ids). */
  readonly random: (n: number) => Uint8Array;
  readonly now?: () => Date;
  /** Default durations per class (see retention.ts); permanent-record is always never. */
  readonly retention?: Partial<RetentionPolicy>;
  readonly limits?: Partial<ArtifactLimits>;
  /**
   * Where an upload without a declared SHA-256 is spooled while it is hashed
   * (`<tenant>/staging/<id>`), before it is copied to its content key.
   * Default: `blobs`. A store without Object Lock is better: on an Object
   * Lock bucket the spooled copy stays locked for `stagingLockSeconds`.
   */
  readonly staging?: BlobStore;
  /** How long a resumable upload may stay open (default 24 h). */
  readonly uploadTtlSeconds?: number;
  /** Retention of spooled copies on an Object Lock staging store (default 300 s). */
  readonly stagingLockSeconds?: number;
  /** Object Lock: `enabled` overrides what `blobs.health()` reports; `mode` is asked of every raise (default GOVERNANCE; raising never weakens a mode). */
  readonly objectLock?: { readonly enabled?: boolean; readonly mode?: RetentionMode };
  /** Longest wait for a checkpoint covering an entry whose proof is asked for (default 30 s). */
  readonly publishTimeoutMs?: number;
  /** Called for every scrub mismatch (metrics, alerts). */
  readonly onScrubMismatch?: (m: ScrubMismatch) => void;
}

export class ArtifactContext {
  readonly store: ArtifactStore;
  readonly blobs: BlobStore;
  readonly staging: BlobStore;
  readonly audit: ArtifactAudit;
  readonly policy: RetentionPolicy;
  readonly limits: ArtifactLimits;
  readonly lockMode: RetentionMode;
  readonly stagingLockMs: number;
  readonly uploadTtlMs: number;
  readonly onScrubMismatch: ((m: ScrubMismatch) => void) | undefined;
  readonly #random: (n: number) => Uint8Array;
  readonly #now: () => Date;
  readonly #lockOverride: boolean | undefined;
  readonly #locked = new Map<BlobStore, Promise<boolean>>();

  constructor(d: ArtifactDeps) {
    this.store = d.store;
    this.blobs = d.blobs;
    this.staging = d.staging ?? d.blobs;
    this.audit = new ArtifactAudit(d.registry, d.publishTimeoutMs);
    this.policy = retentionPolicy(d.retention);
    this.limits = { ...DEFAULT_LIMITS, ...d.limits };
    this.lockMode = d.objectLock?.mode ?? 'GOVERNANCE';
    this.stagingLockMs = (d.stagingLockSeconds ?? 300) * 1000;
    this.uploadTtlMs = (d.uploadTtlSeconds ?? 24 * 3600) * 1000;
    if (!Number.isSafeInteger(this.uploadTtlMs) || this.uploadTtlMs < 1000)
      throw new DomainError('bad-request', 'uploadTtlSeconds must be a whole number of seconds, at least 1');
    this.onScrubMismatch = d.onScrubMismatch;
    this.#random = d.random;
    this.#now = d.now ?? (() => new Date());
    this.#lockOverride = d.objectLock?.enabled;
    if (this.limits.maxMetadataBytes > MAX_METADATA_BYTES)
      throw new DomainError(
        'bad-request',
        `maxMetadataBytes is at most ${MAX_METADATA_BYTES}: metadata goes into a log entry`,
      );
    for (const [k, v] of Object.entries(this.limits))
      if (!Number.isSafeInteger(v) || v < 1)
        throw new DomainError('bad-request', `limit ${k} must be a positive integer`);
  }

  /** Now, in ms. */
  now(): number {
    return this.#now().getTime();
  }

  /** A new row id: `<prefix>_<24 hex digits>` (96 random bits). */
  id(prefix: 'pkg' | 'fil' | 'hld' | 'loc' | 'run' | 'upl' | 'prt'): string {
    return `${prefix}_${Buffer.from(this.#random(12)).toString('hex')}`;
  }

  /** A retention event of `tenant`; fields not given are null. */
  event(
    tenant: string,
    e: {
      type: RetentionEventType;
      packageId: string | null;
      reason: string;
      createdBy: string;
      createdAt: number;
    } & Partial<
      Pick<NewRetentionEvent, 'previousExpiresAt' | 'newExpiresAt' | 'holdId' | 'item' | 'auditIndex'>
    >,
  ): NewRetentionEvent {
    return {
      tenant,
      previousExpiresAt: null,
      newExpiresAt: null,
      holdId: null,
      item: null,
      auditIndex: null,
      ...e,
    };
  }

  /** The package `id` of `tenant`; 'not-found' when there is none (another tenant's included). */
  async package(tenant: string, id: string): Promise<PackageRow> {
    const p = isId('pkg', id) ? await this.store.packages.get(tenant, id) : undefined;
    if (!p) throw new DomainError('not-found', `no package ${String(id).slice(0, 80)}`);
    return p;
  }

  /**
   * Whether versions written to `store` take Object Lock retention and legal
   * holds. Asked once (health never rejects; a failed probe is not cached).
   */
  async objectLock(store: BlobStore = this.blobs): Promise<boolean> {
    if (this.#lockOverride !== undefined && store === this.blobs) return this.#lockOverride;
    let p = this.#locked.get(store);
    if (!p) {
      p = store.health().then((h) => {
        if (!h.ok)
          throw new DomainError('unavailable', `the blob store is unavailable: ${h.message ?? h.backend}`);
        return (
          h.objectLock && typeof store.setRetention === 'function' && typeof store.setLegalHold === 'function'
        );
      });
      this.#locked.set(store, p);
      p.catch(() => this.#locked.delete(store));
    }
    return p;
  }
}

/** Whether `s` has the shape of an id this domain makes with `prefix`. */
export function isId(prefix: string, s: unknown): s is string {
  return (
    typeof s === 'string' &&
    s.length === prefix.length + 25 &&
    s.startsWith(`${prefix}_`) &&
    /^[0-9a-f]{24}$/.test(s.slice(prefix.length + 1))
  );
}

/** The content key of a tenant's blob. */
export function blobKey(tenant: string, sha256: string): string {
  return `${tenant}/blobs/sha256/${sha256}`;
}

/** Where an upload is spooled while it is hashed. */
export function stagingKey(tenant: string, uploadId: string): string {
  return `${tenant}/staging/${uploadId}`;
}

/** The prefix of a tenant's spooled uploads. */
export function stagingPrefix(tenant: string): string {
  return `${tenant}/staging/`;
}
