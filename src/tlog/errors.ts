/**
 * The one error class of `tlog/`. Every parser and verifier in this layer
 * turns bad input into a `TlogError` with one of these codes; nothing here
 * throws a bare `Error`, `SyntaxError` or `RangeError` on hostile input.
 */
export type TlogErrorCode =
  /** A number is out of range, not canonical decimal, or not an integer. */
  | 'bad-number'
  /** A tile path or tile coordinate is malformed. */
  | 'bad-tile'
  /** An entry bundle is truncated, has trailing bytes, or an entry is too large. */
  | 'bad-bundle'
  /** An entry exceeds 65,535 bytes. */
  | 'entry-too-large'
  /** A proof request is impossible (index outside the tree, sizes out of order). */
  | 'bad-proof-request'
  /** A proof does not verify, or has the wrong shape. */
  | 'bad-proof'
  /** Stored hashes handed to a proof or tile builder are missing or malformed. */
  | 'bad-hashes'
  /** A signed-note key string is malformed or its key id does not match. */
  | 'bad-key'
  /** A signed note is malformed (encoding, layout, too many signatures). */
  | 'bad-note'
  /** A known key's signature on a note does not verify. */
  | 'invalid-signature'
  /** No known key signed the note. */
  | 'unverified-note'
  /** A checkpoint body is malformed. */
  | 'bad-checkpoint'
  /** A cosignature is malformed or does not verify. */
  | 'bad-cosignature'
  /** A tlog-proof receipt is malformed or does not verify. */
  | 'bad-receipt'
  /** A witness policy is not met. */
  | 'policy-unsatisfied'
  /** A tlog-witness request or response body is malformed. */
  | 'bad-witness-message';

export class TlogError extends Error {
  override readonly name = 'TlogError';
  constructor(
    readonly code: TlogErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws a `TlogError` when `cond` is false. */
export function check(cond: unknown, code: TlogErrorCode, message: string): asserts cond {
  if (!cond) throw new TlogError(code, message);
}
