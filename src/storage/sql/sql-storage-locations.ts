/**
 * Where blob bytes are (table `storage_locations`): one live row per blob
 * and backend container, with its retrieval tier, restore state and the
 * last time a scrub re-read and re-hashed it.
 */
import type { LocationRow, RestoreStatus, RetrievalTierName, StorageLocations } from '../artifact-store.js';
import { checkId, checkLimit, checkSha256, checkTenant, checkTime } from './artifact-checks.js';
import { toLocation } from './artifact-rows.js';
import type { ArtifactDb } from './artifact-schema.js';
import { check } from './columns.js';
import { guard } from './unavailable.js';

const TIERS: readonly string[] = ['hot', 'warm', 'cold', 'archive'];
const RESTORES: readonly string[] = [
  'available',
  'archived',
  'restore-requested',
  'restoring',
  'restored',
  'expired',
];

export class SqlStorageLocations implements StorageLocations {
  constructor(private readonly db: ArtifactDb) {}

  async forBlob(tenant: string, sha256: string): Promise<LocationRow[]> {
    checkTenant(tenant);
    checkSha256(sha256);
    const rows = await guard('read storage locations', () =>
      this.db
        .selectFrom('storage_locations')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('sha256', '=', sha256)
        .where('status', '<>', 'deleted')
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    );
    return rows.map(toLocation);
  }

  async forPackage(tenant: string, packageId: string): Promise<LocationRow[]> {
    checkTenant(tenant);
    checkId(packageId, 'package');
    const rows = await guard('read the storage locations of a package', () =>
      this.db
        .selectFrom('storage_locations as l')
        .selectAll('l')
        .where('l.tenant', '=', tenant)
        .where('l.status', '<>', 'deleted')
        .where('l.sha256', 'in', (eb) =>
          eb
            .selectFrom('artifact_files as f')
            .select('f.sha256')
            .where('f.tenant', '=', tenant)
            .where('f.package_id', '=', packageId)
            .where('f.deleted_at', 'is', null),
        )
        .orderBy('l.created_at')
        .orderBy('l.id')
        .execute(),
    );
    return rows.map(toLocation);
  }

  async setTier(
    tenant: string,
    id: string,
    t: {
      tier: RetrievalTierName;
      restoreStatus: RestoreStatus;
      restoreRequestedAt?: number | null;
      restoreExpiresAt: number | null;
    },
  ): Promise<void> {
    checkTenant(tenant);
    checkId(id, 'location');
    check(TIERS.includes(t.tier), 'unknown tier');
    check(RESTORES.includes(t.restoreStatus), 'unknown restore status');
    if (t.restoreExpiresAt !== null) checkTime(t.restoreExpiresAt, 'restoreExpiresAt');
    if (t.restoreRequestedAt != null) checkTime(t.restoreRequestedAt, 'restoreRequestedAt');
    await guard('record the tier of a location', () =>
      this.db
        .updateTable('storage_locations')
        .set({
          tier: t.tier,
          restore_status: t.restoreStatus,
          restore_expires_at: t.restoreExpiresAt,
          ...(t.restoreRequestedAt !== undefined && { restore_requested_at: t.restoreRequestedAt }),
        })
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .execute(),
    );
  }

  async toVerify(tenant: string, limit: number): Promise<LocationRow[]> {
    checkTenant(tenant);
    checkLimit(limit, 10_000);
    const base = () =>
      this.db
        .selectFrom('storage_locations as l')
        .innerJoin('blobs as b', (j) =>
          j.onRef('b.tenant', '=', 'l.tenant').onRef('b.sha256', '=', 'l.sha256'),
        )
        .selectAll('l')
        .where('l.tenant', '=', tenant)
        .where('l.status', '<>', 'deleted')
        .where('b.state', '=', 'live');
    return guard('list locations to verify', async () => {
      // Never verified first, then the oldest verification (no NULLS FIRST: SQLite and PostgreSQL differ).
      const never = await base()
        .where('l.last_verified_at', 'is', null)
        .orderBy('l.id')
        .limit(limit)
        .execute();
      const rows =
        never.length >= limit
          ? never
          : never.concat(
              await base()
                .where('l.last_verified_at', 'is not', null)
                .orderBy('l.last_verified_at')
                .orderBy('l.id')
                .limit(limit - never.length)
                .execute(),
            );
      return rows.map(toLocation);
    });
  }

  async verified(
    tenant: string,
    id: string,
    at: number,
    status: 'stored' | 'corrupt' | 'missing',
  ): Promise<void> {
    checkTenant(tenant);
    checkId(id, 'location');
    checkTime(at, 'at');
    check(['stored', 'corrupt', 'missing'].includes(status), 'unknown verification status');
    await guard('record a verification', () =>
      this.db
        .updateTable('storage_locations')
        .set({ last_verified_at: at, status })
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .where('status', '<>', 'deleted')
        .execute(),
    );
  }
}
