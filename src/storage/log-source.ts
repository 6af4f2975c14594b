/**
 * A read-only view of a published log: the files of C2SP tlog-tiles under
 * one prefix (`checkpoint`, `tile/...`). Auditors read a log through it,
 * whether it sits in a directory, behind a URL or in the ledger's store.
 */
export interface LogSource {
  /** Where the log is, for messages. */
  readonly location: string;
  /**
   * The bytes at `path` (relative to the prefix), or undefined when there is
   * no such file. MUST reject on any other failure (I/O error, HTTP 5xx),
   * never report a failure as absence.
   */
  read(path: string): Promise<Uint8Array | undefined>;
  /**
   * The paths under `prefix` that exist, when the source can list (a
   * directory); undefined when it cannot (HTTP).
   */
  list?(prefix: string): Promise<string[]>;
}
