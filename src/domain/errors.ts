/**
 * The error class of `domain/`, with a union of string codes that the HTTP
 * edge maps to statuses in one table (src/http/errors.ts). Messages are
 * written for the client: they never carry secrets or stack traces.
 */
export type DomainErrorCode =
  /** Malformed or out-of-range input (a name, a role, a body). */
  | 'bad-request'
  /** No credentials, or credentials that do not identify an active key. */
  | 'unauthenticated'
  /** The caller is known but may not do this (wrong role, another tenant's data). */
  | 'forbidden'
  /** No such tenant, key or log (within what the caller may see). */
  | 'not-found'
  /** The tenant (or key) already exists. */
  | 'exists'
  /** A dependency failed (e.g. a read event could not be recorded): retry later. */
  | 'unavailable'
  /** A value cannot be written as RFC 8785 canonical JSON. */
  | 'not-canonical'
  /** The request conflicts with the current state (a finalized package, a duplicate path, a shorter retention). */
  | 'conflict'
  /** A body or a collection is over its configured limit (a file's bytes, files per package). */
  | 'too-large'
  /** Uploaded bytes do not have the SHA-256 the client declared; nothing was stored. */
  | 'digest-mismatch'
  /** A byte range lies outside the file (HTTP 416). */
  | 'bad-range'
  /** The bytes exist but are in a cold or archive tier: restore them first (HTTP 202). */
  | 'not-available';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
