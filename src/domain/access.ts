/**
 * Who may do what: ONE table of permissions per role, and the three rules
 * that apply on top of it. docs/api.md renders the same table for people.
 *
 * 1. Scope: a platform role acts on the platform (tenants, the first
 *    tenant-admin key of a tenant) and never reads or writes tenant data; a
 *    tenant role acts only inside its own tenant.
 * 2. Restricted logs (`reads`, `audit`) are readable only with
 *    `logs:read-restricted`.
 * 3. Platform-written logs (`records`, `audit`, `reads`, `operations`)
 *    take no raw appends from anyone.
 *
 * Anyone, with or without a key, may read the tiles and checkpoint of a
 * public log; without a key, nothing else.
 */
import { DomainError } from './errors.js';
import type { Principal, Role } from './principal.js';
import { PLATFORM_WRITTEN_LOGS, RESTRICTED_LOGS } from './tenant-logs.js';

export type Action =
  /** Create a tenant (and its logs). */
  | 'tenants:create'
  /** List tenants. */
  | 'tenants:list'
  /** Create a tenant-admin key for any tenant (how a tenant gets its first key). */
  | 'keys:create-tenant-admin'
  /** Create keys of any tenant role in one's own tenant. */
  | 'keys:create'
  | 'keys:list'
  | 'keys:revoke'
  /** Create a log (optionally with one's own signer key, optionally public). */
  | 'logs:create'
  /** List logs and read a log's description (origin, verifier key, size). */
  | 'logs:list'
  /** Append entries. */
  | 'entries:append'
  /** Read entries, inclusion and consistency proofs, receipts (JSON API). */
  | 'entries:read'
  /** Read hash tiles and entry bundles (C2SP tlog-tiles). */
  | 'tiles:read'
  /** Read a log's signed checkpoint. */
  | 'checkpoints:read'
  /** Read the restricted logs (`reads`, `audit`). */
  | 'logs:read-restricted'
  /** Server-side verification and bulk export (routes to come; auditors use the tile API meanwhile). */
  | 'logs:verify'
  | 'logs:export'
  /** Write records (the immutable logger) to the tenant's `records` log. */
  | 'records:write'
  /** Read, search and count records. */
  | 'records:read'
  /** Create packages, upload files, finalize (the artifact store). */
  | 'artifacts:write'
  /** Read packages, manifests and files, download bytes. */
  | 'artifacts:read'
  /** Extend retention, apply and release legal holds. */
  | 'artifacts:retain'
  /** Prometheus metrics (they name tenants and logs). */
  | 'metrics:read';

interface RolePermissions {
  /** `platform`: the key has no tenant; `tenant`: acts only in its tenant. */
  readonly scope: 'platform' | 'tenant';
  readonly actions: readonly Action[];
}

const READ: readonly Action[] = ['logs:list', 'entries:read', 'tiles:read', 'checkpoints:read'];

/** THE table. */
export const PERMISSIONS: Readonly<Record<Role, RolePermissions>> = {
  'platform-admin': {
    scope: 'platform',
    actions: ['tenants:create', 'tenants:list', 'keys:create-tenant-admin', 'metrics:read'],
  },
  'tenant-admin': {
    scope: 'tenant',
    actions: [
      'keys:create',
      'keys:list',
      'keys:revoke',
      'logs:create',
      'entries:append',
      'records:write',
      'records:read',
      'artifacts:write',
      'artifacts:read',
      'artifacts:retain',
      ...READ,
      'logs:read-restricted',
      'logs:verify',
      'logs:export',
    ],
  },
  writer: { scope: 'tenant', actions: ['entries:append', 'records:write', 'artifacts:write'] },
  reader: { scope: 'tenant', actions: [...READ, 'records:read', 'artifacts:read'] },
  auditor: {
    scope: 'tenant',
    actions: [
      ...READ,
      'records:read',
      'artifacts:read',
      'logs:verify',
      'logs:export',
      'logs:read-restricted',
    ],
  },
  approver: { scope: 'tenant', actions: ['checkpoints:read', 'artifacts:retain'] },
};

/** What anonymous callers may do, and only on a public log. */
const PUBLIC_ACTIONS: ReadonlySet<Action> = new Set(['tiles:read', 'checkpoints:read']);
const LOG_READS: ReadonlySet<Action> = new Set(['entries:read', 'tiles:read', 'checkpoints:read']);

/** What an action is applied to. */
export interface Target {
  readonly tenant?: string;
  readonly log?: string;
  /** The log is public (tiles and checkpoint readable without a key). */
  readonly publicLog?: boolean;
}

/** Whether `principal` may do `action` on `target`; the reason when not. */
export function check(
  principal: Principal | undefined,
  action: Action,
  target: Target = {},
): string | undefined {
  // A public log's tiles and checkpoint are for everyone, whatever key comes along.
  if (target.publicLog && PUBLIC_ACTIONS.has(action)) return undefined;
  if (!principal) return 'this needs an API key';
  const perms = PERMISSIONS[principal.role];
  if (!perms.actions.includes(action)) return `a ${principal.role} key may not do ${action}`;
  if (perms.scope === 'tenant') {
    if (target.tenant === undefined || principal.tenant !== target.tenant)
      return `a key of tenant ${principal.tenant} may act only in its own tenant`;
  }
  if (target.log !== undefined) {
    if (
      LOG_READS.has(action) &&
      RESTRICTED_LOGS.has(target.log) &&
      !perms.actions.includes('logs:read-restricted')
    )
      return `the ${target.log} log is readable only by auditors and tenant admins`;
    if (action === 'entries:append' && PLATFORM_WRITTEN_LOGS.has(target.log))
      return `the ${target.log} log is written only by the platform`;
  }
  return undefined;
}

/**
 * Throws unless `principal` may do `action` on `target`:
 * DomainError('unauthenticated') without a principal, 'forbidden' otherwise.
 */
export function authorize(principal: Principal | undefined, action: Action, target: Target = {}): void {
  const reason = check(principal, action, target);
  if (reason === undefined) return;
  throw new DomainError(principal ? 'forbidden' : 'unauthenticated', reason);
}
