/** The JSON shapes of the Vellum API, as the client sees them. */

export type Role = 'platform-admin' | 'tenant-admin' | 'writer' | 'reader' | 'auditor' | 'approver';

export interface TenantInfo {
  readonly name: string;
  readonly createdAt: string;
}

export interface LogInfo {
  readonly tenant: string;
  readonly log: string;
  readonly origin: string;
  readonly vkey: string;
  readonly public: boolean;
  readonly dedup: boolean;
  readonly removePartials: boolean;
  readonly size?: number;
}

export interface KeyInfo {
  readonly id: string;
  readonly tenant: string | null;
  readonly role: Role;
  readonly name: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface AppendResult {
  readonly entries: { readonly index: number; readonly receipt?: string }[];
  readonly checkpoint?: string;
  readonly size?: number;
}

export interface EntryWithProof {
  readonly index: number;
  readonly base64: string;
  readonly size: number;
  readonly proof: string[];
  readonly checkpoint: string;
  readonly receipt: string;
}

export interface EntryPage {
  readonly entries: { readonly index: number; readonly base64: string }[];
  readonly next: number | null;
}

export interface ConsistencyProof {
  readonly from: number;
  readonly to: number;
  readonly proof: string[];
  readonly checkpoint: string;
}

export type Level = 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL' | 'AUDIT' | 'SECURITY' | 'REVENUE' | 'SYSTEM';

export interface LogRecord {
  readonly index: number;
  readonly level: Level;
  readonly message: string;
  readonly metadata: unknown;
  readonly actor: string;
  readonly host: string | null;
  readonly pid: number | null;
  readonly time: string;
  readonly size: number;
}

export interface RecordFilter {
  readonly level?: Level | readonly Level[];
  /** Inclusive start: a Date, ISO text or epoch ms. */
  readonly from?: Date | string | number;
  /** Exclusive end. */
  readonly to?: Date | string | number;
  readonly text?: string;
  readonly limit?: number;
  readonly cursor?: number;
}

export interface RecordPage {
  readonly records: LogRecord[];
  readonly nextCursor: number | null;
}

export interface RecordStats {
  readonly totalEntries: number;
  readonly bytes: number;
  readonly levels: Record<string, number>;
  readonly oldestEntry: string | null;
  readonly newestEntry: string | null;
  readonly logSize: number;
  readonly indexedThrough: number | null;
  /** The server's latest full audit of the records log (verify() checks locally instead). */
  readonly verified: { readonly ok: boolean; readonly size: number; readonly at: string };
}
