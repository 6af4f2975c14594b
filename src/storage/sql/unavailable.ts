/**
 * The one place where database errors become StorageErrors: every store
 * method runs its SQL through `guard`, so no driver error type (pg's
 * DatabaseError, better-sqlite3's SqliteError, Kysely's errors) escapes.
 */
import { StorageError } from '../errors.js';

/** Runs `fn`; StorageErrors pass through, anything else becomes StorageError('unavailable'). */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asStorageError(what, e);
  }
}

export function asStorageError(what: string, e: unknown): StorageError {
  if (e instanceof StorageError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new StorageError('unavailable', `${what}: ${message}`, { cause: e });
}
