/**
 * S3 Object Lock for content-addressed blobs (notes/worm-storage.md §1-3):
 *
 * - A blob version's retain-until date is the latest `lockUntil` of the
 *   packages using it (their expiry; creation + 100 years for permanent
 *   records), and is only ever raised.
 * - A version carries a legal hold while any active hold covers a package
 *   using it, and the flag is cleared only when none does: after clearing
 *   it, the wanted state is read again and the flag set back if a hold
 *   arrived meanwhile.
 * - The registry (holds, expiry) is the authority; the lock is defence in
 *   depth. A sync that fails leaves the blob marked dirty, and the next
 *   sweep retries it.
 */
import type { PackageRow, WantedProtection } from '../../storage/artifact-store.js';
import type { ArtifactContext } from './context.js';

/** The shortest lock a new version gets (S3 needs a retain-until date in the future). */
const MIN_LOCK_MS = 1000;

/** What a sync did: the lock is in place, will be retried, or the store has none. */
export type LockState = 'applied' | 'pending' | 'not-supported';

/** Put options for a new version of a blob used by `pkg`. */
export async function putLock(
  ctx: ArtifactContext,
  pkg: PackageRow,
  existingRetainUntil: number | null,
): Promise<{ retainUntil?: Date; legalHold?: boolean }> {
  if (!(await ctx.objectLock())) return {};
  // S3 refuses a retain-until date in the past: a package about to expire gets MIN_LOCK_MS.
  const until = Math.max(pkg.lockUntil, existingRetainUntil ?? 0, ctx.now() + MIN_LOCK_MS);
  return { retainUntil: new Date(until), ...(pkg.activeHolds > 0 && { legalHold: true }) };
}

/** Syncs the blobs of one package. */
export async function syncPackage(
  ctx: ArtifactContext,
  tenant: string,
  packageId: string,
): Promise<LockState> {
  if (!(await ctx.objectLock())) return 'not-supported';
  return syncWanted(ctx, tenant, await ctx.store.blobs.wantedForPackage(tenant, packageId));
}

/** Syncs blobs marked dirty by an earlier failure; resolves with how many are still pending. */
export async function syncDirty(ctx: ArtifactContext, tenant: string, limit = 1000): Promise<number> {
  if (!(await ctx.objectLock())) return 0;
  const dirty = await ctx.store.blobs.dirty(tenant, limit);
  if (dirty.length === 0) return 0;
  const wanted = await ctx.store.blobs.wanted(
    tenant,
    dirty.map((b) => b.sha256),
  );
  let pending = 0;
  for (const w of wanted) if (!(await syncOne(ctx, tenant, w))) pending++;
  return pending;
}

async function syncWanted(ctx: ArtifactContext, tenant: string, wanted: readonly WantedProtection[]) {
  let ok = true;
  for (const w of wanted) if (!(await syncOne(ctx, tenant, w))) ok = false;
  return ok ? 'applied' : 'pending';
}

/** Brings one version to the wanted protection; false (and marked dirty) when the store refused. */
async function syncOne(ctx: ArtifactContext, tenant: string, w: WantedProtection): Promise<boolean> {
  const { blob } = w;
  const blobs = ctx.blobs;
  if (blob.state !== 'live' || blob.versionId === null || !blobs.setRetention || !blobs.setLegalHold)
    return true;
  const version = blob.versionId;
  let retainUntil = blob.retainUntil;
  let legalHold = blob.legalHold;
  try {
    if (w.retainUntil !== null && w.retainUntil > (retainUntil ?? 0) && w.retainUntil > ctx.now()) {
      const r = await blobs.setRetention(blob.key, version, {
        mode: ctx.lockMode,
        until: new Date(w.retainUntil),
      });
      retainUntil = r.retention.until.getTime();
    }
    if (w.legalHold !== legalHold) {
      legalHold = (await blobs.setLegalHold(blob.key, version, w.legalHold)).legalHold;
      if (!legalHold) {
        // A hold committed while we cleared the flag must win: read the wanted state again.
        const [again] = await ctx.store.blobs.wanted(tenant, [blob.sha256]);
        if (again?.legalHold) legalHold = (await blobs.setLegalHold(blob.key, version, true)).legalHold;
      }
    }
    await ctx.store.blobs.setProtection(tenant, blob.sha256, { retainUntil, legalHold, dirty: false });
    return true;
  } catch {
    await ctx.store.blobs
      .setProtection(tenant, blob.sha256, { retainUntil, legalHold, dirty: true })
      .catch(() => {});
    return false;
  }
}
