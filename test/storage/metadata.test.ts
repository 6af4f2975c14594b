/**
 * One behavioural suite for the metadata store, run on SQLite (a temp
 * file) and on PostgreSQL (a fresh schema per test; skipped with a visible
 * message when the server is unreachable, failed instead when
 * VELLUM_REQUIRE_POSTGRES=1).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { sql } from 'kysely';
import { LogRegistry } from '../../src/ledger/registry.js';
import { StorageError, type StorageErrorCode } from '../../src/storage/errors.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import type { MetadataStore, RecordQuery, RecordRow } from '../../src/storage/metadata.js';
import { openDatabase, parseDatabaseUrl } from '../../src/storage/sql/database.js';
import { migrations } from '../../src/storage/sql/migrations/index.js';
import { fts5Query, searchTerms, tsQuery } from '../../src/storage/sql/search-terms.js';
import { openMetadata } from '../../src/storage/sql/sql-metadata.js';
import { createSchema, postgresSkip } from '../helpers/postgres.js';

interface Backend {
  readonly name: 'sqlite' | 'postgres';
  readonly skip: string | false;
  /** The URL of a new, empty database, and how to remove it. */
  fresh(): Promise<{ url: string; remove(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    skip: false,
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'vellum-meta-'));
      return {
        url: `sqlite:${join(dir, 'data', 'metadata.db')}`,
        remove: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    skip: await postgresSkip(),
    async fresh() {
      const s = await createSchema();
      return { url: s.url, remove: s.drop };
    },
  },
];

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

