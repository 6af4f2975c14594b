/**
 * The artifact store's pure rules, without storage: retention classes and
 * expiry math, path normalization, the manifest's canonical form and
 * digest, and the audit event encoding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addPeriod,
  buildManifest,
  DEFAULT_RETENTION,
  decodeEvent,
  encodeEvent,
  expiryAt,
  extendedExpiry,
  manifestBytes,
  manifestDigest,
  normalizePath,
  retentionPolicy,
} from '../../src/domain/artifacts/index.js';
import { lockDate, ruleText } from '../../src/domain/artifacts/retention.js';
import { DomainError } from '../../src/domain/errors.js';
import type { FileRow, LocationRow, PackageRow } from '../../src/storage/artifact-store.js';

const code = (c: string) => (e: unknown) => e instanceof DomainError && e.code === c;
const T = Date.UTC(2024, 1, 29, 12, 0, 0); // a leap day

describe('retention', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(DEFAULT_RETENTION, {
      transient: { days: 7 },
      'raw-evidence': { years: 1 },
      'summary-evidence': { years: 3 },
      'release-evidence': { years: 7 },
      'permanent-record': null,
    });
    const p = retentionPolicy();
    assert.equal(expiryAt(p, 'transient', T), T + 7 * 86_400_000);
    assert.equal(
      new Date(expiryAt(p, 'release-evidence', Date.UTC(2025, 5, 1))!).toISOString(),
      '2032-06-01T00:00:00.000Z',
    );
    assert.equal(expiryAt(p, 'permanent-record', T), null);
    assert.equal(ruleText(p, 'raw-evidence'), 'raw-evidence default: 1 year');
    assert.equal(ruleText(p, 'summary-evidence'), 'summary-evidence default: 3 years');
  });

  it('adds calendar years in UTC and never lands earlier than a leap day', () => {
    assert.equal(new Date(addPeriod(T, { years: 1 })).toISOString(), '2025-03-01T12:00:00.000Z');
    assert.equal(new Date(addPeriod(T, { years: 4 })).toISOString(), '2028-02-29T12:00:00.000Z');
    assert.equal(addPeriod(T, { seconds: 90 }), T + 90_000);
  });

  it('locks permanent records for 100 years from creation, others until expiry', () => {
    assert.equal(new Date(lockDate(T, null)).toISOString(), '2124-02-29T12:00:00.000Z');
    assert.equal(lockDate(T, T + 5), T + 5);
  });

  it('only ever extends', () => {
    const cur = T + 1000;
    assert.equal(extendedExpiry(cur, { until: cur + 1 }, T), cur + 1);
    assert.equal(extendedExpiry(cur, { by: { days: 2 } }, T), cur + 2 * 86_400_000);
    assert.throws(() => extendedExpiry(cur, { until: cur }, T), code('conflict'));
    assert.throws(() => extendedExpiry(cur, { until: cur - 1 }, T), code('conflict'));
    assert.throws(() => extendedExpiry(null, { by: { days: 1 } }, T), code('conflict'));
    assert.throws(() => extendedExpiry(cur, { by: { days: -1 } }, T), code('bad-request'));
    assert.throws(() => extendedExpiry(cur, { by: { weeks: 1 } as never }, T), code('bad-request'));
    assert.throws(() => extendedExpiry(cur, { by: { years: 101 } }, T), code('bad-request'));
  });

  it('refuses a policy that lets permanent records expire, or a malformed period', () => {
    assert.throws(() => retentionPolicy({ 'permanent-record': { years: 1 } }), code('bad-request'));
    assert.throws(() => retentionPolicy({ transient: { days: 0 } }), code('bad-request'));
    assert.throws(() => retentionPolicy({ transient: { days: 1, years: 1 } as never }), code('bad-request'));
    assert.deepEqual(retentionPolicy({ transient: { days: 1 } }).transient, { days: 1 });
  });
});

describe('package paths', () => {
  it('normalizes to NFC and keeps good paths as they are', () => {
    assert.equal(normalizePath('reports/report.md'), 'reports/report.md');
    assert.equal(normalizePath('cafe\u0301/x'), 'caf\u00e9/x');
    assert.equal(normalizePath('.hidden/a..b/c.'), '.hidden/a..b/c.');
    assert.equal(normalizePath('日本/データ.json'), '日本/データ.json');
  });

  it('refuses what could escape, hide or alias a file', () => {
    for (const bad of [
      '',
      '/abs',
      '../x',
      'a/..',
      'a/./b',
      '.',
      'a//b',
      'a/',
      'a\\b',
      'C:x',
      'nul\u0000',
      'tab\there',
      'del\u007f',
      'c1\u0085',
      'bidi\u202ex',
      'iso\u2066x',
      'line\u2028sep',
      'lone\ud800',
      'x'.repeat(1025),
      'é'.repeat(513),
      `${'s'.repeat(256)}`,
      Array(65).fill('d').join('/'),
      42,
      undefined,
    ])
      assert.throws(() => normalizePath(bad), code('bad-request'), JSON.stringify(bad));
  });
});

describe('manifest', () => {
  const pkg: PackageRow = {
    tenant: 'acme',
    id: 'pkg_000000000000000000000001',
    name: 'run 1',
    producer: 'guide-board',
    subject: 'repo:acme/app',
    retentionClass: 'raw-evidence',
    retentionRule: 'raw-evidence default: 1 year',
    metadata: '{"b":[1,2],"a":"x"}',
    createdAt: T,
    createdBy: 'key-1',
    expiresAt: T + 1000,
    lockUntil: T + 1000,
    status: 'open',
    finalizedAt: null,
    eligibleAt: null,
    deletedAt: null,
    fileCount: 2,
    totalBytes: 3,
    activeHolds: 0,
    revision: 2,
    manifestSha256: null,
    finalizeIndex: null,
  };
  const file = (id: string, path: string, sha256: string, size: number, auditIndex: number): FileRow => ({
    tenant: 'acme',
    id,
    packageId: pkg.id,
    path,
    mediaType: 'text/plain',
    size,
    sha256,
    createdAt: T,
    createdBy: 'key-1',
    auditIndex,
    deletedAt: null,
  });
  const files = [
    file('fil_b', 'z.txt', 'b'.repeat(64), 2, 2),
    file('fil_a', 'a/é.txt', 'a'.repeat(64), 1, 1),
  ];
  const locations: LocationRow[] = [
    {
      tenant: 'acme',
      id: 'loc_1',
      sha256: 'a'.repeat(64),
      backend: 's3',
      container: 's3://bucket/art/',
      objectKey: `art/acme/blobs/sha256/${'a'.repeat(64)}`,
      versionId: 'v1',
      tier: 'hot',
      restoreStatus: 'available',
      restoreRequestedAt: null,
      restoreExpiresAt: null,
      status: 'stored',
      createdAt: T,
      lastVerifiedAt: null,
    },
  ];

  it('is canonical JSON sorted by path, and its digest pins the format', () => {
    const m = buildManifest(pkg, files, locations, T + 10);
    assert.deepEqual(
      m.files.map((f) => f.path),
      ['a/é.txt', 'z.txt'],
    );
    assert.deepEqual(m.totals, { files: 2, bytes: 3 });
    assert.deepEqual(m.files[1]!.locations, []);
    const bytes = manifestBytes(m);
    const text = new TextDecoder().decode(bytes);
    assert.ok(
      text.startsWith('{"files":[{"auditIndex":1,"createdAt":"2024-02-29T12:00:00.000Z","locations":[{'),
    );
    assert.ok(text.includes('"metadata":{"a":"x","b":[1,2]}'));
    assert.ok(text.includes('"retention":{"class":"raw-evidence","expiresAt":"2024-02-29T12:00:01.000Z"'));
    assert.equal(
      manifestDigest(bytes),
      manifestDigest(manifestBytes(buildManifest(pkg, [...files].reverse(), locations, T + 10))),
    );
    // Pinned: a change of this digest is a change of the manifest format (bump `v`).
    assert.equal(manifestDigest(bytes), 'bf6e4c97ac871fbc3a1fd3761660ec66870cebb1537892eedec0a542d3b2638f');
  });
});

describe('audit events', () => {
  it('are canonical JSON with a type, a schema version, a time and an actor', () => {
    const bytes = encodeEvent('hold-applied', 'key-9', T, {
      package: 'pkg_1',
      hold: 'hld_1',
      caseId: 'CASE-1',
      reason: 'r',
    });
    assert.equal(
      new TextDecoder().decode(bytes),
      '{"actor":"key-9","caseId":"CASE-1","hold":"hld_1","package":"pkg_1","reason":"r","time":"2024-02-29T12:00:00.000Z","type":"vellum.artifact.hold-applied","v":1}',
    );
    const e = decodeEvent(bytes);
    assert.equal(e?.type, 'vellum.artifact.hold-applied');
    assert.equal(decodeEvent(Buffer.from('{"type":"vellum.record","v":1}')), undefined);
    assert.equal(decodeEvent(Buffer.from([0xff, 0xfe])), undefined);
    assert.throws(() => decodeEvent(Buffer.from('{"type":"vellum.artifact.x","v":2}')), code('bad-request'));
  });
});
