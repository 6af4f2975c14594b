/**
 * The metadata database as Kysely sees it: one type for SQLite and
 * PostgreSQL, created by `migrations/`. Integers are SQLite INTEGER or
 * PostgreSQL bigint/integer; read them through `toSafeInteger` (pg returns
 * int8 as a string). Booleans are 0/1 integers on both. Bytes are BLOB or
 * bytea, read back as Buffers by both drivers.
 */
import type { ColumnType, Generated } from 'kysely';

/** An integer column: written as a number (or a bigint), read as a number or a string. */
export type Int = ColumnType<number | string, number | bigint, number | bigint>;
export type NullableInt = ColumnType<number | string | null, number | null, number | null>;
export type Bytes = ColumnType<Buffer, Buffer, Buffer>;

export interface Database {
  tenants: { name: string; created_at: Int };
  api_keys: {
    id: string;
    /** NULL exactly for platform-admin keys (a CHECK constraint). */
    tenant: string | null;
    role: string;
    name: string;
    secret_hash: Bytes;
    created_at: Int;
    revoked_at: NullableInt;
  };
  /** The log catalog; primary key (tenant, name). */
  logs: {
    tenant: string;
    name: string;
    skey: string;
    dedup: Int;
    remove_partials: Int;
    public: Int;
    created_at: Int;
  };
  /** The checkpoint lock: one row per log id. */
  checkpoints: { log_id: string; note: Bytes };
  /** A small number per indexed (tenant, log): the high bits of `records.id` (see record-ids.ts). */
  record_logs: { id: Generated<Int>; tenant: string; log: string };
  /**
   * The records index. `id` packs (record_logs.id, idx) so that one log's
   * rows are one contiguous, idx-ordered id range; on SQLite it is the rowid.
   * Compare it with bigints only and never select it: ids exceed 2^53.
   */
  records: {
    id: ColumnType<bigint, bigint, never>;
    tenant: string;
    log: string;
    idx: Int;
    level: string;
    message: string;
    metadata: string;
    actor: string;
    host: string | null;
    pid: NullableInt;
    ts: Int;
    size: Int;
    /** The distinct search words of message and metadata, space-separated (search-terms.ts). */
    terms: string;
    /** PostgreSQL only: tsvector generated from `terms` (GIN-indexed). */
    tsv: ColumnType<string, never, never>;
  };
  /** Row count and bytes per (tenant, log, level), kept in the inserting transaction. */
  record_levels: { tenant: string; log: string; level: string; count: Int; bytes: Int };
  /** SQLite only: the FTS5 external-content index of `records.terms`, rowid = records.id. */
  records_fts: { rowid: ColumnType<bigint, never, never>; terms: string; records_fts: string };
}