/** An assert.rejects matcher for StorageError(code). */
function storageError(code: StorageErrorCode) {
  return (e: unknown) => {
    assert.ok(e instanceof StorageError, `expected a StorageError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

function row(idx: number, o: Partial<RecordRow> = {}): RecordRow {
  return {
    tenant: 'acme',
    log: 'records',
    idx,
    level: 'INFO',
    message: `message ${idx}`,
    metadata: '{}',
    actor: 'key-1',
    host: 'web-1',
    pid: 1234,
    ts: 1_700_000_000_000 + idx * 1000,
    size: 100 + idx,
    ...o,
  };
}

/** Every idx a query matches, following nextCursor to the end; checks the paging invariants. */
async function pageAll(s: MetadataStore, q: Omit<RecordQuery, 'cursor'>): Promise<number[]> {
  const out: number[] = [];
  let cursor: number | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 10_000, 'paging does not end');
    const p = await s.records.query(cursor === undefined ? q : { ...q, cursor });
    out.push(...p.rows.map((r) => r.idx));
    if (p.nextCursor === null) break;
    assert.equal(p.rows.length, q.limit, 'a page before the last is full');
    assert.equal(p.nextCursor, p.rows.at(-1)!.idx);
    cursor = p.nextCursor;
  }
  return out;
}

const shuffle = <T>(a: T[]) => {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32BE() % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

for (const b of backends) {
  /** A store on a new database, closed and removed afterwards. */
  const withStore = async (fn: (s: MetadataStore, url: string) => Promise<void>) => {
    const db = await b.fresh();
    try {
      const s = await openMetadata(db.url);
      try {
        await fn(s, db.url);
      } finally {
        await s.close();
      }
    } finally {
      await db.remove();
    }
  };

  describe(`metadata store on ${b.name}`, () => {
    // Skip test by test, so that the runner's summary counts what did not run.
    const it = (name: string, fn: () => Promise<void>) => test(name, { skip: b.skip }, fn);

    it('runs each migration once; reopening applies nothing and keeps the data', async () => {
      const db = await b.fresh();
      try {
        // PostgreSQL nodes may start together: the advisory lock serializes them.
        const [s1, s2] =
          b.name === 'postgres'
            ? await Promise.all([openMetadata(db.url), openMetadata(db.url)])
            : [await openMetadata(db.url), await openMetadata(db.url)];
        assert.equal(s1.dialect, b.name);
        await s1.tenants.create('acme');
        await s1.close();
        await s2.close();
        const s3 = await openMetadata(db.url);
        assert.deepEqual(
          (await s3.tenants.list()).map((t) => t.name),
          ['acme'],
        );
        await s3.close();
        const { db: k } = await openDatabase(db.url);
        const { rows } = await sql<{ name: string }>`select name from vellum_migration order by name`.execute(
          k,
        );
        await k.destroy();
        assert.deepEqual(
          rows.map((r) => r.name),
          Object.keys(migrations),
        );
        if (b.name === 'sqlite') {
          const file = db.url.slice('sqlite:'.length);
          assert.equal(statSync(file).mode & 0o777, 0o600, 'the database holds signer keys');
        }
      } finally {
        await db.remove();
      }
    });

    it('tenants: create, get, list; duplicates and bad names are refused', () =>
      withStore(async (s) => {
        const t = await s.tenants.create('zeta');
        assert.equal(t.name, 'zeta');
        assert.ok(Math.abs(t.createdAt - Date.now()) < 60_000);
        await s.tenants.create('acme');
        await s.tenants.create('a-1');
        await assert.rejects(s.tenants.create('acme'), storageError('exists-different'));
        for (const bad of ['', 'Acme', '-x', 'a/b', 'x'.repeat(64), "a'; drop table tenants; --"])
          await assert.rejects(s.tenants.create(bad), storageError('bad-key'), bad);
        assert.deepEqual(await s.tenants.get('zeta'), t);
        assert.equal(await s.tenants.get('nope'), undefined);
        assert.equal(await s.tenants.get('NOT VALID'), undefined);
        assert.deepEqual(
          (await s.tenants.list()).map((x) => x.name),
          ['a-1', 'acme', 'zeta'],
        );
      }));

    it('API keys: platform keys without tenant, lists scoped to a tenant, revoke only within the tenant', () =>
      withStore(async (s) => {
        await s.tenants.create('acme');
        await s.tenants.create('beta');
        const hash = new Uint8Array(randomBytes(32));
        const root = await s.keys.create({
          id: 'root',
          tenant: null,
          role: 'platform-admin',
          name: 'Root',
          secretHash: hash,
        });
        assert.equal(root.revokedAt, null);
        await s.keys.create({ id: 'a1', tenant: 'acme', role: 'writer', name: 'CI', secretHash: hash });
        await s.keys.create({ id: 'a2', tenant: 'acme', role: 'auditor', name: 'Ann', secretHash: hash });
        await s.keys.create({ id: 'b1', tenant: 'beta', role: 'reader', name: 'Bo', secretHash: hash });

        const got = await s.keys.get('root');
        assert.ok(got);
        assert.equal(got.tenant, null);
        assert.equal(got.role, 'platform-admin');
        assert.deepEqual(got.secretHash, hash);
        assert.equal(got.createdAt, root.createdAt);
        assert.equal(await s.keys.get('missing'), undefined);
        assert.equal(await s.keys.get('bad id!'), undefined);

        assert.deepEqual(
          (await s.keys.list('acme')).map((k) => k.id),
          ['a1', 'a2'],
        );
        assert.deepEqual(
          (await s.keys.list('beta')).map((k) => k.id),
          ['b1'],
        );
        assert.deepEqual(
          (await s.keys.list(null)).map((k) => k.id),
          ['root'],
        );
        assert.deepEqual(await s.keys.list('nobody'), []);

        const reject = (k: Parameters<typeof s.keys.create>[0], code: StorageErrorCode) =>
          assert.rejects(
            s.keys.create(k),
            storageError(code),
            JSON.stringify({ ...k, secretHash: undefined }),
          );
        const base = { id: 'k9', tenant: 'acme', role: 'reader', name: 'x', secretHash: hash } as const;
        await reject({ ...base, id: 'a1' }, 'exists-different');
        await reject({ ...base, id: 'root', tenant: null, role: 'platform-admin' }, 'exists-different');
        await reject({ ...base, tenant: 'ghost' }, 'bad-key');
        await reject({ ...base, tenant: null }, 'bad-key');
        await reject({ ...base, role: 'platform-admin' }, 'bad-key');
        await reject({ ...base, role: 'owner' as never }, 'bad-key');
        await reject({ ...base, id: 'has space' }, 'bad-key');
        await reject({ ...base, name: '' }, 'bad-key');
        await reject({ ...base, name: 'nul\u0000' }, 'bad-key');
        await reject({ ...base, secretHash: new Uint8Array(0) }, 'bad-key');

        // Another tenant's key is reported absent and left alone.
        assert.equal(await s.keys.revoke('beta', 'a1'), false);
        assert.equal(await s.keys.revoke(null, 'a1'), false);
        assert.equal(await s.keys.revoke('acme', 'root'), false);
        assert.equal((await s.keys.get('a1'))?.revokedAt, null);
        assert.equal((await s.keys.get('root'))?.revokedAt, null);

        assert.equal(await s.keys.revoke('acme', 'a1'), true);
        const first = (await s.keys.get('a1'))?.revokedAt;
        assert.ok(typeof first === 'number' && first > 0);
        await new Promise((r) => setTimeout(r, 5));
        assert.equal(await s.keys.revoke('acme', 'a1'), true);
        assert.equal((await s.keys.get('a1'))?.revokedAt, first, 'revoking again keeps the first time');
        assert.equal(await s.keys.revoke('acme', 'missing'), false);
        assert.equal(await s.keys.revoke(null, 'root'), true);
        assert.equal((await s.keys.get('a2'))?.revokedAt, null);
        assert.deepEqual(
          (await s.keys.list('acme')).map((k) => [k.id, k.revokedAt !== null]),
          [
            ['a1', true],
            ['a2', false],
          ],
        );
      }));

    it('records: insert is idempotent per (tenant, log, idx), all or nothing, and refuses different content', () =>
      withStore(async (s) => {
        const rows = Array.from({ length: 10 }, (_, i) => row(i));
        assert.equal(await s.records.insert(rows), 10);
        assert.equal(await s.records.insert(rows), 0);
        assert.equal(await s.records.insert([...rows.slice(5), row(10), row(11), row(10)]), 2);
        assert.equal(await s.records.insert([]), 0);
        const before = await s.records.stats('acme', 'records');
        assert.equal(before.total, 12);

        // A different row at a stored index: nothing of the batch is stored.
        await assert.rejects(
          s.records.insert([row(12), row(3, { message: 'rewritten history' })]),
          storageError('exists-different'),
        );
        await assert.rejects(
          s.records.insert([row(13), row(13, { level: 'ERROR' })]),
          storageError('exists-different'),
        );
        assert.deepEqual(await s.records.stats('acme', 'records'), before);
        assert.deepEqual(
          await pageAll(s, { tenant: 'acme', log: 'records', limit: 100 }),
          [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
        );
        const [r3] = (await s.records.query({ tenant: 'acme', log: 'records', limit: 1, cursor: 4 })).rows;
        assert.deepEqual(r3, row(3));

        for (const bad of [
          row(-1),
          row(1.5),
          row(2 ** 43),
          row(1, { tenant: 'Bad' }),
          row(1, { level: '' }),
          row(1, { ts: Number.NaN }),
          row(1, { size: -1 }),
          row(1, { message: 'x'.repeat(70_000) }),
        ])
          await assert.rejects(s.records.insert([bad]), storageError('bad-key'));
      }));

    it('records: text that PostgreSQL cannot store is indexed as U+FFFD on every dialect', () =>
      withStore(async (s) => {
        const odd = row(0, { message: 'nul\u0000byte lone\ud800surrogate', actor: 'a\u0000b' });
        assert.equal(await s.records.insert([odd]), 1);
        assert.equal(await s.records.insert([odd]), 0, 'the same row again is a no-op');
        const [got] = (await s.records.query({ tenant: 'acme', log: 'records', limit: 10 })).rows;
        assert.equal(got?.message, 'nul\ufffdbyte lone\ufffdsurrogate');
        assert.equal(got?.actor, 'a\ufffdb');
        const found = await s.records.query({ tenant: 'acme', log: 'records', limit: 10, text: 'byte NUL' });
        assert.equal(found.rows.length, 1);
      }));

    it('records: level and time filters, alone and with paging', () =>
      withStore(async (s) => {
        const levels = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
        const rows = Array.from({ length: 200 }, (_, i) =>
          row(i, { level: levels[i % 4]!, ts: 10_000 + i * 10 }),
        );
        await s.records.insert(shuffle([...rows]));
        const q = { tenant: 'acme', log: 'records', limit: 7 };
        const expect = (f: (r: RecordRow) => boolean) =>
          rows
            .filter(f)
            .map((r) => r.idx)
            .reverse();
        assert.deepEqual(
          await pageAll(s, { ...q, level: ['ERROR'] }),
          expect((r) => r.level === 'ERROR'),
        );
        assert.deepEqual(
          await pageAll(s, { ...q, level: ['WARN', 'DEBUG'] }),
          expect((r) => r.level === 'WARN' || r.level === 'DEBUG'),
        );
        assert.deepEqual(
          await pageAll(s, { ...q, level: [] }),
          expect(() => true),
        );
        assert.deepEqual(await pageAll(s, { ...q, level: ['NOPE'] }), []);
        // from is inclusive, to exclusive.
        assert.deepEqual(
          await pageAll(s, { ...q, from: 10_500, to: 11_000 }),
          expect((r) => r.ts >= 10_500 && r.ts < 11_000),
        );
        assert.equal((await pageAll(s, { ...q, from: 10_500, to: 11_000 })).at(-1), 50);
        assert.deepEqual(
          await pageAll(s, { ...q, level: ['INFO'], from: 11_000 }),
          expect((r) => r.level === 'INFO' && r.ts >= 11_000),
        );
        assert.deepEqual(await pageAll(s, { ...q, to: 10_000 }), []);
      }));

    it('records: keyset paging visits every row once, newest first, with no empty last page', () =>
      withStore(async (s) => {
        const all = shuffle(
          Array.from({ length: 1234 }, (_, i) => row(i, { message: i % 3 ? 'alpha' : 'beta' })),
        );
        for (let i = 0; i < all.length; i += 300) await s.records.insert(all.slice(i, i + 300));
        const desc = (n: number, f: (i: number) => boolean = () => true) =>
          Array.from({ length: n }, (_, i) => n - 1 - i).filter(f);
        for (const limit of [1, 7, 100, 617, 1000])
          assert.deepEqual(
            await pageAll(s, { tenant: 'acme', log: 'records', limit }),
            desc(1234),
            `limit ${limit}`,
          );
        assert.deepEqual(
          await pageAll(s, { tenant: 'acme', log: 'records', limit: 13, text: 'ALPHA' }),
          desc(1234, (i) => i % 3 !== 0),
        );
        // Exactly divisible: the last full page already says there is nothing more.
        const p = await s.records.query({ tenant: 'acme', log: 'records', limit: 234, cursor: 234 });
        assert.equal(p.rows.length, 234);
        assert.equal(p.nextCursor, null);
        assert.deepEqual(await s.records.query({ tenant: 'acme', log: 'records', limit: 5, cursor: 0 }), {
          rows: [],
          nextCursor: null,
        });
        // Rows indexed later below the cursor are found by the following pages, once.
        const first = await s.records.query({ tenant: 'acme', log: 'records', limit: 10 });
        await s.records.insert([row(5000), row(1234)]);
        const rest = await pageAll(s, { tenant: 'acme', log: 'records', limit: 500 });
        assert.deepEqual(rest.slice(0, 2), [5000, 1234]);
        assert.equal(first.rows[0]?.idx, 1233);
      }));

    it('records: every filter pages exactly over sparse indexes (recent window, then indexes)', () =>
      withStore(async (s) => {
        // Indexes far apart, so queries cross the first-phase window of recent ids many times.
        const levels = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
        const rows = Array.from({ length: 400 }, (_, i) => {
          const idx = i * 997 + (i % 7);
          return row(idx, {
            level: levels[i % 4]!,
            ts: 1_000_000 + i * 100 + (i % 3) * 250, // ts not quite in idx order
            message: `${i % 5 ? 'common' : 'rare'} ${i % 2 ? 'odd' : 'even'} n${i}`,
          });
        });
        await s.records.insert(shuffle([...rows]));
        const expect = (f: (r: RecordRow, i: number) => boolean) =>
          rows
            .filter(f)
            .map((r) => r.idx)
            .reverse();
        const q = { tenant: 'acme', log: 'records' };
        const cases: [Omit<RecordQuery, 'tenant' | 'log' | 'limit'>, (r: RecordRow, i: number) => boolean][] =
          [
            [{}, () => true],
            [{ level: ['ERROR'] }, (r) => r.level === 'ERROR'],
            [{ level: ['ERROR', 'DEBUG'] }, (r) => r.level === 'ERROR' || r.level === 'DEBUG'],
            [{ from: 1_010_000 }, (r) => r.ts >= 1_010_000],
            [{ to: 1_005_000 }, (r) => r.ts < 1_005_000],
            [{ from: 1_012_000, to: 1_020_000 }, (r) => r.ts >= 1_012_000 && r.ts < 1_020_000],
            [
              { from: 1_003_000, to: 1_003_400, level: ['INFO'] },
              (r) => r.ts >= 1_003_000 && r.ts < 1_003_400 && r.level === 'INFO',
            ],
            [{ text: 'rare' }, (_, i) => i % 5 === 0],
            [{ text: 'rare odd' }, (_, i) => i % 5 === 0 && i % 2 === 1],
            [
              { text: 'common', level: ['WARN'], to: 1_030_000 },
              (r, i) => i % 5 !== 0 && r.level === 'WARN' && r.ts < 1_030_000,
            ],
            [{ text: 'n399' }, (_, i) => i === 399],
            [{ text: 'n0' }, (_, i) => i === 0],
          ];
        for (const [filter, want] of cases)
          for (const limit of [1, 3, 50, 1000])
            assert.deepEqual(
              await pageAll(s, { ...q, ...filter, limit }),
              expect(want),
              `${JSON.stringify(filter)} limit ${limit}`,
            );
      }));

    it('records: full-text search by whole words, AND, case-insensitive, over message and metadata', () =>
      withStore(async (s) => {
        const docs = [
          row(0, {
            message: 'User Bob logged in from example.com',
            metadata: '{"path":"/api/users","status":200}',
          }),
          row(1, { message: 'Payment FAILED for order 42', metadata: '{"order":"A-17"}' }),
          row(2, { message: 'Ünïcödé café naïve 日本語 ΣΊΣΥΦΟΣ straße' }),
          row(3, { message: 'NEAR(foo, bar) OR "quoted" * star AND NOT' }),
          row(4, { message: "O'Brien said '; drop table records; --" }),
          row(5, { message: 'emoji 😀 party 🎉 ﬁle' }),
          row(6, { message: 'connection refused by db-01.internal:5432' }),
          row(7, { message: 'bob paid with card', level: 'ERROR' }),
          row(8, { message: `long ${'x'.repeat(200)} token` }),
        ];
        await s.records.insert(docs);
        const everything = docs.map((d) => d.idx).reverse();
        const search = async (text: string, extra: Partial<RecordQuery> = {}) =>
          (await s.records.query({ tenant: 'acme', log: 'records', limit: 50, text, ...extra })).rows.map(
            (r) => r.idx,
          );
        const cases: [string, number[]][] = [
          ['bob', [7, 0]],
          ['BOB', [7, 0]],
          ['  Bob\tLOGGED\n', [0]],
          ['bob missing', []],
          ['bo', []],
          ['example', [0]],
          ['example.com', [0]],
          ['users', [0]],
          ['/api/users', [0]],
          ['200', [0]],
          ['a-17', [1]],
          ['failed 42', [1]],
          ['ÜNÏCÖDÉ', [2]],
          ['CAFÉ', [2]],
          ['cafe', []],
          ['日本語', [2]],
          ['σίσυφος', [2]],
          ['STRASSE', []],
          ['straße', [2]],
          ['file', [5]],
          ['party', [5]],
          ['db 01 internal 5432', [6]],
          ['NEAR(', [3]],
          ['OR', [3]],
          ['and not', [3]],
          ['"quoted"', [3]],
          ['star*', [3]],
          ['col:star', []],
          ['^star', [3]],
          ['-star', [3]],
          ["'; drop table records; --", [4]],
          ["o'brien", [4]],
          ['"bob" OR "payment"', []],
          ['\ud800bob', [7, 0]],
          [`${'X'.repeat(200)}`, [8]],
          [`${'x'.repeat(64)}`, [8]],
          ['bob', [7, 0]],
        ];
        for (const [text, want] of cases) assert.deepEqual(await search(text), want, JSON.stringify(text));
        // Text without words filters nothing.
        for (const text of ['', '"', '*', '(', '😀', '\u0000', ' ', '"*"', ':', '\\', "'"])
          assert.deepEqual(await search(text), everything, JSON.stringify(text));
        // Combined with the other filters.
        assert.deepEqual(await search('bob', { level: ['ERROR'] }), [7]);
        assert.deepEqual(await search('bob', { to: docs[7]!.ts }), [0]);
        assert.deepEqual(await search('bob', { cursor: 7 }), [0]);
        // Too many words, or too much text, is bad input.
        const words = Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ');
        await assert.rejects(search(words), storageError('bad-key'));
        assert.deepEqual(await search(words.split(' ').slice(0, 16).join(' ')), []);
        await assert.rejects(search('a'.repeat(10_001)), storageError('bad-key'));
        // The hostile input left the tables alone.
        assert.equal((await s.records.stats('acme', 'records')).total, docs.length);
      }));

    // SQLite: one store per database file per process (better-sqlite3 blocks while it waits for a lock).
    test('records: concurrent overlapping inserts from two pools neither deadlock nor count twice', {
      skip: b.skip || (b.name === 'sqlite' ? 'PostgreSQL only: SQLite has one writer per process' : false),
    }, async () => {
      const db = await b.fresh();
      const [s1, s2] = [await openMetadata(db.url), await openMetadata(db.url)];
      try {
        const levels = ['INFO', 'WARN', 'ERROR'];
        const make = (from: number, to: number) =>
          shuffle(
            Array.from({ length: to - from }, (_, i) => row(from + i, { level: levels[(from + i) % 3]! })),
          );
        const batches = [make(0, 600), make(300, 900), make(100, 800), make(0, 900)];
        const added = await Promise.all(batches.map((rows, i) => (i % 2 ? s1 : s2).records.insert(rows)));
        assert.equal(
          added.reduce((a, x) => a + x, 0),
          900,
        );
        const st = await s1.records.stats('acme', 'records');
        assert.equal(st.total, 900);
        assert.deepEqual(st.levels, { INFO: 300, WARN: 300, ERROR: 300 });
        assert.equal(st.lastIndex, 899);
        assert.equal((await pageAll(s2, { tenant: 'acme', log: 'records', limit: 1000 })).length, 900);
      } finally {
        await s1.close();
        await s2.close();
        await db.remove();
      }
    });

    it('records: stats count rows, bytes and levels, and track the edges', () =>
      withStore(async (s) => {
        assert.deepEqual(await s.records.stats('acme', 'records'), {
          total: 0,
          bytes: 0,
          levels: {},
          oldest: null,
          newest: null,
          lastIndex: null,
        });
        const rows = [
          row(3, { level: 'ERROR', ts: 500, size: 10 }),
          row(0, { level: 'INFO', ts: 900, size: 20 }),
          row(7, { level: 'INFO', ts: 100, size: 30 }),
          row(5, { level: 'WARN', ts: 700, size: 40 }),
        ];
        await s.records.insert(rows);
        await s.records.insert(rows);
        await s.records.insert([row(9, { tenant: 'other', ts: 1, size: 1000 })]);
        assert.deepEqual(await s.records.stats('acme', 'records'), {
          total: 4,
          bytes: 100,
          levels: { ERROR: 1, INFO: 2, WARN: 1 },
          oldest: 100,
          newest: 900,
          lastIndex: 7,
        });
        assert.equal((await s.records.stats('acme', 'nothing')).total, 0);
        await assert.rejects(s.records.stats('ACME', 'records'), storageError('bad-key'));
      }));

    it('records: queries for one tenant (or log) never return another one', () =>
      withStore(async (s) => {
        for (const tenant of ['a', 'b', 'a-b'])
          for (const log of ['records', 'records-2'])
            await s.records.insert(
              Array.from({ length: 60 }, (_, i) =>
                row(i, {
                  tenant,
                  log,
                  message: `shared words ${tenant} ${log}`,
                  level: i % 2 ? 'ERROR' : 'INFO',
                }),
              ),
            );
        for (const tenant of ['a', 'b', 'a-b'])
          for (const log of ['records', 'records-2']) {
            for (const q of [
              {},
              { text: 'shared' },
              { text: 'words b' },
              { level: ['ERROR'] },
              { from: 0 },
              { cursor: 30 },
            ]) {
              const page = await s.records.query({ tenant, log, limit: 1000, ...q });
              for (const r of page.rows)
                assert.deepEqual([r.tenant, r.log], [tenant, log], JSON.stringify(q));
            }
            assert.equal((await pageAll(s, { tenant, log, limit: 9, text: 'shared' })).length, 60);
            const st = await s.records.stats(tenant, log);
            assert.equal(st.total, 60);
          }
        assert.deepEqual(await pageAll(s, { tenant: 'a', log: 'records', limit: 50, text: 'b' }), []);
        assert.deepEqual(await pageAll(s, { tenant: 'c', log: 'records', limit: 50 }), []);
      }));

    it('records: malformed queries are bad-key', () =>
      withStore(async (s) => {
        const q = { tenant: 'acme', log: 'records', limit: 10 };
        for (const bad of [
          { ...q, limit: 0 },
          { ...q, limit: 1001 },
          { ...q, limit: 2.5 },
          { ...q, cursor: -1 },
          { ...q, tenant: 'Acme' },
          { ...q, log: '../x' },
          { ...q, from: Number.POSITIVE_INFINITY },
          { ...q, level: Array.from({ length: 17 }, () => 'INFO') },
        ])
          await assert.rejects(s.records.query(bad), storageError('bad-key'), JSON.stringify(bad));
      }));

    it('log catalog: create, get, list; an existing log is refused and left unchanged', () =>
      withStore(async (s) => {
        const rec = {
          tenant: 'acme',
          log: 'audit',
          skey: 'PRIVATE+KEY+vellum.test/acme/audit+1234abcd+AAAA',
          dedup: true,
          removePartials: false,
          public: true,
        };
        await s.logs.create(rec);
        await s.logs.create({ ...rec, log: 'records', dedup: false, removePartials: true, public: false });
        await s.logs.create({ ...rec, tenant: 'a-b', log: 'c' });
        await s.logs.create({ ...rec, tenant: 'a', log: 'b-c' });
        await assert.rejects(s.logs.create({ ...rec, skey: 'other' }), storageError('exists-different'));
        assert.deepEqual(await s.logs.get('acme', 'audit'), rec);
        assert.deepEqual(await s.logs.get('acme', 'records'), {
          ...rec,
          log: 'records',
          dedup: false,
          removePartials: true,
          public: false,
        });
        assert.equal(await s.logs.get('acme', 'nope'), undefined);
        await assert.rejects(s.logs.get('acme', 'Bad'), storageError('bad-key'));
        await assert.rejects(s.logs.create({ ...rec, tenant: 'x/y' }), storageError('bad-key'));
        assert.deepEqual(await s.logs.list(), [
          { tenant: 'a', log: 'b-c' },
          { tenant: 'a-b', log: 'c' },
          { tenant: 'acme', log: 'audit' },
          { tenant: 'acme', log: 'records' },
        ]);
      }));

    it('checkpoint lock: compare-and-swap, lock-conflict on stale values, nothing changed on conflict', () =>
      withStore(async (s) => {
        const id = 'acme/records';
        assert.equal(await s.lock.get(id), undefined);
        await s.lock.swap(id, undefined, enc('one'));
        await assert.rejects(s.lock.swap(id, undefined, enc('other')), storageError('lock-conflict'));
        assert.equal(dec(await s.lock.get(id)), 'one');
        await s.lock.swap(id, enc('one'), enc('two'));
        for (const stale of ['one', 'tw', 'two\n', 'TWO', ''])
          await assert.rejects(
            s.lock.swap(id, enc(stale), enc('three')),
            storageError('lock-conflict'),
            stale,
          );
        assert.equal(dec(await s.lock.get(id)), 'two');
        const binary = new Uint8Array([0, 255, 0, 1]);
        await s.lock.swap(id, enc('two'), binary);
        assert.deepEqual(await s.lock.get(id), binary);
        await s.lock.swap(id, binary, binary);
        // Other ids are independent.
        assert.equal(await s.lock.get('acme/audit'), undefined);
        await assert.rejects(s.lock.get('../x'), storageError('bad-key'));
        await assert.rejects(s.lock.swap('', undefined, enc('x')), storageError('bad-key'));
      }));

    it('checkpoint lock: concurrent swaps from two connections; exactly one wins, no update is lost', async () => {
      const db = await b.fresh();
      const [s1, s2] = [await openMetadata(db.url), await openMetadata(db.url)];
      try {
        const outcome = (p: Promise<void>, i: number) =>
          p.then(
            () => i,
            (e: unknown) => {
              assert.ok(e instanceof StorageError && e.code === 'lock-conflict', String(e));
              return -1;
            },
          );
        // The first swap of a log, raced.
        const firsts = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            outcome((i % 2 ? s1 : s2).lock.swap('t/new', undefined, enc(`v${i}`)), i),
          ),
        );
        const w1 = firsts.filter((x) => x >= 0);
        assert.equal(w1.length, 1);
        assert.equal(dec(await s1.lock.get('t/new')), `v${w1[0]}`);
        assert.equal(dec(await s2.lock.get('t/new')), `v${w1[0]}`);
        // Later swaps from the same old value, raced.
        const old = enc(`v${w1[0]}`);
        const seconds = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            outcome((i % 2 ? s1 : s2).lock.swap('t/new', old, enc(`w${i}`)), i),
          ),
        );
        const w2 = seconds.filter((x) => x >= 0);
        assert.equal(w2.length, 1);
        assert.equal(dec(await s2.lock.get('t/new')), `w${w2[0]}`);
        // Two writers each incrementing a counter by read-then-swap: every success counts once.
        await s1.lock.swap('t/count', undefined, enc('0'));
        let wins = 0;
        const writer = async (st: MetadataStore) => {
          for (let i = 0; i < 25; i++) {
            const cur = (await st.lock.get('t/count'))!;
            const n = Number(dec(cur));
            if ((await outcome(st.lock.swap('t/count', cur, enc(String(n + 1))), 0)) === 0) wins++;
          }
        };
        await Promise.all([writer(s1), writer(s2), writer(s1), writer(s2)]);
        assert.ok(wins >= 25, `only ${wins} swaps succeeded`);
        assert.equal(dec(await s1.lock.get('t/count')), String(wins));
      } finally {
        await s1.close();
        await s2.close();
        await db.remove();
      }
    });

    it('drives the ledger: a log registry over the SQL catalog and lock survives a reopen', () =>
      withStore(async (s, url) => {
        const dir = mkdtempSync(join(tmpdir(), 'vellum-meta-ledger-'));
        try {
          const registry = (m: MetadataStore) =>
            new LogRegistry({
              catalog: m.logs,
              lock: m.lock,
              store: (t, l) => new FsObjectStore(join(dir, t, l)),
              origin: (t, l) => `vellum.test/${t}/${l}`,
              random: (n) => randomBytes(n),
            });
          const r1 = registry(s);
          await r1.create({ tenant: 'acme', log: 'audit', dedup: true });
          const log = await r1.get('acme', 'audit');
          assert.deepEqual(await log.appendMany([enc('a'), enc('b'), enc('a')]), [0, 1, 0]);
          await log.published(1);
          await r1.close();
          const s2 = await openMetadata(url);
          try {
            const r2 = registry(s2);
            const again = await r2.get('acme', 'audit');
            assert.equal(again.head().size, 2);
            assert.equal(await again.append(enc('c')), 2);
            await r2.close();
            assert.ok(dec(await s2.lock.get('acme/audit'))?.startsWith('vellum.test/acme/audit\n3\n'));
          } finally {
            await s2.close();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }));

    it('fails with unavailable, never a driver error, when the database is gone', async () => {
      const db = await b.fresh();
      const s = await openMetadata(db.url);
      await s.tenants.create('acme');
      await s.close();
      await s.close();
      try {
        await assert.rejects(s.tenants.list(), storageError('unavailable'));
        await assert.rejects(s.records.insert([row(0)]), storageError('unavailable'));
        await assert.rejects(
          s.records.query({ tenant: 'acme', log: 'records', limit: 1 }),
          storageError('unavailable'),
        );
        await assert.rejects(s.lock.swap('a/b', undefined, enc('x')), storageError('unavailable'));
        await assert.rejects(s.keys.get('k'), storageError('unavailable'));
        await assert.rejects(s.logs.list(), storageError('unavailable'));
      } finally {
        await db.remove();
      }
      const nowhere =
        b.name === 'postgres' ? 'postgres://postgres@127.0.0.1:1/test' : 'sqlite:/dev/null/x/metadata.db';
      await assert.rejects(openMetadata(nowhere), storageError('unavailable'));
    });
  });
}

describe('metadata database URLs', () => {
  it('names SQLite files and PostgreSQL servers, and refuses other schemes', () => {
    assert.deepEqual(parseDatabaseUrl('postgres://u@h:5432/db'), {
      dialect: 'postgres',
      url: 'postgres://u@h:5432/db',
    });
    assert.deepEqual(parseDatabaseUrl('postgresql://h/db').dialect, 'postgres');
    assert.deepEqual(parseDatabaseUrl('sqlite:data/m.db'), { dialect: 'sqlite', path: 'data/m.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/m.db'), { dialect: 'sqlite', path: '/var/m.db' });
    assert.deepEqual(parseDatabaseUrl('./data/m.db'), { dialect: 'sqlite', path: './data/m.db' });
    assert.deepEqual(parseDatabaseUrl(':memory:'), { dialect: 'sqlite', path: ':memory:' });
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { dialect: 'sqlite', path: ':memory:' });
    for (const bad of ['mysql://h/db', 'http://x', '', 'sqlite:'])
      assert.throws(() => parseDatabaseUrl(bad), storageError('bad-key'), bad);
  });

  it('opens an in-memory SQLite database', async () => {
    const s = await openMetadata(':memory:');
    await s.tenants.create('acme');
    assert.equal((await s.tenants.list()).length, 1);
    await s.close();
  });
});

describe('search words', () => {
  it('are runs of letters, digits and marks, lowercased, NFKC-normalized, distinct, cut to 64 characters', () => {
    assert.deepEqual(searchTerms('Hello, WORLD! hello-world x_y 3.14 ﬁ Ⅻ'), [
      'hello',
      'world',
      'x',
      'y',
      '3',
      '14',
      'fi',
      'xii',
    ]);
    assert.deepEqual(searchTerms('"*" NEAR( OR \'; -- 😀 \u0000 \ud800'), ['near', 'or']);
    assert.deepEqual(searchTerms(`${'é'.repeat(70)}`), ['é'.repeat(64)]);
    assert.deepEqual(searchTerms(''), []);
    assert.equal(fts5Query(['a', 'b']), '"a" "b"');
    assert.equal(tsQuery(['a', 'b']), "'a' & 'b'");
  });
});
