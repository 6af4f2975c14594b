/**
 * API tokens: `vk_<id>_<secret>`, where `<id>` is 8 random bytes in
 * lowercase hex (public: it names the key in lists, logs and read events)
 * and `<secret>` 32 random bytes in unpadded base64url. A token is shown
 * once, when its key is made; the server keeps only the SHA-256 of the
 * secret, and compares in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../tlog/hash.js';

const TOKEN = /^vk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface Token {
  readonly id: string;
  readonly secret: string;
  /** The whole `vk_<id>_<secret>` string. */
  readonly token: string;
}

/** A new token from a CSPRNG (`random(n)` returns n random bytes). */
export function newToken(random: (n: number) => Uint8Array): Token {
  const id = Buffer.from(random(8)).toString('hex');
  const secret = Buffer.from(random(32)).toString('base64url');
  return { id, secret, token: `vk_${id}_${secret}` };
}

/** Splits a token into id and secret; undefined unless it has exactly the token form. */
export function parseToken(s: string): Token | undefined {
  if (typeof s !== 'string' || s.length > 100) return undefined;
  const m = TOKEN.exec(s);
  return m ? { id: m[1]!, secret: m[2]!, token: s } : undefined;
}

/** What the server stores: the SHA-256 of the secret's (ASCII) characters. */
export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

/** Whether `secret` hashes to `stored`, in time independent of where they differ. */
export function secretMatches(secret: string, stored: Uint8Array | undefined): boolean {
  const wellFormed = stored instanceof Uint8Array && stored.length === 32;
  // A missing or malformed stored hash still costs one comparison, and never matches.
  const have = wellFormed ? stored : new Uint8Array(32);
  return timingSafeEqual(hashSecret(secret), have) && wellFormed;
}
