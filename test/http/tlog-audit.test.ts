/**
 * The tile API against the independent reference: a real listening server,
 * audited over HTTP by the Go tool tlog-audit (golang.org/x/mod/sumdb) with
 * a reader's Bearer token, and anonymously for a public log; and by
 * `vellum verify` the same way.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeBundle } from '../../src/tlog/bundle.js';
import { describeRun, run, vellum } from '../helpers/cli.js';
import { call, makeTenant, openStack, type Stack, type TenantFixture } from '../helpers/http.js';
import { toolOrSkip } from '../helpers/reference-tools.js';

describe('tlog-audit over HTTP', () => {
  let s: Stack;
  let t: TenantFixture;
  let base: string;
  const vkeys: Record<string, string> = {};

  before(async () => {
    s = await openStack();
    t = await makeTenant(s, 'acme', 0);
    await call(s.app, 'POST', '/v1/logs/acme', {
      token: t.tokens['tenant-admin'],
      json: { name: 'feed', public: true },
    });
    // 70,000 entries: full tiles at levels 0 and 1, partial tiles at levels 0, 1 and 2 (C2SP's example).
    for (const [log, size] of [
      ['data', 70_000],
      ['feed', 300],
    ] as const) {
      for (let start = 0; start < size; start += 10_000) {
        const n = Math.min(10_000, size - start);
        const batch = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`${log} ${start + i}\n`));
        const wait = start + n === size ? 'published' : 'durable';
        const a = await call(s.app, 'POST', `/v1/logs/acme/${log}/entries?wait=${wait}`, {
          token: t.tokens.writer,
          body: encodeBundle(batch),
          type: 'application/vnd.vellum.entry-bundle',
        });
        assert.equal(a.status, 201, a.text);
      }
      vkeys[log] = (await call(s.app, 'GET', `/v1/logs/acme/${log}`, { token: t.tokens.reader })).json.vkey;
    }
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  });
  after(() => s?.close());

  it('passes tlog-audit with a reader key', async (ctx) => {
    const tool = toolOrSkip(ctx, 'tlog-audit');
    if (!tool) return;
    const r = await run(tool, [
      '-log',
      `${base}/logs/acme/data`,
      '-vkey',
      vkeys.data!,
      '-H',
      `Authorization: Bearer ${t.tokens.reader}`,
    ]);
    assert.equal(r.code, 0, describeRun('tlog-audit', r));
    assert.match(r.stdout, /^OK origin="vellum\.test\/logs\/acme\/data" size=70000 /m);
  });

  it('passes tlog-audit on a public log without any key', async (ctx) => {
    const tool = toolOrSkip(ctx, 'tlog-audit');
    if (!tool) return;
    const r = await run(tool, ['-log', `${base}/logs/acme/feed`, '-vkey', vkeys.feed!]);
    assert.equal(r.code, 0, describeRun('tlog-audit', r));
  });

  it('fails tlog-audit without a key on a private log, and with a writer key', async (ctx) => {
    const tool = toolOrSkip(ctx, 'tlog-audit');
    if (!tool) return;
    for (const extra of [[], ['-H', `Authorization: Bearer ${t.tokens.writer}`]]) {
      const r = await run(tool, ['-log', `${base}/logs/acme/data`, '-vkey', vkeys.data!, ...extra]);
      assert.equal(r.code, 1, describeRun('tlog-audit', r));
    }
  });

  it('passes vellum verify over HTTP with an auditor key', async () => {
    const r = await vellum([
      'verify',
      `${base}/logs/acme/data`,
      '--vkey',
      vkeys.data!,
      '--header',
      `Authorization: Bearer ${t.tokens.auditor}`,
    ]);
    assert.equal(r.code, 0, describeRun('vellum verify', r));
    assert.match(r.stdout, /^OK origin=vellum\.test\/logs\/acme\/data size=70000 /);
  });
});
