/** The error class of the ledger, with a union of string codes the HTTP edge maps to statuses. */
export type LedgerErrorCode =
  /** The pool is full: retry later (HTTP 503 + Retry-After). */
  | 'pool-full'
  /** Storage failed during a batch; nothing of the batch was acknowledged: retry. */
  | 'unavailable'
  /** An entry is over 65,535 bytes. */
  | 'entry-too-large'
  /** appendMany was given no entries. */
  | 'empty-batch'
  /** No such log. */
  | 'unknown-log'
  /** The log already exists (on create). */
  | 'log-exists'
  /** An index or size outside the published tree. */
  | 'out-of-range'
  /** The stored log contradicts itself (found at start-up or on read): needs an operator. */
  | 'corrupt'
  /** Another writer committed to this log (two processes on one log). */
  | 'conflict'
  /** The log is closed. */
  | 'closed'
  /** A bad argument (log name, key, option). */
  | 'bad-request';

const RETRYABLE = new Set<LedgerErrorCode>(['pool-full', 'unavailable']);

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether the same request may succeed if sent again later. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}
