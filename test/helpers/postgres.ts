/**
 * PostgreSQL for tests and benchmarks: the server's URL (env
 * VELLUM_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test),
 * a reachability probe that skips or fails suites, and fresh schemas, so
 * that test files running at the same time never see each other's tables.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function postgresUrl(): string {
  return process.env.VELLUM_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

/** True when env VELLUM_REQUIRE_POSTGRES=1: an unreachable server fails instead of skipping. */
export function postgresRequired(): boolean {
  return process.env.VELLUM_REQUIRE_POSTGRES === '1';
}

/**
 * A `skip` value for node:test: false when PostgreSQL answers; otherwise a
 * reason (also printed), or a thrown error when PostgreSQL is required.
 */
export async function postgresSkip(): Promise<string | false> {
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return false;
  } catch (e) {
    const reason = `PostgreSQL unreachable at ${redact(postgresUrl())}: ${(e as Error).message}`;
    if (postgresRequired()) throw new Error(`${reason} (VELLUM_REQUIRE_POSTGRES=1)`);
    console.log(`# SKIPPING PostgreSQL tests: ${reason}`);
    return reason;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestSchema {
  /** postgresUrl() with `search_path` set to the new schema. */
  readonly url: string;
  readonly schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** Creates an empty schema `vellum_test_<random>` and a URL whose connections use it. */
export async function createSchema(): Promise<TestSchema> {
  const schema = `vellum_test_${randomBytes(6).toString('hex')}`;
  await admin(`create schema ${schema}`);
  const u = new URL(postgresUrl());
  const options = [u.searchParams.get('options'), `-c search_path=${schema}`].filter(Boolean).join(' ');
  u.searchParams.set('options', options);
  return { url: u.toString(), schema, drop: () => admin(`drop schema if exists ${schema} cascade`) };
}

/** Runs `fn` with the URL of a fresh schema, and drops the schema afterwards whatever happens. */
export async function withSchema<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const s = await createSchema();
  try {
    return await fn(s.url);
  } finally {
    await s.drop();
  }
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
