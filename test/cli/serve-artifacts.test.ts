/**
 * The artifact store's settings of a running `vellum serve` (retention
 * periods, file limit: src/cli/artifact-config.ts), the scrub mismatch
 * metric, and the `package file` and `package deletion-plan` commands:
 * child processes, as an operator runs them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { artifactSettings, parseRetention } from '../../src/cli/artifact-config.js';
import { ArtifactClient } from '../../src/client/artifacts.js';
import { VellumApiError } from '../../src/client/http.js';
import { VellumClient } from '../../src/client/vellum-client.js';
import { describeRun, hasStackTrace, run, vellumMain } from '../helpers/cli.js';
import { filesUnder } from '../helpers/files.js';
import { type Server, startServer } from '../helpers/server.js';

const ADMIN = `vk_0123456789abcdef_${'C'.repeat(42)}E`;
const sha = (b: string) => createHash('sha256').update(b).digest('hex');

describe('VELLUM_RETENTION', () => {
  it('reads periods per class', () => {
    assert.deepEqual(parseRetention('transient=14d, raw-evidence=2y,summary-evidence=30s'), {
      transient: { days: 14 },
      'raw-evidence': { years: 2 },
      'summary-evidence': { seconds: 30 },
    });
  });
  it('takes the settings together, and an empty variable as unset', () => {
    assert.deepEqual(
      artifactSettings({ VELLUM_RETENTION: '', VELLUM_MAX_FILE_BYTES: '', S3_RETENTION_MODE: '' }),
      {},
    );
    assert.deepEqual(
      artifactSettings({
        VELLUM_RETENTION: 'transient=1d',
        VELLUM_MAX_PACKAGE_FILES: '50',
        VELLUM_UPLOAD_TTL: '3600',
        S3_RETENTION_MODE: 'COMPLIANCE',
      }),
      {
        retention: { transient: { days: 1 } },
        limits: { maxFilesPerPackage: 50 },
        uploadTtlSeconds: 3600,
        objectLock: { mode: 'COMPLIANCE' },
      },
    );
  });
  it('refuses what it cannot read, naming the problem', () => {
    for (const [text, why] of [
      ['transient', /cannot read/],
      ['transient=0d', /cannot read/],
      ['transient=7w', /cannot read/],
      ['forever=1d', /unknown class "forever"; the classes are transient, raw-evidence/],
      ['permanent-record=1y', /never expires/],
      ['transient=1d,transient=2d', /given twice/],
      ['raw-evidence=101y', /at most 100 years/],
      ['', /cannot read/],
    ] as const)
      assert.throws(
        () => parseRetention(text),
        (e: Error) => /^VELLUM_RETENTION: /.test(e.message) && why.test(e.message),
        text,
      );
  });
});

describe('vellum serve: artifact settings, scrub metric, package file and deletion-plan', () => {
  let dir = '';
  let server: Server | undefined;
  let writer = '';
  let reader = '';

  const cli = (args: readonly string[], token = reader) =>
    run(process.execPath, [vellumMain, ...args], {
      cwd: dir,
      env: { ...process.env, VELLUM_URL: server!.url, VELLUM_TOKEN: token, VELLUM_TENANT: 'acme' },
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vellum-serve-art-'));
    server = await startServer(join(dir, 'data'), {
      VELLUM_ADMIN_TOKEN: ADMIN,
      VELLUM_RETENTION: 'transient=2s,raw-evidence=3d',
      VELLUM_MAX_FILE_BYTES: '1000',
      VELLUM_RETENTION_INTERVAL: '0',
      VELLUM_SCRUB_INTERVAL: '1',
    });
    const admin = new VellumClient({ url: server.url, token: ADMIN });
    await admin.createTenant('acme');
    const ta = new VellumClient({
      url: server.url,
      token: (await admin.createKey('acme', 'tenant-admin', 'admin')).token,
    });
    writer = (await ta.createKey('acme', 'writer', 'w')).token;
    reader = (await ta.createKey('acme', 'reader', 'r')).token;
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start on settings it cannot read, before touching the data directory', async () => {
    for (const [name, value, why] of [
      ['VELLUM_RETENTION', 'forever=1d', /VELLUM_RETENTION: unknown class/],
      ['VELLUM_MAX_FILE_BYTES', '1k', /VELLUM_MAX_FILE_BYTES must be a positive integer/],
      ['VELLUM_UPLOAD_TTL', '0', /VELLUM_UPLOAD_TTL must be a positive integer/],
      ['VELLUM_UPLOAD_TTL', '9000000000000', /VELLUM_UPLOAD_TTL must be a positive integer up to 31536000/],
      ['VELLUM_MAX_FILE_BYTES', '9007199254740991', /up to 5497558138880/],
      ['S3_RETENTION_MODE', 'STRICT', /S3_RETENTION_MODE must be GOVERNANCE or COMPLIANCE/],
    ] as const) {
      const data = join(dir, `bad-${name}`);
      const r = await run(process.execPath, [vellumMain, 'serve', '--data', data, '--port', '0'], {
        env: { ...process.env, [name]: value },
        timeoutMs: 20_000,
      });
      assert.equal(r.code, 1, describeRun(`serve with ${name}=${value}`, r));
      assert.match(r.stderr, why);
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
      assert.ok(!existsSync(data), `${name}: the data directory was not made`);
    }
  });

  it('applies the retention periods and the file limit it was started with', async () => {
    const a = new ArtifactClient(new VellumClient({ url: server!.url, token: writer }));
    for (const [cls, ms] of [
      ['transient', 2000],
      ['raw-evidence', 3 * 86_400_000],
    ] as const) {
      const { package: p } = (await a.createPackage('acme', {
        name: cls,
        producer: 'ci',
        subject: 'settings',
        retentionClass: cls,
      })) as { package: { createdAt: string; retention: { expiresAt: string } } };
      assert.equal(Date.parse(p.retention.expiresAt) - Date.parse(p.createdAt), ms, cls);
    }
    const { package: p } = (await a.createPackage('acme', {
      name: 'limit',
      producer: 'ci',
      subject: 'settings',
      retentionClass: 'raw-evidence',
    })) as { package: { id: string } };
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(1001, 1));
    const err = await a.uploadFile('acme', p.id, { file: big, path: 'big.bin' }).then(
      () => assert.fail('a 1001-byte file was taken'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof VellumApiError && err.status === 413, String(err));
    writeFileSync(big, Buffer.alloc(1000, 1));
    await a.uploadFile('acme', p.id, { file: big, path: 'big.bin' });
  });

  it('counts a scrub mismatch in /metrics, and package file shows the location', async () => {
    const a = new ArtifactClient(new VellumClient({ url: server!.url, token: writer }));
    const { package: p } = (await a.createPackage('acme', {
      name: 'scrubbed',
      producer: 'ci',
      subject: 'scrub',
      retentionClass: 'raw-evidence',
    })) as { package: { id: string } };
    const src = join(dir, 'rot.txt');
    writeFileSync(src, 'bytes that will rot');
    const { file } = (await a.uploadFile('acme', p.id, { file: src, path: 'rot.txt' })) as {
      file: { id: string };
    };
    const shown = await cli(['package', 'file', file.id]);
    assert.equal(shown.code, 0, describeRun('package file', shown));
    const view = JSON.parse(shown.stdout) as { file: { sha256: string; locations: { tier: string }[] } };
    assert.equal(view.file.sha256, sha('bytes that will rot'));
    assert.deepEqual(
      view.file.locations.map((l) => l.tier),
      ['hot'],
    );

    // The bytes on disk change behind Vellum's back.
    const blob = filesUnder(join(dir, 'data', 'blobs', 'hot')).find((f) =>
      f.endsWith(sha('bytes that will rot')),
    );
    assert.ok(blob, 'the blob is on disk');
    chmodSync(blob, 0o600);
    writeFileSync(blob, 'bytes that have rotted');
    const counted = async () => {
      const text = await (
        await fetch(`${server!.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })
      ).text();
      const m = /^vellum_artifact_scrub_mismatches_total\{tenant="acme"\} (\d+)$/m.exec(text);
      return m ? Number(m[1]) : 0;
    };
    for (let i = 0; i < 200 && (await counted()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok((await counted()) >= 1, 'the mismatch was counted');
  });

  it('lists what the deletion job would delete, and deletes nothing', async () => {
    const a = new ArtifactClient(new VellumClient({ url: server!.url, token: writer }));
    const { package: p } = (await a.createPackage('acme', {
      name: 'short-lived',
      producer: 'ci',
      subject: 'plan',
      retentionClass: 'transient',
    })) as { package: { id: string } };
    const src = join(dir, 'short.txt');
    writeFileSync(src, 'short-lived bytes');
    await a.uploadFile('acme', p.id, { file: src, path: 'short.txt' });
    await a.finalize('acme', p.id);
    await new Promise((r) => setTimeout(r, 2100));
    const plan = await cli(['package', 'deletion-plan']);
    assert.equal(plan.code, 0, describeRun('package deletion-plan', plan));
    assert.match(plan.stdout, new RegExp(`^delete  ${p.id}  transient  expired \\S+  1 files$`, 'm'));
    assert.match(plan.stdout, /would be deleted; nothing was changed\n$/);
    const json = await cli(['package', 'deletion-plan', '--json']);
    const parsed = JSON.parse(json.stdout) as {
      packages: { id: string; swept: boolean }[];
      blobs: { sha256: string }[];
    };
    // No sweep has run (VELLUM_RETENTION_INTERVAL=0): the job's next run would mark it, then delete it.
    assert.deepEqual(
      parsed.packages.filter((x) => x.id === p.id).map((x) => x.swept),
      [false],
    );
    assert.ok(parsed.blobs.some((b) => b.sha256 === sha('short-lived bytes')));
    // Still there: the package is not deleted, nor even marked.
    const r = new ArtifactClient(new VellumClient({ url: server!.url, token: reader }));
    const got = (await r.getPackage('acme', p.id)) as {
      package: { status: string; retention: { eligibleAt: string | null } };
    };
    assert.equal(got.package.retention.eligibleAt, null);
    assert.equal(got.package.status, 'finalized');
    const bad = await cli(['package', 'deletion-plan', '--limit', '0']);
    assert.equal(bad.code, 2, describeRun('deletion-plan --limit 0', bad));
  });
});
