/**
 * `records.id` packs a log number (`record_logs.id`, 1..2^20-1) and the
 * entry index (0..2^43-1) as `log * 2^43 + idx`, a positive signed 64-bit
 * integer. One log's rows are then one contiguous id range in idx order:
 * the primary key (SQLite's rowid, clustering the table) serves keyset
 * paging, and FTS5 walks a word's rows of one log newest first and stops
 * at the page size, whatever the word's frequency. Ids are bigints: they
 * exceed 2^53 and are never read back as numbers.
 */

export const IDX_BITS = 43;
/** Entries per log the index can hold (idx < MAX_IDX). */
export const MAX_IDX = 2 ** IDX_BITS;
/** Log numbers available (1..MAX_LOGS-1). */
export const MAX_LOGS = 2 ** 20;

const SPAN = 2n ** BigInt(IDX_BITS);

/** The id of entry `idx` of log number `log`. */
export function recordId(log: number, idx: number): bigint {
  return BigInt(log) * SPAN + BigInt(idx);
}

/** Ids of log `log` with idx in [0, below): `lo <= id < hi`. */
export function idRange(log: number, below = MAX_IDX): { lo: bigint; hi: bigint } {
  const lo = BigInt(log) * SPAN;
  return { lo, hi: lo + BigInt(Math.max(0, Math.min(below, MAX_IDX))) };
}
