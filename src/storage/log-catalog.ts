/**
 * The port that knows which logs exist and how each is configured: its
 * signer key (whose name is the origin) and its options.
 */
export interface LogRecord {
  readonly tenant: string;
  readonly log: string;
  /** The signer key in the Go note encoding; its name is the log's origin. */
  readonly skey: string;
  /** Identical entries return the first index. */
  readonly dedup: boolean;
  /** Delete partial tiles once their full tile exists. */
  readonly removePartials: boolean;
  /** Tiles and checkpoint are readable without a key. */
  readonly public: boolean;
}

export interface LogCatalog {
  /** The record of a log, or undefined when there is no such log. */
  get(tenant: string, log: string): Promise<LogRecord | undefined>;
  /** Adds a log; MUST reject with StorageError('exists-different') when it already exists, changing nothing. */
  create(record: LogRecord): Promise<void>;
  /** Every log, sorted by tenant then log. */
  list(): Promise<{ tenant: string; log: string }[]>;
}

/** Tenant and log names: lowercase letters, digits and dashes, 1..63 characters, starting with a letter or digit. */
export function isValidName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(name);
}
