/** Retention events (table `retention_events`): the registry's own history of each package's retention. */
import type { NewRetentionEvent, RetentionEventRow, RetentionEvents } from '../artifact-store.js';
import { checkEvent, checkId, checkLimit, checkTenant } from './artifact-checks.js';
import { eventValues, toEvent } from './artifact-rows.js';
import type { ArtifactDb } from './artifact-schema.js';
import { check, isInt } from './columns.js';
import { guard } from './unavailable.js';

export class SqlRetentionEvents implements RetentionEvents {
  constructor(private readonly db: ArtifactDb) {}

  async add(event: NewRetentionEvent): Promise<void> {
    checkEvent(event);
    await guard('record retention event', () =>
      this.db.insertInto('retention_events').values(eventValues(event)).execute(),
    );
  }

  async list(tenant: string, packageId: string): Promise<RetentionEventRow[]> {
    checkTenant(tenant);
    checkId(packageId, 'package');
    const rows = await guard('list retention events', () =>
      this.db
        .selectFrom('retention_events')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('package_id', '=', packageId)
        .orderBy('seq')
        .execute(),
    );
    return rows.map(toEvent);
  }

  async since(tenant: string, afterSeq: number, limit: number): Promise<RetentionEventRow[]> {
    checkTenant(tenant);
    check(isInt(afterSeq), 'afterSeq is a non-negative integer');
    checkLimit(limit, 10_000);
    const rows = await guard('list retention events', () =>
      this.db
        .selectFrom('retention_events')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .execute(),
    );
    return rows.map(toEvent);
  }
}
