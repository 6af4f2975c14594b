/**
 * Hostile and broken requests on every route: bad JSON, wrong content
 * types, oversize bodies, bad tile paths, huge/negative/non-numeric
 * indexes, bad base64, unknown tenants and logs, invalid names, bad
 * Authorization headers, random bytes. None may answer 500; each answers
 * the JSON error shape with the status of the one table in src/http/errors.ts.
 * Also: the table itself, rate limiting (429) and back-pressure (503).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../../src/domain/errors.js';
import { HttpError, toAnswer } from '../../src/http/errors.js';
import { LedgerError } from '../../src/ledger/errors.js';
import { StorageError } from '../../src/storage/errors.js';
import { encodeBundle } from '../../src/tlog/bundle.js';
import { TlogError } from '../../src/tlog/errors.js';
import {
  type Answer,
  type Call,
  call,
  makeTenant,
  openStack,
  type Stack,
  type TenantFixture,
} from '../helpers/http.js';

function isErrorShape(a: Answer): boolean {
  return typeof a.json?.error?.code === 'string' && typeof a.json?.error?.message === 'string';
}

describe('hostile input', () => {
  let s: Stack;
  let t: TenantFixture;
  const admin = () => t.tokens['tenant-admin']!;

  before(async () => {
    s = await openStack({ limits: { appendBodyBytes: 256 * 1024, appendEntries: 100 } });
    t = await makeTenant(s, 'acme', 3);
  });
  after(() => s?.close());

  async function expectStatus(
    status: number,
    method: string,
    url: string,
    c: Call,
    what = url,
  ): Promise<Answer> {
    const a = await call(s.app, method, url, c);
    assert.equal(a.status, status, `${what}: ${a.status} ${a.text.slice(0, 300)}`);
    assert.ok(isErrorShape(a), `${what}: error shape: ${a.text.slice(0, 200)}`);
    assert.equal(a.headers['cache-control'], 'no-store', `${what}: errors are never cached`);
    return a;
  }

  it('refuses bad JSON and wrong content types', async () => {
    const w = t.tokens.writer!;
    for (const body of [
      '{',
      '{"entries": [}',
      'null',
      '[]',
      '"x"',
      '{"__proto__": {"a": 1}, "entries": []}',
      '\u0000',
    ]) {
      await expectStatus(
        400,
        'POST',
        '/v1/logs/acme/data/entries',
        { token: w, body, type: 'application/json' },
        `json ${body}`,
      );
      await expectStatus(
        400,
        'POST',
        '/v1/logs/acme',
        { token: admin(), body, type: 'application/json' },
        `json ${body}`,
      );
    }
    await expectStatus(400, 'POST', '/v1/logs/acme/data/entries', {
      token: w,
      body: '',
      type: 'application/json',
    });
    for (const type of [
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/vnd.vellum.entry-bundle+json',
    ]) {
      await expectStatus(415, 'POST', '/v1/logs/acme/data/entries', { token: w, body: 'abc', type }, type);
    }
    // Binary bodies only where a route takes them.
    await expectStatus(415, 'POST', '/v1/tenants', {
      token: s.adminToken,
      body: 'abc',
      type: 'application/octet-stream',
    });
    await expectStatus(415, 'POST', '/v1/logs/acme', {
      token: admin(),
      body: new Uint8Array(3),
      type: 'application/vnd.vellum.entry-bundle',
    });
    await expectStatus(
      415,
      'POST',
      '/v1/logs/acme/data/entries',
      { token: w, body: 'abc' },
      'no content type',
    );
  });

  it('refuses bodies that do not fit the schemas', async () => {
    const w = t.tokens.writer!;
    const bad: unknown[] = [
      {},
      { entries: [] },
      { entries: [{}] },
      { entries: [{ base64: 'AA==', text: 'both' }] },
      { entries: [{ base64: 1 }] },
      { entries: [{ text: null }] },
      { entries: [{ text: 'x' }], extra: true },
      { entries: 'x' },
      { entries: [{ text: '\ud800' }] },
    ];
    for (const json of bad)
      await expectStatus(400, 'POST', '/v1/logs/acme/data/entries', { token: w, json }, JSON.stringify(json));
    for (const json of [
      {},
      { name: 'Bad' },
      { name: 'a_b' },
      { name: 'x'.repeat(64) },
      { name: '' },
      { name: 'ok', extra: 1 },
      { name: 7 },
    ]) {
      await expectStatus(400, 'POST', '/v1/tenants', { token: s.adminToken, json }, JSON.stringify(json));
      await expectStatus(400, 'POST', '/v1/logs/acme', { token: admin(), json }, JSON.stringify(json));
    }
    for (const json of [
      { role: 'platform-admin', name: 'x' },
      { role: 'god', name: 'x' },
      { role: 'reader' },
      { role: 'reader', name: '' },
      { role: 'reader', name: 'a\u0000b' },
      { role: 'reader', name: 'x'.repeat(101) },
    ]) {
      await expectStatus(
        400,
        'POST',
        '/v1/tenants/acme/keys',
        { token: admin(), json },
        JSON.stringify(json),
      );
    }
    for (const json of [
      { name: 'l1', public: 'yes' },
      { name: 'l2', skey: 'PRIVATE+KEY+x+00000000+AAAA' },
      { name: 'l3', skey: 'x'.repeat(2000) },
      { name: 'l4', dedup: 1 },
    ]) {
      await expectStatus(400, 'POST', '/v1/logs/acme', { token: admin(), json }, JSON.stringify(json));
    }
  });

  it('refuses bad base64 and bad bundles', async () => {
    const w = t.tokens.writer!;
    for (const b of ['!!!!', 'YQ', 'YR==', 'YQ==\n', ' YQ==', 'YQ=', 'Y===', '_-8=', 'YWJj\u00e9']) {
      await expectStatus(
        400,
        'POST',
        '/v1/logs/acme/data/entries',
        { token: w, json: { entries: [{ base64: b }] } },
        `base64 ${b}`,
      );
    }
    for (const bundle of [[0], [0, 5, 1, 2], [0, 1], [0, 0, 0], [255, 255, 1]]) {
      await expectStatus(
        400,
        'POST',
        '/v1/logs/acme/data/entries',
        { token: w, body: new Uint8Array(bundle), type: 'application/vnd.vellum.entry-bundle' },
        `bundle ${bundle}`,
      );
    }
    await expectStatus(
      400,
      'POST',
      '/v1/logs/acme/data/entries',
      { token: w, body: new Uint8Array(0), type: 'application/vnd.vellum.entry-bundle' },
      'empty bundle',
    );
  });

  it('refuses oversize bodies and entries', async () => {
    const w = t.tokens.writer!;
    const big = await expectStatus(413, 'POST', '/v1/logs/acme/data/entries', {
      token: w,
      body: new Uint8Array(300 * 1024),
      type: 'application/octet-stream',
    });
    assert.equal(big.json.error.code, 'body-too-large');
    const entry = await expectStatus(413, 'POST', '/v1/logs/acme/data/entries', {
      token: w,
      body: new Uint8Array(65536),
      type: 'application/octet-stream',
    });
    assert.equal(entry.json.error.code, 'entry-too-large');
    const many = encodeBundle(Array.from({ length: 101 }, () => new Uint8Array(1)));
    await expectStatus(
      413,
      'POST',
      '/v1/logs/acme/data/entries',
      { token: w, body: many, type: 'application/vnd.vellum.entry-bundle' },
      '101 entries',
    );
    await expectStatus(
      413,
      'POST',
      '/v1/tenants',
      { token: s.adminToken, json: { name: 'x'.repeat(20_000) } },
      'admin body',
    );
    // The largest entry fits.
    const a = await call(s.app, 'POST', '/v1/logs/acme/data/entries', {
      token: w,
      body: new Uint8Array(65535),
      type: 'application/octet-stream',
    });
    assert.equal(a.status, 201);
  });

  it('refuses bad tile paths with 400, and tiles beyond the tree with 404', async () => {
    const r = t.tokens.reader!;
    const bad = [
      'tile/0/1',
      'tile/0/0001',
      'tile/0/x000/001',
      'tile/0/x1/001',
      'tile/00/000',
      'tile/64/000',
      'tile/-1/000',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/01',
      'tile/0/000.p/',
      'tile/0/000.P/5',
      'tile/entries/000.p/0',
      'tile/data/000',
      'tile/0/../000',
      'tile/0/%2e%2e/000',
      'tile/0/000/',
      'tile/',
      'tile/0/x999/x999/x999/x999/x999/999',
      `tile/0/${'x001/'.repeat(40)}000`,
    ];
    for (const p of bad) {
      const a = await call(s.app, 'GET', `/logs/acme/data/${p}`, { token: r });
      assert.ok(a.status === 400 || a.status === 404, `${p}: ${a.status} ${a.text}`);
      assert.ok(isErrorShape(a), p);
    }
    for (const p of [
      'tile/0/000',
      'tile/0/000.p/200',
      'tile/0/001.p/1',
      'tile/3/000.p/1',
      'tile/63/000.p/1',
      'tile/entries/x123/456',
    ]) {
      await expectStatus(404, 'GET', `/logs/acme/data/${p}`, { token: r }, p);
    }
    await expectStatus(404, 'GET', '/logs/acme/data/nothing', { token: r });
  });

  it('refuses bad indexes and query parameters', async () => {
    const r = t.tokens.reader!;
    for (const i of [
      '-1',
      'abc',
      '1e3',
      '0x10',
      '01',
      '1.0',
      '9007199254740993',
      '99999999999999999999',
      '%20',
      '1%00',
      '',
      ' 1',
    ]) {
      const a = await call(s.app, 'GET', `/v1/logs/acme/data/entries/${i}`, { token: r });
      assert.ok(a.status === 400 || a.status === 404, `index ${i}: ${a.status}`);
      assert.ok(isErrorShape(a));
    }
    await expectStatus(404, 'GET', '/v1/logs/acme/data/entries/9007199254740991', { token: r });
    for (const q of [
      'start=-1',
      'start=x',
      'limit=1001',
      'limit=-5',
      'start=1&start=2',
      'bogus=1',
      'limit=1e2',
      'start=99999999999999999',
    ]) {
      await expectStatus(400, 'GET', `/v1/logs/acme/data/entries?${q}`, { token: r }, q);
    }
    await expectStatus(404, 'GET', '/v1/logs/acme/data/entries?start=999', { token: r });
    for (const q of [
      '',
      'from=x',
      'from=1&to=-1',
      'from=2&to=1',
      'from=1&extra=1',
      'from=1&to=9007199254740991',
    ]) {
      const a = await call(s.app, 'GET', `/v1/logs/acme/data/proofs/consistency?${q}`, { token: r });
      assert.ok(a.status === 400 || a.status === 404, `consistency ${q}: ${a.status}`);
    }
    await expectStatus(400, 'POST', '/v1/logs/acme/data/entries?wait=forever', {
      token: t.tokens.writer!,
      json: { entries: [{ text: 'x' }] },
    });
  });

  it('answers unknown tenants, logs, routes and invalid names without 500', async () => {
    await expectStatus(404, 'GET', '/v1/logs/acme/nope', { token: t.tokens.reader! });
    await expectStatus(404, 'GET', '/v1/logs/acme/nope/entries', { token: t.tokens.reader! });
    await expectStatus(404, 'POST', '/v1/logs/acme/nope/entries', {
      token: t.tokens.writer!,
      json: { entries: [{ text: 'x' }] },
    });
    await expectStatus(404, 'GET', '/logs/acme/nope/tile/0/000', { token: t.tokens.reader! });
    await expectStatus(400, 'GET', '/v1/logs/acme/NOPE', { token: t.tokens.reader! }, 'invalid log name');
    await expectStatus(
      400,
      'GET',
      `/v1/logs/acme/${'a'.repeat(64)}/entries`,
      { token: t.tokens.reader! },
      'long log name',
    );
    await expectStatus(404, 'POST', '/v1/tenants/ghost/keys', {
      token: s.adminToken,
      json: { role: 'tenant-admin', name: 'x' },
    });
    await expectStatus(403, 'GET', '/v1/logs/Bad%20Tenant/data', { token: t.tokens.reader! });
    await expectStatus(404, 'GET', '/v2/anything', {});
    await expectStatus(404, 'PUT', '/v1/tenants', { token: s.adminToken });
    await expectStatus(400, 'GET', '/v1/logs/%E0%A4%A/x', {});
    await expectStatus(404, 'GET', `/${'a'.repeat(5000)}`, {});
  });

  it('refuses bad Authorization headers with 401', async () => {
    for (const h of [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer ',
      'Bearer vk_x',
      'bearer vk_0123456789abcdef_' + 'A'.repeat(43),
      'Bearer a b',
      'Token abc',
      `Bearer ${t.tokens.reader}x`,
      `Bearer ${t.tokens.reader!.slice(0, -1)}B`,
      'x'.repeat(5000),
    ]) {
      const a = await call(s.app, 'GET', '/v1/logs/acme/data/entries/0', { headers: { authorization: h } });
      assert.equal(a.status, 401, `${h.slice(0, 40)}: ${a.status}`);
      assert.ok(isErrorShape(a));
    }
  });

  it('refuses bad artifact restore requests with 4xx, and restores nothing', async () => {
    const a = s.services.artifacts!;
    const globex = await makeTenant(s, 'globex', 0);
    const { package: p } = await a.packages.create('acme', 'fixture', {
      name: 'cold',
      producer: 'hostile',
      subject: 's',
      retentionClass: 'raw-evidence',
    });
    const f = await a.files.add('acme', 'fixture', p.id, {
      path: 'cold.bin',
      body: Readable.from([Buffer.from('cold evidence')]),
    });
    const [loc] = (await a.files.get('acme', f.file.id)).locations!;
    await a.context.blobs.setTier!(loc!.objectKey, 'cold');
    const url = `/v1/artifacts/acme/files/${f.file.id}/restore`;
    const r = t.tokens.reader!;
    const download = `/v1/artifacts/acme/files/${f.file.id}/download`;
    // The first download finds the bytes cold and records it on the location.
    const first = await call(s.app, 'GET', download, { token: r });
    assert.equal(first.status, 202, first.text);
    const was = (await a.files.get('acme', f.file.id)).locations![0]!;
    assert.deepEqual([was.tier, was.restoreStatus], ['cold', 'archived']);
    for (const json of [
      { days: 0 },
      { days: 366 },
      { days: -1 },
      { days: 'x' },
      { days: '5' },
      { days: 1.5 },
      { days: null },
      {},
      { days: 1, extra: true },
      [],
    ])
      await expectStatus(400, 'POST', url, { token: r, json }, `restore ${JSON.stringify(json)}`);
    await expectStatus(400, 'POST', url, { token: r }, 'restore without a body');
    for (const body of ['{"days":', '{"days":1e400}', '{"days":1,"days":400}', '{"days":"1"}'])
      await expectStatus(400, 'POST', url, { token: r, body, type: 'application/json' }, `restore ${body}`);
    await expectStatus(415, 'POST', url, {
      token: r,
      body: 'days=1',
      type: 'application/x-www-form-urlencoded',
    });
    for (const id of [`fil_${'0'.repeat(24)}`, 'nope', `pkg_${f.file.id.slice(4)}`])
      await expectStatus(404, 'POST', `/v1/artifacts/acme/files/${id}/restore`, {
        token: r,
        json: { days: 1 },
      });
    await expectStatus(400, 'POST', `/v1/artifacts/acme/files/${'f'.repeat(65)}/restore`, {
      token: r,
      json: { days: 1 },
    });
    // Another tenant's file: not found from inside globex, forbidden across tenants; writers read no bytes.
    const g = globex.tokens['tenant-admin']!;
    await expectStatus(404, 'POST', `/v1/artifacts/globex/files/${f.file.id}/restore`, {
      token: g,
      json: { days: 1 },
    });
    await expectStatus(403, 'POST', url, { token: g, json: { days: 1 } }, 'globex key on acme');
    await expectStatus(403, 'POST', `/v1/artifacts/globex/files/${f.file.id}/restore`, {
      token: r,
      json: { days: 1 },
    });
    await expectStatus(403, 'POST', url, { token: t.tokens.writer!, json: { days: 1 } }, 'writer');
    await expectStatus(401, 'POST', url, { json: { days: 1 } }, 'no key');

    // Nothing was restored or recorded: still archived, and the next audit entry follows the upload's.
    const now = (await a.files.get('acme', f.file.id)).locations![0]!;
    assert.deepEqual(now, was);
    assert.deepEqual([now.restoreRequestedAt, now.restoreExpiresAt], [null, null]);
    assert.equal((await a.context.blobs.head(loc!.objectKey)).restore.status, 'archived');
    const cold = await call(s.app, 'GET', download, { token: r });
    assert.equal(cold.status, 202, cold.text);
    assert.deepEqual(cold.json.restore, { status: 'archived' });
    const ok = await call(s.app, 'POST', url, { token: r, json: { days: 1 } });
    assert.equal(ok.status, 202, ok.text);
    assert.equal(ok.json.restore.status, 'restored');
    assert.equal(ok.json.auditIndex, f.auditIndex + 1, 'no refused request reached the audit log');
  });

  it('never answers 500 to random paths, queries and bodies', async () => {
    const routes = ['/v1/logs/acme/data/entries', '/v1/logs/acme', '/v1/tenants', '/v1/tenants/acme/keys'];
    const types = [
      'application/json',
      'application/octet-stream',
      'application/vnd.vellum.entry-bundle',
      'text/plain',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom(...types),
        fc.uint8Array({ maxLength: 300 }),
        async (route, type, body) => {
          const token =
            route.startsWith('/v1/tenants') && !route.includes('keys')
              ? s.adminToken
              : route.endsWith('entries')
                ? t.tokens.writer!
                : admin();
          const a = await call(s.app, 'POST', route, { token, body, type });
          return a.status < 500 && (a.status < 300 || isErrorShape(a));
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.string({ maxLength: 30 }), async (path, query) => {
        const url = `/logs/acme/data/tile/${encodeURI(path)}?${encodeURIComponent(query)}`;
        const a = await call(s.app, 'GET', url, { token: t.tokens.reader! });
        const b = await call(s.app, 'GET', `/v1/logs/acme/data/entries/${encodeURIComponent(path)}`, {
          token: t.tokens.reader!,
        });
        return a.status < 500 && b.status < 500;
      }),
      { numRuns: 150 },
    );
  });
});

describe('the error table', () => {
  it('maps every code to its status, with Retry-After on retryable ones', () => {
    const cases: [unknown, number, number?][] = [
      [new LedgerError('pool-full', 'x'), 503, 1],
      [new LedgerError('unavailable', 'x'), 503, 1],
      [new LedgerError('conflict', 'x'), 503, 1],
      [new LedgerError('closed', 'x'), 503, 5],
      [new LedgerError('entry-too-large', 'x'), 413],
      [new LedgerError('empty-batch', 'x'), 400],
      [new LedgerError('unknown-log', 'x'), 404],
      [new LedgerError('log-exists', 'x'), 409],
      [new LedgerError('out-of-range', 'x'), 404],
      [new LedgerError('bad-request', 'x'), 400],
      [new LedgerError('corrupt', 'secret detail'), 500],
      [new TlogError('bad-tile', 'x'), 400],
      [new TlogError('bad-number', 'x'), 400],
      [new TlogError('entry-too-large', 'x'), 413],
      [new StorageError('unavailable', 'x'), 503, 1],
      [new StorageError('bad-key', 'x'), 400],
      [new StorageError('exists-different', 'x'), 409],
      [new DomainError('unauthenticated', 'x'), 401],
      [new DomainError('forbidden', 'x'), 403],
      [new DomainError('not-found', 'x'), 404],
      [new DomainError('exists', 'x'), 409],
      [new DomainError('unavailable', 'x'), 503, 1],
      [new DomainError('not-canonical', 'x'), 400],
      [new HttpError('rate-limited', 'x', 7), 429, 7],
      [new HttpError('unsupported-media-type', 'x'), 415],
      [Object.assign(new Error('v'), { code: 'FST_ERR_VALIDATION' }), 400],
      [Object.assign(new Error('t'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), 413],
      [new TypeError('a bug'), 500],
      ['a string', 500],
      [undefined, 500],
    ];
    for (const [err, status, retryAfter] of cases) {
      const a = toAnswer(err);
      assert.equal(a.status, status, String((err as Error)?.message ?? err));
      assert.equal(a.retryAfter, retryAfter);
      if (status === 500) assert.equal(a.message, 'internal error', 'no detail of a server fault leaks');
    }
  });
});

describe('rate limiting and back-pressure', () => {
  it('answers 429 with Retry-After when a key spends its bucket, per key', async () => {
    const s = await openStack({ rateLimit: { burst: 3, perSecond: 0.5 } });
    try {
      for (let i = 0; i < 3; i++)
        assert.equal((await call(s.app, 'GET', '/v1/tenants', { token: s.adminToken })).status, 200);
      const a = await call(s.app, 'GET', '/v1/tenants', { token: s.adminToken });
      assert.equal(a.status, 429, a.text);
      assert.equal(a.json.error.code, 'rate-limited');
      assert.equal(a.headers['retry-after'], '2');
      // Anonymous callers share a bucket per address.
      for (let i = 0; i < 3; i++) assert.equal((await call(s.app, 'GET', '/v1/tenants')).status, 401);
      assert.equal((await call(s.app, 'GET', '/v1/tenants')).status, 429);
    } finally {
      await s.close();
    }
    const s2 = await openStack({ rateLimit: { burst: 20, perSecond: 0.5 } });
    try {
      const t = await makeTenant(s2, 'acme', 1);
      const statuses: number[] = [];
      for (let i = 0; i < 22; i++)
        statuses.push(
          (await call(s2.app, 'GET', '/logs/acme/data/checkpoint', { token: t.tokens.reader })).status,
        );
      assert.deepEqual(statuses.slice(0, 20), Array(20).fill(200));
      assert.deepEqual(statuses.slice(20), [429, 429]);
      // Another key has its own bucket; health checks are never limited.
      assert.equal(
        (await call(s2.app, 'GET', '/logs/acme/data/checkpoint', { token: t.tokens.auditor })).status,
        200,
      );
      assert.equal((await call(s2.app, 'GET', '/healthz')).status, 200);
    } finally {
      await s2.close();
    }
  });

  it('answers 503 with Retry-After when the log pool is full, and loses nothing it acknowledged', async () => {
    const s = await openStack({ logOptions: { maxPending: 4, maxBatch: 4, maxDelayMs: 50 } });
    try {
      const t = await makeTenant(s, 'acme', 0);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          call(s.app, 'POST', '/v1/logs/acme/data/entries', {
            token: t.tokens.writer,
            json: { entries: [{ text: `e${i}` }] },
          }),
        ),
      );
      const busy = answers.filter((a) => a.status === 503);
      const ok = answers.filter((a) => a.status === 201);
      assert.ok(busy.length > 0, 'some appends were refused');
      assert.equal(busy.length + ok.length, 12);
      for (const b of busy) {
        assert.equal(b.json.error.code, 'pool-full');
        assert.equal(b.headers['retry-after'], '1');
      }
      const indexes = ok.map((a) => a.json.entries[0].index).sort((x: number, y: number) => x - y);
      assert.deepEqual(indexes, [...indexes.keys()]);
    } finally {
      await s.close();
    }
  });
});
