/** The error class of `storage/` drivers, with the codes the ledger acts on. */
export type StorageErrorCode =
  /** put-if-absent found the key holding different bytes. Never retryable. */
  | 'exists-different'
  /** A compare-and-swap found a different current value. */
  | 'lock-conflict'
  /** The backend failed (I/O error, timeout): the operation may or may not have taken effect. */
  | 'unavailable'
  /** A key is malformed or outside what the driver may store. */
  | 'bad-key'
  /** The operation is not allowed on this key (e.g. deleting a published tile). */
  | 'forbidden'
  /** The key (or the version asked for) does not exist. */
  | 'not-found'
  /** A blob was longer than the caller's `maxBytes`; nothing was stored. */
  | 'too-large'
  /** A blob's length differed from the size the caller declared; nothing was stored. */
  | 'size-mismatch'
  /** A blob's SHA-256 differed from the digest the caller expected; nothing was stored. */
  | 'digest-mismatch'
  /** Stored bytes no longer match the digest recorded when they were written. */
  | 'corrupt'
  /** WORM: a retention period or legal hold forbids deleting or changing this version. */
  | 'locked'
  /** The bytes are in a cold or archive tier; `restore` carries the restore status. */
  | 'not-immediately-available'
  /** A byte range lies outside the object (HTTP 416). */
  | 'bad-range'
  /** An option is malformed or not supported by this store (e.g. retention without Object Lock). */
  | 'invalid-argument';

/** Where a cold or archived blob's restore stands (see `BlobStore.restore`). */
export interface RestoreState {
  /**
   * available: readable now (hot or warm tier). archived: in a cold tier, no
   * restore requested. restore-requested / restoring: on its way. restored:
   * a temporary readable copy exists until `expiresAt`. expired: that copy
   * is gone again.
   */
  status: 'available' | 'archived' | 'restore-requested' | 'restoring' | 'restored' | 'expired';
  /** When a restored copy stops being readable. */
  expiresAt?: Date;
}

export class StorageError extends Error {
  override readonly name = 'StorageError';
  /** With 'not-immediately-available': where the restore of the bytes stands. */
  readonly restore?: RestoreState;
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown; restore?: RestoreState },
  ) {
    super(message, options);
    if (options?.restore) this.restore = options.restore;
  }
}
