/**
 * The artifact routes end to end through the HTTP app: create, upload
 * (streamed octet-stream), finalize, manifest (+ proof), list/search,
 * download (full and ranged), retention extensions and holds; and hostile
 * inputs, which must answer 4xx (never 500).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Answer, call, makeTenant, openStack, type Stack, type TenantFixture } from '../helpers/http.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe('artifact routes', () => {
  let s: Stack;
  let acme: TenantFixture;
  let globex: TenantFixture;
  const base = '/v1/artifacts/acme';
  let w: string;
  let r: string;

  before(async () => {
    s = await openStack({ artifacts: { limits: { maxFileBytes: 1024 } } });
    acme = await makeTenant(s, 'acme', 0);
    globex = await makeTenant(s, 'globex', 0);
    w = acme.tokens.writer!;
    r = acme.tokens.reader!;
  });
  after(async () => {
    await s?.close();
  });

  const create = async (extra: Record<string, unknown> = {}) => {
    const a = await call(s.app, 'POST', `${base}/packages`, {
      token: w,
      json: { name: 'run-1', producer: 'ci', subject: 'build-42', retentionClass: 'raw-evidence', ...extra },
    });
    assert.equal(a.status, 201, a.text);
    return a.json.package.id as string;
  };
  const upload = (id: string, path: string, body: string | Uint8Array, q = '') =>
    call(s.app, 'POST', `${base}/packages/${id}/files?path=${encodeURIComponent(path)}${q}`, {
      token: w,
      body,
      type: 'application/octet-stream',
    });
  const no500 = (a: Answer, what: string) => assert.ok(a.status < 500, `${what}: ${a.status} ${a.text}`);

  it('runs the whole flow', async () => {
    const id = await create({ metadata: { branch: 'main', n: 3 } });
    const one = await upload(
      id,
      'logs/run.txt',
      'hello world',
      `&mediaType=text/plain&sha256=${sha('hello world')}`,
    );
    assert.equal(one.status, 201, one.text);
    assert.equal(one.json.file.sha256, sha('hello world'));
    const two = await upload(id, 'data.bin', new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    assert.equal(two.status, 201, two.text);

    const fin = await call(s.app, 'POST', `${base}/packages/${id}/finalize`, { token: w });
    assert.equal(fin.status, 200, fin.text);
    assert.match(fin.json.manifestSha256, /^[0-9a-f]{64}$/);

    const got = await call(s.app, 'GET', `${base}/packages/${id}`, { token: r });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.package.status, 'finalized');
    assert.equal(got.json.files.length, 2);

    const m = await call(s.app, 'GET', `${base}/packages/${id}/manifest?proof=true`, { token: r });
    assert.equal(m.status, 200, m.text);
    assert.equal(m.json.sha256, fin.json.manifestSha256);
    assert.equal(sha(Buffer.from(m.json.manifestBase64, 'base64')), m.json.sha256);
    assert.equal(m.json.inclusion.index, m.json.finalizeIndex);
    assert.match(m.json.inclusion.receipt, /\S/);

    const list = await call(s.app, 'GET', `${base}/packages?subject=build-42&meta=branch=main`, { token: r });
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.packages.some((p: { id: string }) => p.id === id));
    const both = await call(s.app, 'GET', `${base}/packages?meta=branch=main&meta=n=3`, { token: r });
    assert.equal(both.status, 200, both.text);
    assert.ok(both.json.packages.some((p: { id: string }) => p.id === id));
    const none = await call(s.app, 'GET', `${base}/packages?meta=branch=dev`, { token: r });
    assert.equal(none.status, 200, none.text);
    assert.ok(!none.json.packages.some((p: { id: string }) => p.id === id));
    const byClass = await call(
      s.app,
      'GET',
      `${base}/packages?class=raw-evidence&status=finalized&producer=ci`,
      {
        token: r,
      },
    );
    assert.ok(byClass.json.packages.some((p: { id: string }) => p.id === id));

    const fileId = two.json.file.id as string;
    const full = await call(s.app, 'GET', `${base}/files/${fileId}/download`, { token: r });
    assert.equal(full.status, 200, full.text);
    assert.deepEqual([...full.raw], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const part = await call(s.app, 'GET', `${base}/files/${fileId}/download`, {
      token: r,
      headers: { range: 'bytes=2-4' },
    });
    assert.equal(part.status, 206, part.text);
    assert.equal(part.headers['content-range'], 'bytes 2-4/10');
    assert.deepEqual([...part.raw], [2, 3, 4]);
    const suffix = await call(s.app, 'GET', `${base}/files/${fileId}/download`, {
      token: r,
      headers: { range: 'bytes=-3' },
    });
    assert.equal(suffix.status, 206);
    assert.deepEqual([...suffix.raw], [7, 8, 9]);
    const bad = await call(s.app, 'GET', `${base}/files/${fileId}/download`, {
      token: r,
      headers: { range: 'bytes=50-60' },
    });
    assert.equal(bad.status, 416, bad.text);
    assert.equal(bad.headers['content-range'], 'bytes */10');
    // The filesystem store cannot presign: the bytes come back instead.
    const pre = await call(s.app, 'GET', `${base}/files/${fileId}/download?presign=true`, { token: r });
    assert.equal(pre.status, 200, pre.text);
    assert.equal(pre.headers.location, undefined);
    assert.equal(pre.headers['content-length'], '10');
    assert.equal(pre.headers['x-vellum-sha256'], full.headers['x-vellum-sha256']);
    assert.deepEqual([...pre.raw], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const admin = acme.tokens['tenant-admin']!;
    const ext = await call(s.app, 'POST', `${base}/packages/${id}/retention/extensions`, {
      token: admin,
      json: { by: { days: 30 }, reason: 'case review' },
    });
    assert.equal(ext.status, 200, ext.text);
    const earlier = await call(s.app, 'POST', `${base}/packages/${id}/retention/extensions`, {
      token: admin,
      json: { until: '2000-01-01T00:00:00Z', reason: 'shorter' },
    });
    assert.equal(earlier.status, 409, earlier.text);
    const hold = await call(s.app, 'POST', `${base}/packages/${id}/retention/holds`, {
      token: acme.tokens.approver!,
      json: { caseId: 'CASE-7', reason: 'litigation' },
    });
    assert.equal(hold.status, 201, hold.text);
    const rel = await call(
      s.app,
      'POST',
      `${base}/packages/${id}/retention/holds/${hold.json.hold.id}/release`,
      { token: acme.tokens.approver!, json: { reason: 'settled' } },
    );
    assert.equal(rel.status, 200, rel.text);
    assert.equal(rel.json.hold.active, false);

    const health = await call(s.app, 'GET', `${base}/health/backends`, { token: r });
    assert.equal(health.status, 200, health.text);
    assert.equal(health.json.backends[0].backend, 'fs');
  });

  it('refuses hostile and wrong inputs with 4xx, never 500', async () => {
    const id = await create();
    for (const path of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', '', '.', 'a/./b', 'x\u0000y', '..']) {
      const a = await upload(id, path, 'x');
      no500(a, `path ${JSON.stringify(path)}`);
      assert.ok(a.status >= 400, `path ${JSON.stringify(path)} accepted: ${a.text}`);
    }
    assert.equal((await upload(id, 'ok.txt', 'one')).status, 201);
    const dup = await upload(id, 'ok.txt', 'two');
    assert.equal(dup.status, 409, dup.text);

    const mismatch = await upload(id, 'm.txt', 'abc', `&sha256=${sha('abd')}`);
    assert.equal(mismatch.status, 422, mismatch.text);
    const badDigest = await upload(id, 'd.txt', 'abc', '&sha256=zz');
    assert.equal(badDigest.status, 400, badDigest.text);
    const big = await upload(id, 'big.bin', new Uint8Array(2048));
    assert.equal(big.status, 413, big.text);

    const json = await call(s.app, 'POST', `${base}/packages/${id}/files?path=j.json`, {
      token: w,
      json: { a: 1 },
    });
    assert.equal(json.status, 415, json.text);

    const fin = await call(s.app, 'POST', `${base}/packages/${id}/finalize`, { token: w });
    assert.equal(fin.status, 200, fin.text);
    const late = await upload(id, 'late.txt', 'late');
    assert.equal(late.status, 409, late.text);
    const again = await call(s.app, 'POST', `${base}/packages/${id}/finalize`, { token: w });
    no500(again, 'finalize twice');
    assert.ok(again.status >= 400);

    // Another tenant's package, file and hold: not found from inside globex, forbidden across.
    const g = globex.tokens['tenant-admin']!;
    for (const [method, url] of [
      ['GET', `/v1/artifacts/globex/packages/${id}`],
      ['GET', `/v1/artifacts/globex/packages/${id}/manifest`],
      ['POST', `/v1/artifacts/globex/packages/${id}/finalize`],
      ['POST', `/v1/artifacts/globex/packages/${id}/retention/holds/hld_000000000000000000000000/release`],
    ] as const) {
      const a = await call(s.app, method, url, {
        token: g,
        ...(method === 'POST' && url.endsWith('release') ? { json: { reason: 'x' } } : {}),
      });
      assert.equal(a.status, 404, `${url}: ${a.status} ${a.text}`);
    }
    const files = await call(s.app, 'GET', `${base}/packages/${id}`, { token: r });
    const fileId = files.json.files[0].id as string;
    const cross = await call(s.app, 'GET', `/v1/artifacts/globex/files/${fileId}/download`, { token: g });
    assert.equal(cross.status, 404, cross.text);
    const upCross = await call(s.app, 'POST', `/v1/artifacts/globex/packages/${id}/files?path=z`, {
      token: g,
      body: 'z',
      type: 'application/octet-stream',
    });
    assert.equal(upCross.status, 404, upCross.text);
    const acrossTenants = await call(s.app, 'GET', `/v1/artifacts/globex/packages/${id}`, { token: r });
    assert.equal(acrossTenants.status, 403);

    for (const [method, url, c] of [
      ['GET', `${base}/packages/nope`, {}],
      ['GET', `${base}/files/nope/download`, {}],
      ['GET', `${base}/packages?limit=99999`, {}],
      ['GET', `${base}/packages?meta=novalue`, {}],
      ['GET', `${base}/packages?createdFrom=yesterday`, {}],
      [
        'POST',
        `${base}/packages`,
        { json: { name: 'x', producer: 'p', subject: 's', retentionClass: 'forever' } },
      ],
      [
        'POST',
        `${base}/packages`,
        {
          json: {
            name: 'x',
            producer: 'p',
            subject: 's',
            retentionClass: 'transient',
            metadata: 'x'.repeat(40000),
          },
        },
      ],
      ['POST', `${base}/packages/${id}/retention/extensions`, { json: { reason: 'no date' } }],
      ['POST', `${base}/packages/${id}/retention/holds`, { json: { caseId: '', reason: 'r' } }],
      ['POST', `${base}/packages/nope/retention/holds/nope/release`, { json: { reason: 'r' } }],
    ] as const) {
      const a = await call(s.app, method, url, { token: acme.tokens['tenant-admin']!, ...c });
      no500(a, `${method} ${url}`);
      assert.ok(a.status >= 400, `${method} ${url}: ${a.status} ${a.text}`);
    }
  });

  it('records reads of packages and downloads in the reads log', async () => {
    const admin = acme.tokens['tenant-admin']!;
    const size = async () =>
      (await call(s.app, 'GET', '/v1/logs/acme/reads', { token: admin })).json.size as number;
    const id = await create();
    await upload(id, 'r.txt', 'read me');
    const files = await call(s.app, 'GET', `${base}/packages/${id}`, { token: r });
    const n0 = await size();
    const d = await call(s.app, 'GET', `${base}/files/${files.json.files[0].id}/download`, { token: r });
    assert.equal(d.text, 'read me');
    assert.ok((await size()) > n0, 'the download is a read event');
  });
});
