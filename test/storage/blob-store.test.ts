/**
 * One behavioural suite for the BlobStore port, run on the filesystem driver
 * (a temp directory) and on the S3 driver against a real Ceph RGW (a fresh
 * Object Lock bucket per run; see test/helpers/s3.ts for how the endpoint is
 * found, skipped or required). Then what only one driver has: Object Lock
 * and presigned URLs on S3, tier directories and corruption checks on the
 * filesystem.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { contentKey } from '../../src/storage/blob-key.js';
import type { BlobSource, BlobStore, PutBlobOptions } from '../../src/storage/blob-store.js';
import { StorageError, type StorageErrorCode } from '../../src/storage/errors.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { S3BlobStore } from '../../src/storage/s3/s3-blob-store.js';
import { createBucket } from '../../src/storage/s3/s3-bucket.js';
import { s3ConfigFromEnv } from '../../src/storage/s3/s3-config.js';
import {
  destroyBucket,
  freshBucketName,
  pendingUploads,
  purge,
  requireS3,
  s3TestEnv,
} from '../helpers/s3.js';

const MiB = 1 << 20;

interface Harness {
  store: BlobStore;
  /** What every put on this store must carry (a retain-until date on an Object Lock bucket). */
  lock(): PutBlobOptions;
  /** Removes everything under `prefix`, locked versions included (test cleanup). */
  clean(prefix: string): Promise<void>;
  /** Half-written state under `prefix`: temp files, incomplete multipart uploads. */
  leftovers(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

interface Backend {
  name: 'fs' | 's3';
  skip: string | false;
  open(): Promise<Harness>;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** `data` as a stream of `size`-byte chunks (a caller's upload). */
async function* chunked(data: Uint8Array, size = 256 * 1024): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

function isCode(code: StorageErrorCode) {
  return (e: unknown) => {
    assert.ok(e instanceof StorageError, `expected StorageError('${code}'), got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

async function keysUnder(store: BlobStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list(prefix)) out.push(e.key);
  return out;
}

// ---------------------------------------------------------------- backends

const s3 = await s3TestEnv();
const s3Env = 'env' in s3 ? s3.env : undefined;

const backends: Backend[] = [
  {
    name: 'fs',
    skip: false,
    async open() {
      const root = mkdtempSync(join(tmpdir(), 'vellum-blob-'));
      const store = new FsBlobStore(root);
      return {
        store,
        lock: () => ({}),
        async clean(prefix) {
          for (const key of await keysUnder(store, prefix)) await store.delete(key);
        },
        async leftovers() {
          const tmp = join(root, 'tmp');
          return existsSync(tmp) ? readdirSync(tmp) : [];
        },
        async close() {
          rmSync(root, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 's3',
    skip: s3Env ? false : (s3 as { missing: string }).missing,
    async open() {
      const s3Bucket = freshBucketName('blobs');
      // Under a key prefix, as a deployment sharing a bucket would be.
      const store = new S3BlobStore(s3ConfigFromEnv({ ...s3Env, S3_BUCKET: s3Bucket, S3_PREFIX: 'blobs/' }));
      await createBucket(store.client, s3Bucket, { objectLock: true });
      return {
        store,
        lock: () => ({ retainUntil: new Date(Date.now() + 3600_000) }),
        clean: (prefix) => purge(store.client, s3Bucket, `blobs/${prefix}`),
        leftovers: (prefix) => pendingUploads(store.client, s3Bucket, `blobs/${prefix}`),
        async close() {
          await destroyBucket(store.client, s3Bucket);
          store.client.destroy(); // idle keep-alive sockets would hold the test process open
        },
      };
    },
  },
];

if (!s3Env) {
  const why = (s3 as { missing: string }).missing;
  if (requireS3()) {
    it('S3 (Ceph RGW) is available, as VELLUM_REQUIRE_S3=1 demands', () => assert.fail(why));
  } else {
    console.log(`# SKIP S3 blob store tests: ${why}`);
  }
}

// ---------------------------------------------------------------- the contract, on every driver

for (const backend of backends) {
  describe(`BlobStore contract: ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let store: BlobStore;
    let n = 0;
    /** A fresh key prefix per test, cleaned after it. */
    const scoped = async (t: (p: string) => Promise<void>) => {
      const p = `t${++n}-${randomBytes(3).toString('hex')}/`;
      try {
        await t(p);
        assert.deepEqual(await h.leftovers(p), [], 'nothing half-written is left');
      } finally {
        await h.clean(p);
      }
    };
    const put = (key: string, body: BlobSource, o: PutBlobOptions = {}) =>
      store.put(key, body, { ...h.lock(), ...o });

    before(async () => {
      h = await backend.open();
      store = h.store;
    });
    after(async () => h?.close());

    it('reports itself healthy', async () => {
      const health = await store.health();
      assert.equal(health.ok, true, health.message);
      assert.equal(health.backend, backend.name);
      assert.equal(health.objectLock, backend.name === 's3');
    });

    it('round-trips a small blob with the size and digest Vellum computed', () =>
      scoped(async (p) => {
        const data = Buffer.from('hello, evidence\n');
        const r = await put(`${p}small`, chunked(data, 4));
        assert.equal(r.size, data.length);
        assert.equal(r.sha256, sha(data));
        assert.equal(r.created, true);
        assert.equal(r.location.backend, backend.name);
        assert.equal(r.location.objectKey, backend.name === 's3' ? `blobs/${p}small` : `${p}small`);
        if (backend.name === 's3') assert.ok(r.versionId, 'a versioned bucket names the version');
        const got = await store.get(`${p}small`);
        assert.equal(got.size, data.length);
        assert.deepEqual(await bytesOf(got.stream), data);
        const info = await store.head(`${p}small`);
        assert.equal(info.size, data.length);
        assert.equal(info.versionId, r.versionId);
        assert.equal(info.tier, 'hot');
        assert.equal(await store.tier(`${p}small`), 'hot');
      }));

    it('round-trips a 20 MiB multipart blob, streamed, under its content key', () =>
      scoped(async (p) => {
        const data = randomBytes(20 * MiB);
        const digest = sha(data);
        const key = `${p}${contentKey(digest)}`;
        const r = await put(key, chunked(data, MiB), { size: data.length, expectSha256: digest });
        assert.deepEqual([r.size, r.sha256], [data.length, digest]);
        const info = await store.head(key);
        assert.equal(info.sha256, digest, 'the digest verified at put is recorded');
        if (backend.name === 's3')
          assert.match(info.etag ?? '', /^"[0-9a-f]{32}-3"$/, 'multipart ETag from HEAD');
        const got = await store.get(key);
        assert.equal(sha(await bytesOf(got.stream)), digest);
      }));

    it('serves byte ranges, clamps a long end and refuses a start past the end', () =>
      scoped(async (p) => {
        const data = randomBytes(10 * MiB + 17);
        await put(`${p}r`, chunked(data, MiB));
        const cases: [number, number | undefined, number, number][] = [
          [0, 0, 0, 0],
          [5, 9, 5, 9],
          [8 * MiB - 3, 8 * MiB + 2, 8 * MiB - 3, 8 * MiB + 2], // across a part boundary
          [data.length - 5, undefined, data.length - 5, data.length - 1],
          [10, data.length + 1000, 10, data.length - 1],
        ];
        for (const [start, end, s, e] of cases) {
          const got = await store.get(`${p}r`, { range: { start, ...(end !== undefined && { end }) } });
          assert.deepEqual(got.range, { start: s, end: e });
          assert.equal(got.size, data.length);
          assert.equal(got.length, e - s + 1);
          assert.deepEqual(await bytesOf(got.stream), data.subarray(s, e + 1));
        }
        await assert.rejects(store.get(`${p}r`, { range: { start: data.length } }), isCode('bad-range'));
        await assert.rejects(store.get(`${p}r`, { range: { start: 5, end: 4 } }), isCode('bad-range'));
      }));

    it('rejects a body over maxBytes with too-large and stores nothing (small and multipart)', () =>
      scoped(async (p) => {
        await assert.rejects(
          put(`${p}a`, chunked(randomBytes(1000)), { maxBytes: 999 }),
          isCode('too-large'),
        );
        await assert.rejects(
          put(`${p}b`, chunked(randomBytes(12 * MiB), MiB), { maxBytes: 10 * MiB }),
          isCode('too-large'),
        );
        // A declared size over the limit is refused before the body is read.
        const never: AsyncIterable<Uint8Array> = {
          [Symbol.asyncIterator]: () => assert.fail('the body must not be read'),
        };
        await assert.rejects(put(`${p}c`, never, { size: 2000, maxBytes: 1000 }), isCode('too-large'));
        assert.deepEqual(await keysUnder(store, p), []);
        await assert.rejects(store.head(`${p}b`), isCode('not-found'));
        const exact = await put(`${p}d`, chunked(randomBytes(1000)), { maxBytes: 1000 });
        assert.equal(exact.size, 1000, 'exactly maxBytes is allowed');
      }));

    it('rejects a wrong expectSha256 with digest-mismatch and stores nothing (small and multipart)', () =>
      scoped(async (p) => {
        const wrong = sha(Buffer.from('something else'));
        await assert.rejects(
          put(`${p}a`, chunked(randomBytes(100)), { expectSha256: wrong }),
          isCode('digest-mismatch'),
        );
        await assert.rejects(
          put(`${p}b`, chunked(randomBytes(11 * MiB), MiB), { expectSha256: wrong }),
          isCode('digest-mismatch'),
        );
        await assert.rejects(put(`${p}c`, chunked(randomBytes(100)), { size: 99 }), isCode('size-mismatch'));
        await assert.rejects(put(`${p}c`, chunked(randomBytes(100)), { size: 101 }), isCode('size-mismatch'));
        assert.deepEqual(await keysUnder(store, p), []);
        await assert.rejects(
          put(`${p}d`, chunked(randomBytes(1)), { expectSha256: 'AB'.repeat(32) }),
          isCode('invalid-argument'),
        );
      }));

    it("passes the body's own error through and stores nothing", () =>
      scoped(async (p) => {
        const boom = new Error('client went away');
        async function* failing() {
          yield randomBytes(6 * MiB);
          yield randomBytes(6 * MiB);
          throw boom;
        }
        await assert.rejects(put(`${p}x`, failing()), (e) => e === boom);
        // A Readable that fails while the put is still looking at the key: kept, not an unhandled 'error'.
        const early = new Readable({ read() {} });
        setImmediate(() => early.destroy(boom));
        await assert.rejects(put(`${p}y`, early), (e) => e === boom);
        assert.deepEqual(await keysUnder(store, p), []);
      }));

    it('rejects path traversal and other malformed keys before any I/O', async () => {
      const bad = [
        '../x',
        'a/../../b',
        '/etc/passwd',
        'a//b',
        'a/',
        'a\\b',
        '.hidden',
        'a/./b',
        'a/..',
        '',
        'a\0b',
      ];
      bad.push('%2e%2e/x', 'é', 'x'.repeat(513), 'a b');
      for (const key of bad) {
        await assert.rejects(put(key, chunked(Buffer.from('x'))), isCode('bad-key'), JSON.stringify(key));
        await assert.rejects(store.get(key), isCode('bad-key'));
        await assert.rejects(store.head(key), isCode('bad-key'));
        await assert.rejects(store.delete(key), isCode('bad-key'));
      }
      await assert.rejects(keysUnder(store, '../'), isCode('bad-key'));
    });

    it('lists the current blobs under a prefix, in key order', () =>
      scoped(async (p) => {
        for (const k of ['b', 'a/2', 'a/1', 'a-1', 'c/d/e']) await put(`${p}${k}`, chunked(Buffer.from(k)));
        const all = [];
        for await (const e of store.list(p)) all.push([e.key, e.size]);
        assert.deepEqual(all, [
          [`${p}a-1`, 3],
          [`${p}a/1`, 3],
          [`${p}a/2`, 3],
          [`${p}b`, 1],
          [`${p}c/d/e`, 5],
        ]);
        assert.deepEqual(await keysUnder(store, `${p}a/`), [`${p}a/1`, `${p}a/2`]);
        assert.deepEqual(await keysUnder(store, `${p}a`), [`${p}a-1`, `${p}a/1`, `${p}a/2`]);
        assert.deepEqual(await keysUnder(store, `${p}zzz`), []);
      }));

    it('heads and gets an absent key as not-found', () =>
      scoped(async (p) => {
        await assert.rejects(store.head(`${p}nope`), isCode('not-found'));
        await assert.rejects(store.get(`${p}nope`), isCode('not-found'));
        await assert.rejects(store.tier(`${p}nope`), isCode('not-found'));
      }));

    it('keeps keys write-once: identical bytes are found again, different bytes refused', () =>
      scoped(async (p) => {
        const first = await put(`${p}k`, chunked(Buffer.from('one')));
        const again = await put(`${p}k`, chunked(Buffer.from('one')));
        assert.equal(again.created, false);
        assert.equal(again.versionId, first.versionId);
        assert.equal(again.sha256, first.sha256);
        await assert.rejects(put(`${p}k`, chunked(Buffer.from('two'))), isCode('exists-different'));
        assert.deepEqual(await bytesOf((await store.get(`${p}k`)).stream), Buffer.from('one'));
      }));

    it('deletes one version; deleting again finds nothing', () =>
      scoped(async (p) => {
        // On S3 the version is locked for a second only, so that the store may delete it.
        const short = backend.name === 's3' ? { retainUntil: new Date(Date.now() + 1000) } : {};
        const r = await put(`${p}gone`, chunked(Buffer.from('bye')), short);
        if (backend.name === 's3') await new Promise((ok) => setTimeout(ok, 1500));
        const d = await store.delete(`${p}gone`);
        assert.deepEqual(d, {
          key: `${p}gone`,
          deleted: true,
          ...(r.versionId && { versionId: r.versionId }),
        });
        await assert.rejects(store.head(`${p}gone`), isCode('not-found'));
        assert.equal((await store.delete(`${p}gone`)).deleted, false);
        assert.deepEqual(await keysUnder(store, p), []);
      }));

    // ------------------------------------------------ move, on the drivers that offer it

    /** Runs `t` when the driver has `move`; otherwise the test is skipped. */
    const withMove =
      (t: (p: string, move: NonNullable<BlobStore['move']>) => Promise<void>) =>
      async (ctx: { skip(message?: string): void }) => {
        const move = store.move?.bind(store);
        if (!move) {
          ctx.skip(`the ${backend.name} driver has no move`);
          return;
        }
        await scoped((p) => t(p, move));
      };

    it(
      'moves a stored blob to a new key: the digest is the one its put computed, the old key is gone',
      withMove(async (p, move) => {
        const data = randomBytes(3 * MiB + 5);
        const digest = sha(data);
        const staged = await put(`${p}staging/u1`, chunked(data, MiB));
        const r = await move(`${p}staging/u1`, `${p}${contentKey(digest)}`, {
          ...h.lock(),
          size: staged.size,
          expectSha256: staged.sha256,
        });
        assert.deepEqual(
          [r.key, r.size, r.sha256, r.created],
          [`${p}${contentKey(digest)}`, data.length, digest, true],
        );
        assert.equal(r.location.objectKey, backend.name === 's3' ? `blobs/${r.key}` : r.key);
        const info = await store.head(r.key);
        assert.deepEqual([info.size, info.sha256, info.tier], [data.length, digest, 'hot']);
        assert.equal(sha(await bytesOf((await store.get(r.key)).stream)), digest);
        await assert.rejects(store.head(`${p}staging/u1`), isCode('not-found'));
        assert.deepEqual(await keysUnder(store, p), [r.key]);
      }),
    );

    it(
      'refuses a move whose size or digest differs from the declared ones, and moves nothing',
      withMove(async (p, move) => {
        const data = Buffer.from('staged evidence');
        await put(`${p}s`, chunked(data));
        await assert.rejects(
          move(`${p}s`, `${p}t`, { ...h.lock(), expectSha256: sha(Buffer.from('other')) }),
          isCode('digest-mismatch'),
        );
        await assert.rejects(
          move(`${p}s`, `${p}t`, { ...h.lock(), size: data.length + 1, expectSha256: sha(data) }),
          isCode('size-mismatch'),
        );
        assert.deepEqual(await keysUnder(store, p), [`${p}s`]);
        assert.deepEqual(await bytesOf((await store.get(`${p}s`)).stream), data);
      }),
    );

    it(
      'keeps the target write-once: identical bytes there are created: false, different bytes refused',
      withMove(async (p, move) => {
        const one = Buffer.from('one');
        const first = await put(`${p}k`, chunked(one));
        await put(`${p}s1`, chunked(one));
        const again = await move(`${p}s1`, `${p}k`, { ...h.lock(), size: 3, expectSha256: sha(one) });
        assert.deepEqual(
          [again.created, again.sha256, again.size, again.versionId],
          [false, first.sha256, 3, first.versionId],
        );
        assert.deepEqual(
          await bytesOf((await store.get(`${p}s1`)).stream),
          one,
          'a move that stores nothing leaves its source as it was',
        );
        const two = Buffer.from('two');
        await put(`${p}s2`, chunked(two));
        await assert.rejects(
          move(`${p}s2`, `${p}k`, { ...h.lock(), expectSha256: sha(two) }),
          isCode('exists-different'),
        );
        assert.deepEqual(await bytesOf((await store.get(`${p}k`)).stream), one);
        assert.deepEqual(await bytesOf((await store.get(`${p}s2`)).stream), two);
      }),
    );

    it(
      'checks both keys before any I/O; an absent source is not-found, a move onto itself invalid',
      withMove(async (p, move) => {
        const any = { ...h.lock(), expectSha256: sha(Buffer.from('x')) };
        await put(`${p}x`, chunked(Buffer.from('x')));
        for (const bad of ['../x', 'a//b', '/etc/passwd', 'a\\b']) {
          await assert.rejects(move(bad, `${p}y`, any), isCode('bad-key'), JSON.stringify(bad));
          await assert.rejects(move(`${p}x`, bad, any), isCode('bad-key'), JSON.stringify(bad));
        }
        await assert.rejects(move(`${p}nope`, `${p}y`, any), isCode('not-found'));
        await assert.rejects(move(`${p}x`, `${p}x`, any), isCode('invalid-argument'));
        await assert.rejects(
          move(`${p}x`, `${p}y`, { ...h.lock(), expectSha256: 'AB'.repeat(32) }),
          isCode('invalid-argument'),
        );
        assert.deepEqual(await keysUnder(store, p), [`${p}x`]);
      }),
    );

    it(
      'two moves of identical bytes to one key at once: one creates it, the other finds it',
      withMove(async (p, move) => {
        const data = randomBytes(64 * 1024);
        await put(`${p}s1`, chunked(data));
        await put(`${p}s2`, chunked(data));
        const o = { ...h.lock(), size: data.length, expectSha256: sha(data) };
        const rs = await Promise.all([move(`${p}s1`, `${p}k`, o), move(`${p}s2`, `${p}k`, o)]);
        assert.deepEqual(rs.map((r) => r.created).sort(), [false, true]);
        assert.deepEqual(await bytesOf((await store.get(`${p}k`)).stream), data);
      }),
    );
  });
}

// ---------------------------------------------------------------- S3 only: Object Lock, presigned URLs

describe('S3 blob store: Object Lock and presigned URLs (Ceph RGW)', {
  skip: s3Env ? false : 'no S3 endpoint',
}, () => {
  let store: S3BlobStore;
  let compliance: S3BlobStore;
  let client: S3Client;
  let bucket: string;
  const soon = (ms: number) => new Date(Date.now() + ms);

  before(async () => {
    bucket = freshBucketName('lock');
    store = new S3BlobStore(s3ConfigFromEnv({ ...s3Env, S3_BUCKET: bucket }));
    compliance = new S3BlobStore(
      s3ConfigFromEnv({ ...s3Env, S3_BUCKET: bucket, S3_RETENTION_MODE: 'COMPLIANCE' }),
    );
    client = store.client;
    await createBucket(client, bucket, { objectLock: true });
  });
  after(async () => {
    if (!client) return;
    await destroyBucket(client, bucket);
    client.destroy();
    compliance.client.destroy();
  });

  const rawDelete = (key: string, versionId?: string, bypass = false) =>
    client.send(
      new DeleteObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(versionId && { VersionId: versionId }),
        ...(bypass && { BypassGovernanceRetention: true }),
      }),
    );
  const refused = (e: unknown) => {
    assert.equal((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 403);
    return true;
  };

  it('needs a retain-until date on every put, and stamps it on small and multipart versions', async () => {
    await assert.rejects(store.put('nolock', chunked(Buffer.from('x'))), isCode('invalid-argument'));
    await assert.rejects(
      store.put('past', chunked(Buffer.from('x')), { retainUntil: new Date(Date.now() - 1000) }),
      isCode('invalid-argument'),
    );
    const until = soon(3600_000);
    const small = await store.put('gov/small', chunked(Buffer.from('x')), { retainUntil: until });
    const big = await store.put('gov/big', chunked(randomBytes(9 * MiB), MiB), { retainUntil: until });
    for (const [key, r] of [
      ['gov/small', small],
      ['gov/big', big],
    ] as const) {
      const p = await store.getProtection(key, r.versionId!);
      assert.equal(p.retention?.mode, 'GOVERNANCE', key);
      assert.ok(p.retention.until.getTime() >= until.getTime() - 1000, key);
      assert.equal(p.legalHold, false);
    }
  });

  it('refuses to delete a GOVERNANCE version without bypass; our delete says locked', async () => {
    const r = await store.put('gov/del', chunked(Buffer.from('keep me')), { retainUntil: soon(3600_000) });
    await assert.rejects(rawDelete('gov/del', r.versionId), refused);
    await assert.rejects(store.delete('gov/del', r.versionId), isCode('locked'));
    await assert.rejects(store.delete('gov/del'), isCode('locked'));
    assert.deepEqual(
      await bytesOf((await store.get('gov/del', { versionId: r.versionId! })).stream),
      Buffer.from('keep me'),
    );
  });

  it('refuses to delete a COMPLIANCE version even with bypass, until its retention ends', async () => {
    const r = await compliance.put('comp/x', chunked(Buffer.from('sealed')), { retainUntil: soon(3000) });
    assert.equal((await store.getProtection('comp/x', r.versionId!)).retention?.mode, 'COMPLIANCE');
    await assert.rejects(rawDelete('comp/x', r.versionId, true), refused);
    await assert.rejects(store.delete('comp/x', r.versionId), isCode('locked'));
    await new Promise((ok) => setTimeout(ok, 3500));
    assert.equal((await store.delete('comp/x', r.versionId)).deleted, true);
  });

  it('refuses to delete a version under legal hold even with bypass', async () => {
    const r = await store.put('hold/x', chunked(Buffer.from('evidence')), {
      retainUntil: soon(2000),
      legalHold: true,
    });
    assert.deepEqual((await store.getProtection('hold/x', r.versionId!)).legalHold, true);
    await new Promise((ok) => setTimeout(ok, 2500)); // the retention has ended; the hold has not
    await assert.rejects(rawDelete('hold/x', r.versionId, true), refused);
    await assert.rejects(store.delete('hold/x', r.versionId), isCode('locked'));
    assert.equal((await store.setLegalHold('hold/x', r.versionId!, false)).legalHold, false);
    assert.equal((await store.delete('hold/x', r.versionId)).deleted, true);
  });

  it('only raises retention: a later date and COMPLIANCE stick, an earlier date or GOVERNANCE is a no-op', async () => {
    const r = await store.put('ret/x', chunked(Buffer.from('r')), { retainUntil: soon(60_000) });
    const v = r.versionId!;
    const later = soon(7200_000);
    const up = await store.setRetention('ret/x', v, { mode: 'GOVERNANCE', until: later });
    assert.equal(up.changed, true);
    assert.equal((await store.getProtection('ret/x', v)).retention?.until.getTime(), later.getTime());
    const down = await store.setRetention('ret/x', v, { mode: 'GOVERNANCE', until: soon(1800_000) });
    assert.equal(down.changed, false);
    assert.equal(down.retention.until.getTime(), later.getTime(), 'the no-op reports the current date');
    assert.equal((await store.getProtection('ret/x', v)).retention?.until.getTime(), later.getTime());

    // GOVERNANCE -> COMPLIANCE is a raise; back is not. Short dates, so the bucket can be emptied.
    const c = await store.put('ret/c', chunked(Buffer.from('c')), { retainUntil: soon(1000) });
    const raised = await store.setRetention('ret/c', c.versionId!, { mode: 'COMPLIANCE', until: soon(3000) });
    assert.equal(raised.retention.mode, 'COMPLIANCE');
    const back = await store.setRetention('ret/c', c.versionId!, { mode: 'GOVERNANCE', until: soon(3000) });
    assert.equal(back.retention.mode, 'COMPLIANCE');
    assert.equal((await store.getProtection('ret/c', c.versionId!)).retention?.mode, 'COMPLIANCE');
    await assert.rejects(rawDelete('ret/c', c.versionId, true), refused);
  });

  it("a re-put of identical bytes raises the stored version's retention instead of adding a version", async () => {
    const first = await store.put('dup/x', chunked(Buffer.from('same')), { retainUntil: soon(60_000) });
    const later = soon(600_000);
    const again = await store.put('dup/x', chunked(Buffer.from('same')), { retainUntil: later });
    assert.equal(again.created, false);
    assert.equal(again.versionId, first.versionId);
    assert.equal(
      (await store.getProtection('dup/x', first.versionId!)).retention?.until.getTime(),
      later.getTime(),
    );
  });

  it('a DELETE without a version id only adds a delete marker: the locked version stays intact', async () => {
    const r = await store.put('marker/x', chunked(Buffer.from('still here')), {
      retainUntil: soon(3600_000),
    });
    const out = await rawDelete('marker/x');
    assert.equal(out.DeleteMarker, true);
    await assert.rejects(store.get('marker/x'), isCode('not-found'));
    const got = await store.get('marker/x', { versionId: r.versionId! });
    assert.deepEqual(await bytesOf(got.stream), Buffer.from('still here'));
    assert.equal((await store.head('marker/x', r.versionId!)).versionId, r.versionId);
  });

  it('presigns a GET that works without credentials, for at most 7 days', async () => {
    const data = randomBytes(4096);
    const r = await store.put('pre/x', chunked(data), {
      retainUntil: soon(3600_000),
      contentType: 'application/pdf',
    });
    const signed = await store.presignGet('pre/x', { expiresSeconds: 300, versionId: r.versionId! });
    const res = await fetch(signed.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
    const ranged = await fetch(signed.url, { headers: { range: 'bytes=10-19' } });
    assert.equal(ranged.status, 206);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), data.subarray(10, 20));
    const tampered = await fetch(signed.url.replace('pre%2Fx', 'pre%2Fy').replace('/pre/x', '/pre/y'));
    assert.equal(tampered.status, 403);
    await assert.rejects(store.presignGet('pre/x', { expiresSeconds: 604_801 }), isCode('invalid-argument'));
    await assert.rejects(store.presignGet('pre/x', { expiresSeconds: 0 }), isCode('invalid-argument'));
    assert.ok(
      (await store.presignGet('pre/x', { expiresSeconds: 604_800 })).url.includes('X-Amz-Expires=604800'),
    );
  });

  it('on a bucket without Object Lock: refuses lock options, keeps keys write-once, deletes plain objects', async () => {
    const plainBucket = freshBucketName('plain');
    const plain = new S3BlobStore(s3ConfigFromEnv({ ...s3Env, S3_BUCKET: plainBucket }));
    await createBucket(plain.client, plainBucket, { objectLock: false });
    try {
      assert.equal((await plain.health()).objectLock, false);
      await assert.rejects(
        plain.put('x', chunked(Buffer.from('x')), { retainUntil: soon(60_000) }),
        isCode('invalid-argument'),
      );
      const r = await plain.put('x', chunked(Buffer.from('x')));
      assert.equal(r.versionId, undefined);
      assert.equal((await plain.put('x', chunked(Buffer.from('x')))).created, false);
      await assert.rejects(plain.put('x', chunked(Buffer.from('y'))), isCode('exists-different'));
      assert.deepEqual(await plain.delete('x'), { key: 'x', deleted: true });
      await assert.rejects(plain.head('x'), isCode('not-found'));
    } finally {
      await destroyBucket(plain.client, plainBucket);
      plain.client.destroy();
    }
  });

  it('reads a recorded digest back and refuses a version id of another key', async () => {
    const data = Buffer.from('digest me');
    const r = await store.put('dig/x', chunked(data), {
      retainUntil: soon(3600_000),
      expectSha256: sha(data),
    });
    const raw = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'dig/x', VersionId: r.versionId! }),
    );
    assert.equal(raw.Metadata?.sha256, sha(data));
    await assert.rejects(store.get('dig/y', { versionId: r.versionId! }), isCode('not-found'));
    await assert.rejects(store.getProtection('dig/y', r.versionId!), isCode('not-found'));
  });
});

// ---------------------------------------------------------------- filesystem only: tiers, modes, damage

describe('filesystem blob store: files, tiers and damage', () => {
  let root: string;
  let clock = new Date('2030-01-01T00:00:00Z');
  let store: FsBlobStore;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'vellum-fsblob-'));
    store = new FsBlobStore(root, { now: () => clock });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes read-only files and leaves no temp file behind', async () => {
    await store.put('m/x', chunked(Buffer.from('x')));
    assert.equal(statSync(join(root, 'hot', 'm', 'x')).mode & 0o777, 0o444);
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  });

  it('refuses Object Lock options it cannot honour', async () => {
    await assert.rejects(
      store.put('m/lock', chunked(Buffer.from('x')), { retainUntil: new Date(Date.now() + 1000) }),
      isCode('invalid-argument'),
    );
    await assert.rejects(
      store.put('m/hold', chunked(Buffer.from('x')), { legalHold: true }),
      isCode('invalid-argument'),
    );
  });

  it('answers a cold blob with not-immediately-available until it is restored, and again after expiry', async () => {
    const data = Buffer.from('frozen evidence');
    await store.put('c/x', chunked(data));
    await store.setTier('c/x', 'cold');
    assert.equal(await store.tier('c/x'), 'cold');
    assert.ok(existsSync(join(root, 'cold', 'c', 'x')) && !existsSync(join(root, 'hot', 'c', 'x')));
    await assert.rejects(store.get('c/x'), (e) => {
      isCode('not-immediately-available')(e);
      assert.deepEqual((e as StorageError).restore, { status: 'archived' });
      return true;
    });
    assert.deepEqual((await store.head('c/x')).restore, { status: 'archived' });
    const restored = await store.restore('c/x', { days: 2 });
    assert.equal(restored.status, 'restored');
    assert.equal(restored.expiresAt?.getTime(), clock.getTime() + 2 * 86_400_000);
    assert.deepEqual(await bytesOf((await store.get('c/x')).stream), data);
    assert.equal(await store.tier('c/x'), 'cold', 'a restore makes a copy; the blob stays cold');
    clock = new Date(clock.getTime() + 3 * 86_400_000);
    await assert.rejects(store.get('c/x'), (e) => (e as StorageError).restore?.status === 'expired');
    await store.setTier('c/x', 'hot');
    assert.deepEqual((await store.head('c/x')).restore, { status: 'available' });
    assert.deepEqual(await bytesOf((await store.get('c/x')).stream), data);
    assert.deepEqual(await keysUnder(store, 'c/'), ['c/x'], 'a blob is listed once, whatever its tier');
  });

  it('fails a full read of damaged bytes with corrupt; ranges are served as stored', async () => {
    await store.put('d/x', chunked(Buffer.from('original bytes')));
    const path = join(root, 'hot', 'd', 'x');
    chmodSync(path, 0o644);
    writeFileSync(path, 'tampered bytes');
    await assert.rejects(bytesOf((await store.get('d/x')).stream), isCode('corrupt'));
    const part = await store.get('d/x', { range: { start: 0, end: 7 } });
    assert.equal((await bytesOf(part.stream)).toString(), 'tampered');
  });

  it('refuses a key whose path runs through another key', async () => {
    await store.put('k/a', chunked(Buffer.from('a')));
    await assert.rejects(store.put('k/a/b', chunked(Buffer.from('b'))), isCode('bad-key'));
    await store.put('k/c/d', chunked(Buffer.from('d')));
    await assert.rejects(store.put('k/c', chunked(Buffer.from('c'))), isCode('bad-key'));
    assert.deepEqual(await keysUnder(store, 'k/'), ['k/a', 'k/c/d']);
  });

  it('starts writeback while a large body arrives, and still refuses a bad one, leaving no temp file', async () => {
    // An fdatasync every 256 KiB: many run while the 5 MiB bodies stream in.
    const eager = new FsBlobStore(root, { writebackEvery: 256 * 1024 });
    const data = randomBytes(5 * MiB + 3);
    const r = await eager.put('wb/x', chunked(data, 64 * 1024), {
      size: data.length,
      expectSha256: sha(data),
    });
    assert.deepEqual([r.size, r.sha256, r.created], [data.length, sha(data), true]);
    assert.deepEqual(await bytesOf((await eager.get('wb/x')).stream), data);
    await assert.rejects(
      eager.put('wb/y', chunked(data, 64 * 1024), { expectSha256: sha(Buffer.from('other')) }),
      isCode('digest-mismatch'),
    );
    await assert.rejects(
      eager.put('wb/z', chunked(data, 64 * 1024), { maxBytes: 4 * MiB }),
      isCode('too-large'),
    );
    assert.deepEqual(await keysUnder(eager, 'wb/'), ['wb/x']);
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
    assert.throws(() => new FsBlobStore(root, { writebackEvery: -1 }), isCode('invalid-argument'));
  });

  it('moves by a hard link: same file, no copy, read-only, digest moved beside it, no temp file', async () => {
    const data = randomBytes(2 * MiB);
    const staged = await store.put('mv/staging/u', chunked(data, MiB));
    const before = statSync(join(root, 'hot', 'mv', 'staging', 'u'));
    const r = await store.move('mv/staging/u', 'mv/blob', { size: staged.size, expectSha256: staged.sha256 });
    assert.equal(r.created, true);
    const after = statSync(join(root, 'hot', 'mv', 'blob'));
    assert.equal(after.ino, before.ino, 'the same inode: the bytes were not copied');
    assert.equal(after.nlink, 1, 'the staging name is gone');
    assert.equal(after.mode & 0o777, 0o444);
    assert.equal(readFileSync(join(root, 'digests', 'mv', 'blob'), 'utf8'), `${sha(data)}\n`);
    assert.ok(!existsSync(join(root, 'digests', 'mv', 'staging', 'u')), "the source's digest is gone too");
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  });

  it('trusts the digest its put recorded (the bytes are not hashed again): damage shows at the next full read', async () => {
    const data = Buffer.from('evidence as uploaded');
    const staged = await store.put('tr/staging/u', chunked(data));
    const path = join(root, 'hot', 'tr', 'staging', 'u');
    chmodSync(path, 0o644);
    writeFileSync(path, 'evidence as DAMAGED!'); // same length
    chmodSync(path, 0o444);
    const r = await store.move('tr/staging/u', 'tr/blob', { size: staged.size, expectSha256: staged.sha256 });
    assert.equal(r.sha256, sha(data), 'the recorded digest, not one of the damaged bytes');
    await assert.rejects(bytesOf((await store.get('tr/blob')).stream), isCode('corrupt'));
  });

  it('hashes the file again when no digest was recorded for it', async () => {
    const data = Buffer.from('bytes without a recorded digest');
    await store.put('nd/staging/u', chunked(data));
    unlinkSync(join(root, 'digests', 'nd', 'staging', 'u'));
    const path = join(root, 'hot', 'nd', 'staging', 'u');
    chmodSync(path, 0o644);
    writeFileSync(path, 'bytes WITHOUT a recorded digest');
    chmodSync(path, 0o444);
    await assert.rejects(
      store.move('nd/staging/u', 'nd/blob', { expectSha256: sha(data) }),
      isCode('digest-mismatch'),
    );
    const r = await store.move('nd/staging/u', 'nd/blob', {
      expectSha256: sha(Buffer.from('bytes WITHOUT a recorded digest')),
    });
    assert.equal(r.created, true);
    assert.equal((await store.head('nd/blob')).sha256, r.sha256, 'the new key has its digest recorded');
  });

  it('stores nothing at the target when its digest cannot be recorded first; the source stays', async () => {
    const data = Buffer.from('x');
    await store.put('df/staging/u', chunked(data));
    // A directory where the target's digest file goes: recording it fails, before any link.
    mkdirSync(join(root, 'digests', 'df', 'blob'), { recursive: true });
    await assert.rejects(store.move('df/staging/u', 'df/blob', { expectSha256: sha(data) }), StorageError);
    assert.ok(!existsSync(join(root, 'hot', 'df', 'blob')), 'no bytes at the target without their digest');
    assert.deepEqual(await bytesOf((await store.get('df/staging/u')).stream), data);
  });

  it('recovers from a crash between the link and the unlink: both names hold the bytes', async () => {
    const data = Buffer.from('linked twice');
    const staged = await store.put('cr/staging/u', chunked(data));
    // What a crash after the link (and its directory fsync) but before the unlink leaves.
    linkSync(join(root, 'hot', 'cr', 'staging', 'u'), join(root, 'hot', 'cr', 'blob'));
    writeFileSync(join(root, 'digests', 'cr', 'blob'), `${staged.sha256}\n`);
    // Moving again finds the target holding the bytes; the staging copy is then deleted as usual.
    const again = await store.move('cr/staging/u', 'cr/blob', {
      size: staged.size,
      expectSha256: staged.sha256,
    });
    assert.equal(again.created, false);
    assert.equal((await store.delete('cr/staging/u')).deleted, true);
    assert.deepEqual(await bytesOf((await store.get('cr/blob')).stream), data);
    assert.deepEqual(await keysUnder(store, 'cr/'), ['cr/blob']);
  });

  it('refuses Object Lock options on a move, as on a put', async () => {
    await store.put('ol/s', chunked(Buffer.from('x')));
    const o = { expectSha256: sha(Buffer.from('x')) };
    await assert.rejects(
      store.move('ol/s', 'ol/t', { ...o, retainUntil: new Date(Date.now() + 1000) }),
      isCode('invalid-argument'),
    );
    await assert.rejects(store.move('ol/s', 'ol/t', { ...o, legalHold: true }), isCode('invalid-argument'));
    assert.deepEqual(await keysUnder(store, 'ol/'), ['ol/s']);
  });
});

// ---------------------------------------------------------------- S3 configuration (no endpoint needed)

describe('S3 configuration from the environment', () => {
  const base = { S3_BUCKET: 'evidence', S3_ENDPOINT: 'http://127.0.0.1:7480' };

  it('reads endpoint, region, prefix and keys, with path style by default for an endpoint', () => {
    const c = s3ConfigFromEnv({ ...base, S3_PREFIX: 'blobs/', S3_ACCESS_KEY: 'ak', S3_SECRET_KEY: 'sk' });
    assert.equal(c.forcePathStyle, true);
    assert.equal(c.region, 'us-east-1');
    assert.equal(c.prefix, 'blobs/');
    assert.equal(c.retentionMode, 'GOVERNANCE');
    assert.deepEqual(c.credentials, { accessKeyId: 'ak', secretAccessKey: 'sk' });
    assert.equal(s3ConfigFromEnv({ S3_BUCKET: 'evidence' }).forcePathStyle, false, 'AWS: virtual-hosted');
    assert.equal(
      s3ConfigFromEnv({ S3_BUCKET: 'evidence' }).credentials,
      undefined,
      "the SDK's default chain",
    );
  });

  it('reads secrets from *_FILE variables and the AWS_* names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vellum-s3cfg-'));
    try {
      writeFileSync(join(dir, 'secret'), 'from-a-file\n');
      const c = s3ConfigFromEnv({
        ...base,
        AWS_ACCESS_KEY_ID: 'aws-ak',
        AWS_SECRET_ACCESS_KEY_FILE: join(dir, 'secret'),
        S3_RETENTION_MODE: 'COMPLIANCE',
      });
      assert.deepEqual(c.credentials, { accessKeyId: 'aws-ak', secretAccessKey: 'from-a-file' });
      assert.equal(c.retentionMode, 'COMPLIANCE');
      assert.throws(
        () =>
          s3ConfigFromEnv({
            ...base,
            S3_SECRET_KEY: 'x',
            S3_SECRET_KEY_FILE: join(dir, 'secret'),
            S3_ACCESS_KEY: 'a',
          }),
        isCode('invalid-argument'),
      );
      assert.throws(
        () => s3ConfigFromEnv({ ...base, S3_ACCESS_KEY: 'a', S3_SECRET_KEY_FILE: join(dir, 'missing') }),
        isCode('invalid-argument'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses incomplete or malformed settings', () => {
    for (const env of [
      {},
      { ...base, S3_BUCKET: 'Bad_Bucket' },
      { ...base, S3_ENDPOINT: 'ftp://x' },
      { ...base, S3_ENDPOINT: 'http://host/path' },
      { ...base, S3_PREFIX: '../up/' },
      { ...base, S3_PREFIX: 'no-slash' },
      { ...base, S3_ACCESS_KEY: 'only-the-access-key' },
      { ...base, S3_RETENTION_MODE: 'LOOSE' },
      { ...base, S3_FORCE_PATH_STYLE: 'yes' },
    ])
      assert.throws(() => s3ConfigFromEnv(env), isCode('invalid-argument'), JSON.stringify(env));
  });
});
