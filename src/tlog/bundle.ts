/**
 * Entry bundles of C2SP tlog-tiles: each entry as a big-endian uint16
 * length followed by that many bytes, so an entry is at most 65,535 bytes.
 */
import { TlogError } from './errors.js';

/** The largest entry a log can hold. */
export const MAX_ENTRY_SIZE = 65535;

/** Throws TlogError('entry-too-large') unless `entry` fits an entry bundle. */
export function checkEntry(entry: Uint8Array): void {
  if (entry.length > MAX_ENTRY_SIZE) {
    throw new TlogError(
      'entry-too-large',
      `entry of ${entry.length} bytes is over the limit of ${MAX_ENTRY_SIZE}`,
    );
  }
}

/** Encodes entries into one bundle. */
export function encodeBundle(entries: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const e of entries) {
    checkEntry(e);
    size += 2 + e.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const e of entries) {
    out[at] = Math.floor(e.length / 256);
    out[at + 1] = e.length % 256;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/**
 * Decodes a bundle. With `count`, the bundle MUST hold exactly that many
 * entries; without, it is read to its end. Truncation and trailing bytes
 * are errors. Entries are views into `data`, not copies.
 */
export function decodeBundle(data: Uint8Array, count?: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < data.length && (count === undefined || out.length < count)) {
    if (at + 2 > data.length)
      throw new TlogError('bad-bundle', `bundle truncated in the length of entry ${out.length}`);
    const len = data[at]! * 256 + data[at + 1]!;
    if (at + 2 + len > data.length) {
      throw new TlogError(
        'bad-bundle',
        `entry ${out.length} claims ${len} bytes, ${data.length - at - 2} left`,
      );
    }
    out.push(data.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  if (count !== undefined && out.length < count)
    throw new TlogError('bad-bundle', `bundle holds ${out.length} entries, want ${count}`);
  if (at !== data.length)
    throw new TlogError('bad-bundle', `${data.length - at} trailing bytes after ${out.length} entries`);
  return out;
}
