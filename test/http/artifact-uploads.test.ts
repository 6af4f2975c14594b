/**
 * Uploads through the HTTP app beyond the raw octet-stream body: a file in
 * a multipart/form-data form, and resumable uploads in parts. Every refusal
 * is a 4xx with nothing stored: no file in the package and no blob in the
 * store (the filesystem store's directory is read back to check).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filesUnder } from '../helpers/files.js';
import { call, makeTenant, openStack, type Stack, type TenantFixture } from '../helpers/http.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const MAX = 64 * 1024;

/** A multipart/form-data body: `parts` in order, each a field or a file. */
function form(
  parts: (
    | { name: string; value: string }
    | { name: string; file: string; type?: string; bytes: Uint8Array }
  )[],
  boundary = `----vellum${randomBytes(8).toString('hex')}`,
  close = true,
): { body: Buffer; type: string } {
  const out: Buffer[] = [];
  for (const p of parts) {
    out.push(Buffer.from(`--${boundary}\r\n`));
    if ('value' in p)
      out.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`));
    else {
      out.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${p.name}"; filename="${p.file}"\r\n` +
            `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n\r\n`,
        ),
      );
      out.push(Buffer.from(p.bytes), Buffer.from('\r\n'));
    }
  }
  if (close) out.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(out), type: `multipart/form-data; boundary=${boundary}` };
}

