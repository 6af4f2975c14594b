/**
 * Argument checks of the SQL artifact store: malformed arguments are
 * 'bad-key' before anything is written (the MetadataStore contract). The
 * domain checks input thoroughly first; these are the store's own guard.
 */
import type { NewRetentionEvent } from '../artifact-store.js';
import { isValidName } from '../log-catalog.js';
import { check, isInt, isStorableText } from './columns.js';

const ID = /^[a-z]{3}_[0-9a-z]{8,64}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export function checkTenant(tenant: string): void {
  check(typeof tenant === 'string' && isValidName(tenant), 'invalid tenant name');
}

/** Row ids made by the domain: `<three letters>_<8..64 of [0-9a-z]>`. */
export function isArtifactId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

export function checkId(id: string, what: string): void {
  check(isArtifactId(id), `invalid ${what} id`);
}

export function isSha256(s: unknown): s is string {
  return typeof s === 'string' && SHA256.test(s);
}

export function checkSha256(s: string): void {
  check(isSha256(s), 'a blob digest is 64 lowercase hex digits');
}

export function checkText(s: unknown, max: number, what: string): void {
  check(isStorableText(s, max), `${what} must be text of at most ${max} characters, without U+0000`);
}

export function checkTime(t: unknown, what: string): void {
  check(isInt(t), `${what} must be a time in ms`);
}

export function checkLimit(limit: unknown, max = 1000): void {
  check(isInt(limit, 1, max), `limit must be 1..${max}`);
}

export function checkEvent(e: NewRetentionEvent): void {
  checkTenant(e.tenant);
  if (e.packageId !== null) checkId(e.packageId, 'package');
  checkText(e.reason, 4000, 'a reason');
  checkText(e.createdBy, 200, 'an actor');
  checkTime(e.createdAt, 'createdAt');
  if (e.item !== null) checkText(e.item, 8192, 'an event item');
}
