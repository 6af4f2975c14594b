/**
 * Scrubbing: re-reading stored blobs in rotation (never verified first,
 * then the least recently verified), re-hashing every byte with Vellum's
 * own SHA-256 and comparing with the digest the registry recorded at
 * upload. A match records `last_verified_at`; a mismatch (or bytes that
 * are gone) marks the location corrupt or missing, appends a
 * `scrub-mismatch` audit entry, counts it, and calls the deployment's
 * hook. Blobs in a cold tier are skipped, not restored.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StorageError } from '../../storage/errors.js';
import { checkName } from '../names.js';
import type { ArtifactContext, ScrubMismatch } from './context.js';
import * as input from './inputs.js';

export interface ScrubReport {
  readonly checked: number;
  readonly ok: number;
  readonly mismatches: readonly ScrubMismatch[];
  /** Blobs not read this time (cold tier, backend unavailable), with why. */
  readonly skipped: readonly { readonly sha256: string; readonly reason: string }[];
}

export class Scrubber {
  #mismatches = 0;

  constructor(private readonly ctx: ArtifactContext) {}

  /** Mismatches found by this process since it started (a metric). */
  get mismatches(): number {
    return this.#mismatches;
  }

  /** Verifies up to `limit` (default 100) of the tenant's stored blobs. */
  async scrub(tenant: string, actor = 'system:scrub', o: { limit?: number } = {}): Promise<ScrubReport> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const limit = o.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000)
      throw input.bad('limit must be 1..10000');
    const mismatches: ScrubMismatch[] = [];
    const skipped: { sha256: string; reason: string }[] = [];
    let ok = 0;
    const locations = await ctx.store.locations.toVerify(tenant, limit);
    for (const loc of locations) {
      const blob = await ctx.store.blobs.get(tenant, loc.sha256);
      if (blob?.state !== 'live') {
        skipped.push({ sha256: loc.sha256, reason: 'no live blob' });
        continue;
      }
      const r = await reHash(ctx, blob.key, blob.versionId);
      const at = ctx.now();
      if ('skip' in r) {
        skipped.push({ sha256: blob.sha256, reason: r.skip });
        continue;
      }
      if (r.sha256 === blob.sha256 && r.size === blob.size) {
        await ctx.store.locations.verified(tenant, loc.id, at, 'stored');
        ok++;
        continue;
      }
      const m: ScrubMismatch = {
        tenant,
        sha256: blob.sha256,
        key: blob.key,
        versionId: blob.versionId,
        actualSha256: r.sha256,
        reason:
          r.sha256 === null
            ? r.reason
            : `read ${r.size} bytes hashing to ${r.sha256}, recorded ${blob.size} bytes ${blob.sha256}`,
      };
      await ctx.store.locations.verified(tenant, loc.id, at, r.sha256 === null ? 'missing' : 'corrupt');
      await ctx.audit.append(tenant, who, at, 'scrub-mismatch', {
        sha256: m.sha256,
        key: m.key,
        versionId: m.versionId,
        actualSha256: m.actualSha256,
        reason: m.reason,
      });
      this.#mismatches++;
      mismatches.push(m);
      try {
        ctx.onScrubMismatch?.(m);
      } catch {
        // A failing hook must not stop the rotation.
      }
    }
    return { checked: locations.length, ok, mismatches, skipped };
  }
}

type ReHash = { sha256: string; size: number } | { sha256: null; size: 0; reason: string } | { skip: string };

/** Reads the whole version and hashes it; the store's own corruption check only ends the stream early. */
async function reHash(ctx: ArtifactContext, key: string, versionId: string | null): Promise<ReHash> {
  let stream: Readable;
  try {
    stream = (await ctx.blobs.get(key, versionId ? { versionId } : {})).stream;
  } catch (e) {
    if (e instanceof StorageError && e.code === 'not-found')
      return { sha256: null, size: 0, reason: 'the bytes are gone' };
    if (e instanceof StorageError && e.code === 'not-immediately-available') return { skip: 'cold tier' };
    return { skip: `unreadable: ${(e as Error).message}` };
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (e) {
    // 'corrupt' from the store means every byte went through and the digest differs: ours tells by how much.
    if (!(e instanceof StorageError && e.code === 'corrupt')) {
      stream.destroy();
      return { skip: `read failed: ${(e as Error).message}` };
    }
  }
  return { sha256: hash.digest('hex'), size };
}