describe('artifact uploads: multipart forms and resumable uploads', () => {
  let s: Stack;
  let acme: TenantFixture;
  let globex: TenantFixture;
  let w: string;
  let r: string;
  const base = '/v1/artifacts/acme';

  before(async () => {
    s = await openStack({ artifacts: { limits: { maxFileBytes: MAX } } });
    acme = await makeTenant(s, 'acme', 0);
    globex = await makeTenant(s, 'globex', 0);
    w = acme.tokens.writer!;
    r = acme.tokens.reader!;
  });
  after(async () => {
    await s?.close();
  });

  const create = async () => {
    const a = await call(s.app, 'POST', `${base}/packages`, {
      token: w,
      json: { name: 'run', producer: 'ci', subject: 'build', retentionClass: 'raw-evidence' },
    });
    assert.equal(a.status, 201, a.text);
    return a.json.package.id as string;
  };
  const files = async (id: string) =>
    (await call(s.app, 'GET', `${base}/packages/${id}`, { token: r })).json.files as {
      path: string;
      sha256: string;
      id: string;
      mediaType: string;
    }[];
  /** Every blob and staged object the filesystem store holds for acme. */
  const stored = () => filesUnder(join(s.dir, 'blobs')).filter((f) => f.includes('/acme/'));
  const postForm = (id: string, f: { body: Buffer; type: string }, q = '') =>
    call(s.app, 'POST', `${base}/packages/${id}/files${q}`, { token: w, body: f.body, type: f.type });
  const download = async (fileId: string) =>
    (await call(s.app, 'GET', `${base}/files/${fileId}/download`, { token: r })).raw;

  it('takes a file from a multipart form, fields first, hashed by Vellum', async () => {
    const id = await create();
    const bytes = randomBytes(20_000);
    const a = await postForm(
      id,
      form([
        { name: 'path', value: 'reports/scan.bin' },
        { name: 'sha256', value: sha(bytes) },
        { name: 'file', file: 'ignored-name.bin', type: 'application/x-scan', bytes },
      ]),
    );
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.file.sha256, sha(bytes));
    assert.equal(a.json.file.size, bytes.length);
    assert.equal(a.json.file.path, 'reports/scan.bin');
    assert.equal(a.json.file.mediaType, 'application/x-scan', "the part's Content-Type");
    assert.equal(sha(await download(a.json.file.id)), sha(bytes));
    // The path defaults to the part's file name; query parameters work with a form too.
    const text = 'plain text\r\n--not a boundary\r\n';
    const b = await postForm(
      id,
      form([{ name: 'file', file: 'notes.txt', type: 'text/plain', bytes: Buffer.from(text) }]),
      '?mediaType=text/markdown',
    );
    assert.equal(b.status, 201, b.text);
    assert.deepEqual(
      [b.json.file.path, b.json.file.mediaType, b.json.file.sha256],
      ['notes.txt', 'text/markdown', sha(text)],
    );
    assert.equal((await download(b.json.file.id)).toString(), text);
  });

  it('refuses a malformed or surprising form with 4xx and stores nothing', async () => {
    const id = await create();
    const before = stored();
    const bytes = randomBytes(5000);
    const file = { name: 'file', file: 'x.bin', bytes };
    const cases: [string, { body: Buffer; type: string }, number, string?][] = [
      ['a second file', form([{ name: 'path', value: 'a.bin' }, file, { ...file, file: 'y.bin' }]), 400],
      ['a field after the file', form([file, { name: 'path', value: 'late.bin' }]), 400],
      ['an unknown field', form([{ name: 'owner', value: 'me' }, file]), 400],
      ['no file part', form([{ name: 'path', value: 'a.bin' }]), 400],
      [
        'the body ends inside the file',
        form([{ name: 'path', value: 'a.bin' }, file], undefined, false),
        400,
      ],
      [
        'a wrong sha256',
        form([{ name: 'path', value: 'a.bin' }, { name: 'sha256', value: sha('other') }, file]),
        422,
      ],
      ['a bad sha256', form([{ name: 'sha256', value: 'xyz' }, file]), 400],
      ['path traversal', form([{ name: 'path', value: '../../etc/passwd' }, file]), 400],
      ['an absolute path', form([{ name: 'path', value: '/etc/passwd' }, file]), 400],
      [
        'too large',
        form([
          { name: 'path', value: 'big.bin' },
          { ...file, bytes: randomBytes(MAX + 1) },
        ]),
        413,
      ],
      ['a field sent twice', form([{ name: 'path', value: 'a' }, { name: 'path', value: 'b' }, file]), 400],
      ['no boundary', { body: form([file]).body, type: 'multipart/form-data' }, 400],
      ['garbage', { body: randomBytes(3000), type: 'multipart/form-data; boundary=zzz' }, 400],
    ];
    for (const [what, f, status] of cases) {
      const a = await postForm(id, f);
      assert.equal(a.status, status, `${what}: ${a.status} ${a.text}`);
      assert.equal(a.json.error.code !== undefined, true, `${what}: an error body`);
    }
    const twice = await postForm(id, form([{ name: 'path', value: 'a.bin' }, file]), '?path=b.bin');
    assert.equal(twice.status, 400, twice.text);
    assert.match(twice.json.error.message, /given twice/);
    assert.deepEqual(await files(id), [], 'no file was added');
    assert.deepEqual(stored(), before, 'no blob or staged copy was left');
    // Refused before the bytes are read: the answer still arrives, and the connection is reusable.
    const big = form([
      { name: 'path', value: 'late.bin' },
      { ...file, bytes: randomBytes(MAX) },
    ]);
    assert.equal((await postForm('pkg_000000000000000000000000', big)).status, 404);
    const fin = await call(s.app, 'POST', `${base}/packages/${id}/finalize`, { token: w });
    assert.equal(fin.status, 200, fin.text);
    const late = await postForm(id, big);
    assert.equal(late.status, 409, late.text);
    assert.deepEqual(stored(), before);
  });

  it('answers every mangled form with 4xx or a file whose bytes are what it reports, never 5xx', async () => {
    const id = await create();
    const valid = form(
      [
        { name: 'path', value: 'f.bin' },
        { name: 'file', file: 'f.bin', bytes: randomBytes(300) },
      ],
      'bnd',
    );
    const seen = new Set<number>();
    for (let i = 0; i < 150; i++) {
      const body = Buffer.from(valid.body);
      const cut = i % 3 === 0 ? Math.floor(Math.random() * body.length) : body.length;
      for (let k = 0; k < 1 + (i % 4); k++)
        body[Math.floor(Math.random() * body.length)] = Math.floor(Math.random() * 256);
      const a = await call(s.app, 'POST', `${base}/packages/${id}/files?path=m${i}.bin`, {
        token: w,
        body: body.subarray(0, cut),
        type: valid.type,
      });
      seen.add(a.status);
      assert.ok(a.status < 500, `mangled form ${i}: ${a.status} ${a.text}`);
      if (a.status === 201)
        assert.equal(
          sha(await download(a.json.file.id)),
          a.json.file.sha256,
          'a stored file is what it says',
        );
    }
    assert.ok(
      [...seen].some((x) => x >= 400),
      `some were refused: ${[...seen]}`,
    );
  });

  it('stores nothing when the client breaks off in the middle of a form', async () => {
    const id = await create();
    const before = stored();
    const address = await s.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    const f = form([
      { name: 'path', value: 'cut.bin' },
      { name: 'file', file: 'cut.bin', bytes: randomBytes(40_000) },
    ]);
    await new Promise<void>((resolve, reject) => {
      const sock = connect(Number(port), '127.0.0.1', () => {
        sock.write(
          `POST ${base}/packages/${id}/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${w}\r\n` +
            `Content-Type: ${f.type}\r\nContent-Length: ${f.body.length}\r\n\r\n`,
        );
        sock.write(f.body.subarray(0, 25_000), () => setTimeout(() => sock.destroy(), 200));
      });
      sock.on('close', () => resolve());
      sock.on('error', reject);
    });
    // The server notices and gives up on the upload; nothing may remain.
    for (let i = 0; i < 50 && (await files(id)).length === 0 && stored().length !== before.length; i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await files(id), []);
    assert.deepEqual(stored(), before);
    const ok = await postForm(
      id,
      form([{ name: 'file', file: 'after.txt', bytes: Buffer.from('still serving') }]),
    );
    assert.equal(ok.status, 201, ok.text);
  });

  it('takes a file in parts, resumes where it stopped, and completes it', async () => {
    const id = await create();
    const bytes = randomBytes(30_000);
    const start = await call(s.app, 'POST', `${base}/packages/${id}/uploads`, {
      token: w,
      json: { path: 'big/dump.bin', size: bytes.length, sha256: sha(bytes), mediaType: 'application/x-dump' },
    });
    assert.equal(start.status, 201, start.text);
    const up = start.json.upload.id as string;
    assert.equal(start.json.upload.received, 0);
    const put = (offset: number, part: Uint8Array, q = '') =>
      call(s.app, 'PUT', `${base}/uploads/${up}?offset=${offset}${q}`, {
        token: w,
        body: part,
        type: 'application/octet-stream',
      });
    let a = await put(0, bytes.subarray(0, 10_000));
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.upload.received, 10_000);
    // A resend of the first part (the answer was lost): 409, and where to go on.
    a = await put(0, bytes.subarray(0, 10_000));
    assert.equal(a.status, 409, a.text);
    assert.match(a.json.error.message, /offset 10000/);
    // A part damaged on the way, with its digest declared: 422, not counted.
    const bad = Buffer.from(bytes.subarray(10_000, 20_000));
    bad[0]! ^= 0xff;
    a = await put(10_000, bad, `&sha256=${sha(bytes.subarray(10_000, 20_000))}`);
    assert.equal(a.status, 422, a.text);
    const st = await call(s.app, 'GET', `${base}/uploads/${up}`, { token: w });
    assert.equal(st.status, 200, st.text);
    assert.equal(st.json.upload.received, 10_000, 'where to resume');
    a = await put(10_000, bytes.subarray(10_000, 20_000), `&sha256=${sha(bytes.subarray(10_000, 20_000))}`);
    assert.equal(a.status, 200, a.text);
    const early = await call(s.app, 'POST', `${base}/uploads/${up}/complete`, { token: w });
    assert.equal(early.status, 409, early.text);
    a = await put(20_000, bytes.subarray(20_000));
    assert.equal(a.json.upload.received, 30_000);
    const done = await call(s.app, 'POST', `${base}/uploads/${up}/complete`, { token: w });
    assert.equal(done.status, 201, done.text);
    assert.equal(done.json.file.sha256, sha(bytes));
    assert.equal(done.json.file.path, 'big/dump.bin');
    assert.equal(sha(await download(done.json.file.id)), sha(bytes));
    const again = await call(s.app, 'POST', `${base}/uploads/${up}/complete`, { token: w });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.json.file.id, done.json.file.id, 'completing twice adds the file once');
    assert.equal((await files(id)).length, 1);
    assert.ok(!stored().some((f) => f.includes('/uploads/')), 'the parts are deleted');
  });

  it('refuses a resumable upload whose bytes do not match, and other bad requests, storing nothing', async () => {
    const id = await create();
    const before = stored();
    const bytes = randomBytes(8000);
    const start = (json: Record<string, unknown>) =>
      call(s.app, 'POST', `${base}/packages/${id}/uploads`, { token: w, json });
    assert.equal((await start({ path: 'a.bin', size: 8000 })).status, 400, 'sha256 is required');
    assert.equal((await start({ path: 'a.bin', sha256: sha(bytes) })).status, 400, 'size is required');
    assert.equal((await start({ path: '../a.bin', size: 8000, sha256: sha(bytes) })).status, 400);
    assert.equal((await start({ path: 'a.bin', size: MAX + 1, sha256: sha(bytes) })).status, 413);
    assert.equal((await start({ path: 'a.bin', size: -5, sha256: sha(bytes) })).status, 400);
    assert.equal((await start({ path: 'a.bin', size: 1.5, sha256: sha(bytes) })).status, 400);
    const r = await start({ path: 'a.bin', size: 8000, sha256: sha(randomBytes(8)) });
    assert.equal(r.status, 201, r.text);
    const up = r.json.upload.id as string;
    const put = (offset: string, body: Uint8Array, token = w, tenant = 'acme') =>
      call(s.app, 'PUT', `/v1/artifacts/${tenant}/uploads/${up}?offset=${offset}`, {
        token,
        body,
        type: 'application/octet-stream',
      });
    assert.equal((await put('-1', bytes)).status, 400);
    assert.equal((await put('1e3', bytes)).status, 400);
    assert.equal((await put('0', randomBytes(8001))).status, 413, 'a part past the declared size');
    assert.equal((await put('0', bytes, acme.tokens.reader!)).status, 403, 'a reader cannot upload');
    const foreign = await put('0', bytes, globex.tokens.writer!, 'globex');
    assert.equal(foreign.status, 404, `another tenant's upload: ${foreign.text}`);
    assert.equal((await put('0', bytes)).status, 200);
    const c = await call(s.app, 'POST', `${base}/uploads/${up}/complete`, { token: w });
    assert.equal(c.status, 422, c.text);
    assert.match(c.json.error.message, /do not hash to the declared sha256/);
    assert.equal(
      (await call(s.app, 'GET', `${base}/uploads/${up}`, { token: w })).json.upload.state,
      'failed',
    );
    assert.equal((await put('8000', bytes)).status, 409, 'a failed upload takes no more parts');
    // Abort: parts deleted, no more parts.
    const r2 = await start({ path: 'b.bin', size: 8000, sha256: sha(bytes) });
    const up2 = r2.json.upload.id as string;
    await call(s.app, 'PUT', `${base}/uploads/${up2}?offset=0`, {
      token: w,
      body: bytes.subarray(0, 100),
      type: 'application/octet-stream',
    });
    const del = await call(s.app, 'DELETE', `${base}/uploads/${up2}`, { token: w });
    assert.equal(del.status, 200, del.text);
    assert.equal(del.json.upload.state, 'aborted');
    assert.equal((await call(s.app, 'GET', `${base}/uploads/upl_nope`, { token: w })).status, 404);
    assert.deepEqual(await files(id), []);
    assert.deepEqual(stored(), before, 'no blob, no part left');
  });
});
