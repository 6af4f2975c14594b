/**
 * ObjectStore in memory, for tests: fault hooks per operation ("failed and
 * not stored", "failed but stored", slow), and a hard failure if any
 * write-once key is ever changed, whatever the caller does.
 */
import { bytesEqual } from '../../tlog/hash.js';
import { StorageError } from '../errors.js';
import { isDeletable, isValidKey, type ObjectStore } from '../object-store.js';

/** What a fault hook makes of one operation. */
export type Fault =
  | undefined
  /** Reject without storing. */
  | 'fail'
  /** Store, then reject (the caller cannot tell it was stored). */
  | 'fail-after-store'
  /** Delay by this many milliseconds, then proceed. */
  | { delayMs: number };

export type Op = 'put' | 'replace' | 'get' | 'list' | 'delete';

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  /** Called before every operation; its answer decides the fault, if any. */
  fault: (op: Op, key: string) => Fault = () => undefined;
  /** Operations performed, in order (for assertions). */
  readonly log: string[] = [];

  async #apply(op: Op, key: string): Promise<'ok' | 'fail' | 'fail-after-store'> {
    this.log.push(`${op} ${key}`);
    const f = this.fault(op, key);
    if (f === undefined) return 'ok';
    if (typeof f === 'object') {
      await new Promise((r) => setTimeout(r, f.delayMs));
      return 'ok';
    }
    return f;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    check(key);
    const f = await this.#apply('put', key);
    if (f === 'fail') throw new StorageError('unavailable', `injected failure: put ${key}`);
    const existing = this.objects.get(key);
    if (existing !== undefined) {
      if (!bytesEqual(existing, data))
        throw new StorageError('exists-different', `${key} already exists with different bytes`);
    } else {
      this.objects.set(key, data.slice());
    }
    if (f === 'fail-after-store')
      throw new StorageError('unavailable', `injected failure after storing: put ${key}`);
  }

  async replace(key: string, data: Uint8Array): Promise<void> {
    check(key);
    if (key !== 'checkpoint')
      throw new StorageError('forbidden', `only the checkpoint may be replaced, not ${key}`);
    const f = await this.#apply('replace', key);
    if (f === 'fail') throw new StorageError('unavailable', `injected failure: replace ${key}`);
    this.objects.set(key, data.slice());
    if (f === 'fail-after-store')
      throw new StorageError('unavailable', `injected failure after storing: replace ${key}`);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    check(key);
    const f = await this.#apply('get', key);
    if (f !== 'ok') throw new StorageError('unavailable', `injected failure: get ${key}`);
    return this.objects.get(key)?.slice();
  }

  async list(prefix: string): Promise<string[]> {
    const f = await this.#apply('list', prefix);
    if (f !== 'ok') throw new StorageError('unavailable', `injected failure: list ${prefix}`);
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    check(key);
    if (!isDeletable(key)) throw new StorageError('forbidden', `${key} is write-once and may not be deleted`);
    const f = await this.#apply('delete', key);
    if (f === 'fail') throw new StorageError('unavailable', `injected failure: delete ${key}`);
    this.objects.delete(key);
    if (f === 'fail-after-store')
      throw new StorageError('unavailable', `injected failure after deleting ${key}`);
  }
}

function check(key: string): void {
  if (!isValidKey(key))
    throw new StorageError('bad-key', `invalid object key ${JSON.stringify(key.slice(0, 100))}`);
}
