/**
 * Holds: case records (case id, reason, actor) that keep a package from
 * deletion while active, whatever its expiry. A package may carry any
 * number; it is deletable again only when every one is released. On an
 * Object Lock store each blob of a held package gets a legal hold, cleared
 * only when no active hold covers the blob any more (protection.ts).
 * Another tenant's package or hold is 'not-found'.
 */
import { DomainError } from '../errors.js';
import { checkName } from '../names.js';
import { type ArtifactContext, isId } from './context.js';
import * as input from './inputs.js';
import { type LockState, syncPackage } from './protection.js';
import { type HoldView, holdView } from './views.js';

export interface HoldResult {
  readonly hold: HoldView;
  readonly auditIndex: number;
  /** Whether the blobs' legal holds are set ('pending': retried by the next sweep). */
  readonly objectLock: LockState;
}

export class HoldService {
  constructor(private readonly ctx: ArtifactContext) {}

  /** Places a hold on an open or finalized package. */
  async apply(
    tenant: string,
    actor: string,
    packageId: string,
    h: { caseId: string; reason: string },
  ): Promise<HoldResult> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const caseId = input.text(h?.caseId, 'caseId', 200);
    const reason = input.text(h?.reason, 'reason', 2000);
    const pkg = await ctx.package(tenant, packageId);
    if (pkg.status === 'deleting' || pkg.status === 'deleted')
      throw new DomainError('conflict', `package ${packageId} is ${pkg.status}: it can no longer be held`);
    const now = ctx.now();
    const id = ctx.id('hld');
    const auditIndex = await ctx.audit.append(tenant, who, now, 'hold-applied', {
      package: packageId,
      hold: id,
      caseId,
      reason,
    });
    const hold = { tenant, id, packageId, caseId, reason, createdBy: who, createdAt: now };
    const event = ctx.event(tenant, {
      type: 'hold_applied',
      packageId,
      reason: `${caseId}: ${reason}`,
      createdBy: who,
      createdAt: now,
      holdId: id,
      auditIndex,
    });
    let ok = false;
    try {
      ok = await ctx.store.holds.apply(hold, event);
    } finally {
      if (!ok)
        await ctx.audit.aborted(
          tenant,
          who,
          ctx.now(),
          auditIndex,
          'hold-applied',
          'the package is being deleted',
        );
    }
    if (!ok)
      throw new DomainError('conflict', `package ${packageId} is being deleted: it can no longer be held`);
    const objectLock = await syncPackage(ctx, tenant, packageId);
    return { hold: holdView((await ctx.store.holds.get(tenant, id))!), auditIndex, objectLock };
  }

  /** Releases an active hold of the package. */
  async release(
    tenant: string,
    actor: string,
    packageId: string,
    holdId: string,
    r: { reason: string },
  ): Promise<HoldResult> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const reason = input.text(r?.reason, 'reason', 2000);
    const hold = isId('hld', holdId) ? await ctx.store.holds.get(tenant, holdId) : undefined;
    if (!hold || hold.packageId !== packageId)
      throw new DomainError(
        'not-found',
        `no hold ${String(holdId).slice(0, 80)} on package ${String(packageId).slice(0, 80)}`,
      );
    if (hold.releasedAt !== null) throw new DomainError('conflict', `hold ${holdId} is already released`);
    const now = ctx.now();
    const auditIndex = await ctx.audit.append(tenant, who, now, 'hold-released', {
      package: packageId,
      hold: holdId,
      caseId: hold.caseId,
      reason,
    });
    const event = ctx.event(tenant, {
      type: 'hold_released',
      packageId,
      reason,
      createdBy: who,
      createdAt: now,
      holdId,
      auditIndex,
    });
    let ok = false;
    try {
      ok = await ctx.store.holds.release(
        tenant,
        packageId,
        holdId,
        { releasedAt: now, releasedBy: who, reason },
        event,
      );
    } finally {
      if (!ok)
        await ctx.audit.aborted(tenant, who, ctx.now(), auditIndex, 'hold-released', 'already released');
    }
    if (!ok) throw new DomainError('conflict', `hold ${holdId} is already released`);
    const objectLock = await syncPackage(ctx, tenant, packageId);
    return { hold: holdView((await ctx.store.holds.get(tenant, holdId))!), auditIndex, objectLock };
  }

  /** The package's holds, oldest first, released ones included. */
  async list(tenant: string, packageId: string): Promise<HoldView[]> {
    checkName(tenant);
    await this.ctx.package(tenant, packageId);
    return (await this.ctx.store.holds.list(tenant, packageId)).map(holdView);
  }
}
