/**
 * CheckpointLock on a local filesystem: one file per log id, replaced
 * atomically and durably. The compare-and-swap is serialized per id within
 * this process; a data directory is served by one process at a time (the
 * server takes an exclusive lock file on it), so that is sufficient here.
 * Shared deployments use the PostgreSQL driver instead.
 */
import { join } from 'node:path';
import { bytesEqual } from '../../tlog/hash.js';
import type { CheckpointLock } from '../checkpoint-lock.js';
import { StorageError } from '../errors.js';
import { isValidKey } from '../object-store.js';
import { readIfExists, replaceFile } from './durable-file.js';

export class FsCheckpointLock implements CheckpointLock {
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(readonly root: string) {}

  #path(id: string): string {
    if (!isValidKey(id))
      throw new StorageError('bad-key', `invalid log id ${JSON.stringify(id.slice(0, 100))}`);
    return join(this.root, ...id.split('/'), 'checkpoint');
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    const path = this.#path(id);
    try {
      return await readIfExists(path);
    } catch (e) {
      throw new StorageError(
        'unavailable',
        `cannot read the checkpoint lock of ${id}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  swap(id: string, old: Uint8Array | undefined, next: Uint8Array): Promise<void> {
    const path = this.#path(id);
    const prev = this.#queues.get(id) ?? Promise.resolve();
    const run = prev.then(async () => {
      const current = await this.get(id);
      const same = current === undefined || old === undefined ? current === old : bytesEqual(current, old);
      if (!same) throw new StorageError('lock-conflict', `the checkpoint of ${id} changed under us`);
      try {
        await replaceFile(path, next, 0o600);
      } catch (e) {
        throw new StorageError(
          'unavailable',
          `cannot write the checkpoint lock of ${id}: ${(e as Error).message}`,
          { cause: e },
        );
      }
    });
    const tail = run.catch(() => {});
    this.#queues.set(id, tail);
    tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id);
    });
    return run;
  }
}
