/**
 * Administrative actions as entries of the tenant's `audit` log: a tenant
 * made, a key made or revoked, a log made. Each is canonical JSON (RFC
 * 8785) like the artifact events,
 *
 *   {"type": "vellum.admin.<name>", "v": 1, "time": <ISO 8601 UTC>,
 *    "actor": <key id>, ...body}
 *
 * so an auditor can tell from the log alone who could write and read the
 * tenant's evidence, and since when. Never a token or a signer key: only
 * ids, roles, names and options.
 *
 * Ordering, as for artifacts (artifacts/audit.ts): input is checked first
 * (bad input writes nothing), then the entry is made durable, then the
 * change is committed; a change that then fails (a lost race) is followed
 * by an `aborted` entry naming the first, best effort.
 */
import { LedgerError } from '../ledger/errors.js';
import type { LogRegistry } from '../ledger/registry.js';
import { encodeAuditEntry } from './audit-entry.js';
import { DomainError } from './errors.js';

export const ADMIN_EVENT_PREFIX = 'vellum.admin.';
export const ADMIN_EVENT_VERSION = 1;

export interface AdminEvents {
  'tenant-created': { tenant: string; logs: readonly string[] };
  'key-created': { key: string; role: string; name: string };
  'key-revoked': { key: string; role: string; name: string };
  'log-created': { log: string; public: boolean; dedup: boolean; removePartials: boolean; ownKey: boolean };
  aborted: { entry: number; event: string; reason: string };
}

export type AdminEventType = keyof AdminEvents;

export function encodeAdminEvent<K extends AdminEventType>(
  type: K,
  actor: string,
  time: number,
  body: AdminEvents[K],
): Uint8Array {
  return encodeAuditEntry(`${ADMIN_EVENT_PREFIX}${type}`, ADMIN_EVENT_VERSION, actor, time, body);
}

export class AdminAudit {
  constructor(
    private readonly registry: Pick<LogRegistry, 'get'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends one event to `tenant`'s audit log; resolves with its index once durable. */
  async record<K extends AdminEventType>(
    tenant: string,
    actor: string,
    type: K,
    body: AdminEvents[K],
  ): Promise<number> {
    try {
      const log = await this.registry.get(tenant, 'audit');
      return await log.append(encodeAdminEvent(type, actor, this.now(), body));
    } catch (e) {
      if (e instanceof LedgerError && e.code !== 'unknown-log')
        throw new DomainError('unavailable', `the audit log is unavailable: ${e.message}`, { cause: e });
      throw e;
    }
  }

  /** Records that the change of entry `entry` did not happen; never throws. */
  async aborted(tenant: string, actor: string, entry: number, event: AdminEventType, reason: string) {
    await this.record(tenant, actor, 'aborted', { entry, event, reason }).catch(() => {});
  }

  /**
   * Records `type`, then runs `change`; when the change fails, records that
   * it was aborted and rethrows.
   */
  async around<K extends AdminEventType, T>(
    tenant: string,
    actor: string,
    type: K,
    body: AdminEvents[K],
    change: () => Promise<T>,
  ): Promise<T> {
    const entry = await this.record(tenant, actor, type, body);
    try {
      return await change();
    } catch (e) {
      await this.aborted(tenant, actor, entry, type, e instanceof Error ? e.message.slice(0, 500) : 'failed');
      throw e;
    }
  }
}
