/**
 * Opens the metadata database named by a URL and brings its schema to the
 * latest migration before returning:
 *
 *   postgres://user@host:5432/db[?options=-c%20search_path%3Dschema]
 *                                 PostgreSQL (pg Pool), shared deployments
 *   sqlite:<path>, sqlite://<path>, <path>, :memory:
 *                                 SQLite (better-sqlite3), embedded
 *
 * SQLite runs in WAL mode with synchronous=FULL (a commit is fsync'd before
 * it returns) and foreign keys on; a new database file is created 0600
 * because the log catalog holds signer keys. PostgreSQL migrations run
 * under Kysely's advisory lock, so nodes starting together apply each
 * migration once; the migration tables live in the connection's current
 * schema, so several schemas in one database never see each other's.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { StorageError } from '../errors.js';
import type { Dialect } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';
import { asStorageError } from './unavailable.js';

export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

export interface SqlDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
}

/** Where a metadata URL points; rejects StorageError('bad-key') for other schemes. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  let path = url;
  if (/^sqlite:/i.test(url)) path = url.slice('sqlite:'.length).replace(/^\/\//, '');
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url))
    throw new StorageError('bad-key', `unsupported database URL scheme in ${url.replace(/\/\/.*/, '//...')}`);
  if (path === '' || path.includes('\u0000')) throw new StorageError('bad-key', 'empty database path');
  return { dialect: 'sqlite', path };
}

/** Opens and migrates; rejects StorageError('unavailable') when the database cannot be reached or migrated. */
export async function openDatabase(url: string): Promise<SqlDatabase> {
  const target = parseDatabaseUrl(url);
  let db: Kysely<Database> | undefined;
  try {
    db = target.dialect === 'postgres' ? await openPostgres(target.url) : openSqlite(target.path);
    await migrate(db, target.dialect);
    return { db, dialect: target.dialect };
  } catch (e) {
    await db?.destroy().catch(() => {});
    throw asStorageError(`cannot open the ${target.dialect} metadata database`, e);
  }
}

function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const sqlite = new BetterSqlite3(path, { timeout: 5000 });
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    sqlite.close();
    throw e;
  }
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/** The pg driver is loaded only for PostgreSQL: an embedded deployment never pays for it. */
async function openPostgres(url: string): Promise<Kysely<Database>> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

async function migrate(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  let schema: string | undefined;
  if (dialect === 'postgres') {
    const { rows } = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
    schema = rows[0]?.s ?? undefined;
    if (!schema) throw new StorageError('unavailable', 'the search_path names no existing schema');
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: 'vellum_migration',
    migrationLockTableName: 'vellum_migration_lock',
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw asStorageError(`migration ${failed ?? ''} failed`.replace('  ', ' '), error);
  }
}
