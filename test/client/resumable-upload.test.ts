/**
 * The SDK's resumable upload against a real listening server, with faults
 * put between them by the fetch it uses: an answer lost after the part
 * arrived, a part damaged on the way, a client that dies half way and a
 * second run that resumes. The file that lands must be the local file,
 * byte for byte, added once.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { uploadResumable, VellumClient } from '../../src/client/index.js';
import { makeTenant, openStack, type Stack } from '../helpers/http.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const PART = 64 * 1024;

describe('SDK resumable uploads', () => {
  let s: Stack;
  let url: string;
  let w: string;
  let r: string;
  before(async () => {
    s = await openStack({ artifacts: { limits: { maxFileBytes: 4 << 20 } } });
    url = await s.app.listen({ port: 0, host: '127.0.0.1' });
    const t = await makeTenant(s, 'acme', 0);
    w = t.tokens.writer!;
    r = t.tokens.reader!;
  });
  after(async () => {
    await s?.close();
  });

  const pkg = async (c: VellumClient) =>
    (
      await c.http.request<{ package: { id: string } }>('/v1/artifacts/acme/packages', {
        json: { name: 'n', producer: 'p', subject: 's', retentionClass: 'raw-evidence' },
      })
    ).package.id;
  const fileOf = (bytes: Uint8Array, name: string) => {
    const f = join(s.dir, name);
    writeFileSync(f, bytes);
    return f;
  };
  const downloaded = async (fileId: string) =>
    new Uint8Array(
      await new VellumClient({ url, token: r }).http.request<Uint8Array>(
        `/v1/artifacts/acme/files/${fileId}/download`,
        { raw: true },
      ),
    );
  /** PUT requests seen, as offsets. */
  const puts = (calls: { method: string; url: string }[]) =>
    calls.filter((c) => c.method === 'PUT').map((c) => Number(new URL(c.url).searchParams.get('offset')));

  it('goes on after a lost answer and a damaged part, and lands the exact file once', async () => {
    const bytes = randomBytes(5 * PART + 123);
    const calls: { method: string; url: string }[] = [];
    let n = 0;
    const faulty: typeof fetch = async (input, init) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, url: String(input) });
      if (method === 'PUT') {
        n++;
        if (n === 4) {
          // Damaged on the way: one byte flipped.
          const body = Buffer.from(init!.body as Uint8Array);
          body[7]! ^= 0x20;
          return fetch(input, { ...init, body });
        }
        if (n === 2) {
          // Arrives, but the answer is lost.
          await fetch(input, init);
          throw new TypeError('fetch failed: socket hang up');
        }
      }
      return fetch(input, init);
    };
    const c = new VellumClient({ url, token: w, fetch: faulty, backoffMs: 1 });
    const id = await pkg(c);
    const progress: number[] = [];
    const done = await uploadResumable(c, 'acme', id, {
      file: fileOf(bytes, 'a.bin'),
      path: 'dumps/a.bin',
      partSize: PART,
      onProgress: (x) => progress.push(x),
    });
    assert.equal(done.file.sha256, sha(bytes));
    assert.equal(done.file.size, bytes.length);
    assert.equal(sha(await downloaded(done.file.id)), sha(bytes));
    // Offsets sent: part 2 twice (lost answer → retried → 409 → status), part 3 twice (damaged → resent).
    assert.deepEqual(puts(calls), [0, PART, PART, 2 * PART, 2 * PART, 3 * PART, 4 * PART, 5 * PART]);
    assert.equal(progress.at(-1), bytes.length);
    const files = (
      await new VellumClient({ url, token: r }).http.request<{ files: unknown[] }>(
        `/v1/artifacts/acme/packages/${id}`,
      )
    ).files;
    assert.equal(files.length, 1);
  });

  it('resumes an upload a dead client left half done, sending only the rest', async () => {
    const bytes = randomBytes(4 * PART);
    const file = fileOf(bytes, 'b.bin');
    let sentParts = 0;
    const dying: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT' && ++sentParts > 2) throw new TypeError('fetch failed: network is down');
      return fetch(input, init);
    };
    const c1 = new VellumClient({ url, token: w, fetch: dying, maxAttempts: 1 });
    const id = await pkg(c1);
    let uploadId: string | undefined;
    await assert.rejects(
      uploadResumable(c1, 'acme', id, {
        file,
        path: 'b.bin',
        partSize: PART,
        onStart: (u) => {
          uploadId = u;
        },
      }),
      /network is down/,
    );
    assert.ok(uploadId);
    const calls: { method: string; url: string }[] = [];
    const watching: typeof fetch = async (input, init) => {
      calls.push({ method: init?.method ?? 'GET', url: String(input) });
      return fetch(input, init);
    };
    const c2 = new VellumClient({ url, token: w, fetch: watching });
    const done = await uploadResumable(c2, 'acme', id, { file, path: 'b.bin', partSize: PART, uploadId });
    assert.equal(done.uploadId, uploadId);
    assert.deepEqual(puts(calls), [2 * PART, 3 * PART], 'only the parts the server lacked');
    assert.equal(sha(await downloaded(done.file.id)), sha(bytes));
    // Resuming it as another file is refused before anything is sent.
    await assert.rejects(
      uploadResumable(c2, 'acme', id, { file: fileOf(randomBytes(10), 'c.bin'), path: 'c.bin', uploadId }),
      /another file/,
    );
  });
});
