/** Reading a BlobInfo out of S3 HeadObject / GetObject answers. */

import { isSha256Hex } from '../blob-key.js';
import type { BlobInfo, BlobProtection, RetentionMode, RetrievalTier } from '../blob-store.js';
import type { RestoreState } from '../errors.js';

/** The headers HeadObject and GetObject share. */
export interface S3ObjectHeaders {
  ContentLength?: number;
  ContentType?: string;
  ETag?: string;
  LastModified?: Date;
  VersionId?: string;
  Metadata?: Record<string, string>;
  StorageClass?: string;
  Restore?: string;
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
  ObjectLockLegalHoldStatus?: string;
}

const TIER_OF_CLASS: Record<string, RetrievalTier> = {
  STANDARD_IA: 'warm',
  ONEZONE_IA: 'warm',
  INTELLIGENT_TIERING: 'warm',
  GLACIER_IR: 'warm',
  GLACIER: 'cold',
  DEEP_ARCHIVE: 'archive',
};

/** S3 storage class to retrieval tier; STANDARD and classes we do not know are hot. */
export function tierOfClass(storageClass: string | undefined): RetrievalTier {
  return (storageClass && TIER_OF_CLASS[storageClass]) || 'hot';
}

/**
 * The restore state from the tier and the `x-amz-restore` header
 * (`ongoing-request="true"`, or `ongoing-request="false", expiry-date="<HTTP date>"`).
 */
export function restoreState(
  tier: RetrievalTier,
  header: string | undefined,
  now = new Date(),
): RestoreState {
  if (tier === 'hot' || tier === 'warm') return { status: 'available' };
  if (!header) return { status: 'archived' };
  if (/ongoing-request="true"/.test(header)) return { status: 'restoring' };
  const m = /expiry-date="([^"]+)"/.exec(header);
  if (!m) return { status: 'restore-requested' };
  const expiresAt = new Date(m[1]!);
  return { status: expiresAt.getTime() > now.getTime() ? 'restored' : 'expired', expiresAt };
}

/** Lock fields of a HeadObject/GetObject answer, when the caller may see them. */
export function protectionOf(h: S3ObjectHeaders): BlobProtection | undefined {
  const mode = h.ObjectLockMode;
  const hasRetention =
    (mode === 'GOVERNANCE' || mode === 'COMPLIANCE') && h.ObjectLockRetainUntilDate !== undefined;
  if (!hasRetention && h.ObjectLockLegalHoldStatus === undefined) return undefined;
  return {
    ...(hasRetention && { retention: { mode: mode as RetentionMode, until: h.ObjectLockRetainUntilDate! } }),
    legalHold: h.ObjectLockLegalHoldStatus === 'ON',
  };
}

/** The BlobInfo of an answer about `key`; `size` is the whole object's. */
export function infoOf(key: string, h: S3ObjectHeaders, size: number): BlobInfo {
  const tier = tierOfClass(h.StorageClass);
  const sha256 = h.Metadata?.sha256;
  const protection = protectionOf(h);
  return {
    key,
    ...(h.VersionId && h.VersionId !== 'null' && { versionId: h.VersionId }),
    size,
    ...(isSha256Hex(sha256) && { sha256 }),
    ...(h.ContentType && { contentType: h.ContentType }),
    ...(h.ETag && { etag: h.ETag }),
    lastModified: h.LastModified ?? new Date(0),
    tier,
    restore: restoreState(tier, h.Restore),
    ...(protection && { protection }),
  };
}
