/** CheckpointLock in memory, for tests, with the same fault hooks as MemoryObjectStore. */
import { bytesEqual } from '../../tlog/hash.js';
import type { CheckpointLock } from '../checkpoint-lock.js';
import { StorageError } from '../errors.js';
import type { Fault } from './memory-object-store.js';

export class MemoryCheckpointLock implements CheckpointLock {
  readonly values = new Map<string, Uint8Array>();
  fault: (op: 'get' | 'swap', id: string) => Fault = () => undefined;

  async get(id: string): Promise<Uint8Array | undefined> {
    const f = this.fault('get', id);
    if (typeof f === 'object') await new Promise((r) => setTimeout(r, f.delayMs));
    else if (f !== undefined) throw new StorageError('unavailable', `injected failure: get lock ${id}`);
    return this.values.get(id)?.slice();
  }

  async swap(id: string, old: Uint8Array | undefined, next: Uint8Array): Promise<void> {
    const f = this.fault('swap', id);
    if (typeof f === 'object') await new Promise((r) => setTimeout(r, f.delayMs));
    if (f === 'fail') throw new StorageError('unavailable', `injected failure: swap ${id}`);
    const current = this.values.get(id);
    const same = current === undefined || old === undefined ? current === old : bytesEqual(current, old);
    if (!same) throw new StorageError('lock-conflict', `the checkpoint of ${id} changed under us`);
    this.values.set(id, next.slice());
    if (f === 'fail-after-store')
      throw new StorageError('unavailable', `injected failure after swapping ${id}`);
  }
}
