/**
 * Holds as case records (table `holds`). A hold is counted on its package
 * row (`active_holds`) in the same transaction, so that a deletion claim,
 * which requires `active_holds = 0` in its own UPDATE, is ordered against
 * it by the package row's lock. Holds do not change `revision`: they are
 * not part of the manifest.
 */
import type { ArtifactHolds, HoldRow, NewHold, NewRetentionEvent } from '../artifact-store.js';
import { checkEvent, checkId, checkTenant, checkText, checkTime } from './artifact-checks.js';
import { eventValues, toHold } from './artifact-rows.js';
import type { ArtifactDb } from './artifact-schema.js';
import { plus } from './artifact-sql.js';
import { guard } from './unavailable.js';

export class SqlArtifactHolds implements ArtifactHolds {
  constructor(private readonly db: ArtifactDb) {}

  async apply(hold: NewHold, event: NewRetentionEvent): Promise<boolean> {
    checkTenant(hold.tenant);
    checkId(hold.id, 'hold');
    checkId(hold.packageId, 'package');
    checkText(hold.caseId, 200, 'a case id');
    checkText(hold.reason, 4000, 'a reason');
    checkText(hold.createdBy, 200, 'an actor');
    checkTime(hold.createdAt, 'createdAt');
    checkEvent(event);
    return guard('apply hold', () =>
      this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('artifact_packages')
          .set({ active_holds: plus('active_holds', 1) })
          .where('tenant', '=', hold.tenant)
          .where('id', '=', hold.packageId)
          .where('status', 'in', ['open', 'finalized'])
          .executeTakeFirst();
        if (r.numUpdatedRows !== 1n) return false;
        await trx
          .insertInto('holds')
          .values({
            tenant: hold.tenant,
            id: hold.id,
            package_id: hold.packageId,
            case_id: hold.caseId,
            reason: hold.reason,
            created_by: hold.createdBy,
            created_at: hold.createdAt,
            released_at: null,
            released_by: null,
            release_reason: null,
          })
          .execute();
        await trx.insertInto('retention_events').values(eventValues(event)).execute();
        return true;
      }),
    );
  }

  async release(
    tenant: string,
    packageId: string,
    id: string,
    r: { releasedAt: number; releasedBy: string; reason: string },
    event: NewRetentionEvent,
  ): Promise<boolean> {
    checkTenant(tenant);
    checkId(packageId, 'package');
    checkId(id, 'hold');
    checkTime(r.releasedAt, 'releasedAt');
    checkText(r.releasedBy, 200, 'an actor');
    checkText(r.reason, 4000, 'a reason');
    checkEvent(event);
    return guard('release hold', () =>
      this.db.transaction().execute(async (trx) => {
        const h = await trx
          .updateTable('holds')
          .set({ released_at: r.releasedAt, released_by: r.releasedBy, release_reason: r.reason })
          .where('tenant', '=', tenant)
          .where('package_id', '=', packageId)
          .where('id', '=', id)
          .where('released_at', 'is', null)
          .executeTakeFirst();
        if (h.numUpdatedRows !== 1n) return false;
        await trx
          .updateTable('artifact_packages')
          .set({ active_holds: plus('active_holds', -1) })
          .where('tenant', '=', tenant)
          .where('id', '=', packageId)
          .execute();
        await trx.insertInto('retention_events').values(eventValues(event)).execute();
        return true;
      }),
    );
  }

  async get(tenant: string, id: string): Promise<HoldRow | undefined> {
    checkTenant(tenant);
    checkId(id, 'hold');
    const row = await guard('read hold', () =>
      this.db
        .selectFrom('holds')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row && toHold(row);
  }

  async list(tenant: string, packageId: string): Promise<HoldRow[]> {
    checkTenant(tenant);
    checkId(packageId, 'package');
    const rows = await guard('list holds', () =>
      this.db
        .selectFrom('holds')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('package_id', '=', packageId)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    );
    return rows.map(toHold);
  }
}
