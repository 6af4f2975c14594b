/**
 * How failures below the artifact domain reach its callers: the storage
 * and ledger codes a client can cause or act on become DomainErrors
 * (mapped to statuses by the HTTP edge); the rest pass through unchanged.
 */
import { LedgerError } from '../../ledger/errors.js';
import { type RestoreState, StorageError } from '../../storage/errors.js';
import { DomainError, type DomainErrorCode } from '../errors.js';

/**
 * 'not-available': the bytes exist in a cold or archive tier. The HTTP edge
 * answers 202 with `restore` (status, and when a restored copy expires).
 */
export class NotAvailableError extends DomainError {
  constructor(
    message: string,
    readonly restore: RestoreState,
    options?: { cause?: unknown },
  ) {
    super('not-available', message, options);
  }
}

const STORAGE: Partial<Record<StorageError['code'], DomainErrorCode>> = {
  'too-large': 'too-large',
  'size-mismatch': 'bad-request',
  'digest-mismatch': 'digest-mismatch',
  'bad-range': 'bad-range',
  'not-found': 'not-found',
  unavailable: 'unavailable',
};

/** A StorageError as the DomainError a caller acts on; anything else unchanged. */
export function fromStorage(e: unknown): unknown {
  if (!(e instanceof StorageError)) return e;
  if (e.code === 'not-immediately-available')
    return new NotAvailableError(
      `the file is not immediately available (restore ${e.restore?.status ?? 'archived'}): request a restore`,
      e.restore ?? { status: 'archived' },
      { cause: e },
    );
  const code = STORAGE[e.code];
  return code ? new DomainError(code, e.message, { cause: e }) : e;
}

/** A LedgerError of the audit log as a DomainError; anything else unchanged. */
export function fromLedger(e: unknown, tenant: string): unknown {
  if (!(e instanceof LedgerError)) return e;
  if (e.code === 'unknown-log') return new DomainError('not-found', `no tenant ${tenant}`, { cause: e });
  if (e.code === 'pool-full' || e.code === 'unavailable' || e.code === 'closed' || e.code === 'conflict')
    return new DomainError('unavailable', `the audit log is unavailable: ${e.message}`, { cause: e });
  return e;
}
