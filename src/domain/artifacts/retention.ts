/**
 * Retention classes and expiry math (artifact-store blueprint, "Retention
 * Policy Engine"). Pure: times are ms since the epoch, passed in.
 *
 * Default durations (configurable per deployment, `RetentionPolicy`):
 *
 *   transient          7 days    scratch output
 *   raw-evidence       1 year    raw logs and run output
 *   summary-evidence   3 years   compact reports and summaries
 *   release-evidence   7 years   release or customer-facing evidence
 *                                (beyond FINRA 4511's 6 and CFTC 1.31's 5 years)
 *   permanent-record   never     no automatic expiry
 *
 * Years are calendar years in UTC (Feb 29 + 1 year = Mar 1: never earlier).
 * Every expiry and extension is capped at MAX_RETENTION_YEARS after the
 * time it is computed, and Object Lock retain-until dates of permanent
 * records are their creation + MAX_RETENTION_YEARS: the largest period a
 * bucket policy can allow (`s3:object-lock-remaining-retention-days`,
 * AWS S3 user guide), and fixed at creation so that re-syncing never
 * needs to move it.
 */
import type { RetentionClass } from '../../storage/artifact-store.js';
import { DomainError } from '../errors.js';

export type { RetentionClass };

export const RETENTION_CLASSES: readonly RetentionClass[] = [
  'transient',
  'raw-evidence',
  'summary-evidence',
  'release-evidence',
  'permanent-record',
];

/** How long a class keeps packages: days, calendar years, seconds (tests, short scratch), or never. */
export type RetentionPeriod =
  | { readonly days: number }
  | { readonly years: number }
  | { readonly seconds: number }
  | null;

export type RetentionPolicy = Readonly<Record<RetentionClass, RetentionPeriod>>;

export const DEFAULT_RETENTION: RetentionPolicy = {
  transient: { days: 7 },
  'raw-evidence': { years: 1 },
  'summary-evidence': { years: 3 },
  'release-evidence': { years: 7 },
  'permanent-record': null,
};

/** Longest retention, and the Object Lock date of permanent records. */
export const MAX_RETENTION_YEARS = 100;

const DAY_MS = 86_400_000;

export function isRetentionClass(s: unknown): s is RetentionClass {
  return typeof s === 'string' && (RETENTION_CLASSES as readonly string[]).includes(s);
}

/** A policy with `overrides` applied; permanent-record is always `null` (never expires). */
export function retentionPolicy(overrides: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION, ...overrides };
  if (policy['permanent-record'] !== null)
    throw new DomainError('bad-request', 'permanent-record never expires: its period must be null');
  for (const c of RETENTION_CLASSES) if (c !== 'permanent-record') checkPeriod(policy[c], c);
  return policy;
}

/** Throws DomainError('bad-request') unless `p` is a positive period. */
export function checkPeriod(
  p: unknown,
  what = 'a retention period',
): asserts p is NonNullable<RetentionPeriod> {
  const ok =
    typeof p === 'object' &&
    p !== null &&
    Object.keys(p).length === 1 &&
    Object.entries(p).every(
      ([k, v]) =>
        ['days', 'years', 'seconds'].includes(k) &&
        Number.isSafeInteger(v) &&
        (v as number) > 0 &&
        (v as number) <=
          (k === 'years' ? MAX_RETENTION_YEARS : k === 'days' ? MAX_RETENTION_YEARS * 366 : 2 ** 32),
    );
  if (!ok)
    throw new DomainError(
      'bad-request',
      `${what} must be one of {days}, {years} or {seconds}, a positive integer`,
    );
}

/** `from` plus `period` (calendar years in UTC). */
export function addPeriod(from: number, period: NonNullable<RetentionPeriod>): number {
  if ('days' in period) return from + period.days * DAY_MS;
  if ('seconds' in period) return from + period.seconds * 1000;
  const d = new Date(from);
  d.setUTCFullYear(d.getUTCFullYear() + period.years);
  return d.getTime();
}

/** The latest expiry allowed at `now`. */
export function maxExpiry(now: number): number {
  return addPeriod(now, { years: MAX_RETENTION_YEARS });
}

/** The expiry decided at ingestion: null for permanent-record. */
export function expiryAt(policy: RetentionPolicy, cls: RetentionClass, createdAt: number): number | null {
  const period = policy[cls];
  return period === null ? null : Math.min(addPeriod(createdAt, period), maxExpiry(createdAt));
}

/** The rule that set the expiry, in words (stored with the package and shown in the manifest). */
export function ruleText(policy: RetentionPolicy, cls: RetentionClass): string {
  const p = policy[cls];
  if (p === null) return `${cls} default: never expires`;
  const [unit, n] = Object.entries(p)[0] as [string, number];
  return `${cls} default: ${n} ${n === 1 ? unit.slice(0, -1) : unit}`;
}

/**
 * The Object Lock retain-until date a package asks of its blobs: its expiry,
 * or creation + MAX_RETENTION_YEARS for a permanent record.
 */
export function lockDate(createdAt: number, expiresAt: number | null): number {
  return expiresAt ?? maxExpiry(createdAt);
}

/** What an extension request asks for: an absolute date or a period added to the current expiry. */
export type ExtensionRequest = { readonly until: number } | { readonly by: NonNullable<RetentionPeriod> };

/**
 * The new expiry of an extension of `current` at `now`. Throws 'conflict'
 * for a permanent record or a date not later than the current expiry
 * (retention only ever extends), 'bad-request' beyond the cap.
 */
export function extendedExpiry(current: number | null, req: ExtensionRequest, now: number): number {
  if (current === null)
    throw new DomainError('conflict', 'a permanent record never expires: there is nothing to extend');
  let to: number;
  if ('until' in req) {
    if (!Number.isSafeInteger(req.until)) throw new DomainError('bad-request', 'until must be a valid time');
    to = req.until;
  } else {
    checkPeriod(req.by, 'by');
    to = addPeriod(current, req.by);
  }
  if (to <= current)
    throw new DomainError(
      'conflict',
      `retention only extends: ${new Date(to).toISOString()} is not later than the current expiry ${new Date(current).toISOString()}`,
    );
  if (to > maxExpiry(now))
    throw new DomainError('bad-request', `retention is capped at ${MAX_RETENTION_YEARS} years from now`);
  return to;
}
