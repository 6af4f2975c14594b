/**
 * Checks of client input to the artifact services, before anything is
 * read or written: every failure is DomainError('bad-request') naming the
 * field. Text must be well-formed Unicode without control characters.
 */
import type { PackageLabel, PackageStatus } from '../../storage/artifact-store.js';
import { canonicalize } from '../canonical-json.js';
import { DomainError } from '../errors.js';
import { isRetentionClass, type RetentionClass } from './retention.js';

const CONTROL = /[\p{Cc}\p{Cs}]/u;
const TOKEN = '[A-Za-z0-9!#$&^_.+-]';
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}{1,127}/${TOKEN}{1,127}(?:\\s*;\\s*${TOKEN}{1,127}=(?:${TOKEN}{1,127}|"[^"\\\\\\p{Cc}]{0,127}"))*$`,
  'u',
);
const SHA256 = /^[0-9a-fA-F]{64}$/;
const STATUSES: readonly PackageStatus[] = ['open', 'finalized', 'deleting', 'deleted'];

export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';

export function bad(message: string): DomainError {
  return new DomainError('bad-request', message);
}

/** A required line of text: 1..max characters, no control characters. */
export function text(v: unknown, what: string, max: number): string {
  if (typeof v !== 'string' || v.length === 0) throw bad(`${what} is required`);
  if (v.length > max) throw bad(`${what} is at most ${max} characters`);
  if (CONTROL.test(v)) throw bad(`${what} must not contain control characters`);
  return v;
}

export function retentionClass(v: unknown): RetentionClass {
  if (!isRetentionClass(v))
    throw bad(
      'retentionClass must be one of transient, raw-evidence, summary-evidence, release-evidence, permanent-record',
    );
  return v;
}

export function packageStatus(v: unknown): PackageStatus {
  if (typeof v !== 'string' || !(STATUSES as readonly string[]).includes(v))
    throw bad(`status must be one of ${STATUSES.join(', ')}`);
  return v as PackageStatus;
}

/** A media type (RFC 6838 `type/subtype` with optional parameters), lowercased type; default octet-stream. */
export function mediaType(v: unknown): string {
  if (v === undefined || v === null || v === '') return DEFAULT_MEDIA_TYPE;
  if (typeof v !== 'string' || v.length > 255 || !MEDIA_TYPE.test(v))
    throw bad('mediaType must be a media type such as text/plain or application/json; charset=utf-8');
  const semi = v.indexOf(';');
  return semi < 0 ? v.toLowerCase() : v.slice(0, semi).toLowerCase() + v.slice(semi);
}

/** A declared SHA-256: 64 hex digits, returned lowercase. */
export function sha256(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !SHA256.test(v)) throw bad('sha256 must be 64 hexadecimal digits');
  return v.toLowerCase();
}

/** A declared length: a non-negative safe integer. */
export function size(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw bad('size must be a non-negative integer');
  return v;
}

/**
 * Package metadata: a JSON object (default {}), at most `maxBytes` as
 * canonical JSON. Its top-level string, number and boolean members become
 * searchable labels (numbers and booleans by their JSON text).
 */
export function metadata(v: unknown, maxBytes: number): { text: string; labels: PackageLabel[] } {
  const value = v ?? {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype)
    throw bad('metadata must be a JSON object');
  let canonical: string;
  try {
    canonical = canonicalize(value);
  } catch (e) {
    throw bad(`metadata is not JSON data: ${(e as Error).message}`);
  }
  if (Buffer.byteLength(canonical) > maxBytes) throw bad(`metadata is at most ${maxBytes} bytes as JSON`);
  const labels: PackageLabel[] = [];
  for (const [key, val] of Object.entries(value as Record<string, unknown>)) {
    if (key.length === 0 || key.length > 128 || CONTROL.test(key)) continue;
    if (typeof val === 'string' && val.length <= 512 && !val.includes('\u0000'))
      labels.push({ key, value: val });
    else if (typeof val === 'number' || typeof val === 'boolean')
      labels.push({ key, value: JSON.stringify(val) });
  }
  return { text: canonical, labels };
}

/** Metadata filters of a search: up to 16 key/value pairs, values compared as text. */
export function labelFilter(v: unknown): PackageLabel[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v))
    throw bad('metadata filters must be an object of key: value');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 16) throw bad('at most 16 metadata filters');
  return entries.map(([key, val]) => {
    const value =
      typeof val === 'string'
        ? val
        : typeof val === 'number' || typeof val === 'boolean'
          ? JSON.stringify(val)
          : undefined;
    if (value === undefined)
      throw bad(`metadata filter ${key.slice(0, 40)} must be a string, number or boolean`);
    return { key: text(key, 'a metadata key', 128), value: text(value, 'a metadata value', 512) };
  });
}
