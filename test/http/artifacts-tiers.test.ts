/**
 * The artifact download's storage paths over HTTP, which the domain suite
 * (test/domain/artifacts.test.ts) covers below the routes:
 *
 * - filesystem blob store (tiers are directories): a cold file answers 202
 *   with its restore status, `POST .../restore` makes it readable, then the
 *   download serves its bytes; `?presign=true` streams (200), as the
 *   filesystem cannot presign;
 * - S3 blob store on Ceph RGW: `?presign=true` answers 302 to a presigned
 *   URL that serves exactly the file's bytes, and the download's audit entry
 *   says `presigned-url`. Skipped visibly without an S3 endpoint (failed
 *   under VELLUM_REQUIRE_S3=1), like the other S3 suites.
 *
 * Digests are computed here from the bytes sent, never taken from the server.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { S3BlobStore } from '../../src/storage/s3/s3-blob-store.js';
import { createBucket } from '../../src/storage/s3/s3-bucket.js';
import { s3ConfigFromEnv } from '../../src/storage/s3/s3-config.js';
import {
  BACKENDS,
  call,
  makeTenant,
  openStack,
  type Stack,
  type StackOptions,
  type TenantFixture,
} from '../helpers/http.js';
import { destroyBucket, freshBucketName, requireS3, s3TestEnv } from '../helpers/s3.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY_MS = 86_400_000;

interface AuditEvent {
  readonly type: string;
  readonly actor: string;
  readonly [field: string]: unknown;
}

/** The tenant's artifact events as an auditor reads them over HTTP, once `until` holds (or 10 s passed). */
async function artifactEvents(
  s: Stack,
  t: TenantFixture,
  until: (events: AuditEvent[]) => boolean,
): Promise<AuditEvent[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const a = await call(s.app, 'GET', `/v1/logs/${t.name}/audit/entries?start=0&limit=1000`, {
      token: t.tokens.auditor!,
    });
    assert.ok(a.status === 200 || a.status === 404, `audit log: ${a.status} ${a.text}`);
    const events: AuditEvent[] = [];
    for (const e of (a.json.entries ?? []) as { index: number; base64: string }[]) {
      try {
        const v = JSON.parse(Buffer.from(e.base64, 'base64').toString('utf8'));
        if (typeof v?.type === 'string' && v.type.startsWith('vellum.artifact.'))
          events.push({ ...v, type: v.type.slice('vellum.artifact.'.length), index: e.index });
      } catch {}
    }
    if (until(events) || Date.now() > deadline) return events;
    await sleep(25);
  }
}

/** A package with one file of `body`, uploaded with its digest declared; the file's id. */
async function uploadOne(s: Stack, t: TenantFixture, path: string, body: Uint8Array): Promise<string> {
  const base = `/v1/artifacts/${t.name}`;
  const p = await call(s.app, 'POST', `${base}/packages`, {
    token: t.tokens.writer!,
    json: { name: 'tiers', producer: 'test', subject: 'tiers', retentionClass: 'raw-evidence' },
  });
  assert.equal(p.status, 201, p.text);
  const id = p.json.package.id as string;
  const f = await call(
    s.app,
    'POST',
    `${base}/packages/${id}/files?path=${encodeURIComponent(path)}&sha256=${sha(body)}`,
    { token: t.tokens.writer!, body, type: 'application/octet-stream' },
  );
  assert.equal(f.status, 201, f.text);
  assert.equal(f.json.file.sha256, sha(body));
  const fin = await call(s.app, 'POST', `${base}/packages/${id}/finalize`, { token: t.tokens.writer! });
  assert.equal(fin.status, 200, fin.text);
  return f.json.file.id as string;
}

