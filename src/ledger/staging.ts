/**
 * The staging bundle of one sequencing round: every file the round will
 * publish (tiles, entry bundles), in one object written before the commit
 * point. After a crash it is what recovery publishes, so the files of a
 * committed tree can always be written again. It holds no signed
 * checkpoint: the committed one is the lock's, and a round that never
 * commits must leave no signed tree behind. (Bundles written by earlier
 * versions hold a file named "checkpoint"; recovery ignores it.)
 *
 * Layout: "vellum-staging/1\n", then per file: u16 path length, path, u32
 * data length, data.
 */
import { LedgerError } from './errors.js';

const MAGIC = new TextEncoder().encode('vellum-staging/1\n');

export interface StagedFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/** The object key of the staging bundle for a tree of `size` with `root`. */
export function stagingKey(size: number, root: Uint8Array): string {
  return `staging/${size}-${Buffer.from(root).toString('hex')}`;
}

export function encodeStaging(files: readonly StagedFile[]): Uint8Array {
  const enc = new TextEncoder();
  const paths = files.map((f) => enc.encode(f.path));
  let size = MAGIC.length;
  files.forEach((f, i) => {
    size += 2 + paths[i]!.length + 4 + f.data.length;
  });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC);
  let at = MAGIC.length;
  files.forEach((f, i) => {
    const p = paths[i]!;
    view.setUint16(at, p.length);
    out.set(p, at + 2);
    at += 2 + p.length;
    view.setUint32(at, f.data.length);
    out.set(f.data, at + 4);
    at += 4 + f.data.length;
  });
  return out;
}

export function decodeStaging(data: Uint8Array): StagedFile[] {
  const bad = (why: string) => new LedgerError('corrupt', `staging bundle: ${why}`);
  if (data.length < MAGIC.length || !MAGIC.every((b, i) => data[i] === b)) throw bad('bad header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const dec = new TextDecoder('utf-8', { fatal: true });
  const out: StagedFile[] = [];
  let at = MAGIC.length;
  while (at < data.length) {
    if (at + 2 > data.length) throw bad('truncated path length');
    const pl = view.getUint16(at);
    if (at + 2 + pl + 4 > data.length) throw bad('truncated path');
    const path = dec.decode(data.subarray(at + 2, at + 2 + pl));
    at += 2 + pl;
    const dl = view.getUint32(at);
    if (at + 4 + dl > data.length) throw bad(`truncated data of ${path}`);
    out.push({ path, data: data.subarray(at + 4, at + 4 + dl) });
    at += 4 + dl;
  }
  return out;
}

/**
 * The pseudo-file naming the tree a round was built on. Recovery follows
 * these links from the lock's checkpoint back to the published one, so it
 * publishes exactly the committed rounds and can tell them from rounds that
 * never committed.
 */
export const PARENT = 'parent';

export function parentFile(size: number, root: Uint8Array): StagedFile {
  return { path: PARENT, data: new TextEncoder().encode(`${size}\n${Buffer.from(root).toString('hex')}\n`) };
}

/** The tree a staged round was built on, or undefined for bundles without the link. */
export function parentOf(files: readonly StagedFile[]): { size: number; root: Uint8Array } | undefined {
  const f = files.find((x) => x.path === PARENT);
  if (!f) return undefined;
  const m = /^(0|[1-9][0-9]{0,15})\n([0-9a-f]{64})\n$/.exec(new TextDecoder().decode(f.data));
  if (!m || !Number.isSafeInteger(Number(m[1])))
    throw new LedgerError('corrupt', 'staging bundle: bad parent link');
  return { size: Number(m[1]), root: new Uint8Array(Buffer.from(m[2]!, 'hex')) };
}

/** Whether a staged file is one the round publishes (not a link or a legacy checkpoint). */
export function isPublished(f: StagedFile): boolean {
  return f.path !== PARENT && f.path !== 'checkpoint';
}
