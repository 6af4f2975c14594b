/**
 * The retention engine's deletion side, in three steps (per tenant):
 *
 * 1. `sweep` marks expired, unheld packages deletion-eligible (an audit
 *    entry and a retention event each) and retries Object Lock syncs that
 *    failed earlier. Permanent records never expire, so never qualify.
 * 2. `plan` is the dry run: what a deletion would remove now (packages,
 *    their files, the blobs no other package uses) and which eligible
 *    packages are held. It changes nothing and appends nothing.
 * 3. `execute` deletes a plan's packages. Holds and expiry are checked
 *    again when it runs, by the database statement that claims each
 *    package (notes/worm-storage.md §4): a hold applied after planning
 *    stops it. Each deleted file is an `item-deleted` audit entry and a
 *    retention event (never a count), and deleting a package only releases
 *    its blob references; then `gc` removes blobs nobody references, by
 *    version, recording each removal, and each refusal (a WORM lock) as a
 *    failed deletion that the next run retries.
 *
 * Claims name their run and time: a package left 'deleting' or a blob left
 * claimed by a run that died is taken over once the claim is older than
 * STALE_CLAIM_MS (a resumed package's `deletion-requested` says so), so
 * several workers can run deletions of one tenant side by side. A
 * package's entries (requested, each item, completed) are durable before
 * the change each records is committed (#deletePackage): a package is
 * never 'deleted' without its `deletion-completed` entry.
 */
import type { PackageRow } from '../../storage/artifact-store.js';
import { canonicalize } from '../canonical-json.js';
import { checkName } from '../names.js';
import { type ArtifactContext, isId } from './context.js';
import type { DeletedItem } from './events.js';
import * as input from './inputs.js';
import { syncDirty } from './protection.js';
import { collectStaging } from './uploads.js';

/** A claimed blob whose run died is taken over after this long. */
const STALE_CLAIM_MS = 10 * 60_000;
/** Spooled uploads older than this (plus their lock) are leftovers. */
const STAGING_GRACE_MS = 24 * 3600_000;

export interface PlannedFile {
  readonly id: string;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

export interface PlannedPackage {
  readonly id: string;
  readonly name: string;
  readonly retentionClass: string;
  readonly expiresAt: string | null;
  /** The package is already 'deleting' (claimed by a run; taken over if that run died). */
  readonly resume: boolean;
  /**
   * Whether a sweep has marked it deletion-eligible. Unmarked packages are
   * in a plan only when asked for (`withUnswept`): the retention job sweeps
   * them before it deletes, so they are what its next run would delete too.
   */
  readonly swept: boolean;
  readonly files: readonly PlannedFile[];
}

export interface PlannedBlob {
  readonly sha256: string;
  readonly size: number;
  readonly key: string;
  readonly versionId: string | null;
}

export interface DeletionPlan {
  readonly tenant: string;
  readonly plannedAt: string;
  readonly packages: readonly PlannedPackage[];
  /** Eligible packages an active hold keeps (they are not in `packages`). */
  readonly held: readonly { readonly id: string; readonly activeHolds: number }[];
  /** Blobs whose bytes would go: no package outside the plan uses them. */
  readonly blobs: readonly PlannedBlob[];
  /** A list was cut at the limit: there is more than this plan shows (a later run gets the rest). */
  readonly truncated: boolean;
}

export interface DeletionReport {
  readonly run: string;
  readonly deleted: readonly { readonly package: string; readonly files: number; readonly bytes: number }[];
  /** Planned packages not deleted, and why (checked when the run reached them). */
  readonly skipped: readonly { readonly package: string; readonly reason: string }[];
  readonly blobs: GcReport;
}

export interface GcReport {
  readonly deleted: readonly PlannedBlob[];
  readonly failed: readonly (PlannedBlob & { readonly code: string; readonly message: string })[];
  /** Spooled uploads removed. */
  readonly staging: number;
}

export class DeletionService {
  constructor(private readonly ctx: ArtifactContext) {}

