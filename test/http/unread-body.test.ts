/**
 * A request answered before its body was read (a finalized package, no
 * token): the client gets the answer, a short rest of the body keeps the
 * connection usable, and a long one is not read to its end: once the answer
 * is out and the linger time has passed, the server closes the connection.
 * Over real sockets, since the behaviour is the connection's.
 */
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ArtifactClient } from '../../src/client/artifacts.js';
import { VellumApiError, VellumClient } from '../../src/client/index.js';
import { call, makeTenant, openStack, type Stack, type TenantFixture } from '../helpers/http.js';

const GiB = 1 << 30;

/** A socket to the server and everything it has sent, with whether the server closed it. */
function open(port: number): Promise<{ sock: Socket; got: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let text = '';
    sock.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    // A reset is how a socket may end that still had bytes on their way; either way it is closed.
    sock.on('error', () => {});
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.once('connect', () => resolve({ sock, got: () => text, closed }));
    sock.once('error', reject);
  });
}

/** `p`, or a failure if it has not settled within 30 s (a server that reads on would never close). */
async function closedWithin(p: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the server kept the connection open for 30 s')), 30_000);
  });
  try {
    await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(f: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (f()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('bodies left unread by the answer', () => {
  let s: Stack;
  let acme: TenantFixture;
  let port: number;
  let finalized: string;
  const base = '/v1/artifacts/acme';

  before(async () => {
    s = await openStack({ unreadBodyLingerMs: 200 });
    acme = await makeTenant(s, 'acme', 0);
    const created = await call(s.app, 'POST', `${base}/packages`, {
      token: acme.tokens.writer!,
      json: { name: 'run', producer: 'ci', subject: 'build', retentionClass: 'raw-evidence' },
    });
    assert.equal(created.status, 201, created.text);
    finalized = created.json.package.id as string;
    const fin = await call(s.app, 'POST', `${base}/packages/${finalized}/finalize`, {
      token: acme.tokens.writer!,
    });
    assert.equal(fin.status, 200, fin.text);
    port = Number(new URL(await s.app.listen({ port: 0, host: '127.0.0.1' })).port);
  });
  after(async () => {
    await s?.close();
  });

  const upload = (length: number, token?: string) =>
    `POST ${base}/packages/${finalized}/files?path=big.bin HTTP/1.1\r\nHost: x\r\n` +
    (token ? `Authorization: Bearer ${token}\r\n` : '') +
    `Content-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`;

  it('answers a refused 1 GiB upload and closes the connection instead of reading the rest', async (t) => {
    const c = await open(port);
    t.after(() => c.sock.destroy());
    c.sock.write(upload(GiB, acme.tokens.writer!));
    c.sock.write(Buffer.alloc(256 * 1024));
    // The client sends no more and keeps its side open: only the server can end this.
    await until(() => /\r\n\r\n\{.*\}$/s.test(c.got()), 'the answer');
    assert.match(c.got(), /^HTTP\/1\.1 409 /);
    assert.match(c.got(), /finalized/);
    await closedWithin(c.closed);
    const health = await call(s.app, 'GET', '/healthz');
    assert.equal(health.status, 200, 'the server goes on serving');
  });

  it('does the same for a request refused before the route (no token)', async (t) => {
    const c = await open(port);
    t.after(() => c.sock.destroy());
    c.sock.write(upload(GiB));
    c.sock.write(Buffer.alloc(64 * 1024));
    await until(() => /\r\n\r\n\{.*\}$/s.test(c.got()), 'the answer');
    assert.match(c.got(), /^HTTP\/1\.1 401 /);
    await closedWithin(c.closed);
  });

  it('keeps the connection open when the rest of the body arrives in time', async (t) => {
    const c = await open(port);
    t.after(() => c.sock.destroy());
    c.sock.write(upload(100_000, acme.tokens.writer!));
    c.sock.write(Buffer.alloc(100_000));
    await until(() => /\r\n\r\n\{.*\}$/s.test(c.got()), 'the answer');
    assert.match(c.got(), /^HTTP\/1\.1 409 /);
    // Past the linger time, the same connection takes the next request.
    await new Promise((r) => setTimeout(r, 400));
    c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => (c.got().match(/HTTP\/1\.1 /g) ?? []).length === 2, 'a second answer');
    assert.match(c.got(), /HTTP\/1\.1 200 /);
  });

  it("reports the server's answer to an SDK upload it cut short, not a network error", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vellum-unread-'));
    try {
      // A sparse 4 GiB file: far more than the client can send within the linger time.
      const file = join(dir, 'big.bin');
      const fd = openSync(file, 'w');
      ftruncateSync(fd, 4 * GiB);
      closeSync(fd);
      const client = new VellumClient({ url: `http://127.0.0.1:${port}`, token: acme.tokens.writer! });
      const err = await new ArtifactClient(client)
        .uploadFile('acme', finalized, { file, path: 'big.bin' })
        .then(
          () => assert.fail('the upload was taken'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof VellumApiError, String(err));
      assert.equal(err.status, 409, err.message);
      assert.match(err.message, /finalized/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
