/**
 * The metadata store over SQL: `openMetadata(url)` opens the database
 * (database.ts: SQLite file or PostgreSQL), runs pending migrations, and
 * returns every store over that one connection (pool).
 */
import type { MetadataStore } from '../metadata.js';
import { openDatabase } from './database.js';
import { SqlApiKeys } from './sql-api-keys.js';
import { SqlArtifacts } from './sql-artifacts.js';
import { SqlCheckpointLock } from './sql-checkpoint-lock.js';
import { SqlLogCatalog } from './sql-log-catalog.js';
import { SqlRecords } from './sql-records.js';
import { SqlTenants } from './sql-tenants.js';
import { guard } from './unavailable.js';

/**
 * Opens the metadata database at `url` (`postgres://...`, `sqlite:<path>`,
 * a plain path, or `:memory:`). Rejects StorageError('bad-key') for an
 * unsupported URL and 'unavailable' when the database cannot be reached or
 * migrated.
 */
export async function openMetadata(url: string): Promise<MetadataStore> {
  const { db, dialect } = await openDatabase(url);
  let closed: Promise<void> | undefined;
  return {
    dialect,
    tenants: new SqlTenants(db),
    keys: new SqlApiKeys(db),
    records: new SqlRecords(db, dialect),
    logs: new SqlLogCatalog(db),
    lock: new SqlCheckpointLock(db, dialect),
    artifacts: new SqlArtifacts(db),
    close: () => {
      closed ??= guard('close the metadata database', () => db.destroy());
      return closed;
    },
  };
}
