/**
 * The TypeScript SDK against a real listening server: the immutable logger
 * (batching, levels, read/search/stats, local verify that catches a
 * tampered tile), the typed client's local checks (receipts, consistency),
 * and retries with back-off. The retry test uses a stub fetch standing in
 * for a flaky network (the server's own 503s are covered in test/http).
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImmutableLogger, VellumApiError, VellumClient } from '../../src/client/index.js';
import { makeTenant, openStack, type Stack } from '../helpers/http.js';

describe('the SDK against a live server', () => {
  let stack: Stack;
  let url: string;
  let tokens: Record<string, string>;

  before(async () => {
    stack = await openStack();
    await stack.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = stack.app.server.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}`;
    tokens = (await makeTenant(stack, 'acme')).tokens;
  });
  after(() => stack.close());

  it('writes records at every level in batches, and reads, searches and counts them', async () => {
    const logger = new ImmutableLogger({ url, token: tokens['tenant-admin']!, log: 'acme', batchSize: 4 });
    const idx = await Promise.all([
      logger.info('user signed in', { user: 'ada' }),
      logger.warn('disk 80% full'),
      logger.error('payment failed', { charge: 'ch_1' }),
      logger.critical('database unreachable'),
      logger.audit('Database query executed', { query: 'SELECT 1', user: 'admin@example.com' }),
      logger.security('Failed login attempt', { ip: '203.0.113.42' }),
      logger.revenue('Subscription payment received', { amount: 9900, currency: 'USD' }),
      logger.system('AI agent executed workflow', { agent: 'ai-agent-001' }),
    ]);
    assert.deepEqual(
      [...idx].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    await logger.flush();

    const all = await logger.read({ limit: 100 });
    assert.equal(all.records.length, 8);
    assert.equal(all.records[0]!.index, 7, 'newest first');
    const errors = await logger.read({ level: ['ERROR', 'CRITICAL'] });
    assert.deepEqual(errors.records.map((r) => r.level).sort(), ['CRITICAL', 'ERROR']);
    const found = await logger.search('payment');
    assert.deepEqual(found.records.map((r) => r.message).sort(), [
      'Subscription payment received',
      'payment failed',
    ]);
    const byIp = await logger.search('203.0.113.42', { level: 'SECURITY' });
    assert.equal(byIp.records.length, 1);
    assert.deepEqual(byIp.records[0]!.metadata, { ip: '203.0.113.42' });
    const page1 = await logger.read({ limit: 3 });
    const page2 = await logger.read({ limit: 3, cursor: page1.nextCursor! });
    assert.deepEqual(
      [...page1.records, ...page2.records].map((r) => r.index),
      [7, 6, 5, 4, 3, 2],
    );

    const stats = await logger.stats();
    assert.equal(stats.totalEntries, 8);
    assert.equal(stats.levels.AUDIT, 1);
    assert.equal(stats.logSize, 8);
    assert.ok(stats.oldestEntry !== null && stats.newestEntry !== null);
    assert.deepEqual({ ok: stats.verified.ok, size: stats.verified.size }, { ok: true, size: 8 });
  });

  it('verifies the records log locally, and catches a tampered tile', async () => {
    const logger = new ImmutableLogger({ url, token: tokens['tenant-admin']!, log: 'acme' });
    const ok = await logger.verify();
    assert.equal(ok.ok, true, ok.reason);
    assert.equal(ok.size, 8);

    await logger.info('one more');
    await logger.flush();
    // Wait until the new entry is published, then verify again (also checks consistency with the last verify).
    await (await stack.registry.get('acme', 'records')).published(8);
    assert.equal((await logger.verify()).ok, true);

    const tile = join(stack.dir, 'logs/acme/records/tile/0/000.p/9');
    chmodSync(tile, 0o644);
    const bytes = readFileSync(tile);
    bytes[40] = bytes[40]! ^ 0xff;
    writeFileSync(tile, bytes);
    const bad = await logger.verify();
    assert.equal(bad.ok, false);
    assert.equal(bad.item, 'tile/0/000.p/9');
  });

  it('checks entries and consistency locally with the typed client', async () => {
    const client = new VellumClient({ url, token: tokens['tenant-admin']! });
    const info = await client.getLog('acme', 'data');
    const old = await client.checkpoint('acme', 'data');
    const appended = await client.append('acme', 'data', ['hello', new Uint8Array([1, 2, 3])], 'published');
    assert.equal(appended.entries.length, 2);
    const i = appended.entries[1]!.index;
    assert.deepEqual(await client.getVerifiedEntry('acme', 'data', i, info.vkey), new Uint8Array([1, 2, 3]));
    await client.checkExtends('acme', 'data', old, info.vkey);
    const audit = await client.verifyLog('acme', 'data', info.vkey, old);
    assert.equal(audit.ok, true, audit.reason);
    assert.equal(audit.size, info.size + 2);
    // A key of another log cannot vouch for this one.
    const other = await client.getLog('acme', 'records');
    await assert.rejects(client.getVerifiedEntry('acme', 'data', i, other.vkey));
  });

  it('reports API errors with their code and status', async () => {
    const client = new VellumClient({ url, token: tokens.reader! });
    await assert.rejects(
      client.writeRecords('acme', [{ level: 'INFO', message: 'x' }]),
      (e: unknown) => e instanceof VellumApiError && e.status === 403 && e.code === 'forbidden',
    );
    const admin = new VellumClient({ url, token: tokens['tenant-admin']! });
    await assert.rejects(
      admin.writeRecords('acme', [{ level: 'LOUD', message: 'x' }]),
      (e: unknown) => e instanceof VellumApiError && e.status === 400,
    );
  });
});

describe('SDK retries', () => {
  it('retries 503 and network failures with back-off, honouring Retry-After', async () => {
    let calls = 0;
    const flaky: typeof fetch = async () => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed');
      if (calls === 2)
        return new Response(JSON.stringify({ error: { code: 'pool-full', message: 'busy' } }), {
          status: 503,
          headers: { 'retry-after': '0' },
        });
      return new Response(JSON.stringify({ indexes: [41] }), { status: 201 });
    };
    const logger = new ImmutableLogger({
      url: 'http://vellum.invalid',
      token: 't',
      log: 'acme',
      fetch: flaky,
      backoffMs: 1,
    });
    assert.equal(await logger.info('x'), 41);
    assert.equal(calls, 3);
  });

  it('gives up after maxAttempts and does not retry a 400', async () => {
    let calls = 0;
    const down: typeof fetch = async () => {
      calls++;
      return new Response('{"error":{"code":"unavailable","message":"down"}}', { status: 503 });
    };
    const errors: unknown[] = [];
    const logger = new ImmutableLogger({
      url: 'http://vellum.invalid',
      log: 'acme',
      fetch: down,
      backoffMs: 1,
      maxAttempts: 3,
      onError: (e) => errors.push(e),
    });
    await assert.rejects(
      logger.info('x'),
      (e: unknown) => e instanceof VellumApiError && e.code === 'unavailable',
    );
    assert.equal(calls, 3);
    assert.equal(errors.length, 1);
    calls = 0;
    const bad: typeof fetch = async () => {
      calls++;
      return new Response('{"error":{"code":"bad-request","message":"no"}}', { status: 400 });
    };
    const l2 = new ImmutableLogger({ url: 'http://vellum.invalid', log: 'acme', fetch: bad, backoffMs: 1 });
    await assert.rejects(l2.info('x'));
    assert.equal(calls, 1);
  });
});
