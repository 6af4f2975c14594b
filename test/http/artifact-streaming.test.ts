/**
 * Uploads stream: the blob store receives a file's first bytes while the
 * client is still holding back the rest. A route (or the form parser) that
 * gathered the whole body before storing it would never let the blob store
 * see a byte here, and the test fails. Over real sockets: raw POST, raw PUT,
 * a multipart form, and a resumable part.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { BlobSource, BlobStore } from '../../src/storage/blob-store.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { call, makeTenant, openStack, type Stack } from '../helpers/http.js';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** `inner`, counting the bytes its puts have received so far. */
function counting(inner: BlobStore): BlobStore & { received: number } {
  const state = { received: 0 };
  const put: BlobStore['put'] = (key, source: BlobSource, options) =>
    inner.put(
      key,
      Readable.from(
        (async function* () {
          for await (const chunk of source as AsyncIterable<Uint8Array>) {
            state.received += chunk.length;
            yield chunk;
          }
        })(),
        { objectMode: false },
      ),
      options,
    );
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'put') return put;
      if (prop === 'received') return state.received;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as BlobStore & { received: number };
}

describe('artifact uploads stream to the blob store', () => {
  let s: Stack;
  let blobs: ReturnType<typeof counting>;
  let dir = '';
  let port = 0;
  let w = '';
  const base = '/v1/artifacts/acme';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vellum-streaming-'));
    blobs = counting(new FsBlobStore(join(dir, 'blobs')));
    s = await openStack({ blobs });
    w = (await makeTenant(s, 'acme', 0)).tokens.writer!;
    port = Number(new URL(await s.app.listen({ port: 0, host: '127.0.0.1' })).port);
  });
  after(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = async () => {
    const a = await call(s.app, 'POST', `${base}/packages`, {
      token: w,
      json: { name: 'run', producer: 'ci', subject: 'stream', retentionClass: 'raw-evidence' },
    });
    assert.equal(a.status, 201, a.text);
    return a.json.package.id as string;
  };

  /**
   * Sends `head`, then `first`; waits until the blob store has received
   * bytes of this request; then sends `rest` and resolves with the answer.
   */
  async function sendInTwo(
    head: string,
    first: Buffer,
    rest: Buffer,
  ): Promise<{ status: number; body: string }> {
    const sock: Socket = connect(port, '127.0.0.1');
    let text = '';
    sock.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    try {
      const before = blobs.received;
      sock.write(head);
      sock.write(first);
      for (let i = 0; i < 400 && blobs.received === before; i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(
        blobs.received > before,
        `the blob store saw no byte of the first ${first.length} while the rest was held back: ${text.slice(0, 300)}`,
      );
      assert.equal(text, '', 'no answer before the body is complete');
      sock.write(rest);
      for (let i = 0; i < 400 && !/\r\n\r\n\{.*\}$/s.test(text); i++)
        await new Promise((r) => setTimeout(r, 25));
      const m = /^HTTP\/1\.1 (\d{3}).*?\r\n\r\n(.*)$/s.exec(text);
      assert.ok(m, `an answer: ${text.slice(0, 300)}`);
      return { status: Number(m[1]), body: m[2]! };
    } finally {
      sock.destroy();
    }
  }

  const file = randomBytes(16 * MiB);
  const first = file.subarray(0, 4 * MiB);
  const rest = file.subarray(4 * MiB);
  const headers = (method: string, path: string, length: number, type = 'application/octet-stream') =>
    `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${w}\r\n` +
    `Content-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;

  for (const declared of [true, false])
    it(`raw POST, digest ${declared ? 'declared' : 'not declared'}`, async () => {
      const id = await create();
      const q = `path=raw.bin${declared ? `&sha256=${sha(file)}` : ''}`;
      const r = await sendInTwo(
        headers('POST', `${base}/packages/${id}/files?${q}`, file.length),
        first,
        rest,
      );
      assert.equal(r.status, 201, r.body);
      assert.equal(JSON.parse(r.body).file.sha256, sha(file));
    });

  it('raw PUT with the path in the URL', async () => {
    const id = await create();
    const r = await sendInTwo(
      headers('PUT', `${base}/packages/${id}/files/put.bin`, file.length),
      first,
      rest,
    );
    assert.equal(r.status, 201, r.body);
    assert.equal(JSON.parse(r.body).file.sha256, sha(file));
  });

  it('multipart form', async () => {
    const id = await create();
    const b = `----vellum${randomBytes(8).toString('hex')}`;
    const pre = Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="path"\r\n\r\nform.bin\r\n` +
        `--${b}\r\nContent-Disposition: form-data; name="file"; filename="form.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const post = Buffer.from(`\r\n--${b}--\r\n`);
    const length = pre.length + file.length + post.length;
    const r = await sendInTwo(
      headers('POST', `${base}/packages/${id}/files`, length, `multipart/form-data; boundary=${b}`),
      Buffer.concat([pre, first]),
      Buffer.concat([rest, post]),
    );
    assert.equal(r.status, 201, r.body);
    assert.equal(JSON.parse(r.body).file.sha256, sha(file));
  });

  it('resumable part', async () => {
    const id = await create();
    const start = await call(s.app, 'POST', `${base}/packages/${id}/uploads`, {
      token: w,
      json: { path: 'part.bin', size: file.length, sha256: sha(file) },
    });
    assert.equal(start.status, 201, start.text);
    const up = start.json.upload.id as string;
    const r = await sendInTwo(headers('PUT', `${base}/uploads/${up}?offset=0`, file.length), first, rest);
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).upload.received, file.length);
  });
});