for (const backend of BACKENDS) {
  const skip = await backend.skip();
  describe(`artifact tiers over HTTP, filesystem blob store (${backend.name})`, { skip }, () => {
    let s: Stack;
    let acme: TenantFixture;
    let drop: (() => Promise<void>) | undefined;
    const base = '/v1/artifacts/acme';

    before(async () => {
      const db = await backend.open();
      drop = db.drop;
      s = await openStack(db.options);
      acme = await makeTenant(s, 'acme', 0);
    });
    after(async () => {
      await s?.close();
      await drop?.();
    });

    /** Moves the file's bytes to the cold tier directory of the stack's FsBlobStore. */
    const makeCold = async (fileId: string) => {
      const a = s.services.artifacts!;
      const [loc] = (await a.files.get('acme', fileId)).locations!;
      assert.equal(loc?.backend, 'fs');
      await a.context.blobs.setTier!(loc!.objectKey, 'cold');
      assert.equal(await a.context.blobs.tier(loc!.objectKey), 'cold');
    };

    it('answers 202 with the restore status for a cold file; the restore route makes it readable', async () => {
      const r = acme.tokens.reader!;
      const body = new Uint8Array(randomBytes(5000));
      const fileId = await uploadOne(s, acme, 'cold/evidence.bin', body);
      const download = `${base}/files/${fileId}/download`;
      const hot = await call(s.app, 'GET', download, { token: r });
      assert.equal(hot.status, 200, hot.text);
      assert.equal(sha(hot.raw), sha(body));

      await makeCold(fileId);
      for (const url of [download, `${download}?presign=true`]) {
        const cold = await call(s.app, 'GET', url, { token: r });
        assert.equal(cold.status, 202, `${url}: ${cold.status} ${cold.text}`);
        assert.equal(cold.headers['cache-control'], 'no-store');
        assert.equal(cold.json.error.code, 'not-available');
        assert.deepEqual(cold.json.restore, { status: 'archived' });
        assert.equal(cold.headers['x-vellum-sha256'], undefined, 'no bytes are served');
      }

      const t0 = Date.now();
      const restore = await call(s.app, 'POST', `${base}/files/${fileId}/restore`, {
        token: r,
        json: { days: 3 },
      });
      const t1 = Date.now();
      assert.equal(restore.status, 202, restore.text);
      assert.equal(restore.headers['cache-control'], 'no-store');
      assert.deepEqual(Object.keys(restore.json).sort(), ['auditIndex', 'restore']);
      assert.equal(restore.json.restore.status, 'restored');
      const expiresAt = restore.json.restore.expiresAt as string;
      assert.match(expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const exp = Date.parse(expiresAt);
      assert.ok(exp >= t0 + 3 * DAY_MS && exp <= t1 + 3 * DAY_MS, `expires ${expiresAt}: in 3 days`);
      assert.ok(Number.isSafeInteger(restore.json.auditIndex), restore.text);

      // The registry records it, and the bytes are served again, unchanged.
      const [loc] = (await s.services.artifacts!.files.get('acme', fileId)).locations!;
      assert.deepEqual(
        [loc!.tier, loc!.restoreStatus, loc!.restoreExpiresAt],
        ['cold', 'restored', expiresAt],
      );
      const got = await call(s.app, 'GET', download, { token: r });
      assert.equal(got.status, 200, got.text);
      assert.equal(got.raw.length, body.length);
      assert.equal(sha(got.raw), sha(body));
      assert.equal(got.headers['x-vellum-sha256'], sha(body));
      const part = await call(s.app, 'GET', download, { token: r, headers: { range: 'bytes=100-199' } });
      assert.equal(part.status, 206, part.text);
      assert.ok(part.raw.equals(Buffer.from(body.subarray(100, 200))));

      // The audit log: the restore request by the reader's key, then the downloads.
      const events = await artifactEvents(s, acme, (es) =>
        es.some((e) => e.type === 'file-downloaded' && e.file === fileId && e.range !== null),
      );
      const mine = events.filter((e) => e.file === fileId);
      assert.deepEqual(
        mine.map((e) => e.type),
        ['file-added', 'file-downloaded', 'restore-requested', 'file-downloaded', 'file-downloaded'],
      );
      const requested = mine[2]!;
      assert.equal(requested.index, restore.json.auditIndex);
      assert.equal(requested.actor, acme.ids.reader);
      assert.equal(requested.days, 3);
      assert.equal(requested.status, 'restored');
      assert.equal(requested.sha256, sha(body));
      assert.equal(mine[3]!.via, 'stream');
    });

    it('streams the bytes (200) for ?presign=true: the filesystem store cannot presign', async () => {
      const body = new Uint8Array(randomBytes(3000));
      const fileId = await uploadOne(s, acme, 'presign.bin', body);
      const a = await call(s.app, 'GET', `${base}/files/${fileId}/download?presign=true&expires=60`, {
        token: acme.tokens.auditor!,
      });
      assert.equal(a.status, 200, a.text);
      assert.equal(a.headers.location, undefined);
      assert.equal(sha(a.raw), sha(body));
      const events = await artifactEvents(s, acme, (es) =>
        es.some((e) => e.type === 'file-downloaded' && e.file === fileId),
      );
      const d = events.find((e) => e.type === 'file-downloaded' && e.file === fileId);
      assert.equal(d?.via, 'stream');
      assert.equal(d?.actor, acme.ids.auditor);
    });

    it('answers status available for a file that needs no restore, and moves nothing', async () => {
      const body = new Uint8Array(randomBytes(100));
      const fileId = await uploadOne(s, acme, 'hot.bin', body);
      const a = await call(s.app, 'POST', `${base}/files/${fileId}/restore`, {
        token: acme.tokens['tenant-admin']!,
        json: { days: 365 },
      });
      assert.equal(a.status, 202, a.text);
      assert.deepEqual(a.json.restore, { status: 'available' });
      const [loc] = (await s.services.artifacts!.files.get('acme', fileId)).locations!;
      assert.equal(loc!.tier, 'hot');
      assert.equal(await s.services.artifacts!.context.blobs.tier(loc!.objectKey), 'hot');
      const got = await call(s.app, 'GET', `${base}/files/${fileId}/download`, {
        token: acme.tokens.reader!,
      });
      assert.equal(sha(got.raw), sha(body));
    });

    it('is in the OpenAPI document with its body schema', async () => {
      const doc = await call(s.app, 'GET', '/openapi.json');
      assert.equal(doc.status, 200);
      const op = doc.json.paths['/v1/artifacts/{tenant}/files/{fileId}/restore']?.post;
      assert.ok(op, 'the restore route is documented');
      assert.deepEqual(op.tags, ['artifacts']);
      assert.deepEqual(op.security, [{ bearer: [] }]);
      assert.match(op.summary, /restore|readable copy/i);
      const schema = op.requestBody.content['application/json'].schema;
      assert.deepEqual(schema.required, ['days']);
      assert.equal(schema.additionalProperties, false);
      assert.deepEqual([schema.properties.days.minimum, schema.properties.days.maximum], [1, 365]);
      assert.ok(op.responses['202'], 'the 202 answer is described');
    });
  });
}

const s3 = await s3TestEnv();
const s3Skip = 'env' in s3 ? false : s3.missing;
if (s3Skip) {
  if (requireS3())
    it('S3 (Ceph RGW) is available, as VELLUM_REQUIRE_S3=1 demands', () => assert.fail(s3Skip));
  else console.log(`# SKIP S3 presigned-download HTTP tests: ${s3Skip}`);
}

describe('presigned downloads over HTTP, S3 blob store (Ceph RGW)', { skip: s3Skip }, () => {
  let s: Stack;
  let acme: TenantFixture;
  let store: S3BlobStore;
  let bucket = '';
  const base = '/v1/artifacts/acme';

  before(async () => {
    if (!('env' in s3)) return;
    bucket = freshBucketName('http');
    store = new S3BlobStore(s3ConfigFromEnv({ ...s3.env, S3_BUCKET: bucket, S3_PREFIX: 'art/' }));
    await createBucket(store.client, bucket, { objectLock: false });
    const o: StackOptions = { blobs: store };
    s = await openStack(o);
    acme = await makeTenant(s, 'acme', 0);
  });
  after(async () => {
    await s?.close();
    if (store) {
      await destroyBucket(store.client, bucket);
      store.client.destroy();
    }
  });

  it('answers 302 to a presigned URL that serves exactly the file; the audit entry says presigned-url', async () => {
    const body = new Uint8Array(randomBytes(300_000));
    const digest = sha(body);
    const fileId = await uploadOne(s, acme, 'big/evidence.bin', body);
    const a = await call(s.app, 'GET', `${base}/files/${fileId}/download?presign=true&expires=120`, {
      token: acme.tokens.reader!,
    });
    assert.equal(a.status, 302, a.text);
    assert.equal(a.headers['cache-control'], 'no-store');
    const location = a.headers.location;
    assert.equal(typeof location, 'string');
    const url = new URL(location as string);
    const endpoint = new URL((s3 as { env: { S3_ENDPOINT: string } }).env.S3_ENDPOINT);
    assert.equal(url.origin, endpoint.origin);
    assert.equal(url.pathname, `/${bucket}/art/acme/blobs/sha256/${digest}`);
    assert.equal(url.searchParams.get('X-Amz-Expires'), '120');
    assert.ok(url.searchParams.get('X-Amz-Signature'), 'the URL is signed');

    // No key needed: the signature is the authority, and it covers exactly this object.
    const res = await fetch(url);
    assert.equal(res.status, 200);
    const got = Buffer.from(await res.arrayBuffer());
    assert.equal(got.length, body.length);
    assert.equal(sha(got), digest);
    const forged = new URL(url);
    forged.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    const refused = await fetch(forged);
    await refused.arrayBuffer();
    assert.equal(refused.status, 403, 'a URL with a wrong signature is refused');

    // A lifetime outside 1..604800 s is the caller's mistake (400), and hands out no URL.
    for (const expires of ['0', '604801', '-1', 'x']) {
      const url = `${base}/files/${fileId}/download?presign=true&expires=${expires}`;
      const bad = await call(s.app, 'GET', url, { token: acme.tokens.reader! });
      assert.equal(bad.status, 400, `expires=${expires}: ${bad.status} ${bad.text}`);
      assert.equal(bad.headers.location, undefined);
    }

    const events = await artifactEvents(s, acme, (es) =>
      es.some((e) => e.type === 'file-downloaded' && e.file === fileId),
    );
    const downloads = events.filter((e) => e.type === 'file-downloaded' && e.file === fileId);
    assert.equal(downloads.length, 1);
    assert.equal(downloads[0]!.via, 'presigned-url');
    assert.equal(downloads[0]!.range, null);
    assert.equal(downloads[0]!.sha256, digest);
    assert.equal(downloads[0]!.actor, acme.ids.reader);
  });

  it('streams the bytes from S3 without presign (200), and says available to a restore', async () => {
    const body = new Uint8Array(randomBytes(70_000));
    const fileId = await uploadOne(s, acme, 'streamed.bin', body);
    const a = await call(s.app, 'GET', `${base}/files/${fileId}/download`, { token: acme.tokens.reader! });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.headers.location, undefined);
    assert.equal(sha(a.raw), sha(body));
    // Ceph RGW has no cold storage classes: a restore has nothing to do.
    const r = await call(s.app, 'POST', `${base}/files/${fileId}/restore`, {
      token: acme.tokens.reader!,
      json: { days: 1 },
    });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(r.json.restore, { status: 'available' });
  });
});
