/**
 * `vellum package ...` as a user runs it: child processes against a real
 * `vellum serve` (a child process on a free port, artifacts in <data>/blobs).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VellumClient } from '../../src/client/vellum-client.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { describeRun, hasStackTrace, type RunResult, run, vellumMain } from '../helpers/cli.js';
import { type Server, startServer } from '../helpers/server.js';

const ADMIN = `vk_0123456789abcdef_${'B'.repeat(42)}E`;

describe('vellum package', () => {
  let dir = '';
  let server: Server | undefined;
  const tokens: Record<string, string> = {};

  const cli = (args: readonly string[], token = tokens.writer!): Promise<RunResult> =>
    run(process.execPath, [vellumMain, ...args], {
      cwd: dir,
      env: { ...process.env, VELLUM_URL: server!.url, VELLUM_TOKEN: token, VELLUM_TENANT: 'acme' },
    });
  const ok = async (args: readonly string[], token?: string) => {
    const r = await cli(args, token);
    assert.equal(r.code, 0, describeRun(`vellum ${args.join(' ')}`, r));
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
    return r.stdout;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vellum-pkg-'));
    server = await startServer(join(dir, 'data'), {
      VELLUM_ADMIN_TOKEN: ADMIN,
      VELLUM_RETENTION_INTERVAL: '0',
      VELLUM_SCRUB_INTERVAL: '0',
    });
    const admin = new VellumClient({ url: server.url, token: ADMIN });
    await admin.createTenant('acme');
    const ta = await admin.createKey('acme', 'tenant-admin', 'admin');
    tokens['tenant-admin'] = ta.token;
    const t = new VellumClient({ url: server.url, token: ta.token });
    for (const role of ['writer', 'reader', 'approver'] as const)
      tokens[role] = (await t.createKey('acme', role, role)).token;
    const src = join(dir, 'evidence');
    mkdirSync(join(src, 'logs'), { recursive: true });
    writeFileSync(join(src, 'report.json'), '{"ok":true}\n');
    writeFileSync(join(src, 'logs', 'run.log'), 'line 1\nline 2\n');
    writeFileSync(join(src, 'blob.bin'), Buffer.alloc(100_000, 7));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let id = '';

  it('pushes a directory, finalizes, and verifies it against the manifest and the audit log', async () => {
    const out = await ok([
      'package',
      'push',
      'evidence',
      '--subject',
      'build-42',
      '--class',
      'raw-evidence',
      '--producer',
      'ci',
      '--meta',
      'branch=main',
    ]);
    const m = /^(pkg_[0-9a-f]+)\nmanifest sha256:([0-9a-f]{64})\n3 files, 100026 bytes\n$/.exec(out);
    assert.ok(m, out);
    id = m[1]!;

    const list = await ok(['package', 'list', '--meta', 'branch=main'], tokens.reader);
    assert.match(list, new RegExp(`${id}\\s+finalized\\s+raw-evidence\\s+build-42`));

    const manifest = JSON.parse(await ok(['package', 'manifest', id, '--proof'], tokens.reader));
    assert.equal(manifest.sha256, m[2]);
    assert.deepEqual(
      manifest.manifest.files.map((f: { path: string }) => f.path),
      ['blob.bin', 'logs/run.log', 'report.json'],
    );

    const v = await ok(['package', 'verify', 'evidence', id], tokens.reader);
    assert.match(v, /verified: 3 files match/);

    const pkg = JSON.parse(await ok(['package', 'get', id], tokens.reader));
    const log = pkg.files.find((f: { path: string }) => f.path === 'logs/run.log');
    await ok(['package', 'download', log.id, '--out', 'got.log'], tokens.reader);
    assert.equal(readFileSync(join(dir, 'got.log'), 'utf8'), 'line 1\nline 2\n');
    const part = await ok(['package', 'download', log.id, '--range', 'bytes=0-5'], tokens.reader);
    assert.equal(part, 'line 1');
    const blob = pkg.files.find((f: { path: string }) => f.path === 'blob.bin');
    assert.equal(blob.sha256, createHash('sha256').update(Buffer.alloc(100_000, 7)).digest('hex'));
  });

  it('extends, holds and releases', async () => {
    const admin = tokens['tenant-admin'];
    const expiry = async () => {
      const e = JSON.parse(await ok(['package', 'get', id], tokens.reader)).package.retention.expiresAt;
      assert.equal(typeof e, 'string', String(e));
      return Date.parse(e);
    };
    const previous = await expiry();
    assert.ok(Number.isFinite(previous));
    // --days adds to the current expiry.
    const out = await ok(['package', 'extend', id, '--days', '30', '--reason', 'review'], admin);
    const m = /^expires (\S+)\n$/.exec(out);
    assert.ok(m, out);
    const extended = Date.parse(m[1]!);
    assert.equal(extended, previous + 30 * 86_400_000, out);
    assert.ok(extended > previous, out);
    assert.equal(await expiry(), extended);
    // --until sets it.
    const until = new Date(extended + 86_400_000).toISOString();
    assert.equal(
      await ok(['package', 'extend', id, '--until', until, '--reason', 'more'], admin),
      `expires ${until}\n`,
    );
    assert.equal(await expiry(), Date.parse(until));
    const hold = (
      await ok(['package', 'hold', id, '--case', 'CASE-1', '--reason', 'legal'], tokens.approver)
    ).trim();
    assert.match(hold, /^hld_/);
    assert.match(await ok(['package', 'release', id, hold, '--reason', 'done'], tokens.approver), /released/);
  });

  it('fails verification of tampered or extra local files, and says why', async () => {
    const copy = join(dir, 'tampered');
    mkdirSync(join(copy, 'logs'), { recursive: true });
    writeFileSync(join(copy, 'report.json'), '{"ok":false}\n');
    writeFileSync(join(copy, 'logs', 'run.log'), 'line 1\nline 2\n');
    writeFileSync(join(copy, 'extra.txt'), 'x');
    const r = await cli(['package', 'verify', 'tampered', id], tokens.reader);
    assert.equal(r.code, 1, describeRun('verify tampered', r));
    assert.match(r.stdout, /FAIL report\.json/);
    assert.match(r.stdout, /FAIL blob\.bin: missing locally/);
    assert.match(r.stdout, /FAIL extra\.txt: not in the manifest/);
    assert.match(r.stdout, /^ok {3}logs\/run\.log$/m);
    const wrongKey = await cli(
      [
        'package',
        'verify',
        'evidence',
        id,
        '--vkey',
        'other+12345678+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      ],
      tokens.reader,
    );
    assert.notEqual(wrongKey.code, 0, describeRun('verify with a wrong key', wrongKey));
    assert.ok(!hasStackTrace(wrongKey.stderr), wrongKey.stderr);
  });

  it('restores a file from the cold tier, after which it downloads again', async () => {
    const pkg = JSON.parse(await ok(['package', 'get', id], tokens.reader));
    const log = pkg.files.find((f: { path: string }) => f.path === 'logs/run.log');
    const content = 'line 1\nline 2\n';
    assert.equal(log.sha256, createHash('sha256').update(content).digest('hex'));
    // The server's filesystem blob store keeps tiers as directories under <data>/blobs.
    const blobs = new FsBlobStore(join(dir, 'data', 'blobs'));
    await blobs.setTier(`acme/blobs/sha256/${log.sha256}`, 'cold');

    const cold = await cli(['package', 'download', log.id], tokens.reader);
    assert.equal(cold.code, 1, describeRun('download of a cold file', cold));
    assert.equal(cold.stdout, '');
    assert.match(cold.stderr, /not immediately available/);
    assert.ok(cold.stderr.includes(`vellum package restore ${log.id} --days N`), cold.stderr);
    assert.ok(!hasStackTrace(cold.stderr), cold.stderr);

    for (const days of ['0', '366', 'x', '1.5']) {
      const u = await cli(['package', 'restore', log.id, '--days', days], tokens.reader);
      assert.equal(u.code, 2, describeRun(`restore --days ${days}`, u));
      assert.match(u.stderr, /--days must be a whole number from 1 to 365/);
    }
    const noDays = await cli(['package', 'restore', log.id], tokens.reader);
    assert.equal(noDays.code, 2, describeRun('restore without --days', noDays));
    assert.match(noDays.stderr, /--days is required/);
    const writer = await cli(['package', 'restore', log.id, '--days', '2'], tokens.writer);
    assert.equal(writer.code, 1, describeRun('restore as writer', writer));
    assert.match(writer.stderr, /forbidden/);
    const unknown = await cli(['package', 'restore', `fil_${'0'.repeat(24)}`, '--days', '2'], tokens.reader);
    assert.equal(unknown.code, 1, describeRun('restore of an unknown file', unknown));
    assert.ok(!hasStackTrace(unknown.stderr), unknown.stderr);
    assert.equal((await blobs.head(`acme/blobs/sha256/${log.sha256}`)).restore.status, 'archived');

    const t0 = Date.now();
    const out = await ok(['package', 'restore', log.id, '--days', '2'], tokens.reader);
    const m = /^restored until (\S+)\n$/.exec(out);
    assert.ok(m, out);
    const exp = Date.parse(m[1]!);
    assert.ok(exp >= t0 + 2 * 86_400_000 && exp <= Date.now() + 2 * 86_400_000, out);
    const json = JSON.parse(await ok(['package', 'restore', log.id, '--days', '2', '--json'], tokens.reader));
    assert.equal(json.restore.status, 'restored');
    assert.ok(Number.isSafeInteger(json.auditIndex), JSON.stringify(json));
    assert.equal(await ok(['package', 'download', log.id], tokens.reader), content);
  });

  it('refuses what a role may not do, and bad usage, without stack traces', async () => {
    const r = await cli(
      ['package', 'push', 'evidence', '--subject', 's', '--class', 'raw-evidence'],
      tokens.reader,
    );
    assert.equal(r.code, 1, describeRun('push as reader', r));
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
    const u = await cli(['package', 'push', 'evidence']);
    assert.equal(u.code, 2, describeRun('push without --subject', u));
    const missing = await cli(['package', 'get', 'pkg_000000000000000000000000'], tokens.reader);
    assert.equal(missing.code, 1, describeRun('get missing', missing));
  });
});
