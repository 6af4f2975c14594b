/**
 * The whole flow over HTTP, on SQLite and on PostgreSQL (when reachable):
 * bootstrap admin → tenant → a key per role → logs → appends in the three
 * body formats with both waits → entries, proofs, receipts, consistency
 * (all verified locally with src/tlog) → tiles and checkpoint (headers,
 * gzip bundles) → a public log read without a key → revocation.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { decodeBase64, encodeBase64 } from '../../src/tlog/base64.js';
import { decodeBundle, encodeBundle } from '../../src/tlog/bundle.js';
import { openCheckpoint } from '../../src/tlog/checkpoint.js';
import { leafHash } from '../../src/tlog/hash.js';
import { generateKey, parseVerifierKey, type Verifier } from '../../src/tlog/note.js';
import { checkConsistency, checkInclusion } from '../../src/tlog/proof.js';
import { parseReceipt, verifyReceipt } from '../../src/tlog/receipt.js';
import { type Answer, BACKENDS, call, openStack, type Stack } from '../helpers/http.js';

const enc = (s: string) => new TextEncoder().encode(s);
const b64 = (s: string) => decodeBase64(s, 'bad-bundle');

function expect(a: Answer, status: number, what: string): Answer {
  assert.equal(a.status, status, `${what}: ${a.status} ${a.text.slice(0, 500)}`);
  return a;
}

for (const backend of BACKENDS) {
  describe(`the HTTP API end to end (${backend.name})`, async () => {
    const reason = await backend.skip();
    let s: Stack;
    let drop: (() => Promise<void>) | undefined;
    const tokens: Record<string, string> = {};
    const ids: Record<string, string> = {};
    let vkey: Verifier;
    let origin: string;
    /** What the log `events` holds, in order. */
    const appended: Uint8Array[] = [];
    /** Checkpoints seen, by size. */
    const checkpoints = new Map<number, string>();

    before(async () => {
      if (reason) return;
      const db = await backend.open();
      drop = db.drop;
      s = await openStack(db.options);
    });
    after(async () => {
      await s?.close();
      await drop?.();
    });

    const req = (method: string, url: string, c: Parameters<typeof call>[3] = {}) =>
      call(s.app, method, url, c);

    it('creates a tenant with its four logs (platform-admin)', { skip: reason }, async () => {
      const t = expect(
        await req('POST', '/v1/tenants', { token: s.adminToken, json: { name: 'acme' } }),
        201,
        'tenant',
      );
      assert.equal(t.json.name, 'acme');
      assert.deepEqual(
        t.json.logs.map((l: { log: string }) => l.log),
        ['records', 'audit', 'reads', 'operations'],
      );
      for (const l of t.json.logs) {
        assert.equal(l.origin, `vellum.test/logs/acme/${l.log}`);
        assert.ok(parseVerifierKey(l.vkey));
        assert.equal(l.skey, undefined, 'the signer key never leaves the server');
      }
      const list = expect(await req('GET', '/v1/tenants', { token: s.adminToken }), 200, 'list');
      assert.deepEqual(
        list.json.tenants.map((x: { name: string }) => x.name),
        ['acme'],
      );
      expect(await req('POST', '/v1/tenants', { token: s.adminToken, json: { name: 'acme' } }), 409, 'again');
    });

    it('makes keys: the first tenant-admin by the platform admin, the rest by the tenant admin', {
      skip: reason,
    }, async () => {
      const admin = expect(
        await req('POST', '/v1/tenants/acme/keys', {
          token: s.adminToken,
          json: { role: 'tenant-admin', name: 'root' },
        }),
        201,
        'tenant-admin',
      );
      assert.match(admin.json.token, /^vk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      assert.equal(admin.json.token.slice(3, 19), admin.json.id);
      tokens['tenant-admin'] = admin.json.token;
      for (const role of ['writer', 'reader', 'auditor', 'approver']) {
        const k = expect(
          await req('POST', '/v1/tenants/acme/keys', {
            token: tokens['tenant-admin'],
            json: { role, name: `${role} key` },
          }),
          201,
          role,
        );
        assert.equal(k.json.role, role);
        assert.equal(k.json.tenant, 'acme');
        assert.equal(k.json.revokedAt, null);
        tokens[role] = k.json.token;
        ids[role] = k.json.id;
      }
      const list = expect(
        await req('GET', '/v1/tenants/acme/keys', { token: tokens['tenant-admin'] }),
        200,
        'list',
      );
      assert.equal(list.json.keys.length, 5);
      for (const k of list.json.keys) {
        assert.equal(k.token, undefined);
        assert.equal(k.secretHash, undefined);
      }
    });

    it('creates logs: private, public, and with the tenant its own signer key', {
      skip: reason,
    }, async () => {
      const events = expect(
        await req('POST', '/v1/logs/acme', { token: tokens['tenant-admin'], json: { name: 'events' } }),
        201,
        'events',
      );
      vkey = parseVerifierKey(events.json.vkey);
      origin = events.json.origin;
      assert.equal(origin, 'vellum.test/logs/acme/events');
      assert.equal(events.json.public, false);
      const pub = expect(
        await req('POST', '/v1/logs/acme', {
          token: tokens['tenant-admin'],
          json: { name: 'feed', public: true },
        }),
        201,
        'feed',
      );
      assert.equal(pub.json.public, true);
      const own = generateKey('acme.example/own-log', new Uint8Array(randomBytes(32)));
      const byok = expect(
        await req('POST', '/v1/logs/acme', {
          token: tokens['tenant-admin'],
          json: { name: 'byok', skey: own.skey },
        }),
        201,
        'byok',
      );
      assert.equal(byok.json.vkey, own.vkey);
      assert.equal(byok.json.origin, 'acme.example/own-log');
      for (const name of ['vellum.test/logs/globex/data', 'vellum.test/logs/acme/events']) {
        const impostor = generateKey(name, new Uint8Array(randomBytes(32)));
        const a = expect(
          await req('POST', '/v1/logs/acme', {
            token: tokens['tenant-admin'],
            json: { name: 'mine', skey: impostor.skey },
          }),
          400,
          `own key named ${name}`,
        );
        assert.match(a.json.error.message, /this server's log origins/);
      }
      const same = generateKey('vellum.test/logs/acme/mine', new Uint8Array(randomBytes(32)));
      expect(
        await req('POST', '/v1/logs/acme', {
          token: tokens['tenant-admin'],
          json: { name: 'mine', skey: same.skey },
        }),
        201,
        'own key with the default origin',
      );
      expect(
        await req('POST', '/v1/logs/acme', {
          token: tokens['tenant-admin'],
          json: { name: 'bad', skey: 'PRIVATE+KEY+nope' },
        }),
        400,
        'bad skey',
      );
      expect(
        await req('POST', '/v1/logs/acme', { token: tokens['tenant-admin'], json: { name: 'events' } }),
        409,
        'exists',
      );
      const list = expect(await req('GET', '/v1/logs/acme', { token: tokens.reader }), 200, 'list');
      assert.deepEqual(
        list.json.logs.map((l: { log: string }) => l.log),
        ['audit', 'byok', 'events', 'feed', 'mine', 'operations', 'reads', 'records'],
      );
      const info = expect(await req('GET', '/v1/logs/acme/events', { token: tokens.auditor }), 200, 'info');
      assert.equal(info.json.size, 0);
      assert.equal(info.json.vkey, events.json.vkey);
    });

    it('appends one raw entry (octet-stream, wait=durable)', { skip: reason }, async () => {
      const e = enc('first entry\n');
      const a = expect(
        await req('POST', '/v1/logs/acme/events/entries', {
          token: tokens.writer,
          body: e,
          type: 'application/octet-stream',
        }),
        201,
        'append',
      );
      assert.deepEqual(a.json, { entries: [{ index: 0 }] });
      appended.push(e);
    });

    it('appends a C2SP entry bundle and waits for the checkpoint: receipts verify', {
      skip: reason,
    }, async () => {
      const batch = [enc('b1'), new Uint8Array(0), new Uint8Array(65535).fill(7)];
      const a = expect(
        await req('POST', '/v1/logs/acme/events/entries?wait=published', {
          token: tokens.writer,
          body: encodeBundle(batch),
          type: 'application/vnd.vellum.entry-bundle',
        }),
        201,
        'append bundle',
      );
      assert.deepEqual(
        a.json.entries.map((x: { index: number }) => x.index),
        [1, 2, 3],
      );
      const cp = openCheckpoint(a.json.checkpoint, [vkey], origin).checkpoint;
      assert.ok(cp.size >= 4);
      assert.equal(a.json.size, cp.size);
      checkpoints.set(cp.size, a.json.checkpoint);
      batch.forEach((entry, i) => {
        const r = parseReceipt(a.json.entries[i].receipt);
        assert.equal(r.index, i + 1);
        assert.equal(r.checkpoint, a.json.checkpoint);
        verifyReceipt(r, { logKey: vkey, origin, entry });
        assert.throws(() => verifyReceipt(r, { logKey: vkey, origin, entry: enc('not it') }));
      });
      appended.push(...batch);
    });

    it('appends JSON entries (base64 and text), both waits', { skip: reason }, async () => {
      const durable = expect(
        await req('POST', '/v1/logs/acme/events/entries', {
          token: tokens.writer,
          json: { entries: [{ base64: encodeBase64(enc('via base64')) }, { text: 'via text é' }] },
        }),
        201,
        'json durable',
      );
      assert.deepEqual(durable.json, { entries: [{ index: 4 }, { index: 5 }] });
      appended.push(enc('via base64'), enc('via text é'));
      const published = expect(
        await req('POST', '/v1/logs/acme/events/entries?wait=published', {
          token: tokens['tenant-admin'],
          json: { entries: [{ text: 'admin says hi' }] },
        }),
        201,
        'json published',
      );
      assert.equal(published.json.entries[0].index, 6);
      verifyReceipt(parseReceipt(published.json.entries[0].receipt), {
        logKey: vkey,
        entry: enc('admin says hi'),
      });
      appended.push(enc('admin says hi'));
      checkpoints.set(published.json.size, published.json.checkpoint);
    });

    it('appends enough for full tiles (300 entries in one bundle)', { skip: reason }, async () => {
      const batch = Array.from({ length: 300 }, (_, i) => enc(`bulk ${i}`));
      const a = expect(
        await req('POST', '/v1/logs/acme/events/entries?wait=published', {
          token: tokens.writer,
          body: encodeBundle(batch),
          type: 'application/vnd.vellum.entry-bundle',
        }),
        201,
        'bulk',
      );
      assert.equal(a.json.entries.length, 300);
      assert.equal(a.json.size, 307);
      checkpoints.set(307, a.json.checkpoint);
      appended.push(...batch);
    });

    it('reads every entry back in pages (streamed JSON, next cursor)', { skip: reason }, async () => {
      const got: Uint8Array[] = [];
      let start: number | null = 0;
      let pages = 0;
      while (start !== null) {
        const p = expect(
          await req('GET', `/v1/logs/acme/events/entries?start=${start}&limit=100`, { token: tokens.reader }),
          200,
          'page',
        );
        assert.match(String(p.headers['content-type']), /^application\/json/);
        assert.equal(p.json.start, start);
        p.json.entries.forEach((e: { index: number; base64: string }, i: number) => {
          assert.equal(e.index, start! + i);
          got.push(b64(e.base64));
        });
        start = p.json.next;
        pages++;
      }
      assert.equal(pages, 4);
      assert.deepEqual(got, appended);
      const end = expect(
        await req('GET', '/v1/logs/acme/events/entries?start=307', { token: tokens.reader }),
        200,
        'end',
      );
      assert.deepEqual(end.json, { size: 307, start: 307, next: null, entries: [] });
      const dflt = expect(
        await req('GET', '/v1/logs/acme/events/entries', { token: tokens.reader }),
        200,
        'default',
      );
      assert.equal(dflt.json.entries.length, 100);
      assert.equal(dflt.json.next, 100);
    });

    it('gives an entry with its inclusion proof, checkpoint and receipt, all verifying', {
      skip: reason,
    }, async () => {
      for (const index of [0, 3, 6, 255, 256, 306]) {
        const e = expect(
          await req('GET', `/v1/logs/acme/events/entries/${index}`, { token: tokens.auditor }),
          200,
          `entry ${index}`,
        );
        const entry = b64(e.json.base64);
        assert.deepEqual(entry, appended[index]);
        const cp = openCheckpoint(e.json.checkpoint, [vkey], origin).checkpoint;
        assert.equal(cp.size, e.json.size);
        checkInclusion(e.json.proof.map(b64), cp.size, cp.root, index, leafHash(entry));
        verifyReceipt(parseReceipt(e.json.receipt), { logKey: vkey, origin, entry });
      }
      expect(await req('GET', '/v1/logs/acme/events/entries/307', { token: tokens.reader }), 404, 'beyond');
    });

    it('proves consistency between checkpoints it signed', { skip: reason }, async () => {
      const sizes = [...checkpoints.keys()].sort((a, b) => a - b);
      assert.ok(sizes.length >= 3);
      for (const from of [0, ...sizes]) {
        for (const to of sizes.filter((x) => x >= from)) {
          const c = expect(
            await req('GET', `/v1/logs/acme/events/proofs/consistency?from=${from}&to=${to}`, {
              token: tokens.reader,
            }),
            200,
            `${from}..${to}`,
          );
          const oldRoot =
            from === 0 ? leafHashOfNothing() : openCheckpoint(checkpoints.get(from)!, [vkey]).checkpoint.root;
          const newRoot = openCheckpoint(checkpoints.get(to)!, [vkey]).checkpoint.root;
          checkConsistency(c.json.proof.map(b64), from, oldRoot, to, newRoot);
        }
      }
      const latest = expect(
        await req('GET', '/v1/logs/acme/events/proofs/consistency?from=4', { token: tokens.reader }),
        200,
        'to latest',
      );
      assert.equal(latest.json.to, 307);
      expect(
        await req('GET', '/v1/logs/acme/events/proofs/consistency?from=9&to=5', { token: tokens.reader }),
        400,
        'from > to',
      );
      expect(
        await req('GET', '/v1/logs/acme/events/proofs/consistency?from=1&to=308', { token: tokens.reader }),
        404,
        'to > size',
      );
    });

    it('serves the checkpoint and tiles of C2SP tlog-tiles with the right headers', {
      skip: reason,
    }, async () => {
      const cp = expect(
        await req('GET', '/logs/acme/events/checkpoint', { token: tokens.approver }),
        200,
        'checkpoint',
      );
      assert.equal(cp.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(cp.headers['cache-control'], 'private, no-cache');
      assert.equal(openCheckpoint(cp.text, [vkey], origin).checkpoint.size, 307);

      const full = expect(
        await req('GET', '/logs/acme/events/tile/0/000', { token: tokens.reader }),
        200,
        'tile',
      );
      assert.equal(full.headers['content-type'], 'application/octet-stream');
      assert.equal(full.headers['cache-control'], 'private, max-age=31536000, immutable');
      assert.equal(full.raw.length, 256 * 32);
      for (const i of [0, 100, 255])
        assert.deepEqual(new Uint8Array(full.raw.subarray(i * 32, i * 32 + 32)), leafHash(appended[i]!));
      const edge = expect(
        await req('GET', '/logs/acme/events/tile/0/001.p/51', { token: tokens.reader }),
        200,
        'edge',
      );
      assert.equal(edge.raw.length, 51 * 32);
      expect(await req('GET', '/logs/acme/events/tile/1/000.p/1', { token: tokens.reader }), 200, 'level 1');
      // A width no checkpoint had is the prefix of the full tile: the same data.
      const prefix = expect(
        await req('GET', '/logs/acme/events/tile/0/000.p/5', { token: tokens.reader }),
        200,
        'prefix',
      );
      assert.deepEqual(prefix.raw, full.raw.subarray(0, 5 * 32));

      const bundle = expect(
        await req('GET', '/logs/acme/events/tile/entries/000', { token: tokens.reader }),
        200,
        'bundle',
      );
      assert.equal(bundle.headers['content-encoding'], 'gzip');
      assert.equal(bundle.headers['content-type'], 'application/octet-stream');
      assert.deepEqual(unbundle(bundle.raw), appended.slice(0, 256));
      const again = expect(
        await req('GET', '/logs/acme/events/tile/entries/000', { token: tokens.auditor }),
        200,
        'bundle again',
      );
      assert.deepEqual(again.raw, bundle.raw);
      const edgeBundle = expect(
        await req('GET', '/logs/acme/events/tile/entries/001.p/51', { token: tokens.reader }),
        200,
        'edge bundle',
      );
      assert.deepEqual(unbundle(edgeBundle.raw), appended.slice(256));

      for (const beyond of [
        'tile/0/001',
        'tile/0/001.p/52',
        'tile/0/002.p/1',
        'tile/1/000',
        'tile/2/000.p/1',
        'tile/entries/001.p/52',
      ]) {
        expect(await req('GET', `/logs/acme/events/${beyond}`, { token: tokens.reader }), 404, beyond);
      }
    });

    it('serves a public log to anyone, and only its tiles and checkpoint', { skip: reason }, async () => {
      expect(
        await req('POST', '/v1/logs/acme/feed/entries?wait=published', {
          token: tokens.writer,
          json: { entries: [{ text: 'public news' }] },
        }),
        201,
        'append',
      );
      const cp = expect(await req('GET', '/logs/acme/feed/checkpoint'), 200, 'anonymous checkpoint');
      assert.equal(cp.headers['cache-control'], 'public, no-cache');
      const tile = expect(await req('GET', '/logs/acme/feed/tile/0/000.p/1'), 200, 'anonymous tile');
      assert.equal(tile.headers['cache-control'], 'public, max-age=31536000, immutable');
      const bundle = expect(
        await req('GET', '/logs/acme/feed/tile/entries/000.p/1'),
        200,
        'anonymous bundle',
      );
      assert.deepEqual(unbundle(bundle.raw), [enc('public news')]);
      expect(await req('GET', '/v1/logs/acme/feed/entries'), 401, 'JSON API needs a key');
      expect(await req('GET', '/v1/logs/acme/feed/entries/0'), 401, 'JSON API needs a key');
      expect(
        await req('POST', '/v1/logs/acme/feed/entries', { json: { entries: [{ text: 'x' }] } }),
        401,
        'append needs a key',
      );
      expect(await req('GET', '/logs/acme/events/checkpoint'), 401, 'private log');
      expect(await req('GET', '/logs/acme/nope/checkpoint'), 401, 'unknown log: no different answer');
    });

    it('refuses a revoked key at once', { skip: reason }, async () => {
      expect(await req('GET', '/v1/logs/acme/events/entries/0', { token: tokens.reader }), 200, 'before');
      const r = expect(
        await req('DELETE', `/v1/tenants/acme/keys/${ids.reader}`, { token: tokens['tenant-admin'] }),
        200,
        'revoke',
      );
      assert.ok(r.json.revokedAt);
      const denied = expect(
        await req('GET', '/v1/logs/acme/events/entries/0', { token: tokens.reader }),
        401,
        'after',
      );
      assert.equal(denied.json.error.code, 'unauthenticated');
      assert.equal(denied.headers['www-authenticate'], 'Bearer realm="vellum"');
      expect(
        await req('DELETE', `/v1/tenants/acme/keys/${ids.reader}`, { token: tokens['tenant-admin'] }),
        200,
        'again',
      );
      expect(
        await req('DELETE', '/v1/tenants/acme/keys/0123456789abcdef', { token: tokens['tenant-admin'] }),
        404,
        'unknown',
      );
    });

    it('is healthy and ready, and documents itself', { skip: reason }, async () => {
      assert.deepEqual((await req('GET', '/healthz')).json, { status: 'ok' });
      const ready = expect(await req('GET', '/readyz'), 200, 'ready');
      assert.equal(ready.json.status, 'ok');
      const doc = expect(await req('GET', '/openapi.json'), 200, 'openapi');
      assert.equal(doc.json.openapi, '3.1.0');
      const append = doc.json.paths['/v1/logs/{tenant}/{log}/entries'].post;
      assert.deepEqual(Object.keys(append.requestBody.content).sort(), [
        'application/json',
        'application/octet-stream',
        'application/vnd.vellum.entry-bundle',
      ]);
      assert.ok(doc.json.paths['/logs/{tenant}/{log}/checkpoint']);
      const docs = await req('GET', '/docs/');
      assert.equal(docs.status, 200);
      assert.match(docs.text, /swagger/i);
    });

    it('exports metrics to the platform admin', { skip: reason }, async () => {
      const m = expect(await req('GET', '/metrics', { token: s.adminToken }), 200, 'metrics');
      for (const name of [
        'vellum_entries_appended_total{tenant="acme",log="events"} 307',
        'vellum_batch_entries_count',
        'vellum_append_seconds_bucket',
        'vellum_pool_depth{tenant="acme",log="events"} 0',
        'vellum_checkpoint_age_seconds{tenant="acme",log="events"}',
        'vellum_http_requests_total{method="POST",route="/v1/logs/:tenant/:log/entries",status="201"}',
      ]) {
        assert.ok(m.text.includes(name), `metrics lack ${name}`);
      }
      expect(await req('GET', '/metrics', { token: tokens['tenant-admin'] }), 403, 'tenant admin');
    });
  });
}

function leafHashOfNothing(): Uint8Array {
  // The root of the empty tree: SHA-256 of nothing.
  return new Uint8Array(
    Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'),
  );
}

/** The entries of a gzipped entry bundle. */
function unbundle(gz: Buffer): Uint8Array[] {
  return decodeBundle(new Uint8Array(gunzipSync(gz))).map((e) => new Uint8Array(e));
}