  /** Marks expired, unheld packages deletion-eligible; retries pending Object Lock syncs. */
  async sweep(
    tenant: string,
    actor = 'system:retention',
    o: { limit?: number } = {},
  ): Promise<{ eligible: string[]; lockPending: number }> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const now = ctx.now();
    const expired = await ctx.store.packages.expired(tenant, now, limitOf(o.limit));
    const indexes = await ctx.audit.appendMany(
      tenant,
      who,
      now,
      expired.map((p) => ({
        type: 'deletion-eligible' as const,
        body: { package: p.id, expiresAt: new Date(p.expiresAt!).toISOString() },
      })),
    );
    const eligible: string[] = [];
    for (const [i, p] of expired.entries()) {
      const event = ctx.event(tenant, {
        type: 'deletion_eligible',
        packageId: p.id,
        reason: 'retention expired',
        createdBy: who,
        createdAt: now,
        previousExpiresAt: p.expiresAt,
        auditIndex: indexes[i]!,
      });
      if (await ctx.store.packages.markEligible(tenant, p.id, now, event)) eligible.push(p.id);
      else
        await ctx.audit.aborted(
          tenant,
          who,
          ctx.now(),
          indexes[i]!,
          'deletion-eligible',
          'held or extended meanwhile',
        );
    }
    return { eligible, lockPending: await syncDirty(ctx, tenant) };
  }

  /**
   * The dry run: what `execute` would delete now; with `withUnswept`, also
   * the expired, unheld packages no sweep has marked yet (what the retention
   * job, which sweeps first, would delete). Changes nothing.
   */
  async plan(tenant: string, o: { limit?: number; withUnswept?: boolean } = {}): Promise<DeletionPlan> {
    const { ctx } = this;
    checkName(tenant);
    const now = ctx.now();
    const limit = limitOf(o.limit);
    const candidates = await ctx.store.packages.eligible(tenant, limit);
    let truncated = candidates.length >= limit;
    if (o.withUnswept) {
      const marked = new Set(candidates.map((p) => p.id));
      const expired = await ctx.store.packages.expired(tenant, now, limit);
      if (expired.length >= limit) truncated = true;
      for (const p of expired) if (!marked.has(p.id)) candidates.push(p);
      // Never more than `limit` packages in all.
      if (candidates.length > limit) {
        candidates.length = limit;
        truncated = true;
      }
    }
    const packages: PlannedPackage[] = [];
    const held: { id: string; activeHolds: number }[] = [];
    const uses = new Map<string, number>();
    for (const p of candidates) {
      const resume = p.status === 'deleting';
      if (!resume && p.activeHolds > 0) {
        held.push({ id: p.id, activeHolds: p.activeHolds });
        continue;
      }
      if (!resume && (p.expiresAt === null || p.expiresAt > now)) continue;
      const files = await ctx.store.files.list(tenant, p.id);
      for (const f of files) uses.set(f.sha256, (uses.get(f.sha256) ?? 0) + 1);
      packages.push({
        id: p.id,
        name: p.name,
        retentionClass: p.retentionClass,
        expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
        resume,
        swept: p.eligibleAt !== null,
        files: files.map((f) => ({ id: f.id, path: f.path, sha256: f.sha256, size: f.size })),
      });
    }
    const blobs: PlannedBlob[] = [];
    const seen = new Set<string>();
    for (const w of await ctx.store.blobs.wanted(tenant, [...uses.keys()])) {
      if (w.blob.refcount <= (uses.get(w.blob.sha256) ?? 0)) blobs.push(planned(w.blob));
      seen.add(w.blob.sha256);
    }
    const unreferenced = await ctx.store.blobs.unreferenced(tenant, now - STALE_CLAIM_MS, limit);
    if (unreferenced.length >= limit) truncated = true;
    for (const b of unreferenced) if (!seen.has(b.sha256)) blobs.push(planned(b));
    return { tenant, plannedAt: new Date(now).toISOString(), packages, held, blobs, truncated };
  }

  /** Plans and executes at once; with `dryRun`, only plans. */
  async run(
    tenant: string,
    actor = 'system:retention',
    o: { dryRun?: boolean; limit?: number } = {},
  ): Promise<{ plan: DeletionPlan; report?: DeletionReport }> {
    const plan = await this.plan(tenant, o);
    if (o.dryRun) return { plan };
    return { plan, report: await this.execute(tenant, actor, plan) };
  }

