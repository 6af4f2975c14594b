/**
 * The port through which the ledger stores one log's files (C2SP
 * tlog-tiles keys: `checkpoint`, `tile/...`, plus `staging/...`).
 *
 * Durability contract, for every driver:
 * - `put` MUST NOT resolve until the bytes are durable (fsync'd, or
 *   acknowledged by the object store). If it rejects, the object may or may
 *   not exist ("failed but stored" is possible): callers retry with the
 *   same bytes, which is always safe.
 * - Keys are write-once: `put` on an existing key MUST succeed only when the
 *   stored bytes are identical, and MUST otherwise reject with
 *   StorageError('exists-different') and leave the stored bytes unchanged.
 * - `replace` is the only way to change a key's bytes, and MUST only be used
 *   for `checkpoint`; readers see the old or the new bytes, never a mix.
 * - `delete` MUST only be used for `staging/` keys and for partial tiles
 *   (`.p/` keys) whose full tile is stored; drivers reject any other key.
 * - `get` returns undefined only when the key does not exist; any other
 *   failure rejects.
 */
export interface ObjectStore {
  /** Stores `data` at `key` if absent; identical bytes already there count as success. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Atomically replaces the bytes at `key` (only `checkpoint`). */
  replace(key: string, data: Uint8Array): Promise<void>;
  /** The bytes at `key`, or undefined when absent. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key that starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes `key` (staging and superseded partial tiles only); absent keys are not an error. */
  delete(key: string): Promise<void>;
}

/** Whether `key` may be deleted under the ObjectStore contract. */
export function isDeletable(key: string): boolean {
  return key.startsWith('staging/') || /^tile\/(entries|[0-9]+)\/.*\.p\/[0-9]+$/.test(key);
}

/** Keys are relative slash paths of safe characters; no empty, `.` or `..` segments. */
export function isValidKey(key: string): boolean {
  return (
    key.length > 0 &&
    key.length <= 512 &&
    /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) &&
    !key.split('/').some((s) => s === '.' || s === '..')
  );
}
