/**
 * The port that orders a log's checkpoints: a compare-and-swap of the
 * latest checkpoint, keyed by log id. The swap is the ledger's commit point:
 * a checkpoint is part of the log's history exactly when a swap to it
 * succeeded. This is what keeps two writers (two processes, or two nodes of
 * a shared deployment) from ever signing two different trees of one log.
 *
 * Contract, for every driver:
 * - `swap(id, old, next)` MUST atomically replace the current value with
 *   `next` only if the current value equals `old` byte for byte (`undefined`
 *   meaning no value yet), and MUST otherwise reject with
 *   StorageError('lock-conflict') and change nothing.
 * - `swap` MUST NOT resolve until `next` is durable.
 * - If `swap` rejects with 'unavailable', the swap may or may not have taken
 *   effect; the caller MUST re-read with `get` before deciding.
 */
export interface CheckpointLock {
  /** The current checkpoint of log `id`, or undefined before the first swap. */
  get(id: string): Promise<Uint8Array | undefined>;
  /** Compare-and-swap; see the contract above. */
  swap(id: string, old: Uint8Array | undefined, next: Uint8Array): Promise<void>;
}
