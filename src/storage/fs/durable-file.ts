/** Durable file primitives: temp file, fsync, link or rename, fsync the directory. */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

const madeDirs = new Set<string>();

/** Creates `dir` and its missing parents, fsyncing each parent that gained an entry. */
export async function ensureDir(dir: string): Promise<void> {
  if (madeDirs.has(dir)) return;
  const first = await mkdir(dir, { recursive: true });
  if (first !== undefined) {
    // New directories: make their entries durable, from the top-most new one's parent down.
    let d = dir;
    const chain: string[] = [];
    while (d.length >= first.length) {
      chain.push(dirname(d));
      d = dirname(d);
    }
    for (const p of chain.reverse()) await syncDir(p);
  }
  if (madeDirs.size >= 4096) madeDirs.clear(); // a cache, not a record: bounded for servers with many logs
  madeDirs.add(dir);
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Fsyncs the file at `path` (its bytes and its metadata). */
export async function syncFile(path: string): Promise<void> {
  const fh = await open(path, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `data` to a new temp file beside `path`, fsync'd; returns the temp path. */
export async function writeTemp(path: string, data: Uint8Array, mode: number): Promise<string> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  return tmp;
}

/**
 * Creates `path` with `data` unless it exists. Returns 'created', or
 * 'exists' with the existing bytes when the name was taken.
 */
export async function createExclusive(
  path: string,
  data: Uint8Array,
  mode: number,
): Promise<{ created: true } | { created: false; existing: Uint8Array }> {
  await ensureDir(dirname(path));
  const tmp = await writeTemp(path, data, mode);
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      return { created: false, existing: await readFile(path) };
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  await syncDir(dirname(path));
  return { created: true };
}

/** Atomically replaces `path` with `data` (readers see old or new bytes), durably. */
export async function replaceFile(path: string, data: Uint8Array, mode = 0o644): Promise<void> {
  await ensureDir(dirname(path));
  const tmp = await writeTemp(path, data, mode);
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dirname(path));
}

/** The bytes of `path`, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Whether a file name is one of our temp files. */
export function isTempName(name: string): boolean {
  return /\.tmp-[0-9a-f]{12}$/.test(name);
}
