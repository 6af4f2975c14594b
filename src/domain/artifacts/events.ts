/**
 * The artifact store's audit events: one typed map from event name to
 * body, and their encoding as entries of the tenant's `audit` log
 * (DESIGN.md: canonical JSON, RFC 8785, with a `type` and a schema
 * version). Every entry is
 *
 *   {"type": "vellum.artifact.<name>", "v": 1, "time": <ISO 8601 UTC>,
 *    "actor": <key id or job name>, ...body}
 *
 * Bodies name packages, files, holds and blobs by id and digest, so that an
 * auditor can follow one package through the log without the database.
 */
import { encodeAuditEntry } from '../audit-entry.js';
import { DomainError } from '../errors.js';

export const EVENT_PREFIX = 'vellum.artifact.';
export const EVENT_VERSION = 1;

/** A byte range served, inclusive. */
export interface ServedRange {
  readonly start: number;
  readonly end: number;
}

/** One thing a deletion removed: a file of a package, or a blob's bytes. */
export type DeletedItem =
  | {
      readonly kind: 'file';
      readonly file: string;
      readonly path: string;
      readonly sha256: string;
      readonly size: number;
    }
  | {
      readonly kind: 'blob';
      readonly sha256: string;
      readonly size: number;
      readonly key: string;
      readonly versionId: string | null;
    };

export interface ArtifactEvents {
  'package-created': {
    package: string;
    name: string;
    producer: string;
    subject: string;
    metadata: unknown;
    retentionClass: string;
    retentionRule: string;
    expiresAt: string | null;
  };
  'file-added': {
    package: string;
    file: string;
    path: string;
    mediaType: string;
    size: number;
    sha256: string;
  };
  'package-finalized': { package: string; manifestSha256: string; files: number; bytes: number };
  'file-downloaded': {
    package: string;
    file: string;
    path: string;
    sha256: string;
    via: 'stream' | 'presigned-url';
    range: ServedRange | null;
  };
  'restore-requested': { package: string; file: string; sha256: string; days: number; status: string };
  'retention-extended': { package: string; previousExpiresAt: string; newExpiresAt: string; reason: string };
  'hold-applied': { package: string; hold: string; caseId: string; reason: string };
  'hold-released': { package: string; hold: string; caseId: string; reason: string };
  'deletion-eligible': { package: string; expiresAt: string };
  'deletion-requested': {
    package: string;
    run: string;
    expiresAt: string;
    retentionClass: string;
    files: number;
    resumed: boolean;
  };
  'item-deleted': { package: string | null; run: string; item: DeletedItem };
  'deletion-completed': { package: string; run: string; files: number; bytes: number };
  /** `item` null: the package itself could not be deleted (it stays 'deleting' and is resumed). */
  'deletion-failed': {
    package: string | null;
    run: string;
    item: DeletedItem | null;
    code: string;
    message: string;
  };
  'scrub-mismatch': {
    sha256: string;
    key: string;
    versionId: string | null;
    /** The digest of the bytes read, or null when they could not be read. */
    actualSha256: string | null;
    reason: string;
  };
  /** An entry whose change was then not committed (a lost race, a failed write). */
  aborted: { entry: number; event: string; reason: string };
}

export type ArtifactEventType = keyof ArtifactEvents;

/** A decoded entry; with no argument, the union of every event (narrow it by `type`). */
export type ArtifactEntry<K extends ArtifactEventType = ArtifactEventType> = K extends ArtifactEventType
  ? {
      readonly type: `${typeof EVENT_PREFIX}${K}`;
      readonly v: typeof EVENT_VERSION;
      readonly time: string;
      readonly actor: string;
    } & ArtifactEvents[K]
  : never;

/** The log entry of one event. */
export function encodeEvent<K extends ArtifactEventType>(
  type: K,
  actor: string,
  time: number,
  body: ArtifactEvents[K],
): Uint8Array {
  return encodeAuditEntry(`${EVENT_PREFIX}${type}`, EVENT_VERSION, actor, time, body);
}

/** An audit entry as an artifact event, or undefined when it is another kind of entry. */
export function decodeEvent(entry: Uint8Array): ArtifactEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(entry));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as { type?: unknown; v?: unknown };
  if (typeof o.type !== 'string' || !o.type.startsWith(EVENT_PREFIX)) return undefined;
  if (o.v !== EVENT_VERSION)
    throw new DomainError('bad-request', `unknown artifact event version ${String(o.v)}`);
  return v as ArtifactEntry;
}
