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
  | 'forbidden';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
