/**
 * Who is calling: the API key that authenticated a request, its tenant and
 * its role. A principal with `tenant: null` is a platform key (only the
 * platform-admin role has none). Anonymous callers have no principal.
 */
import { ROLES, type Role } from '../storage/metadata.js';

export { ROLES, type Role };

export interface Principal {
  /** The key's public id (the `<id>` of `vk_<id>_<secret>`). */
  readonly keyId: string;
  /** The tenant the key belongs to; null for platform keys. */
  readonly tenant: string | null;
  readonly role: Role;
}

/** Roles a key of a tenant may have (every role but platform-admin). */
export const TENANT_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'platform-admin');

export function isRole(s: unknown): s is Role {
  return typeof s === 'string' && (ROLES as readonly string[]).includes(s);
}
