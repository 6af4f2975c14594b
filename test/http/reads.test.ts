/**
 * The read sub-ledger: every read of tenant data by a key of the tenant
 * appends one canonical JSON event to the tenant's `reads` log, durably,
 * before the answer; a read that cannot be recorded fails with 503 and
 * hands out nothing. Writes, anonymous reads of public logs and reads by
 * other tenants' keys of public logs are not recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { canonicalize } from '../../src/domain/canonical-json.js';
import { BACKENDS, call, makeTenant, openStack, type Stack, type TenantFixture } from '../helpers/http.js';

for (const backend of BACKENDS) {
  const skip = await backend.skip();
  describe(`the reads log (${backend.name})`, { skip }, () => {
    let drop: (() => Promise<void>) | undefined;
    let s: Stack;
    let acme: TenantFixture;
    let globex: TenantFixture;

    before(async () => {
      const db = await backend.open();
      drop = db.drop;
      s = await openStack(db.options);
      acme = await makeTenant(s, 'acme', 3);
      globex = await makeTenant(s, 'globex', 0);
      await call(s.app, 'POST', '/v1/logs/acme', {
        token: acme.tokens['tenant-admin'],
        json: { name: 'feed', public: true },
      });
      await call(s.app, 'POST', '/v1/logs/acme/feed/entries?wait=published', {
        token: acme.tokens.writer,
        json: { entries: [{ text: 'hi' }] },
      });
    });
    after(async () => {
      await s?.close();
      await drop?.();
    });

    /**
     * Every event of acme's reads log once it holds `count` (committed events
     * are published right after their round), parsed, each checked to be
     * canonical JSON.
     */
    async function events(count: number): Promise<Record<string, unknown>[]> {
      const log = await s.registry.get('acme', 'reads');
      if (count > 0) await log.published(count - 1);
      const out: Record<string, unknown>[] = [];
      for await (const { entry } of log.readSince(0, log.head().size)) {
        const text = new TextDecoder().decode(entry);
        assert.equal(canonicalize(JSON.parse(text)), text, 'a read event is canonical JSON');
        out.push(JSON.parse(text));
      }
      return out;
    }

    /** Events recorded so far: the tests count the reads they make by a key of acme. */
    let recorded = 0;
    async function count(): Promise<number> {
      return recorded;
    }

    const READS: [string, string, Record<string, unknown>, string | null][] = [
      ['GET', '/v1/logs/acme', {}, null],
      ['GET', '/v1/logs/acme/data', {}, 'data'],
      ['GET', '/v1/logs/acme/data/entries?start=1&limit=2', { start: 1, limit: 2 }, 'data'],
      ['GET', '/v1/logs/acme/data/entries/2', { index: 2 }, 'data'],
      ['GET', '/v1/logs/acme/data/proofs/consistency?from=1', { from: 1, to: 3 }, 'data'],
      ['GET', '/logs/acme/data/checkpoint', { path: 'checkpoint' }, 'data'],
      ['GET', '/logs/acme/data/tile/0/000.p/3', { path: 'tile/0/000.p/3' }, 'data'],
      ['GET', '/logs/acme/data/tile/entries/000.p/3', { path: 'tile/entries/000.p/3' }, 'data'],
    ];

    it('records every read, with who, what, when and from where, before answering', async () => {
      for (const [method, url, params, logName] of READS) {
        const n = await count();
        const a = await call(s.app, method, url, { token: acme.tokens.reader });
        assert.equal(a.status, 200, `${url}: ${a.text}`);
        const all = await events(n + 1);
        recorded = n + 1;
        assert.equal(all.length, n + 1, `${url}: one event`);
        const e = all.at(-1)!;
        assert.deepEqual(
          { ...e, at: undefined },
          {
            type: 'read',
            v: 1,
            key: acme.ids.reader,
            role: 'reader',
            what: { route: `${method} ${routeOf(url)}`, tenant: 'acme', log: logName, params },
            at: undefined,
            from: '127.0.0.1',
          },
          url,
        );
        assert.match(e.at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.ok(Math.abs(Date.parse(e.at as string) - Date.now()) < 10_000);
      }
    });

    it('records reads of the reads log itself, by auditors', async () => {
      const n = await count();
      const a = await call(s.app, 'GET', '/v1/logs/acme/reads/entries?limit=1000', {
        token: acme.tokens.auditor,
      });
      assert.equal(a.status, 200);
      assert.equal(a.json.entries.length, n, 'the page was cut before its own read event was published');
      const all = await events(n + 1);
      recorded = n + 1;
      assert.equal(all.length, n + 1);
      assert.equal((all.at(-1) as { role: string }).role, 'auditor');
    });

    it('records nothing for writes, refusals, errors, anonymous public reads and other tenants on public logs', async () => {
      const n = await count();
      const quiet: [string, string, string | undefined, unknown?][] = [
        ['POST', '/v1/logs/acme/data/entries', acme.tokens.writer, { entries: [{ text: 'w' }] }],
        ['GET', '/v1/logs/acme/data/entries/0', acme.tokens.writer],
        ['GET', '/v1/logs/acme/data/entries/0', undefined],
        ['GET', '/v1/logs/acme/data/entries/0', globex.tokens.reader],
        ['GET', '/v1/logs/acme/data/entries/999', acme.tokens.reader],
        ['GET', '/v1/logs/acme/nope/entries/0', acme.tokens.reader],
        ['GET', '/logs/acme/feed/checkpoint', undefined],
        ['GET', '/logs/acme/feed/tile/0/000.p/1', undefined],
        ['GET', '/logs/acme/feed/tile/entries/000.p/1', globex.tokens.reader],
        ['GET', '/v1/tenants', s.adminToken],
        ['GET', '/healthz', undefined],
      ];
      for (const [method, url, token, json] of quiet) {
        await call(s.app, method, url, { ...(token ? { token } : {}), ...(json ? { json } : {}) });
      }
      // A key of the tenant reading its public log is recorded, and is the only event since.
      const a = await call(s.app, 'GET', '/logs/acme/feed/checkpoint', { token: acme.tokens.approver });
      assert.equal(a.status, 200);
      const all = await events(n + 1);
      recorded = n + 1;
      assert.equal(all.length, n + 1);
      assert.deepEqual((all.at(-1) as { what: unknown }).what, {
        route: 'GET /logs/:tenant/:log/checkpoint',
        tenant: 'acme',
        log: 'feed',
        params: { path: 'checkpoint' },
      });
    });

    it('fails closed: when the read cannot be recorded, the read fails with 503 and gives nothing', async () => {
      s.faults.add('acme/reads');
      try {
        for (const [method, url] of READS) {
          const a = await call(s.app, method, url, { token: acme.tokens.reader });
          assert.equal(a.status, 503, `${url}: ${a.text}`);
          assert.equal(a.headers['retry-after'], '1');
          assert.deepEqual(Object.keys(a.json), ['error']);
          assert.equal(a.json.error.code, 'unavailable');
          assert.ok(!a.text.includes('acme entry'), 'no data in the answer');
        }
        // Writes do not depend on the reads log.
        const w = await call(s.app, 'POST', '/v1/logs/acme/data/entries', {
          token: acme.tokens.writer,
          json: { entries: [{ text: 'still' }] },
        });
        assert.equal(w.status, 201);
      } finally {
        s.faults.delete('acme/reads');
      }
      const ok = await call(s.app, 'GET', '/v1/logs/acme/data/entries/0', { token: acme.tokens.reader });
      assert.equal(ok.status, 200, 'recovers once the reads log can be written again');
      assert.equal(Buffer.from(ok.json.base64, 'base64').toString(), 'acme entry 0');
    });
  });
}

/** The route template a URL of READS matched. */
function routeOf(url: string): string {
  const path = new URL(url, 'http://x').pathname;
  const rules: [RegExp, string][] = [
    [/^\/v1\/logs\/acme$/, '/v1/logs/:tenant'],
    [/^\/v1\/logs\/acme\/data$/, '/v1/logs/:tenant/:log'],
    [/^\/v1\/logs\/acme\/data\/entries$/, '/v1/logs/:tenant/:log/entries'],
    [/^\/v1\/logs\/acme\/data\/entries\/\d+$/, '/v1/logs/:tenant/:log/entries/:index'],
    [/^\/v1\/logs\/acme\/data\/proofs\/consistency$/, '/v1/logs/:tenant/:log/proofs/consistency'],
    [/^\/logs\/acme\/data\/checkpoint$/, '/logs/:tenant/:log/checkpoint'],
    [/^\/logs\/acme\/data\/tile\/.*$/, '/logs/:tenant/:log/tile/*'],
  ];
  return rules.find(([re]) => re.test(path))![1];
}
