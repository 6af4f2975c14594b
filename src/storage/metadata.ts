/**
 * The metadata port: tenants, API keys, the search index of each tenant's
 * `records` log, the log catalog and the checkpoint lock, in one database.
 * Drivers: SQLite (embedded deployment, a file under the data directory)
 * and PostgreSQL (shared deployment), over one schema and one set of
 * numbered migrations (`storage/sql`).
 *
 * Contract, for every store and every driver:
 * - A method MUST NOT resolve until its writes are committed; a rejected
 *   write changes nothing.
 * - Backend failures (connection lost, disk full, timeout) MUST reject with
 *   StorageError('unavailable'), never with a driver's own error type; such
 *   a write may or may not have taken effect.
 * - Malformed arguments MUST reject with StorageError('bad-key') before
 *   anything is written. Names of tenants and logs follow `isValidName`.
 * - Names and labels (tenants, keys, the catalog) MUST be well-formed
 *   Unicode without U+0000 (PostgreSQL cannot store it); other text is
 *   refused with 'bad-key' on every driver alike. The records index instead
 *   stores U+0000 and unpaired surrogates as U+FFFD, so that any entry of a
 *   log can be indexed.
 * - Times are integer milliseconds since the Unix epoch; integers read back
 *   are JavaScript numbers, and a driver MUST fail with 'unavailable' rather
 *   than return a number it cannot represent exactly.
 */
import type { ArtifactStore } from './artifact-store.js';
import type { CheckpointLock } from './checkpoint-lock.js';
import type { LogCatalog } from './log-catalog.js';

/** What an API key may do. Only 'platform-admin' keys have no tenant. */
export type Role = 'platform-admin' | 'tenant-admin' | 'writer' | 'reader' | 'auditor' | 'approver';

/** Every role, for validating input. */
export const ROLES: readonly Role[] = [
  'platform-admin',
  'tenant-admin',
  'writer',
  'reader',
  'auditor',
  'approver',
];

/** The most rows one `Records.query` returns. */
export const MAX_QUERY_LIMIT = 1000;

/** The most distinct words one full-text query may hold. */
export const MAX_SEARCH_WORDS = 16;

export interface Tenant {
  readonly name: string;
  readonly createdAt: number;
}

export interface Tenants {
  /** Adds a tenant. MUST reject with 'exists-different' when it already exists, changing nothing. */
  create(name: string): Promise<Tenant>;
  /** The tenant, or undefined when there is none of that name (including invalid names). */
  get(name: string): Promise<Tenant | undefined>;
  /** Every tenant, sorted by name (code-unit order, whatever the database's collation). */
  list(): Promise<Tenant[]>;
}

export interface NewApiKey {
  /** Public key id: 1..64 characters of `A-Z a-z 0-9 _ -`. */
  readonly id: string;
  /** The tenant the key acts in; null exactly for 'platform-admin' keys. */
  readonly tenant: string | null;
  readonly role: Role;
  /** A label for people, 1..200 characters. */
  readonly name: string;
  /** A hash of the key's secret (1..128 bytes), never the secret itself. */
  readonly secretHash: Uint8Array;
}

export interface ApiKey extends NewApiKey {
  readonly createdAt: number;
  /** When the key was first revoked; null while it is valid. */
  readonly revokedAt: number | null;
}

/**
 * API keys. The store only keeps them: callers MUST check `revokedAt` and
 * compare `secretHash` in constant time before trusting a key.
 */
export interface ApiKeys {
  /**
   * Adds a key. MUST reject with 'bad-key' when a field is malformed, the
   * role is unknown, `tenant` is null for a tenant role or set for a
   * platform-admin key, or the tenant does not exist; with
   * 'exists-different' when the id is taken. Changes nothing on rejection.
   */
  create(key: NewApiKey): Promise<ApiKey>;
  /** The key with that id (revoked keys included), or undefined. */
  get(id: string): Promise<ApiKey | undefined>;
  /**
   * The keys of exactly `tenant` (null: the platform keys), revoked ones
   * included, oldest first. MUST NOT return another tenant's keys.
   */
  list(tenant: string | null): Promise<ApiKey[]>;
  /**
   * Revokes key `id` if it belongs to `tenant` (null: a platform key).
   * Resolves true when such a key exists (revoking twice keeps the first
   * `revokedAt`), false otherwise; another tenant's key MUST NOT change.
   */
  revoke(tenant: string | null, id: string): Promise<boolean>;
}