  /**
   * Deletes the packages of `plan` that are still deletable now (each is
   * claimed by one statement that re-checks holds, expiry and status),
   * then collects unreferenced blobs.
   */
  async execute(tenant: string, actor: string, plan: DeletionPlan): Promise<DeletionReport> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    if (plan.tenant !== tenant) throw input.bad('the plan is of another tenant');
    const run = ctx.id('run');
    const deleted: DeletionReport['deleted'][number][] = [];
    const skipped: DeletionReport['skipped'][number][] = [];
    for (const planned of plan.packages) {
      const r = await this.#deletePackage(tenant, who, run, planned.id);
      if ('skipped' in r) skipped.push({ package: planned.id, reason: r.skipped });
      else deleted.push({ package: planned.id, files: r.files, bytes: r.bytes });
    }
    return { run, deleted, skipped, blobs: await this.gc(tenant, who, { run }) };
  }

  /** Deletes the bytes of unreferenced blobs by version, recording each deletion or refusal. */
  async gc(
    tenant: string,
    actor = 'system:retention',
    o: { run?: string; limit?: number } = {},
  ): Promise<GcReport> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const run = o.run ?? ctx.id('run');
    const deleted: PlannedBlob[] = [];
    const failed: GcReport['failed'][number][] = [];
    const now = ctx.now();
    for (const b of await ctx.store.blobs.unreferenced(tenant, now - STALE_CLAIM_MS, limitOf(o.limit))) {
      if (!(await ctx.store.blobs.claim(tenant, b.sha256, ctx.now(), now - STALE_CLAIM_MS))) continue;
      const blob = planned(b);
      const item: DeletedItem = { kind: 'blob', ...blob };
      const event = {
        packageId: null,
        createdBy: who,
        item: canonicalize(item),
      };
      try {
        await ctx.blobs.delete(b.key, b.versionId ?? undefined);
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'error';
        const message = (e as Error).message ?? String(e);
        const at = ctx.now();
        await ctx.store.blobs.unclaim(
          tenant,
          b.sha256,
          at,
          `${code}: ${message}`.slice(0, 4000),
          ctx.event(tenant, {
            ...event,
            type: 'deletion_failed',
            reason: `${code}: ${message}`.slice(0, 4000),
            createdAt: at,
          }),
        );
        await ctx.audit.append(tenant, who, at, 'deletion-failed', {
          package: null,
          run,
          item,
          code,
          message,
        });
        failed.push({ ...blob, code, message });
        continue;
      }
      const at = ctx.now();
      await ctx.store.blobs.forget(
        tenant,
        b.sha256,
        at,
        ctx.event(tenant, {
          ...event,
          type: 'deleted',
          reason: 'unreferenced blob collected',
          createdAt: at,
        }),
      );
      await ctx.audit.append(tenant, who, at, 'item-deleted', { package: null, run, item });
      deleted.push(blob);
    }
    const staging = await collectStaging(ctx, tenant, ctx.stagingLockMs + STAGING_GRACE_MS);
    return { deleted, failed, staging };
  }

  /**
   * Deletes one package, each step's audit entry durable before the change
   * it records is committed:
   *
   *   deletion-requested  then the claim (open/finalized -> deleting; a
   *                       refused claim gets an `aborted` entry)
   *   item-deleted (each) then the file rows are removed
   *   deletion-completed  then deleting -> deleted
   *
   * A failure or crash anywhere leaves the package at most 'deleting',
   * which a later run takes over once the claim is stale: it appends
   * `deletion-requested` with `resumed: true` after the takeover (the
   * claim's own entry is already in the log), removes what is left and
   * appends `deletion-completed` again. So a package is never 'deleted'
   * without a completed entry; a crash between that entry and the commit
   * can leave two (at least once, never zero).
   */
  async #deletePackage(
    tenant: string,
    who: string,
    run: string,
    id: string,
  ): Promise<{ files: number; bytes: number } | { skipped: string }> {
    const { ctx } = this;
    const before = isId('pkg', id) ? await ctx.store.packages.get(tenant, id) : undefined;
    if (!before) return { skipped: 'not found' };
    const now = ctx.now();
    const requested = (files: number, resumed: boolean) =>
      ctx.audit.append(tenant, who, now, 'deletion-requested', {
        package: id,
        run,
        expiresAt: new Date(before.expiresAt ?? now).toISOString(),
        retentionClass: before.retentionClass,
        files,
        resumed,
      });
    const failed = async (e: unknown, claimed = true) => {
      const code = (e as { code?: string }).code ?? 'error';
      const message = (e as Error).message ?? String(e);
      await ctx.audit
        .append(tenant, who, ctx.now(), 'deletion-failed', { package: id, run, item: null, code, message })
        .catch(() => {});
      return {
        skipped: claimed
          ? `failed (${code}): a run takes it over once this claim is stale`
          : `failed (${code}): not claimed; retried by the next run`,
      };
    };
    // A fresh claim is requested in the log first. A package already 'deleting' was requested by
    // the run that claimed it; whether its claim is stale only the claim itself can tell.
    let requestIndex: number | null = null;
    if (before.status !== 'deleting') {
      // What the claim would refuse anyway is skipped without an entry (the claim re-checks it all).
      const why = whyNot(before, now);
      if (why) return { skipped: why };
      try {
        requestIndex = await requested((await ctx.store.files.list(tenant, id)).length, false);
      } catch (e) {
        return failed(e, false);
      }
    }
    let claimed: 'claimed' | 'resumed' | false;
    try {
      claimed = await ctx.store.packages.claimForDeletion(
        tenant,
        id,
        { now, run, staleBefore: now - STALE_CLAIM_MS },
        ctx.event(tenant, {
          type: 'deletion_requested',
          packageId: id,
          reason: 'retention expired',
          createdBy: who,
          createdAt: now,
          previousExpiresAt: before.expiresAt,
          auditIndex: requestIndex,
        }),
      );
    } catch (e) {
      if (requestIndex !== null)
        await ctx.audit.aborted(
          tenant,
          who,
          ctx.now(),
          requestIndex,
          'deletion-requested',
          (e as Error).message,
        );
      throw e;
    }
    if (!claimed) {
      const p = await ctx.store.packages.get(tenant, id);
      const reason = p ? (whyNot(p, now) ?? `not deletable (${p.status})`) : 'not found';
      if (requestIndex !== null)
        await ctx.audit.aborted(tenant, who, ctx.now(), requestIndex, 'deletion-requested', reason);
      return { skipped: reason };
    }
    let completedIndex: number | null = null;
    let done: { files: number; bytes: number } | null = null;
    try {
      const files = await ctx.store.files.list(tenant, id);
      if (requestIndex === null) await requested(files.length, claimed === 'resumed');
      // Entries first: every file's deletion is in the log before it is committed.
      const items = files.map((f) => ({
        file: f,
        item: { kind: 'file', file: f.id, path: f.path, sha256: f.sha256, size: f.size } as DeletedItem,
      }));
      const indexes = await ctx.audit.appendMany(
        tenant,
        who,
        now,
        items.map((x) => ({ type: 'item-deleted' as const, body: { package: id, run, item: x.item } })),
      );
      let bytes = 0;
      for (const [i, { file, item }] of items.entries()) {
        const removed = await ctx.store.files.remove(
          tenant,
          file.id,
          now,
          ctx.event(tenant, {
            type: 'deleted',
            packageId: id,
            reason: 'retention expired',
            createdBy: who,
            createdAt: now,
            item: canonicalize(item),
            auditIndex: indexes[i]!,
          }),
        );
        if (removed) bytes += file.size;
      }
      // The completed entry is durable before the package is 'deleted': never a deleted package without one.
      done = { files: files.length, bytes };
      const at = ctx.now();
      completedIndex = await ctx.audit.append(tenant, who, at, 'deletion-completed', {
        package: id,
        run,
        files: files.length,
        bytes,
      });
      const marked = await ctx.store.packages.markDeleted(
        tenant,
        id,
        at,
        ctx.event(tenant, {
          type: 'deleted',
          packageId: id,
          reason: `package deleted: ${files.length} files`,
          createdBy: who,
          createdAt: at,
          previousExpiresAt: before.expiresAt,
          auditIndex: completedIndex,
        }),
      );
      if (!marked) {
        done = null;
        const p = await ctx.store.packages.get(tenant, id);
        const reason =
          p?.status === 'deleted'
            ? 'already deleted'
            : 'not deleted: it is no longer claimed or has live files';
        await ctx.audit.aborted(tenant, who, ctx.now(), completedIndex, 'deletion-completed', reason);
        return { skipped: reason };
      }
      return { files: files.length, bytes };
    } catch (e) {
      if (completedIndex !== null) {
        // The commit may have happened before the failure (an ambiguous commit): then it is done.
        const p = await ctx.store.packages.get(tenant, id).catch(() => undefined);
        if (p?.status === 'deleted' && done) return done;
        await ctx.audit.aborted(
          tenant,
          who,
          ctx.now(),
          completedIndex,
          'deletion-completed',
          (e as Error).message ?? String(e),
        );
      }
      return failed(e);
    }
  }
}

/** Why `p` cannot be claimed for deletion at `now`; undefined when it can (or is 'deleting': resumable). */
function whyNot(p: PackageRow, now: number): string | undefined {
  if (p.status === 'deleted') return 'already deleted';
  if (p.status === 'deleting') return 'being deleted by another run';
  if (p.activeHolds > 0) return 'held';
  if (p.expiresAt === null || p.expiresAt > now) return 'not expired (extended)';
  if (p.eligibleAt === null) return 'not marked eligible';
  return undefined;
}

function planned(b: { sha256: string; size: number; key: string; versionId: string | null }): PlannedBlob {
  return { sha256: b.sha256, size: b.size, key: b.key, versionId: b.versionId };
}

function limitOf(limit: number | undefined): number {
  const n = limit ?? 1000;
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw input.bad('limit must be 1..10000');
  return n;
}
