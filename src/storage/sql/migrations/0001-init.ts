/**
 * 0001: tenants, API keys, the log catalog, the checkpoint lock and the
 * records index. Migrations are append-only: never edit one that has
 * shipped, add the next number. Everything a migration needs (the role
 * list, for one) is written out here, not imported, so that its meaning
 * never changes after the fact.
 *
 * Dialect branches: the rowid-backed key of `records` and full-text search
 * (SQLite FTS5 external-content table kept by triggers; PostgreSQL tsvector
 * generated column with a GIN index). Both index `records.terms`, the words
 * computed by search-terms.ts, so both dialects agree on what a word is.
 */
import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

const ROLES = `'platform-admin', 'tenant-admin', 'writer', 'reader', 'auditor', 'approver'`;

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema of their own time, not today's Database type.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const bytes = pg ? 'bytea' : 'blob';

  await db.schema
    .createTable('tenants')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant', 'text', (c) => c.references('tenants.name'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', bytes, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addCheckConstraint('api_keys_role', sql.raw(`role in (${ROLES})`))
    .addCheckConstraint('api_keys_scope', sql`(tenant is null) = (role = 'platform-admin')`)
    .execute();
  await db.schema.createIndex('api_keys_tenant').on('api_keys').column('tenant').execute();

  const flag = (name: string) => sql.raw(`${name} in (0, 1)`);
  await db.schema
    .createTable('logs')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('skey', 'text', (c) => c.notNull())
    .addColumn('dedup', 'integer', (c) => c.notNull())
    .addColumn('remove_partials', 'integer', (c) => c.notNull())
    .addColumn('public', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('logs_pk', ['tenant', 'name'])
    .addCheckConstraint('logs_dedup', flag('dedup'))
    .addCheckConstraint('logs_remove_partials', flag('remove_partials'))
    .addCheckConstraint('logs_public', flag('public'))
    .execute();

  await db.schema
    .createTable('checkpoints')
    .addColumn('log_id', 'text', (c) => c.primaryKey())
    .addColumn('note', bytes, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('record_logs')
    .addColumn('id', 'integer', (c) => (pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey()))
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('log', 'text', (c) => c.notNull())
    .addUniqueConstraint('record_logs_name', ['tenant', 'log'])
    .execute();

  await db.schema
    .createTable('records')
    // SQLite: exactly "integer primary key" makes it the rowid, so rows are stored in id order.
    .addColumn('id', pg ? 'bigint' : 'integer', (c) => c.primaryKey())
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('log', 'text', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('host', 'text')
    .addColumn('pid', 'bigint')
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('terms', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('records_ts').on('records').columns(['tenant', 'log', 'ts']).execute();
  await db.schema.createIndex('records_level').on('records').columns(['level', 'id']).execute();

  await db.schema
    .createTable('record_levels')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('log', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('record_levels_pk', ['tenant', 'log', 'level'])
    .execute();

  if (pg) {
    await sql`alter table records add column tsv tsvector
      generated always as (array_to_tsvector(string_to_array(terms, ' '))) stored`.execute(db);
    await db.schema.createIndex('records_tsv').on('records').using('gin').column('tsv').execute();
  } else {
    // `ascii` keeps every non-ASCII character inside a word, so FTS5 indexes
    // exactly the words of `terms`; detail=none: AND of single words needs no positions.
    await sql`create virtual table records_fts using fts5(
      terms, content='records', content_rowid='id', tokenize='ascii', detail='none', columnsize=0)`.execute(
      db,
    );
    await sql`create trigger records_fts_insert after insert on records begin
      insert into records_fts(rowid, terms) values (new.id, new.terms);
    end`.execute(db);
    await sql`create trigger records_fts_delete after delete on records begin
      insert into records_fts(records_fts, rowid, terms) values ('delete', old.id, old.terms);
    end`.execute(db);
    await sql`create trigger records_fts_update after update on records begin
      insert into records_fts(records_fts, rowid, terms) values ('delete', old.id, old.terms);
      insert into records_fts(rowid, terms) values (new.id, new.terms);
    end`.execute(db);
  }
}
