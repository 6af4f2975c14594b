/**
 * One behavioural suite for the artifact store's domain, run on every
 * pairing of {filesystem BlobStore, S3 BlobStore on a real Ceph RGW with
 * Object Lock} × {SQLite, PostgreSQL}. Each test works in fresh tenants,
 * so tests never see each other's packages, sweeps or audit logs. The
 * audit log is read back and decoded wherever a step must be recorded.
 *
 * Retention is short here (transient = 2 s). The domain's clock can be
 * moved ahead on the filesystem; on S3 a test waits for real time to pass
 * an expiry, because Object Lock retention runs on the gateway's clock.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  type ArtifactEntry,
  type Artifacts,
  createArtifacts,
  decodeEvent,
  type ScrubMismatch,
} from '../../src/domain/artifacts/index.js';
import { DomainError, type DomainErrorCode } from '../../src/domain/errors.js';
import { LedgerError } from '../../src/ledger/errors.js';
import { LogRegistry } from '../../src/ledger/registry.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { MemoryObjectStore } from '../../src/storage/memory/memory-object-store.js';
import type { MetadataStore } from '../../src/storage/metadata.js';
import { S3BlobStore } from '../../src/storage/s3/s3-blob-store.js';
import { createBucket } from '../../src/storage/s3/s3-bucket.js';
import { s3ConfigFromEnv } from '../../src/storage/s3/s3-config.js';
import { openMetadata } from '../../src/storage/sql/sql-metadata.js';
import { openCheckpoint } from '../../src/tlog/checkpoint.js';
import { leafHash } from '../../src/tlog/hash.js';
import { checkInclusion } from '../../src/tlog/proof.js';
import { parseReceipt, verifyReceipt } from '../../src/tlog/receipt.js';
import { createSchema, postgresSkip } from '../helpers/postgres.js';
import { destroyBucket, freshBucketName, requireS3, s3TestEnv } from '../helpers/s3.js';

const MAX_FILE = 64 * 1024;
const TRANSIENT_SECONDS = 2;

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `data` as a caller's upload stream, in small chunks. */
async function* chunks(data: Uint8Array | string, size = 4096): AsyncIterable<Uint8Array> {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function isDomain(code: DomainErrorCode) {
  return (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected DomainError('${code}'), got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

// ---------------------------------------------------------------- the pairings

interface Harness {
  readonly a: Artifacts;
  readonly metadata: MetadataStore;
  readonly registry: LogRegistry;
  readonly blobs: BlobStore;
  readonly backend: 'fs' | 's3';
  /** The filesystem store's root (fs only). */
  readonly fsRoot?: string;
  /** Offset of the domain's clock from real time, in ms. */
  readonly clock: { offset: number };
  readonly mismatches: ScrubMismatch[];
  /** A new tenant with its audit log. */
  tenant(): Promise<string>;
  /** The tenant's artifact events so far, in log order. */
  audit(tenant: string): Promise<ArtifactEntry[]>;
  /** Makes the domain see `expiresAt` (ISO) as past; on S3 waits for real time to pass it. */
  passExpiry(expiresAt: string | null): Promise<void>;
  /** While on, every write to the tenant's audit log fails (not stored). */
  failAudit(tenant: string, on: boolean): void;
  /**
   * While set, the domain's appends to the tenant's audit log fail ('unavailable',
   * nothing stored) when `when` is true of an entry of the batch; undefined clears it.
   */
  failAuditWhen(tenant: string, when: ((e: ArtifactEntry) => boolean) | undefined): void;
  /** Blob keys stored for the tenant (content keys and spooled uploads). */
  keys(tenant: string, area?: 'blobs' | 'staging' | 'uploads'): Promise<string[]>;
  close(): Promise<void>;
}

interface Pairing {
  readonly blob: 'fs' | 's3';
  readonly db: 'sqlite' | 'postgres';
  readonly skip: string | false;
}

const s3 = await s3TestEnv();
const s3Env = 'env' in s3 ? s3.env : undefined;
const pgSkip = await postgresSkip();
if (!s3Env) {
  const why = (s3 as { missing: string }).missing;
  if (requireS3()) it('S3 (Ceph RGW) is available, as VELLUM_REQUIRE_S3=1 demands', () => assert.fail(why));
  else console.log(`# SKIP S3 artifact store tests: ${why}`);
}
const s3Skip = s3Env ? false : (s3 as { missing: string }).missing;

const pairings: Pairing[] = [
  { blob: 'fs', db: 'sqlite', skip: false },
  { blob: 'fs', db: 'postgres', skip: pgSkip },
  { blob: 's3', db: 'sqlite', skip: s3Skip },
  { blob: 's3', db: 'postgres', skip: s3Skip || pgSkip },
];

async function open(p: Pairing): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'vellum-artifacts-'));
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  let url = `sqlite:${join(dir, 'meta.db')}`;
  if (p.db === 'postgres') {
    const schema = await createSchema();
    cleanups.push(() => schema.drop());
    url = schema.url;
  }
  const metadata = await openMetadata(url);
  const logs = new Map<string, MemoryObjectStore>();
  const registry = new LogRegistry({
    catalog: metadata.logs,
    lock: metadata.lock,
    store: (t, l) => {
      const k = `${t}/${l}`;
      if (!logs.has(k)) logs.set(k, new MemoryObjectStore());
      return logs.get(k)!;
    },
    origin: (t, l) => `vellum.test/${t}/${l}`,
    random: (n) => new Uint8Array(randomBytes(n)),
    logOptions: { maxDelayMs: 1 },
  });
  let blobs: BlobStore;
  let fsRoot: string | undefined;
  if (p.blob === 'fs') {
    fsRoot = join(dir, 'blobs');
    blobs = new FsBlobStore(fsRoot);
  } else {
    const bucket = freshBucketName('artifacts');
    const store = new S3BlobStore(s3ConfigFromEnv({ ...s3Env, S3_BUCKET: bucket, S3_PREFIX: 'art/' }));
    await createBucket(store.client, bucket, { objectLock: true });
    cleanups.push(async () => {
      await destroyBucket(store.client, bucket);
      store.client.destroy();
    });
    blobs = store;
  }
  const clock = { offset: 0 };
  const mismatches: ScrubMismatch[] = [];
  // The domain's view of the logs: appends fail on the entries a test picks (failAuditWhen).
  const auditFaults = new Map<string, (e: ArtifactEntry) => boolean>();
  const domainRegistry: Pick<LogRegistry, 'get'> = {
    async get(t, l) {
      const log = await registry.get(t, l);
      return new Proxy(log, {
        get(target, k) {
          if (k === 'appendMany')
            return async (entries: readonly Uint8Array[]) => {
              const when = auditFaults.get(t);
              if (when && entries.some((b) => ((e) => e !== undefined && when(e))(decodeEvent(b))))
                throw new LedgerError('unavailable', 'the audit log is down (test fault)');
              return target.appendMany(entries);
            };
          const v = Reflect.get(target, k, target) as unknown;
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    },
  };
  const a = createArtifacts({
    store: metadata.artifacts!,
    blobs,
    registry: domainRegistry,
    random: (n) => new Uint8Array(randomBytes(n)),
    now: () => new Date(Date.now() + clock.offset),
    retention: { transient: { seconds: TRANSIENT_SECONDS } },
    limits: { maxFileBytes: MAX_FILE, maxFilesPerPackage: 50 },
    stagingLockSeconds: 5,
    publishTimeoutMs: 10_000,
    onScrubMismatch: (m) => mismatches.push(m),
  });
  let tenants = 0;
  return {
    a,
    metadata,
    registry,
    blobs,
    backend: p.blob,
    ...(fsRoot && { fsRoot }),
    clock,
    mismatches,
    async tenant() {
      const name = `t${++tenants}-${randomBytes(3).toString('hex')}`;
      await metadata.tenants.create(name);
      await registry.create({ tenant: name, log: 'audit' });
      return name;
    },
    async audit(tenant) {
      const log = await registry.get(tenant, 'audit');
      // A marker entry orders after every acknowledged one; once published, all of them are readable.
      const marker = await log.append(Buffer.from('marker'));
      await log.published(marker);
      const out: ArtifactEntry[] = [];
      for await (const { entry } of log.readSince(0, marker)) {
        const e = decodeEvent(entry);
        if (e) out.push(e);
      }
      return out;
    },
    async passExpiry(expiresAt) {
      assert.ok(expiresAt, 'the package expires');
      const at = Date.parse(expiresAt);
      if (p.blob === 's3') {
        // Object Lock retention is the gateway's: wait for it.
        const wait = at + 1200 - Date.now() - clock.offset;
        if (wait > 0) await sleep(wait);
      } else {
        clock.offset = Math.max(clock.offset, at + 1000 - Date.now());
      }
    },
    failAudit(tenant, on) {
      const store = logs.get(`${tenant}/audit`)!;
      store.fault = on ? (op) => (op === 'put' || op === 'replace' ? 'fail' : undefined) : () => undefined;
    },
    failAuditWhen(tenant, when) {
      if (when) auditFaults.set(tenant, when);
      else auditFaults.delete(tenant);
    },
    async keys(tenant, area = 'blobs') {
      const out: string[] = [];
      for await (const e of blobs.list(`${tenant}/${area}/`)) out.push(e.key);
      return out;
    },
    async close() {
      await registry.close();
      await metadata.close();
      for (const c of cleanups.reverse()) await c();
    },
  };
}

const pkgInput = (over: Record<string, unknown> = {}) => ({
  name: 'nightly run',
  producer: 'guide-board',
  subject: 'repo:acme/app',
  retentionClass: 'transient' as const,
  metadata: { run_id: 'r-1' },
  ...over,
});

/** The event types of `pkg` in log order (short names). */
function typesOf(events: ArtifactEntry[], pkg: string): string[] {
  return events
    .filter((e) => (e as { package?: unknown }).package === pkg)
    .map((e) => e.type.slice('vellum.artifact.'.length));
}

// ---------------------------------------------------------------- the suite, on every pairing

// The pairings run side by side (their tests in order): the S3 ones mostly wait for Object Lock retention to pass.
describe('artifact store', { concurrency: true }, () => {
  for (const pairing of pairings) {
    describe(`on ${pairing.blob} + ${pairing.db}`, { skip: pairing.skip, concurrency: 1 }, () => {
      let h: Harness;
      let a: Artifacts;
      before(async () => {
        h = await open(pairing);
        a = h.a;
      });
      after(async () => {
        await h?.close();
      });
      beforeEach(() => {
        if (h) h.clock.offset = 0;
      });

      it('runs a package through its whole life, each step an audit entry; the manifest proves its finalize entry', async () => {
        const t = await h.tenant();
        const actor = 'key-writer';
        const created = await a.packages.create(
          t,
          actor,
          pkgInput({ metadata: { run_id: 'r-42', attempt: 2 } }),
        );
        const p = created.package;
        assert.equal(p.status, 'open');
        assert.equal(p.retention.class, 'transient');
        assert.equal(p.retention.rule, 'transient default: 2 seconds');
        assert.equal(Date.parse(p.retention.expiresAt!) - Date.parse(p.createdAt), TRANSIENT_SECONDS * 1000);

        const json = JSON.stringify({ run: 42, ok: true });
        const md = '# Report\n\nAll green.\n'.repeat(50);
        const f1 = await a.files.add(t, actor, p.id, {
          path: 'run.json',
          mediaType: 'application/json',
          body: chunks(json),
          sha256: sha(json).toUpperCase(),
          size: Buffer.byteLength(json),
        });
        assert.equal(f1.file.sha256, sha(json));
        assert.equal(f1.deduplicated, false);
        assert.equal(f1.objectLock, h.backend === 's3' ? 'applied' : 'not-supported');
        // Without a declared digest: spooled, hashed by Vellum, then stored by content
        // (on the filesystem the spooled file is moved, not written a second time).
        const puts: string[] = [];
        const put = h.blobs.put.bind(h.blobs);
        h.blobs.put = (key, source, options) => {
          puts.push(key.split('/')[1]!);
          return put(key, source, options);
        };
        let f2: Awaited<ReturnType<typeof a.files.add>>;
        try {
          f2 = await a.files.add(t, actor, p.id, {
            path: 'reports/report.md',
            mediaType: 'text/markdown',
            body: chunks(md),
          });
        } finally {
          h.blobs.put = put;
        }
        assert.deepEqual(puts, h.backend === 'fs' ? ['staging'] : ['staging', 'blobs']);
        if (h.backend === 'fs') assert.deepEqual(await h.keys(t, 'staging'), [], 'nothing left spooled');
        assert.equal(f2.file.sha256, sha(md));
        assert.equal(f2.file.size, Buffer.byteLength(md));
        assert.deepEqual(
          (await h.keys(t)).sort(),
          [`${t}/blobs/sha256/${sha(json)}`, `${t}/blobs/sha256/${sha(md)}`].sort(),
        );

        const fin = await a.packages.finalize(t, actor, p.id);
        assert.equal(fin.package.status, 'finalized');
        assert.equal(fin.package.finalizeIndex, fin.auditIndex);
        await assert.rejects(
          a.files.add(t, actor, p.id, { path: 'late.txt', body: chunks('late') }),
          isDomain('conflict'),
          'a finalized package is immutable',
        );
        await assert.rejects(a.packages.finalize(t, actor, p.id), isDomain('conflict'));

        // The manifest: exactly the digested bytes, and the inclusion proof of its finalize entry.
        const m = await a.packages.manifest(t, p.id, { proof: true });
        assert.equal(m.sha256, fin.manifestSha256);
        assert.equal(sha(m.bytes), m.sha256);
        assert.deepEqual(
          m.manifest.files.map((f) => [f.path, f.mediaType, f.size, f.sha256]),
          [
            ['reports/report.md', 'text/markdown', Buffer.byteLength(md), sha(md)],
            ['run.json', 'application/json', Buffer.byteLength(json), sha(json)],
          ],
        );
        assert.equal(m.manifest.retention.class, 'transient');
        assert.deepEqual(m.manifest.package.metadata, { attempt: 2, run_id: 'r-42' });
        for (const f of m.manifest.files) {
          assert.equal(f.locations.length, 1);
          assert.equal(f.locations[0]!.backend, h.backend);
          assert.ok(f.locations[0]!.objectKey.endsWith(`${t}/blobs/sha256/${f.sha256}`));
          if (h.backend === 's3') assert.ok(f.locations[0]!.versionId);
        }
        const inc = m.inclusion!;
        const log = await h.registry.get(t, 'audit');
        const { checkpoint } = openCheckpoint(inc.checkpoint, [log.verifier], log.origin);
        assert.equal(inc.index, fin.auditIndex);
        checkInclusion(inc.proof, checkpoint.size, checkpoint.root, inc.index, leafHash(inc.entry));
        const finalized = decodeEvent(inc.entry) as ArtifactEntry<'package-finalized'>;
        assert.equal(finalized.type, 'vellum.artifact.package-finalized');
        assert.equal(finalized.manifestSha256, m.sha256);
        assert.equal(finalized.actor, actor);
        // The same proof as an offline C2SP tlog-proof receipt.
        const receipt = parseReceipt(inc.receipt);
        assert.equal(receipt.index, inc.index);
        verifyReceipt(receipt, { logKey: log.verifier, origin: log.origin, entry: inc.entry });

        // Downloads, whole and a range; each is recorded before any byte is handed out.
        const whole = await a.files.download(t, 'key-reader', f1.file.id);
        assert.equal(whole.kind, 'stream');
        if (whole.kind === 'stream') assert.equal((await bytesOf(whole.stream)).toString(), json);
        const part = await a.files.download(t, 'key-reader', f2.file.id, { range: { start: 2, end: 7 } });
        assert.ok(part.kind === 'stream');
        assert.deepEqual(part.range, { start: 2, end: 7 });
        assert.equal((await bytesOf(part.stream)).toString(), md.slice(2, 8));
        await assert.rejects(
          a.files.download(t, 'key-reader', f2.file.id, { range: { start: 1 << 20 } }),
          isDomain('bad-range'),
        );
        if (h.backend === 's3') {
          const link = await a.files.download(t, 'key-reader', f1.file.id, {
            presign: { expiresSeconds: 60 },
          });
          assert.equal(link.kind, 'redirect');
          if (link.kind === 'redirect') assert.equal(await (await fetch(link.url)).text(), json);
        }

        // Extension, then a hold and its release.
        const ext = await a.extensions.extend(t, actor, p.id, {
          by: { seconds: 2 },
          reason: 'review pending',
        });
        assert.equal(Date.parse(ext.package.retention.expiresAt!), Date.parse(p.retention.expiresAt!) + 2000);
        const held = await a.holds.apply(t, 'key-legal', p.id, { caseId: 'CASE-7', reason: 'litigation' });
        assert.equal(held.hold.active, true);
        const released = await a.holds.release(t, 'key-legal', p.id, held.hold.id, { reason: 'case closed' });
        assert.equal(released.hold.active, false);
        assert.equal(released.hold.releasedBy, 'key-legal');

        // Expiry: swept eligible, then deleted file by file, then the blobs collected.
        await h.passExpiry(ext.package.retention.expiresAt);
        const sweep = await a.deletion.sweep(t);
        assert.deepEqual(sweep.eligible, [p.id]);
        const { report } = await a.deletion.run(t);
        assert.deepEqual(report!.deleted, [
          { package: p.id, files: 2, bytes: Buffer.byteLength(json) + Buffer.byteLength(md) },
        ]);
        assert.deepEqual(report!.blobs.failed, []);
        assert.deepEqual(report!.blobs.deleted.map((b) => b.sha256).sort(), [sha(json), sha(md)].sort());
        assert.equal((await a.packages.get(t, p.id)).status, 'deleted');
        assert.deepEqual(await h.keys(t), []);
        await assert.rejects(a.files.download(t, 'key-reader', f1.file.id), isDomain('not-found'));
        // The manifest outlives the bytes: the record of what was there.
        assert.equal((await a.packages.manifest(t, p.id)).sha256, m.sha256);

        const events = await h.audit(t);
        assert.deepEqual(typesOf(events, p.id), [
          'package-created',
          'file-added',
          'file-added',
          'package-finalized',
          'file-downloaded',
          'file-downloaded',
          ...(h.backend === 's3' ? ['file-downloaded'] : []),
          'retention-extended',
          'hold-applied',
          'hold-released',
          'deletion-eligible',
          'deletion-requested',
          'item-deleted',
          'item-deleted',
          'deletion-completed',
        ]);
        const fileItems = events.filter(
          (e): e is ArtifactEntry<'item-deleted'> =>
            e.type === 'vellum.artifact.item-deleted' && e.item.kind === 'file',
        );
        assert.deepEqual(fileItems.map((e) => e.item.kind === 'file' && e.item.path).sort(), [
          'reports/report.md',
          'run.json',
        ]);
        const blobItems = events.filter(
          (e): e is ArtifactEntry<'item-deleted'> =>
            e.type === 'vellum.artifact.item-deleted' && e.item.kind === 'blob',
        );
        assert.deepEqual(blobItems.map((e) => e.item.sha256).sort(), [sha(json), sha(md)].sort());
        const created0 = events.find(
          (e) => e.type === 'vellum.artifact.package-created',
        ) as ArtifactEntry<'package-created'>;
        assert.equal(created0.expiresAt, p.retention.expiresAt);
        assert.equal(created0.actor, actor);
        const dl = events.filter(
          (e) => e.type === 'vellum.artifact.file-downloaded',
        ) as ArtifactEntry<'file-downloaded'>[];
        assert.deepEqual(dl[1]!.range, { start: 2, end: 7 });
        assert.equal(dl[0]!.actor, 'key-reader');

        // And the registry's own retention history, per item.
        const history = await a.packages.events(t, p.id);
        assert.deepEqual(
          history.map((e) => e.type),
          [
            'default_rule_applied',
            'extended',
            'hold_applied',
            'hold_released',
            'deletion_eligible',
            'deletion_requested',
            'deleted',
            'deleted',
            'deleted',
          ],
        );
        assert.deepEqual(
          history
            .filter((e) => e.item !== null)
            .map((e) => (e.item as { path: string }).path)
            .sort(),
          ['reports/report.md', 'run.json'],
        );
      });

      it('commits nothing to the registry when the audit entry cannot be written', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput({ retentionClass: 'raw-evidence' }));
        h.failAudit(t, true);
        await assert.rejects(
          a.files.add(t, 'w', p.id, { path: 'x.txt', body: chunks('x'), sha256: sha('x') }),
          isDomain('unavailable'),
        );
        await assert.rejects(
          a.holds.apply(t, 'legal', p.id, { caseId: 'C', reason: 'r' }),
          isDomain('unavailable'),
        );
        await assert.rejects(
          a.extensions.extend(t, 'w', p.id, { by: { days: 1 }, reason: 'r' }),
          isDomain('unavailable'),
        );
        await assert.rejects(a.packages.finalize(t, 'w', p.id), isDomain('unavailable'));
        await assert.rejects(a.packages.create(t, 'w', pkgInput()), isDomain('unavailable'));
        h.failAudit(t, false);
        assert.deepEqual(await a.files.list(t, p.id), []);
        assert.deepEqual(await a.holds.list(t, p.id), []);
        const same = await a.packages.get(t, p.id);
        assert.deepEqual(
          [same.status, same.files, same.retention.expiresAt],
          ['open', 0, p.retention.expiresAt],
        );
        assert.equal((await a.packages.list(t)).packages.length, 1);
        assert.equal(await h.metadata.artifacts!.blobs.get(t, sha('x')), undefined);
        // Once the log takes entries again, the same upload goes through (its bytes were already there).
        const f = await a.files.add(t, 'w', p.id, { path: 'x.txt', body: chunks('x'), sha256: sha('x') });
        assert.equal(f.file.path, 'x.txt');
        assert.deepEqual(typesOf(await h.audit(t), p.id), ['package-created', 'file-added']);
      });

      it('lists and searches packages by subject, producer, metadata, status and class, in pages', async () => {
        const t = await h.tenant();
        const other = await h.tenant();
        const made: string[] = [];
        for (let i = 0; i < 5; i++) {
          const { package: p } = await a.packages.create(
            t,
            'w',
            pkgInput({
              subject: i < 3 ? 'repo:acme/app' : 'repo:acme/lib',
              producer: i % 2 === 0 ? 'guide-board' : 'open-cmis-tck',
              retentionClass: i === 4 ? 'release-evidence' : 'raw-evidence',
              metadata: { run_id: `r-${i}`, attempt: i, green: i !== 1 },
            }),
          );
          made.push(p.id);
        }
        await a.packages.create(other, 'w', pkgInput());
        const all = await a.packages.list(t);
        assert.deepEqual(all.packages.map((p) => p.id).sort(), [...made].sort());
        const ids = async (f: Parameters<typeof a.packages.list>[1]) =>
          (await a.packages.list(t, f)).packages.map((p) => p.id).sort();
        assert.deepEqual(await ids({ subject: 'repo:acme/lib' }), [made[3]!, made[4]!].sort());
        assert.deepEqual(await ids({ producer: 'open-cmis-tck' }), [made[1]!, made[3]!].sort());
        assert.deepEqual(await ids({ metadata: { run_id: 'r-2' } }), [made[2]!]);
        assert.deepEqual(await ids({ metadata: { attempt: 3 } }), [made[3]!]);
        assert.deepEqual(await ids({ metadata: { green: false } }), [made[1]!]);
        assert.deepEqual(await ids({ metadata: { green: true, attempt: 0 } }), [made[0]!]);
        assert.deepEqual(await ids({ retentionClass: 'release-evidence' }), [made[4]!]);
        await a.packages.finalize(t, 'w', made[0]!);
        assert.deepEqual(await ids({ status: 'finalized' }), [made[0]!]);
        assert.deepEqual(
          await ids({ status: 'open', subject: 'repo:acme/app' }),
          [made[1]!, made[2]!].sort(),
        );
        // Pages, newest first, without repeats.
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await a.packages.list(t, { limit: 2, ...(cursor && { cursor }) });
          seen.push(...page.packages.map((p) => p.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        assert.deepEqual([...seen].sort(), [...made].sort());
        assert.equal(new Set(seen).size, 5);
        await assert.rejects(a.packages.list(t, { cursor: 'not-a-cursor!' }), isDomain('bad-request'));
        await assert.rejects(a.packages.list(t, { status: 'gone' }), isDomain('bad-request'));
        await assert.rejects(a.packages.list(t, { limit: 0 }), isDomain('bad-request'));
      });

      it('stores a blob once per tenant, counts its references, and never deletes one another package uses', async () => {
        const t = await h.tenant();
        const t2 = await h.tenant();
        const shared = randomBytes(10_000);
        const own = randomBytes(3000);
        const { package: short } = await a.packages.create(t, 'w', pkgInput());
        const { package: long } = await a.packages.create(
          t,
          'w',
          pkgInput({ retentionClass: 'raw-evidence' }),
        );
        const { package: foreign } = await a.packages.create(
          t2,
          'w',
          pkgInput({ retentionClass: 'raw-evidence' }),
        );
        const s1 = await a.files.add(t, 'w', short.id, {
          path: 'data.bin',
          body: chunks(shared),
          sha256: sha(shared),
        });
        await a.files.add(t, 'w', short.id, { path: 'own.bin', body: chunks(own) });
        const s2 = await a.files.add(t, 'w', long.id, { path: 'copy/of/data.bin', body: chunks(shared) });
        const s3 = await a.files.add(t2, 'w', foreign.id, {
          path: 'data.bin',
          body: chunks(shared),
          sha256: sha(shared),
        });
        assert.equal(s1.deduplicated, false);
        assert.equal(s2.deduplicated, true, 'the same bytes in another package are not stored again');
        assert.equal(s3.deduplicated, false, 'tenants never share blobs');
        assert.equal((await h.metadata.artifacts!.blobs.get(t, sha(shared)))!.refcount, 2);
        assert.equal((await h.metadata.artifacts!.blobs.get(t2, sha(shared)))!.refcount, 1);
        assert.deepEqual(
          (await h.keys(t)).sort(),
          [`${t}/blobs/sha256/${sha(shared)}`, `${t}/blobs/sha256/${sha(own)}`].sort(),
        );

        await h.passExpiry((await a.packages.get(t, short.id)).retention.expiresAt);
        await a.deletion.sweep(t);
        const plan = await a.deletion.plan(t);
        assert.deepEqual(
          plan.packages.map((p) => p.id),
          [short.id],
        );
        assert.deepEqual(
          plan.blobs.map((b) => b.sha256),
          [sha(own)],
          'the shared blob is not planned for deletion',
        );
        const { report } = await a.deletion.run(t);
        assert.deepEqual(
          report!.deleted.map((d) => d.package),
          [short.id],
        );
        assert.deepEqual(
          report!.blobs.deleted.map((b) => b.sha256),
          [sha(own)],
        );
        assert.equal((await h.metadata.artifacts!.blobs.get(t, sha(shared)))!.refcount, 1);
        assert.equal(await h.metadata.artifacts!.blobs.get(t, sha(own)), undefined);
        assert.deepEqual(await h.keys(t), [`${t}/blobs/sha256/${sha(shared)}`]);
        const d = await a.files.download(t, 'r', s2.file.id);
        assert.ok(d.kind === 'stream');
        assert.ok((await bytesOf(d.stream)).equals(shared), 'the other package still reads the shared bytes');
        // A second collection finds nothing more to delete.
        const again = await a.deletion.gc(t);
        assert.deepEqual([again.deleted, again.failed], [[], []]);
      });

      it('re-checks holds when the deletion runs: a hold applied after planning keeps the package', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput());
        const body = randomBytes(2048);
        const f = await a.files.add(t, 'w', p.id, { path: 'evidence.bin', body: chunks(body) });
        await a.packages.finalize(t, 'w', p.id);
        await h.passExpiry(p.retention.expiresAt);
        assert.deepEqual((await a.deletion.sweep(t)).eligible, [p.id]);
        const plan = await a.deletion.plan(t);
        assert.deepEqual(
          plan.packages.map((x) => x.id),
          [p.id],
        );

        const hold = await a.holds.apply(t, 'key-legal', p.id, { caseId: 'CASE-9', reason: 'subpoena' });
        const report = await a.deletion.execute(t, 'system:retention', plan);
        assert.deepEqual(report.deleted, []);
        assert.deepEqual(report.skipped, [{ package: p.id, reason: 'held' }]);
        assert.equal((await a.packages.get(t, p.id)).status, 'finalized');
        const d = await a.files.download(t, 'r', f.file.id);
        assert.ok(d.kind === 'stream');
        assert.ok((await bytesOf(d.stream)).equals(body));
        // While held, a new plan lists it as held, not as going.
        const held = await a.deletion.plan(t);
        assert.deepEqual(held.packages, []);
        assert.deepEqual(held.held, [{ id: p.id, activeHolds: 1 }]);

        // Released, it goes at the next run (it is still expired and marked).
        await a.holds.release(t, 'key-legal', p.id, hold.hold.id, { reason: 'closed' });
        const { report: after } = await a.deletion.run(t);
        assert.deepEqual(
          after!.deleted.map((x) => x.package),
          [p.id],
        );
        const types = typesOf(await h.audit(t), p.id);
        assert.equal(
          types.filter((x) => x === 'deletion-requested').length,
          1,
          'the held run requested nothing',
        );
      });

      it('takes over a deletion whose run died, once its claim is stale', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput());
        await a.files.add(t, 'w', p.id, { path: 'one.txt', body: chunks('one') });
        await a.files.add(t, 'w', p.id, { path: 'two.txt', body: chunks('two') });
        await h.passExpiry(p.retention.expiresAt);
        await a.deletion.sweep(t);
        // A run claims the package and dies before deleting anything.
        const dead = `run_${randomBytes(12).toString('hex')}`;
        const now = Date.now() + h.clock.offset;
        const event = {
          tenant: t,
          packageId: p.id,
          type: 'deletion_requested' as const,
          reason: 'retention expired',
          createdBy: 'system:retention',
          createdAt: now,
          previousExpiresAt: null,
          newExpiresAt: null,
          holdId: null,
          item: null,
          auditIndex: null,
        };
        const store = h.metadata.artifacts!.packages;
        assert.equal(
          await store.claimForDeletion(t, p.id, { now, run: dead, staleBefore: now - 1 }, event),
          'claimed',
        );
        await assert.rejects(
          a.holds.apply(t, 'legal', p.id, { caseId: 'LATE', reason: 'too late' }),
          isDomain('conflict'),
          'a package being deleted can no longer be held',
        );
        const early = await a.deletion.run(t);
        assert.deepEqual(
          early.plan.packages.map((x) => [x.id, x.resume]),
          [[p.id, true]],
        );
        assert.deepEqual(early.report!.skipped, [{ package: p.id, reason: 'being deleted by another run' }]);
        h.clock.offset += 11 * 60_000;
        const { report } = await a.deletion.run(t);
        assert.deepEqual(report!.deleted, [{ package: p.id, files: 2, bytes: 6 }]);
        assert.deepEqual(await h.keys(t), []);
        const requested = (await h.audit(t)).filter((e) => e.type === 'vellum.artifact.deletion-requested');
        assert.deepEqual(
          requested.map((e) => (e as ArtifactEntry<'deletion-requested'>).resumed),
          [true],
        );
      });

      it('never claims or marks a package deleted before the entry recording it is durable; a later run finishes', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput());
        await a.files.add(t, 'w', p.id, { path: 'one.txt', body: chunks('one') });
        await a.files.add(t, 'w', p.id, { path: 'two.txt', body: chunks('two!') });
        await a.packages.finalize(t, 'w', p.id);
        await h.passExpiry(p.retention.expiresAt);
        assert.deepEqual((await a.deletion.sweep(t)).eligible, [p.id]);
        const own = (e: ArtifactEntry) => (e as { package?: unknown }).package === p.id;
        const resumedFlags = async () =>
          (await h.audit(t))
            .filter((e) => own(e) && e.type === 'vellum.artifact.deletion-requested')
            .map((e) => (e as ArtifactEntry<'deletion-requested'>).resumed);

        // 1. The log refuses the deletion-requested entry: the package is not claimed.
        h.failAuditWhen(t, (e) => own(e) && e.type === 'vellum.artifact.deletion-requested');
        const r1 = (await a.deletion.run(t)).report!;
        h.failAuditWhen(t, undefined);
        assert.deepEqual(r1.deleted, []);
        assert.match(r1.skipped.find((x) => x.package === p.id)?.reason ?? '', /^failed \(unavailable\)/);
        assert.equal((await a.packages.get(t, p.id)).status, 'finalized', 'not claimed without its entry');
        assert.equal((await a.files.list(t, p.id)).length, 2);

        // 2. The log goes down for the package at its deletion-completed entry (the deletion-failed one
        //    fails too): the files are gone, each with its entry, but the package stays 'deleting'.
        let down = false;
        h.failAuditWhen(t, (e) => {
          if (own(e) && e.type === 'vellum.artifact.deletion-completed') down = true;
          return down && own(e);
        });
        const r2 = (await a.deletion.run(t)).report!;
        h.failAuditWhen(t, undefined);
        assert.ok(down, 'the completed entry was attempted');
        assert.deepEqual(r2.deleted, []);
        assert.match(r2.skipped.find((x) => x.package === p.id)?.reason ?? '', /^failed \(unavailable\)/);
        assert.equal(
          (await a.packages.get(t, p.id)).status,
          'deleting',
          'not deleted without a completed entry',
        );
        assert.deepEqual(await a.files.list(t, p.id), []);
        let types = typesOf(await h.audit(t), p.id);
        assert.ok(!types.includes('deletion-completed'));
        assert.equal(types.filter((x) => x === 'item-deleted').length, 2, 'each file deletion recorded');
        assert.deepEqual(await resumedFlags(), [false]);

        // 3. Once the claim is stale, the next run takes the package over and completes it.
        const early = (await a.deletion.run(t)).report!;
        assert.deepEqual(early.skipped, [{ package: p.id, reason: 'being deleted by another run' }]);
        h.clock.offset += 11 * 60_000;
        const r3 = (await a.deletion.run(t)).report!;
        assert.deepEqual(r3.deleted, [{ package: p.id, files: 0, bytes: 0 }]);
        assert.equal((await a.packages.get(t, p.id)).status, 'deleted');
        types = typesOf(await h.audit(t), p.id);
        assert.deepEqual(types.slice(types.indexOf('deletion-eligible')), [
          'deletion-eligible',
          'deletion-failed', // run 1: its requested entry was refused, so nothing else happened
          'deletion-requested',
          'item-deleted',
          'item-deleted',
          'deletion-requested',
          'deletion-completed',
        ]);
        assert.deepEqual(await resumedFlags(), [false, true]);
        const history = await a.packages.events(t, p.id);
        const requested = history.filter((e) => e.type === 'deletion_requested');
        assert.equal(requested.length, 1);
        assert.notEqual(requested[0]!.auditIndex, null, 'the claim names its entry');
        assert.notEqual(history.at(-1)!.auditIndex, null, 'the deletion names its completed entry');
        assert.equal(history.filter((e) => e.item !== null).length, 2, 'one retention event per file');
        assert.equal((await h.metadata.artifacts!.files.list(t, p.id, true)).length, 2, 'the rows stay');
      });

      it('reports a package deleted when its commit succeeds but the answer is lost; a refused request is not a claim', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput());
        await a.files.add(t, 'w', p.id, { path: 'one.txt', body: chunks('one') });
        await h.passExpiry(p.retention.expiresAt);
        await a.deletion.sweep(t);
        const own = (e: ArtifactEntry) => (e as { package?: unknown }).package === p.id;

        // The deletion-requested entry is refused: nothing was claimed, and the reason says so.
        h.failAuditWhen(t, (e) => own(e) && e.type === 'vellum.artifact.deletion-requested');
        const r1 = (await a.deletion.run(t)).report!;
        h.failAuditWhen(t, undefined);
        const reason = r1.skipped.find((x) => x.package === p.id)?.reason ?? '';
        assert.match(reason, /^failed \(unavailable\): not claimed; retried by the next run$/);
        assert.doesNotMatch(reason, /stale/);

        // markDeleted commits, then its answer is lost (an ambiguous commit).
        const store = h.metadata.artifacts!.packages as { markDeleted: (...a: never[]) => Promise<boolean> };
        const original = store.markDeleted;
        store.markDeleted = async function (this: unknown, ...args: never[]) {
          const r = await original.apply(this, args);
          if ((args as unknown[])[0] === t) throw new Error('connection lost after commit (test fault)');
          return r;
        };
        const r2 = (
          await a.deletion.run(t).finally(() => {
            store.markDeleted = original;
          })
        ).report!;
        assert.equal((await a.packages.get(t, p.id)).status, 'deleted');
        assert.deepEqual(r2.deleted, [{ package: p.id, files: 1, bytes: 3 }]);
        assert.deepEqual(r2.skipped, []);
        const events = await h.audit(t);
        const completed = events.findIndex((e) => own(e) && e.type === 'vellum.artifact.deletion-completed');
        assert.ok(completed >= 0);
        assert.ok(
          !events.some((e) => e.type === 'vellum.artifact.aborted'),
          'no aborted entry for a deletion that happened',
        );
        assert.ok(
          !events.some(
            (e) => own(e) && e.type === 'vellum.artifact.deletion-failed' && events.indexOf(e) > completed,
          ),
        );
      });

      it('says when a plan is cut at its limit, and never plans more than the limit', async () => {
        const t = await h.tenant();
        let expiresAt = '';
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const { package: p } = await a.packages.create(t, 'w', pkgInput());
          await a.files.add(t, 'w', p.id, { path: 'f.txt', body: chunks(`trunc ${i}`) });
          ids.push(p.id);
          expiresAt = p.retention.expiresAt!;
        }
        await h.passExpiry(expiresAt);
        // Nothing swept yet: only withUnswept sees the expired ones.
        const none = await a.deletion.plan(t, { limit: 2 });
        assert.deepEqual([none.packages.length, none.truncated], [0, false]);
        const cut = await a.deletion.plan(t, { limit: 2, withUnswept: true });
        assert.deepEqual([cut.packages.length, cut.truncated], [2, true]);
        const all = await a.deletion.plan(t, { limit: 10, withUnswept: true });
        assert.deepEqual([all.packages.length, all.truncated], [3, false]);
        // One swept, two not: eligible (1) plus expired (cut at 2 of 3) must not exceed the limit.
        await a.deletion.sweep(t, 'system:retention', { limit: 1 });
        const mixed = await a.deletion.plan(t, { limit: 2, withUnswept: true });
        assert.equal(mixed.packages.length, 2);
        assert.equal(mixed.truncated, true);
        assert.equal(new Set(mixed.packages.map((x) => x.id)).size, 2);
        const swept = await a.deletion.plan(t, { limit: 2 });
        assert.deepEqual([swept.packages.length, swept.truncated], [1, false]);
        await a.deletion.sweep(t);
        const eligible = await a.deletion.plan(t, { limit: 3 });
        assert.deepEqual(
          [eligible.packages.length, eligible.truncated],
          [3, true],
          'eligible list at the limit',
        );
        assert.equal((await a.deletion.plan(t, { limit: 4 })).truncated, false);
      });

      it('a dry run lists what would go and changes nothing', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput());
        const body = randomBytes(1500);
        await a.files.add(t, 'w', p.id, { path: 'a/b.txt', body: chunks(body), sha256: sha(body) });
        await h.passExpiry(p.retention.expiresAt);
        await a.deletion.sweep(t);
        const before = {
          pkg: await a.packages.get(t, p.id),
          events: await a.packages.events(t, p.id),
          audit: (await h.audit(t)).length,
          keys: await h.keys(t),
          blob: await h.metadata.artifacts!.blobs.get(t, sha(body)),
        };
        const { plan, report } = await a.deletion.run(t, 'ops', { dryRun: true });
        assert.equal(report, undefined);
        assert.deepEqual(
          plan.packages.map((x) => [x.id, x.files.map((f) => f.path)]),
          [[p.id, ['a/b.txt']]],
        );
        assert.deepEqual(
          plan.blobs.map((b) => b.sha256),
          [sha(body)],
        );
        assert.deepEqual(await a.packages.get(t, p.id), before.pkg);
        assert.deepEqual(await a.packages.events(t, p.id), before.events);
        assert.equal((await h.audit(t)).length, before.audit, 'a dry run appends nothing');
        assert.deepEqual(await h.keys(t), before.keys);
        assert.deepEqual(await h.metadata.artifacts!.blobs.get(t, sha(body)), before.blob);
      });

      it('orders holds and deletion claims in the database: a package is never both held and deleted', async () => {
        const t = await h.tenant();
        const ids: string[] = [];
        let expiresAt = '';
        for (let i = 0; i < 6; i++) {
          const { package: p } = await a.packages.create(t, 'w', pkgInput());
          await a.files.add(t, 'w', p.id, { path: 'f.txt', body: chunks(`race ${i}`) });
          ids.push(p.id);
          expiresAt = p.retention.expiresAt!;
        }
        await h.passExpiry(expiresAt);
        await a.deletion.sweep(t);
        const plan = await a.deletion.plan(t);
        assert.equal(plan.packages.length, ids.length);
        const [run, ...holds] = await Promise.allSettled([
          a.deletion.execute(t, 'system:retention', plan),
          ...ids.map((id) => a.holds.apply(t, 'legal', id, { caseId: 'RACE', reason: 'race' })),
        ]);
        assert.equal(run.status, 'fulfilled');
        const report = (run as PromiseFulfilledResult<Awaited<ReturnType<typeof a.deletion.execute>>>).value;
        for (const [i, id] of ids.entries()) {
          const pkg = await a.packages.get(t, id);
          const hold = holds[i]!;
          if (hold.status === 'fulfilled') {
            assert.notEqual(pkg.status, 'deleted', `${id} was deleted under an active hold`);
            assert.equal(pkg.retention.activeHolds, 1);
            assert.ok(report.skipped.some((s) => s.package === id && s.reason === 'held'));
          } else {
            isDomain('conflict')(hold.reason);
            assert.equal(pkg.status, 'deleted');
            assert.ok(report.deleted.some((d) => d.package === id));
          }
        }
      });

      it('lets one of two racing uploads to the same path win', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput({ retentionClass: 'raw-evidence' }));
        const results = await Promise.allSettled([
          a.files.add(t, 'w', p.id, { path: 'same.txt', body: chunks('first') }),
          a.files.add(t, 'w', p.id, { path: 'same.txt', body: chunks('second') }),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        isDomain('conflict')(lost.reason);
        const files = await a.files.list(t, p.id);
        assert.equal(files.length, 1);
        assert.equal((await a.packages.get(t, p.id)).files, 1);
        assert.equal((await h.metadata.artifacts!.blobs.get(t, files[0]!.sha256))!.refcount, 1);
        const types = typesOf(await h.audit(t), p.id);
        const added = types.filter((x) => x === 'file-added').length;
        // A loser that got past the pre-check has its entry followed by `aborted`.
        const aborted = (await h.audit(t)).filter((e) => e.type === 'vellum.artifact.aborted').length;
        assert.equal(added - aborted, 1);
      });

      it('extends retention only ever later, and never for a permanent record, which is never eligible', async () => {
        const t = await h.tenant();
        const other = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput({ retentionClass: 'raw-evidence' }));
        const expires = Date.parse(p.retention.expiresAt!);
        await assert.rejects(
          a.extensions.extend(t, 'w', p.id, { until: new Date(expires - 1000), reason: 'shorter' }),
          isDomain('conflict'),
        );
        await assert.rejects(
          a.extensions.extend(t, 'w', p.id, { until: new Date(expires).toISOString(), reason: 'same' }),
          isDomain('conflict'),
        );
        await assert.rejects(
          a.extensions.extend(t, 'w', p.id, {
            until: Date.now() + 200 * 365 * 86_400_000,
            reason: 'too far',
          }),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.extensions.extend(t, 'w', p.id, { reason: 'no date' } as never),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.extensions.extend(other, 'w', p.id, { by: { days: 1 }, reason: 'other tenant' }),
          isDomain('not-found'),
        );
        const later = await a.extensions.extend(t, 'w', p.id, { by: { days: 30 }, reason: 'audit' });
        assert.equal(Date.parse(later.package.retention.expiresAt!), expires + 30 * 86_400_000);
        const events = await a.packages.events(t, p.id);
        assert.deepEqual(
          events.map((e) => [e.type, e.previousExpiresAt, e.newExpiresAt]),
          [
            ['default_rule_applied', null, p.retention.expiresAt],
            ['extended', p.retention.expiresAt, later.package.retention.expiresAt],
          ],
        );

        const { package: perm } = await a.packages.create(
          t,
          'w',
          pkgInput({ retentionClass: 'permanent-record' }),
        );
        assert.equal(perm.retention.expiresAt, null);
        assert.equal(perm.retention.rule, 'permanent-record default: never expires');
        await assert.rejects(
          a.extensions.extend(t, 'w', perm.id, { by: { years: 1 }, reason: 'x' }),
          isDomain('conflict'),
        );
        if (h.backend === 'fs') h.clock.offset = 150 * 365 * 86_400_000; // the domain 150 years on
        assert.deepEqual((await a.deletion.sweep(t)).eligible, h.backend === 'fs' ? [p.id] : []);
        const plan = await a.deletion.plan(t);
        assert.ok(!plan.packages.some((x) => x.id === perm.id), 'a permanent record is never planned');
        assert.equal((await a.packages.get(t, perm.id)).retention.eligibleAt, null);
      });

      it('bad input is a clear DomainError and stores nothing', async () => {
        const t = await h.tenant();
        const other = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput());
        const ok = 'fine';
        const body = () => chunks(ok);
        for (const path of [
          '../escape.txt',
          'a/../../b',
          '/etc/passwd',
          'C:/windows/x',
          'a\\b.txt',
          'a//b',
          'a/',
          './a',
          '',
          'nul\u0000byte',
          'bell\u0007',
          'rtl\u202etxt.exe',
          'x'.repeat(1025),
          `${'y'.repeat(256)}/z`,
        ])
          await assert.rejects(
            a.files.add(t, 'w', p.id, { path, body: body() }),
            isDomain('bad-request'),
            JSON.stringify(path),
          );
        await a.files.add(t, 'w', p.id, { path: 'caf\u00e9/menu.txt', body: chunks('one') });
        await assert.rejects(
          a.files.add(t, 'w', p.id, { path: 'cafe\u0301/menu.txt', body: chunks('two') }),
          isDomain('conflict'),
          'NFD and NFC spellings are one path',
        );
        await assert.rejects(
          a.files.add(t, 'w', p.id, { path: 'caf\u00e9/menu.txt', body: chunks('three') }),
          isDomain('conflict'),
        );
        const big = randomBytes(MAX_FILE + 1);
        await assert.rejects(
          a.files.add(t, 'w', p.id, { path: 'big.bin', body: chunks(big) }),
          isDomain('too-large'),
        );
        await assert.rejects(
          a.files.add(t, 'w', p.id, { path: 'big2.bin', body: chunks(big), sha256: sha(big) }),
          isDomain('too-large'),
        );
        await assert.rejects(
          a.files.add(t, 'w', p.id, { path: 'big3.bin', body: chunks(big), size: big.length }),
          isDomain('too-large'),
        );
        await assert.rejects(
          a.files.add(t, 'w', p.id, {
            path: 'liar.txt',
            body: chunks('actual bytes'),
            sha256: sha('other bytes'),
          }),
          isDomain('digest-mismatch'),
        );
        await assert.rejects(
          a.files.add(t, 'w', p.id, { path: 'short.txt', body: chunks('12345'), size: 6 }),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.files.add(t, 'w', p.id, { path: 'x.txt', body: body(), sha256: 'abc' }),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.files.add(t, 'w', p.id, { path: 'x.txt', body: body(), mediaType: 'not a type' }),
          isDomain('bad-request'),
        );
        // Nothing of the refused uploads was stored or recorded.
        assert.deepEqual(
          (await a.files.list(t, p.id)).map((f) => f.path),
          ['caf\u00e9/menu.txt'],
        );
        assert.deepEqual(await h.keys(t), [`${t}/blobs/sha256/${sha('one')}`]);
        if (h.backend === 'fs') assert.deepEqual(await h.keys(t, 'staging'), []);
        assert.deepEqual(typesOf(await h.audit(t), p.id), ['package-created', 'file-added']);
        assert.equal((await a.packages.get(t, p.id)).files, 1);

        // Another tenant's package, file or hold does not exist for you.
        const hold = await a.holds.apply(t, 'legal', p.id, { caseId: 'C-1', reason: 'r' });
        const [file] = await a.files.list(t, p.id);
        await assert.rejects(
          a.holds.apply(other, 'legal', p.id, { caseId: 'C-2', reason: 'r' }),
          isDomain('not-found'),
        );
        await assert.rejects(
          a.holds.release(other, 'legal', p.id, hold.hold.id, { reason: 'r' }),
          isDomain('not-found'),
        );
        await assert.rejects(a.holds.list(other, p.id), isDomain('not-found'));
        await assert.rejects(a.packages.get(other, p.id), isDomain('not-found'));
        await assert.rejects(a.packages.finalize(other, 'w', p.id), isDomain('not-found'));
        await assert.rejects(
          a.files.add(other, 'w', p.id, { path: 'x', body: body() }),
          isDomain('not-found'),
        );
        await assert.rejects(a.files.download(other, 'r', file!.id), isDomain('not-found'));
        await assert.rejects(a.files.get(other, file!.id), isDomain('not-found'));
        assert.deepEqual((await a.packages.list(other)).packages, []);
        assert.deepEqual(await h.audit(other), []);
        assert.equal((await a.holds.list(t, p.id)).length, 1);

        // Malformed ids and fields.
        await assert.rejects(a.packages.get(t, "pkg_'; drop table --"), isDomain('not-found'));
        await assert.rejects(a.packages.get('Not A Tenant', p.id), isDomain('bad-request'));
        await assert.rejects(
          a.packages.create(t, 'w', pkgInput({ retentionClass: 'forever' })),
          isDomain('bad-request'),
        );
        await assert.rejects(a.packages.create(t, 'w', pkgInput({ name: '' })), isDomain('bad-request'));
        await assert.rejects(
          a.packages.create(t, 'w', pkgInput({ metadata: [1, 2] })),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.packages.create(t, 'w', pkgInput({ metadata: { big: 'x'.repeat(17 * 1024) } })),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.holds.apply(t, 'legal', p.id, { caseId: '', reason: 'r' }),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.holds
            .release(t, 'legal', p.id, hold.hold.id, { reason: 'twice' })
            .then(() => a.holds.release(t, 'legal', p.id, hold.hold.id, { reason: 'twice' })),
          isDomain('conflict'),
        );
      });

      it('counts holds per case and clears a shared blob legal hold only when no hold covers it', async () => {
        const t = await h.tenant();
        const body = randomBytes(4096);
        const { package: p1 } = await a.packages.create(t, 'w', pkgInput({ retentionClass: 'raw-evidence' }));
        const { package: p2 } = await a.packages.create(
          t,
          'w',
          pkgInput({ retentionClass: 'summary-evidence' }),
        );
        await a.files.add(t, 'w', p1.id, { path: 'x.bin', body: chunks(body), sha256: sha(body) });
        await a.files.add(t, 'w', p2.id, { path: 'y.bin', body: chunks(body) });
        const blob = async () => (await h.metadata.artifacts!.blobs.get(t, sha(body)))!;
        const protection = async () => {
          const b = await blob();
          return h.blobs.getProtection!(b.key, b.versionId!);
        };
        const h1 = await a.holds.apply(t, 'legal', p1.id, { caseId: 'CASE-1', reason: 'one' });
        const h2 = await a.holds.apply(t, 'legal', p2.id, { caseId: 'CASE-2', reason: 'two' });
        const h3 = await a.holds.apply(t, 'legal', p2.id, { caseId: 'CASE-3', reason: 'three' });
        assert.equal((await a.packages.get(t, p2.id)).retention.activeHolds, 2);
        assert.equal((await blob()).legalHold, h.backend === 's3');
        if (h.backend === 's3') {
          assert.equal(h1.objectLock, 'applied');
          const p = await protection();
          assert.equal(p.legalHold, true);
          // The version's retention is the latest expiry of the packages using it (summary-evidence: 3 years).
          const want = Date.parse((await a.packages.get(t, p2.id)).retention.expiresAt!);
          assert.ok(
            Math.abs(p.retention!.until.getTime() - want) < 2000,
            `${p.retention!.until.toISOString()}`,
          );
        }
        await a.holds.release(t, 'legal', p1.id, h1.hold.id, { reason: 'done' });
        await a.holds.release(t, 'legal', p2.id, h2.hold.id, { reason: 'done' });
        if (h.backend === 's3')
          assert.equal((await protection()).legalHold, true, 'CASE-3 still covers the blob');
        await a.holds.release(t, 'legal', p2.id, h3.hold.id, { reason: 'done' });
        assert.equal((await blob()).legalHold, false);
        if (h.backend === 's3') assert.equal((await protection()).legalHold, false);
        assert.deepEqual(
          (await a.holds.list(t, p2.id)).map((x) => [x.caseId, x.active]),
          [
            ['CASE-2', false],
            ['CASE-3', false],
          ],
        );
      });

      if (pairing.blob === 's3') {
        it('raises Object Lock retention on extension, never lowers it, and records a locked version as a failed deletion', async () => {
          const t = await h.tenant();
          const body = randomBytes(2048);
          const { package: p } = await a.packages.create(
            t,
            'w',
            pkgInput({ retentionClass: 'raw-evidence' }),
          );
          await a.files.add(t, 'w', p.id, { path: 'a.bin', body: chunks(body), sha256: sha(body) });
          const b = (await h.metadata.artifacts!.blobs.get(t, sha(body)))!;
          const first = (await h.blobs.getProtection!(b.key, b.versionId!)).retention!;
          assert.equal(first.mode, 'GOVERNANCE');
          assert.ok(Math.abs(first.until.getTime() - Date.parse(p.retention.expiresAt!)) < 2000);
          const ext = await a.extensions.extend(t, 'w', p.id, { by: { days: 10 }, reason: 'audit' });
          assert.equal(ext.objectLock, 'applied');
          const raised = (await h.blobs.getProtection!(b.key, b.versionId!)).retention!;
          assert.ok(Math.abs(raised.until.getTime() - Date.parse(ext.package.retention.expiresAt!)) < 2000);
          assert.equal(
            (await h.metadata.artifacts!.blobs.get(t, sha(body)))!.retainUntil,
            raised.until.getTime(),
          );

          // The domain's clock runs past the expiry, the gateway's does not: S3 refuses the delete.
          h.clock.offset = Date.parse(ext.package.retention.expiresAt!) + 1000 - Date.now();
          await a.deletion.sweep(t);
          const { report } = await a.deletion.run(t);
          assert.deepEqual(
            report!.deleted.map((x) => x.package),
            [p.id],
          );
          assert.deepEqual(report!.blobs.deleted, []);
          assert.equal(report!.blobs.failed.length, 1);
          assert.equal(report!.blobs.failed[0]!.code, 'locked');
          const row = (await h.metadata.artifacts!.blobs.get(t, sha(body)))!;
          assert.equal(row.state, 'live');
          assert.equal(row.refcount, 0);
          assert.match(row.deleteError!, /^locked/);
          assert.deepEqual(await h.keys(t), [b.key], 'the locked version is still there');
          const failed = (await h.audit(t)).filter(
            (e) => e.type === 'vellum.artifact.deletion-failed',
          ) as ArtifactEntry<'deletion-failed'>[];
          assert.equal(failed.length, 1);
          assert.equal(failed[0]!.code, 'locked');
          assert.deepEqual(failed[0]!.item, {
            kind: 'blob',
            sha256: sha(body),
            size: 2048,
            key: b.key,
            versionId: b.versionId,
          });
          const history = await h.metadata.artifacts!.events.since(t, 0, 100);
          assert.ok(history.some((e) => e.type === 'deletion_failed' && e.packageId === null));
        });
      }

      if (pairing.blob === 'fs') {
        it('answers not-available for a file in a cold tier, until it is restored', async () => {
          const t = await h.tenant();
          const body = randomBytes(1024);
          const { package: p } = await a.packages.create(
            t,
            'w',
            pkgInput({ retentionClass: 'raw-evidence' }),
          );
          const f = await a.files.add(t, 'w', p.id, {
            path: 'cold.bin',
            body: chunks(body),
            sha256: sha(body),
          });
          const key = `${t}/blobs/sha256/${sha(body)}`;
          await h.blobs.setTier!(key, 'cold');
          await assert.rejects(a.files.download(t, 'r', f.file.id), (e: unknown) => {
            isDomain('not-available')(e);
            assert.equal((e as { restore?: { status: string } }).restore?.status, 'archived');
            return true;
          });
          const loc = (await a.files.get(t, f.file.id)).locations![0]!;
          assert.deepEqual([loc.tier, loc.restoreStatus], ['cold', 'archived']);
          const restored = await a.files.restore(t, 'r', f.file.id, { days: 1 });
          assert.equal(restored.restore.status, 'restored');
          const after = (await a.files.get(t, f.file.id)).locations![0]!;
          assert.equal(after.restoreStatus, 'restored');
          assert.ok(after.restoreRequestedAt && after.restoreExpiresAt);
          const d = await a.files.download(t, 'r', f.file.id);
          assert.ok(d.kind === 'stream');
          assert.ok((await bytesOf(d.stream)).equals(body));
          assert.deepEqual(typesOf(await h.audit(t), p.id).slice(-2), [
            'restore-requested',
            'file-downloaded',
          ]);
        });

        it('scrubs stored blobs in rotation and reports a corrupted one', async () => {
          const t = await h.tenant();
          const good = randomBytes(3000);
          const bad = randomBytes(3000);
          const { package: p } = await a.packages.create(
            t,
            'w',
            pkgInput({ retentionClass: 'raw-evidence' }),
          );
          await a.files.add(t, 'w', p.id, { path: 'good.bin', body: chunks(good) });
          await a.files.add(t, 'w', p.id, { path: 'bad.bin', body: chunks(bad), sha256: sha(bad) });
          const first = await a.scrub.scrub(t, 'system:scrub', { limit: 10 });
          assert.deepEqual([first.checked, first.ok, first.mismatches.length], [2, 2, 0]);
          const verified = (await a.files.list(t, p.id)).length;
          assert.equal(verified, 2);

          // Flip bytes of one blob behind Vellum's back.
          const file = join(h.fsRoot!, 'hot', t, 'blobs', 'sha256', sha(bad));
          chmodSync(file, 0o644);
          const flipped = Buffer.from(bad);
          flipped[100]! ^= 0xff;
          writeFileSync(file, flipped);
          const before = a.scrub.mismatches;
          const second = await a.scrub.scrub(t, 'system:scrub', { limit: 10 });
          assert.equal(second.checked, 2);
          assert.equal(second.ok, 1);
          assert.equal(second.mismatches.length, 1);
          assert.equal(second.mismatches[0]!.sha256, sha(bad));
          assert.equal(second.mismatches[0]!.actualSha256, sha(flipped));
          assert.equal(a.scrub.mismatches, before + 1);
          assert.ok(
            h.mismatches.some((m) => m.tenant === t && m.sha256 === sha(bad)),
            'the hook was called',
          );
          const events = (await h.audit(t)).filter(
            (e) => e.type === 'vellum.artifact.scrub-mismatch',
          ) as ArtifactEntry<'scrub-mismatch'>[];
          assert.deepEqual(
            events.map((e) => [e.sha256, e.actualSha256]),
            [[sha(bad), sha(flipped)]],
          );
          const locs = await h.metadata.artifacts!.locations.forBlob(t, sha(bad));
          assert.equal(locs[0]!.status, 'corrupt');
          assert.ok(locs[0]!.lastVerifiedAt);
          // In rotation: one at a time, the least recently verified first.
          const stamps = async () =>
            Promise.all(
              [sha(good), sha(bad)].map(
                async (d) => (await h.metadata.artifacts!.locations.forBlob(t, d))[0]!.lastVerifiedAt!,
              ),
            );
          const s0 = await stamps();
          h.clock.offset += 1000;
          await a.scrub.scrub(t, 'system:scrub', { limit: 1 });
          const s1 = await stamps();
          h.clock.offset += 1000;
          await a.scrub.scrub(t, 'system:scrub', { limit: 1 });
          const s2 = await stamps();
          const oldest = s0[0]! <= s0[1]! ? 0 : 1;
          assert.ok(
            s1[oldest]! > s0[oldest]! && s1[1 - oldest] === s0[1 - oldest],
            'the oldest verification went first',
          );
          assert.ok(s2[1 - oldest]! > s1[1 - oldest]!, 'then the other');
        });
      } else {
        it('scrubs stored versions and records when each was verified', async () => {
          const t = await h.tenant();
          const body = randomBytes(2000);
          const { package: p } = await a.packages.create(
            t,
            'w',
            pkgInput({ retentionClass: 'raw-evidence' }),
          );
          await a.files.add(t, 'w', p.id, { path: 'v.bin', body: chunks(body) });
          const r = await a.scrub.scrub(t, 'system:scrub', { limit: 10 });
          assert.deepEqual([r.checked, r.ok, r.mismatches.length], [1, 1, 0]);
          const [loc] = await h.metadata.artifacts!.locations.forBlob(t, sha(body));
          assert.ok(loc!.lastVerifiedAt);
        });
      }

      // ---------------------------------------------------------------- resumable uploads

      it('takes a file in parts, resumes after a refused part, and completes it into the package once', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput({ retentionClass: 'raw-evidence' }));
        const body = randomBytes(10_000);
        const up = await a.uploads.start(t, 'w', p.id, {
          path: 'logs/big.bin',
          mediaType: 'application/x-test',
          size: body.length,
          sha256: sha(body),
        });
        assert.deepEqual([up.state, up.received, up.size, up.path], ['open', 0, 10_000, 'logs/big.bin']);
        let u = await a.uploads.put(t, up.id, {
          offset: 0,
          body: chunks(body.subarray(0, 4000)),
          size: 4000,
        });
        assert.equal(u.received, 4000);
        // A part damaged on the way (its declared digest differs): refused, not counted.
        const damaged = Buffer.from(body.subarray(4000, 8000));
        damaged[10]! ^= 1;
        await assert.rejects(
          a.uploads.put(t, up.id, {
            offset: 4000,
            body: chunks(damaged),
            sha256: sha(body.subarray(4000, 8000)),
          }),
          isDomain('digest-mismatch'),
        );
        assert.equal((await a.uploads.status(t, up.id)).received, 4000);
        // Resuming at the wrong offset says where to resume.
        await assert.rejects(
          a.uploads.put(t, up.id, { offset: 0, body: chunks(body.subarray(0, 10)) }),
          (e: unknown) => isDomain('conflict')(e) && /offset 4000/.test((e as Error).message),
        );
        await assert.rejects(a.uploads.complete(t, 'w', up.id), isDomain('conflict'), 'not all bytes are in');
        u = await a.uploads.put(t, up.id, {
          offset: 4000,
          body: chunks(body.subarray(4000, 8000)),
          sha256: sha(body.subarray(4000, 8000)),
        });
        // A part that overruns the declared size stores nothing.
        await assert.rejects(
          a.uploads.put(t, up.id, { offset: 8000, body: chunks(randomBytes(2001)) }),
          isDomain('too-large'),
        );
        u = await a.uploads.put(t, up.id, { offset: 8000, body: chunks(body.subarray(8000)) });
        assert.equal(u.received, 10_000);
        const done = await a.uploads.complete(t, 'w', up.id);
        assert.equal(done.file.sha256, sha(body));
        assert.equal(done.file.size, 10_000);
        assert.equal(done.file.path, 'logs/big.bin');
        assert.equal(done.file.mediaType, 'application/x-test');
        const dl = await a.files.download(t, 'r', done.file.id);
        assert.ok(dl.kind === 'stream');
        assert.equal(sha(await bytesOf(dl.stream)), sha(body));
        // Completing again (a retry after a lost answer) answers with the same file, adding nothing.
        const again = await a.uploads.complete(t, 'w', up.id);
        assert.equal(again.file.id, done.file.id);
        assert.equal((await a.files.list(t, p.id)).length, 1);
        const st = await a.uploads.status(t, up.id);
        assert.deepEqual([st.state, st.fileId], ['completed', done.file.id]);
        await assert.rejects(
          a.uploads.put(t, up.id, { offset: 10_000, body: chunks('x') }),
          isDomain('conflict'),
        );
        assert.deepEqual(
          typesOf(await h.audit(t), p.id).filter((x) => x === 'file-added'),
          ['file-added'],
          'one file-added entry, none for the parts',
        );
        if (h.backend === 'fs') assert.deepEqual(await h.keys(t, 'uploads'), [], 'the parts are gone');
        else {
          // The staged parts are locked for a while on an Object Lock store; collect removes them after.
          await sleep(5500);
          await a.uploads.collect(t);
          assert.deepEqual(await h.keys(t, 'uploads'), []);
        }
      });

      it('leaves an upload open with its parts when completing it into an open but expired package', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput());
        const body = randomBytes(1200);
        const up = await a.uploads.start(t, 'w', p.id, { path: 'late.bin', size: 1200, sha256: sha(body) });
        await a.uploads.put(t, up.id, { offset: 0, body: chunks(body) });
        await h.passExpiry(p.retention.expiresAt);
        await assert.rejects(
          a.uploads.complete(t, 'w', up.id),
          (e: unknown) => isDomain('conflict')(e) && /expired/.test((e as Error).message),
        );
        const st = await a.uploads.status(t, up.id);
        assert.deepEqual([st.state, st.received, st.failure ?? null], ['open', 1200, null]);
        assert.equal((await h.keys(t, 'uploads')).length, 1, 'the parts are kept');
        assert.deepEqual(await a.files.list(t, p.id), []);
        // Once extended, the same upload completes.
        await a.extensions.extend(t, 'w', p.id, { by: { days: 1 }, reason: 'late upload' });
        const done = await a.uploads.complete(t, 'w', up.id);
        assert.equal(done.file.sha256, sha(body));
        assert.equal((await a.uploads.status(t, up.id)).state, 'completed');
      });

      it('stores nothing when the whole does not hash to the declared sha256, and closes the upload', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput({ retentionClass: 'raw-evidence' }));
        const body = randomBytes(5000);
        const up = await a.uploads.start(t, 'w', p.id, {
          path: 'x.bin',
          size: 5000,
          sha256: sha('other bytes'),
        });
        await a.uploads.put(t, up.id, { offset: 0, body: chunks(body.subarray(0, 2500)) });
        await a.uploads.put(t, up.id, { offset: 2500, body: chunks(body.subarray(2500)) });
        await assert.rejects(
          a.uploads.complete(t, 'w', up.id),
          (e: unknown) => isDomain('digest-mismatch')(e) && /nothing was stored/.test((e as Error).message),
        );
        assert.deepEqual(await h.keys(t), [], 'no blob');
        assert.deepEqual(await a.files.list(t, p.id), []);
        assert.equal((await a.uploads.status(t, up.id)).state, 'failed');
        await assert.rejects(a.uploads.complete(t, 'w', up.id), isDomain('conflict'));
        await assert.rejects(
          a.uploads.put(t, up.id, { offset: 5000, body: chunks('x') }),
          isDomain('conflict'),
        );
        assert.ok(!typesOf(await h.audit(t), p.id).includes('file-added'));
      });

      it('refuses bad uploads before storing anything', async () => {
        const t = await h.tenant();
        const other = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput({ retentionClass: 'raw-evidence' }));
        const ok = { path: 'a.bin', size: 10, sha256: sha('0123456789') };
        await assert.rejects(
          a.uploads.start(t, 'w', p.id, { path: 'a.bin', size: 10 } as never),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.uploads.start(t, 'w', p.id, { ...ok, path: '../etc/passwd' }),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.uploads.start(t, 'w', p.id, { ...ok, size: MAX_FILE + 1 }),
          isDomain('too-large'),
        );
        await assert.rejects(a.uploads.start(t, 'w', p.id, { ...ok, size: -1 }), isDomain('bad-request'));
        await assert.rejects(
          a.uploads.start(other, 'w', p.id, ok),
          isDomain('not-found'),
          "another tenant's package",
        );
        const up = await a.uploads.start(t, 'w', p.id, ok);
        await assert.rejects(
          a.uploads.status(other, up.id),
          isDomain('not-found'),
          "another tenant's upload",
        );
        await assert.rejects(
          a.uploads.put(other, up.id, { offset: 0, body: chunks('0123456789') }),
          isDomain('not-found'),
        );
        await assert.rejects(
          a.uploads.put(t, up.id, { offset: -1, body: chunks('x') }),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.uploads.put(t, up.id, { offset: 0, body: chunks('') }),
          isDomain('bad-request'),
        );
        await assert.rejects(
          a.uploads.put(t, 'upl_nope', { offset: 0, body: chunks('x') }),
          isDomain('not-found'),
        );
        assert.equal((await a.uploads.status(t, up.id)).received, 0);
        await a.uploads.put(t, up.id, { offset: 0, body: chunks('01234') });
        const aborted = await a.uploads.abort(t, up.id);
        assert.equal(aborted.state, 'aborted');
        await assert.rejects(
          a.uploads.put(t, up.id, { offset: 5, body: chunks('56789') }),
          isDomain('conflict'),
        );
        // A file added at the path meanwhile makes a later upload's completion a conflict; a finalized package refuses uploads.
        const up2 = await a.uploads.start(t, 'w', p.id, ok);
        await a.uploads.put(t, up2.id, { offset: 0, body: chunks('0123456789') });
        await a.files.add(t, 'w', p.id, { path: 'a.bin', body: chunks('different!') });
        await assert.rejects(a.uploads.complete(t, 'w', up2.id), isDomain('conflict'));
        assert.equal((await a.uploads.status(t, up2.id)).state, 'failed');
        await a.packages.finalize(t, 'w', p.id);
        await assert.rejects(a.uploads.start(t, 'w', p.id, { ...ok, path: 'b.bin' }), isDomain('conflict'));
        assert.deepEqual(
          (await a.files.list(t, p.id)).map((f) => [f.path, f.sha256]),
          [['a.bin', sha('different!')]],
        );
      });

      it("refuses parts and completion once the upload's package is finalized, storing nothing, and ends the upload", async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput({ retentionClass: 'raw-evidence' }));
        const body = randomBytes(3000);
        const whole = { size: 3000, sha256: sha(body) };
        const up = await a.uploads.start(t, 'w', p.id, { path: 'late.bin', ...whole });
        await a.uploads.put(t, up.id, { offset: 0, body: chunks(body.subarray(0, 1000)) });
        // A second upload has all its bytes in, not yet completed.
        const full = await a.uploads.start(t, 'w', p.id, { path: 'full.bin', ...whole });
        await a.uploads.put(t, full.id, { offset: 0, body: chunks(body) });
        assert.equal((await h.keys(t, 'uploads')).length, 2);
        await a.packages.finalize(t, 'w', p.id);

        let read = false;
        async function* watched(): AsyncIterable<Uint8Array> {
          read = true;
          yield body.subarray(1000, 2000);
        }
        const refused = await a.uploads.put(t, up.id, { offset: 1000, body: watched() }).then(
          () => assert.fail('a part after finalize was taken'),
          (e: unknown) => e,
        );
        assert.ok(isDomain('conflict')(refused));
        assert.equal(read, false, 'not a byte of the part was read');
        const raw = await a.files.add(t, 'w', p.id, { path: 'raw.bin', body: chunks('x') }).then(
          () => assert.fail('a raw upload after finalize was taken'),
          (e: unknown) => e,
        );
        assert.equal(
          (refused as DomainError).message,
          (raw as DomainError).message,
          'the raw upload refusal',
        );
        let st = await a.uploads.status(t, up.id);
        assert.deepEqual([st.state, st.received], ['aborted', 1000]);
        assert.match(st.failure ?? '', /finalized/);
        await assert.rejects(a.uploads.complete(t, 'w', up.id), isDomain('conflict'));

        await assert.rejects(
          a.uploads.complete(t, 'w', full.id),
          (e: unknown) => isDomain('conflict')(e) && /finalized/.test((e as Error).message),
        );
        st = await a.uploads.status(t, full.id);
        assert.deepEqual([st.state, st.fileId], ['aborted', null]);
        assert.deepEqual(await a.files.list(t, p.id), []);
        assert.deepEqual(await h.keys(t), [], 'no blob');
        if (h.backend === 's3') {
          // Staged parts are locked for a while on an Object Lock store; collect removes them after.
          await sleep(5500);
          await a.uploads.collect(t);
        }
        assert.deepEqual(await h.keys(t, 'uploads'), [], 'the staged parts are gone');
      });

      it('drops a part and ends its upload when the package is finalized while the part is on its way', async () => {
        const t = await h.tenant();
        const { package: p } = await a.packages.create(t, 'w', pkgInput({ retentionClass: 'raw-evidence' }));
        const body = randomBytes(2000);
        const up = await a.uploads.start(t, 'w', p.id, { path: 'race.bin', size: 2000, sha256: sha(body) });
        await a.uploads.put(t, up.id, { offset: 0, body: chunks(body.subarray(0, 1000)) });
        async function* finalizing(): AsyncIterable<Uint8Array> {
          yield body.subarray(1000, 1500);
          await a.packages.finalize(t, 'w', p.id);
          yield body.subarray(1500);
        }
        await assert.rejects(
          a.uploads.put(t, up.id, { offset: 1000, body: finalizing() }),
          (e: unknown) => isDomain('conflict')(e) && /finalized/.test((e as Error).message),
        );
        assert.equal((await a.packages.get(t, p.id)).status, 'finalized');
        assert.equal((await a.uploads.status(t, up.id)).state, 'aborted');
        if (h.backend === 's3') {
          await sleep(5500);
          await a.uploads.collect(t);
        }
        assert.deepEqual(await h.keys(t, 'uploads'), [], 'the staged parts are gone');
      });

      if (pairing.blob === 'fs') {
        it('expires an upload left open and collects its parts', async () => {
          const t = await h.tenant();
          const { package: p } = await a.packages.create(
            t,
            'w',
            pkgInput({ retentionClass: 'raw-evidence' }),
          );
          const up = await a.uploads.start(t, 'w', p.id, {
            path: 'slow.bin',
            size: 20,
            sha256: sha('x'.repeat(20)),
          });
          await a.uploads.put(t, up.id, { offset: 0, body: chunks('x'.repeat(10)) });
          assert.equal((await h.keys(t, 'uploads')).length, 1);
          assert.deepEqual(await a.uploads.collect(t), { expired: 0, partsDeleted: 0, partsLeft: 0 });
          h.clock.offset = Date.parse(up.expiresAt) - Date.now() + 1000;
          await assert.rejects(
            a.uploads.put(t, up.id, { offset: 10, body: chunks('x'.repeat(10)) }),
            isDomain('conflict'),
          );
          assert.deepEqual(await a.uploads.collect(t), { expired: 1, partsDeleted: 1, partsLeft: 0 });
          assert.equal((await a.uploads.status(t, up.id)).state, 'expired');
          assert.deepEqual(await h.keys(t, 'uploads'), []);
        });
      }
    });
  }
});
