/**
 * ArtifactClient.uploadFile streams the file: against a bare HTTP server
 * that hashes the body, the bytes arrive whole and in order, progress
 * counts them, and the client does not hold the file in memory meanwhile
 * (fetch tees a request body it may have to send again, and the unread
 * branch would keep every byte until the upload ends).
 */
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ArtifactClient } from '../../src/client/artifacts.js';
import { VellumApiError, VellumClient } from '../../src/client/index.js';

const MiB = 1 << 20;
const SIZE = 160 * MiB;

describe('ArtifactClient.uploadFile', () => {
  let dir: string;
  let file: string;
  let digest: string;
  let server: Server;
  let url: string;
  const seen: { path: string | null; sha256: string; bytes: number; length: string | undefined }[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vellum-upload-'));
    file = join(dir, 'big.bin');
    const h = createHash('sha256');
    const fd = openSync(file, 'w');
    const block = Buffer.alloc(8 * MiB);
    for (let done = 0; done < SIZE; done += block.length) {
      randomFillSync(block);
      h.update(block);
      writeSync(fd, block);
    }
    closeSync(fd);
    digest = h.digest('hex');
    server = createServer((req, res) => {
      const h = createHash('sha256');
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        h.update(c);
        bytes += c.length;
      });
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').searchParams.get('path');
        seen.push({ path, sha256: h.digest('hex'), bytes, length: req.headers['content-length'] });
        if (path === 'refused') {
          res.writeHead(409, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'conflict', message: 'no' } }));
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ file: { path, size: bytes }, deduplicated: false }));
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the whole file in order, counting progress, without holding it in memory', async () => {
    const art = new ArtifactClient(new VellumClient({ url, token: 'vk_test' }));
    const progress: number[] = [];
    let peak = 0;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 2);
    let r: { file: { size: number } };
    try {
      r = await art.uploadFile('t', 'pkg_1', { file, path: 'big.bin', onProgress: (n) => progress.push(n) });
    } finally {
      clearInterval(timer);
    }
    const got = seen.at(-1)!;
    assert.deepEqual(got, { path: 'big.bin', sha256: digest, bytes: SIZE, length: String(SIZE) });
    assert.equal(r.file.size, SIZE);
    assert.equal(progress.at(-1), SIZE);
    assert.ok(
      progress.every((n, i) => i === 0 || n > progress[i - 1]!),
      'progress only grows',
    );
    // Both ends run in this process: the server's receive buffers count too (V8
    // frees them in batches of tens of MiB). A teed body would hold all 160 MiB.
    assert.ok(peak < 96 * MiB, `array buffers peaked at ${(peak / MiB).toFixed(0)} MiB during the upload`);
  });

  it('answers an error status with the API error, and a missing file before any request', async () => {
    const art = new ArtifactClient(new VellumClient({ url, token: 'vk_test' }));
    await assert.rejects(
      art.uploadFile('t', 'pkg_1', { file, path: 'refused' }),
      (e) => e instanceof VellumApiError && e.status === 409 && e.code === 'conflict',
    );
    const before = seen.length;
    await assert.rejects(art.uploadFile('t', 'pkg_1', { file: join(dir, 'absent'), path: 'x' }), {
      code: 'ENOENT',
    });
    assert.equal(seen.length, before);
  });
});
