/**
 * `vellum serve` as a user runs it: a child process on a free port, that
 * answers /healthz and /openapi.json, bootstraps the admin token (0600),
 * holds its data directory against a second server, takes over a stale
 * lock, and stops cleanly on SIGTERM keeping what it acknowledged.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeRun, vellum, vellumMain } from '../helpers/cli.js';
import { createSchema, postgresSkip } from '../helpers/postgres.js';
import { startServer } from '../helpers/server.js';

describe('vellum serve', () => {
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'vellum-serve-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serves health, the OpenAPI document and the API; one server per data directory; stops on SIGTERM', async () => {
    const data = temp();
    let taToken = '';
    const server = await startServer(data);
    try {
      assert.match(server.output(), /API docs: +http:\/\/127\.0\.0\.1:\d+\/docs/);
      assert.match(server.output(), new RegExp(`admin token: +${join(data, 'admin-token')}`));
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
        openapi: string;
        paths: object;
      };
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(Object.keys(doc.paths).includes('/v1/tenants'));

      assert.equal(statSync(join(data, 'admin-token')).mode & 0o777, 0o600);
      const token = readFileSync(join(data, 'admin-token'), 'utf8').trim();
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const tenant = await fetch(`${server.url}/v1/tenants`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'acme' }),
      });
      assert.equal(tenant.status, 201);
      const logs = ((await tenant.json()) as { logs: { origin: string }[] }).logs;
      assert.equal(logs[0]!.origin, `${server.url.replace('http://', '')}/logs/acme/records`);

      // Entries acknowledged just before SIGTERM are kept (the pools are drained on the way out).
      const ta = await fetch(`${server.url}/v1/tenants/acme/keys`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ role: 'tenant-admin', name: 'a' }),
      });
      taToken = ((await ta.json()) as { token: string }).token;
      const auth = { authorization: `Bearer ${taToken}`, 'content-type': 'application/json' };
      assert.equal(
        (
          await fetch(`${server.url}/v1/logs/acme`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ name: 'data' }),
          })
        ).status,
        201,
      );
      const appends = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          fetch(`${server.url}/v1/logs/acme/data/entries`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ entries: [{ text: `e${i}` }] }),
          }),
        ),
      );
      assert.deepEqual(
        appends.map((a) => a.status),
        [201, 201, 201, 201, 201],
      );

      const second = await vellum(['serve', '--data', data, '--port', '0']);
      assert.equal(second.code, 1, describeRun('second serve', second));
      assert.match(second.stderr, new RegExp(`in use by another vellum \\(pid ${server.child.pid}`));
    } finally {
      const code = await server.stop('SIGTERM');
      assert.equal(code, 0, server.output());
    }
    assert.match(server.output(), /Vellum stopped/);
    assert.equal(existsSync(join(data, 'vellum.lock')), false, 'the lock is released');

    // Again on the same data: the admin key is kept, the token file untouched.
    const token = readFileSync(join(data, 'admin-token'), 'utf8');
    const again = await startServer(data);
    try {
      assert.match(again.output(), new RegExp(`admin token: +${join(data, 'admin-token')}\n`));
      assert.equal(readFileSync(join(data, 'admin-token'), 'utf8'), token);
      const list = await fetch(`${again.url}/v1/tenants`, {
        headers: { authorization: `Bearer ${token.trim()}` },
      });
      assert.equal(list.status, 200);
      const log = await fetch(`${again.url}/v1/logs/acme/data`, {
        headers: { authorization: `Bearer ${taToken}` },
      });
      assert.equal(((await log.json()) as { size: number }).size, 5);
    } finally {
      assert.equal(await again.stop('SIGINT'), 0);
    }
  });

  it('takes over the lock of a dead process', async () => {
    const data = temp();
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(join(data, 'vellum.lock'), `${dead.pid}\n`);
    const server = await startServer(data);
    try {
      assert.equal(readFileSync(join(data, 'vellum.lock'), 'utf8').trim(), String(server.child.pid));
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('uses VELLUM_ADMIN_TOKEN instead of writing a token file, and refuses a malformed one', async () => {
    const data = temp();
    const token = `vk_0123456789abcdef_${'A'.repeat(42)}E`;
    const server = await startServer(data, { VELLUM_ADMIN_TOKEN: token });
    try {
      assert.match(server.output(), /admin token: +from VELLUM_ADMIN_TOKEN/);
      assert.equal(existsSync(join(data, 'admin-token')), false);
      const list = await fetch(`${server.url}/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(list.status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(process.execPath, [vellumMain, 'serve', '--data', temp(), '--port', '0'], {
        env: { ...process.env, VELLUM_ADMIN_TOKEN: 'hunter2' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      c.stderr.on('data', (d) => {
        err += d;
      });
      c.on('exit', (code) => resolve({ code, err }));
    });
    assert.equal(r.code, 2);
    assert.match(r.err, /VELLUM_ADMIN_TOKEN: the admin token must have the form/);
  });

  it('explains bad options', async () => {
    const r = await vellum(['serve', '--port', '70000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad port/);
    const help = await vellum(['serve', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /VELLUM_DATABASE_URL/);
  });

  it('runs on PostgreSQL with VELLUM_DATABASE_URL', async (t) => {
    const reason = await postgresSkip();
    if (reason) return t.skip(reason);
    const schema = await createSchema();
    const data = temp();
    try {
      const server = await startServer(data, { VELLUM_DATABASE_URL: schema.url });
      try {
        const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { status: string };
        assert.equal(ready.status, 'ok');
        const token = readFileSync(join(data, 'admin-token'), 'utf8').trim();
        const r = await fetch(`${server.url}/v1/tenants`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'acme' }),
        });
        assert.equal(r.status, 201);
        assert.equal(existsSync(join(data, 'vellum.db')), false, 'no SQLite file when PostgreSQL is used');
      } finally {
        assert.equal(await server.stop(), 0);
      }
    } finally {
      await schema.drop();
    }
  });
});