/** One entry of a tenant's `records` log, as indexed. */
export interface RecordRow {
  readonly tenant: string;
  readonly log: string;
  /** The entry's index in the log: a safe integer, at least 0. */
  readonly idx: number;
  /** Free text, 1..64 characters, e.g. 'INFO' or 'ERROR'; matched exactly by `RecordQuery.level`. */
  readonly level: string;
  readonly message: string;
  /** A JSON text (an object, usually); searched as text. */
  readonly metadata: string;
  /** Who wrote the record (the API key id or principal). */
  readonly actor: string;
  readonly host: string | null;
  readonly pid: number | null;
  /** Server time of the write, ms. */
  readonly ts: number;
  /** Bytes of the log entry. */
  readonly size: number;
}

export interface RecordQuery {
  readonly tenant: string;
  readonly log: string;
  /** Keep rows of these levels; absent or empty: every level. */
  readonly level?: readonly string[];
  /** Keep rows with `ts >= from`. */
  readonly from?: number;
  /** Keep rows with `ts < to`. */
  readonly to?: number;
  /**
   * Full-text filter over message and metadata: rows holding every word
   * (AND), case-insensitive. A word is a maximal run of Unicode letters,
   * digits and combining marks, NFKC-normalized and lowercased, cut to 64
   * characters; everything else (quotes, `*`, operators, punctuation)
   * separates words and is never interpreted. Text without words filters
   * nothing; more than MAX_SEARCH_WORDS distinct words is 'bad-key'.
   * Words match whole words only (no prefixes, no stemming).
   */
  readonly text?: string;
  /** 1..MAX_QUERY_LIMIT rows per page. */
  readonly limit: number;
  /** Keyset paging: only rows with `idx < cursor` (the previous page's `nextCursor`). */
  readonly cursor?: number;
}

export interface RecordPage {
  /** Newest first (descending idx). */
  readonly rows: RecordRow[];
  /** Pass as `cursor` for the next page; null exactly when no further rows match. */
  readonly nextCursor: number | null;
}

export interface RecordStats {
  readonly total: number;
  /** Sum of `size`. */
  readonly bytes: number;
  /** Row count per level. */
  readonly levels: Record<string, number>;
  /** Smallest and largest `ts`, or null when there are no rows. */
  readonly oldest: number | null;
  readonly newest: number | null;
  /** Largest indexed idx, or null; the indexer resumes after it. */
  readonly lastIndex: number | null;
}

/**
 * The search index of the immutable logger: rows mirror entries of each
 * tenant's `records` log, which stays the source of truth (the index can
 * be rebuilt from it).
 */
export interface Records {
  /**
   * Indexes rows, all or nothing, and resolves with how many were new.
   * Idempotent on (tenant, log, idx): a row identical to the stored one is
   * a no-op; a different row at a stored (tenant, log, idx) MUST reject
   * with 'exists-different' and insert nothing. Malformed rows (names,
   * non-integers, text over 65,535 characters) are 'bad-key'. A driver may
   * bound idx (the SQL drivers: idx < 2^43) and rejects beyond it likewise.
   */
  insert(rows: readonly RecordRow[]): Promise<number>;
  /**
   * One page of rows of exactly (tenant, log), newest first. MUST NOT
   * return rows of any other tenant or log. Paging with `nextCursor`
   * never returns a row twice and misses no matching row that was indexed
   * before the first page was read.
   */
  query(q: RecordQuery): Promise<RecordPage>;
  /** Totals of (tenant, log); zeros and nulls for an unknown log. */
  stats(tenant: string, log: string): Promise<RecordStats>;
}

/** Everything the platform keeps in its metadata database. */
export interface MetadataStore {
  readonly dialect: 'sqlite' | 'postgres';
  readonly tenants: Tenants;
  readonly keys: ApiKeys;
  readonly records: Records;
  readonly logs: LogCatalog;
  readonly lock: CheckpointLock;
  /** The artifact store's registry (packages, files, blobs, holds, retention events), where the driver has it. */
  readonly artifacts?: ArtifactStore;
  /** Closes the database; the store MUST NOT be used afterwards. */
  close(): Promise<void>;
}
