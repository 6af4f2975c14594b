/**
 * ObjectStore on a local filesystem: one directory per log, keys as
 * relative paths. Written with temp file + fsync + link (create-if-absent)
 * + directory fsync; tiles and bundles are made read-only (0444).
 */
import { readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bytesEqual } from '../../tlog/hash.js';
import { StorageError } from '../errors.js';
import { isDeletable, isValidKey, type ObjectStore } from '../object-store.js';
import { createExclusive, isTempName, readIfExists, replaceFile, syncDir } from './durable-file.js';

export class FsObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  #path(key: string): string {
    if (!isValidKey(key))
      throw new StorageError('bad-key', `invalid object key ${JSON.stringify(key.slice(0, 100))}`);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.#path(key);
    const mode = key.startsWith('tile/') ? 0o444 : 0o644;
    const r = await wrap(key, () => createExclusive(path, data, mode));
    if (!r.created && !bytesEqual(r.existing, data)) {
      throw new StorageError('exists-different', `${key} already exists with different bytes`);
    }
  }

  async replace(key: string, data: Uint8Array): Promise<void> {
    if (key !== 'checkpoint')
      throw new StorageError('forbidden', `only the checkpoint may be replaced, not ${key}`);
    const path = this.#path(key);
    await wrap(key, () => replaceFile(path, data));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.#path(key);
    return wrap(key, () => readIfExists(path));
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
          return;
        throw e;
      }
      for (const d of entries) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) {
          if (prefix.startsWith(`${r}/`) || r.startsWith(prefix) || prefix === '')
            await walk(join(dir, d.name), r);
        } else if (!isTempName(d.name) && r.startsWith(prefix)) {
          out.push(r);
        }
      }
    };
    await wrap(prefix, () => walk(this.root, ''));
    return out.sort();
  }

  /** Leftover temp files of interrupted writes (for fsck), as paths relative to the root. */
  async tempFiles(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const d of entries) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) await walk(join(dir, d.name), r);
        else if (isTempName(d.name)) out.push(r);
      }
    };
    await walk(this.root, '');
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    if (!isDeletable(key)) throw new StorageError('forbidden', `${key} is write-once and may not be deleted`);
    const path = this.#path(key);
    await wrap(key, async () => {
      try {
        await unlink(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      await syncDir(dirname(path));
    });
  }
}

async function wrap<T>(key: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw new StorageError('unavailable', `storage failed on ${key}: ${(e as Error).message}`, { cause: e });
  }
}
