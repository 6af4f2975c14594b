/**
 * Retention extensions: explicit, audited, and only ever later (the
 * blueprint's "extensions are explicit"). The new expiry is compared and
 * swapped against the one read, so two racing extensions never lower it;
 * an extension also clears a deletion-eligible mark, and raises the Object
 * Lock retention of the package's blobs.
 */
import { DomainError } from '../errors.js';
import { checkName } from '../names.js';
import type { ArtifactContext } from './context.js';
import * as input from './inputs.js';
import { type LockState, syncPackage } from './protection.js';
import { type ExtensionRequest, extendedExpiry, type RetentionPeriod } from './retention.js';
import { type PackageView, packageView } from './views.js';

export interface Extension {
  /** The new expiry: a Date, an ISO 8601 time, or ms since the epoch. Give this or `by`. */
  readonly until?: Date | string | number;
  /** A period added to the current expiry. */
  readonly by?: NonNullable<RetentionPeriod>;
  readonly reason: string;
}

export class ExtensionService {
  constructor(private readonly ctx: ArtifactContext) {}

  /** Moves the package's expiry later; 'conflict' for an earlier or equal date and for permanent records. */
  async extend(
    tenant: string,
    actor: string,
    packageId: string,
    x: Extension,
  ): Promise<{ package: PackageView; auditIndex: number; objectLock: LockState }> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const reason = input.text(x?.reason, 'reason', 2000);
    const req = request(x);
    const pkg = await ctx.package(tenant, packageId);
    if (pkg.status === 'deleting' || pkg.status === 'deleted')
      throw new DomainError(
        'conflict',
        `package ${packageId} is ${pkg.status}: its retention can no longer change`,
      );
    const now = ctx.now();
    const to = extendedExpiry(pkg.expiresAt, req, now);
    const from = pkg.expiresAt!;
    const auditIndex = await ctx.audit.append(tenant, who, now, 'retention-extended', {
      package: packageId,
      previousExpiresAt: new Date(from).toISOString(),
      newExpiresAt: new Date(to).toISOString(),
      reason,
    });
    const event = ctx.event(tenant, {
      type: 'extended',
      packageId,
      reason,
      createdBy: who,
      createdAt: now,
      previousExpiresAt: from,
      newExpiresAt: to,
      auditIndex,
    });
    let ok = false;
    try {
      ok = await ctx.store.packages.extend(
        tenant,
        packageId,
        { from, to, lockUntil: Math.max(pkg.lockUntil, to) },
        event,
      );
    } finally {
      if (!ok)
        await ctx.audit.aborted(
          tenant,
          who,
          ctx.now(),
          auditIndex,
          'retention-extended',
          'the package changed',
        );
    }
    if (!ok)
      throw new DomainError(
        'conflict',
        `the retention of ${packageId} changed meanwhile: read it and try again`,
      );
    const objectLock = await syncPackage(ctx, tenant, packageId);
    return { package: packageView(await ctx.package(tenant, packageId)), auditIndex, objectLock };
  }
}

function request(x: Extension): ExtensionRequest {
  if (x === null || typeof x !== 'object') throw input.bad('an extension needs until or by');
  if ((x.until === undefined) === (x.by === undefined)) throw input.bad('give exactly one of until and by');
  if (x.by !== undefined) return { by: x.by };
  const u = x.until;
  const ms =
    u instanceof Date
      ? u.getTime()
      : typeof u === 'number'
        ? u
        : typeof u === 'string' &&
            /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.test(u)
          ? Date.parse(u)
          : Number.NaN;
  if (!Number.isSafeInteger(ms)) throw input.bad('until must be a time (ISO 8601 with a zone, or ms)');
  return { until: ms };
}
