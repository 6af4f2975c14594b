/**
 * The package manifest (artifact-store blueprint, "Package Manifest"): a
 * self-contained description of a finalized package, enough to understand
 * and check it without the producer: package metadata, retention at
 * finalize, and per file its path, media type, size, SHA-256 and storage
 * locations. Pure: built from rows, serialized as RFC 8785 canonical JSON;
 * its digest is the SHA-256 of those bytes, recorded with the package and
 * in the finalize entry of the tenant's audit log.
 *
 * The manifest is frozen at finalize. Later changes (extensions, holds,
 * tier moves) are audit events and the package's current state, never
 * edits of the manifest, so its digest stays checkable forever.
 */
import type { FileRow, LocationRow, PackageRow } from '../../storage/artifact-store.js';
import { sha256 } from '../../tlog/hash.js';
import { canonicalBytes } from '../canonical-json.js';

export const MANIFEST_TYPE = 'vellum.artifact.manifest';

export interface ManifestLocation {
  readonly backend: string;
  readonly container: string;
  readonly objectKey: string;
  readonly versionId: string | null;
}

export interface ManifestFile {
  readonly path: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
  readonly createdAt: string;
  /** Index of the file-added entry in the tenant's audit log. */
  readonly auditIndex: number;
  readonly locations: readonly ManifestLocation[];
}

export interface Manifest {
  readonly type: typeof MANIFEST_TYPE;
  readonly v: 1;
  readonly tenant: string;
  readonly package: {
    readonly id: string;
    readonly name: string;
    readonly producer: string;
    readonly subject: string;
    readonly metadata: unknown;
    readonly createdAt: string;
    readonly createdBy: string;
    readonly finalizedAt: string;
  };
  readonly retention: {
    readonly class: string;
    readonly rule: string;
    /** Null: never expires. */
    readonly expiresAt: string | null;
  };
  /** Sorted by path (UTF-16 code units). */
  readonly files: readonly ManifestFile[];
  readonly totals: { readonly files: number; readonly bytes: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The manifest of `pkg` with `files` (live ones) and their blobs' `locations`, as of `finalizedAt`. */
export function buildManifest(
  pkg: PackageRow,
  files: readonly FileRow[],
  locations: readonly LocationRow[],
  finalizedAt: number,
): Manifest {
  const byBlob = new Map<string, ManifestLocation[]>();
  for (const l of locations) {
    const list = byBlob.get(l.sha256) ?? [];
    list.push({ backend: l.backend, container: l.container, objectKey: l.objectKey, versionId: l.versionId });
    byBlob.set(l.sha256, list);
  }
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    type: MANIFEST_TYPE,
    v: 1,
    tenant: pkg.tenant,
    package: {
      id: pkg.id,
      name: pkg.name,
      producer: pkg.producer,
      subject: pkg.subject,
      metadata: JSON.parse(pkg.metadata) as unknown,
      createdAt: iso(pkg.createdAt),
      createdBy: pkg.createdBy,
      finalizedAt: iso(finalizedAt),
    },
    retention: {
      class: pkg.retentionClass,
      rule: pkg.retentionRule,
      expiresAt: pkg.expiresAt === null ? null : iso(pkg.expiresAt),
    },
    files: sorted.map((f) => ({
      path: f.path,
      mediaType: f.mediaType,
      size: f.size,
      sha256: f.sha256,
      createdAt: iso(f.createdAt),
      auditIndex: f.auditIndex,
      locations: byBlob.get(f.sha256) ?? [],
    })),
    totals: { files: sorted.length, bytes: sorted.reduce((n, f) => n + f.size, 0) },
  };
}

/** The canonical JSON bytes of a manifest: what is digested, stored and served. */
export function manifestBytes(m: Manifest): Uint8Array {
  return canonicalBytes(m);
}

/** Lowercase hex SHA-256 of the manifest's canonical bytes. */
export function manifestDigest(bytes: Uint8Array): string {
  return Buffer.from(sha256(bytes)).toString('hex');
}
