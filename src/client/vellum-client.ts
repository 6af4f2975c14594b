/**
 * A typed client for the Vellum API. Whatever the server says about a log
 * can be checked here, locally: entries against their receipts, and whole
 * logs by auditing their tiles (`auditLog`), with the log's verifier key.
 */
import { auditLog } from '../ledger/audit.js';
import { HttpLogSource } from '../storage/http/http-log-source.js';
import { decodeBase64, encodeBase64 } from '../tlog/base64.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { parseVerifierKey } from '../tlog/note.js';
import { checkConsistency } from '../tlog/proof.js';
import { parseReceipt, verifyReceipt } from '../tlog/receipt.js';
import { Transport, type TransportOptions } from './http.js';
import type {
  AppendResult,
  ConsistencyProof,
  EntryPage,
  EntryWithProof,
  KeyInfo,
  LogInfo,
  LogRecord,
  RecordFilter,
  RecordPage,
  RecordStats,
  Role,
  TenantInfo,
} from './types.js';

export type Wait = 'durable' | 'published';

/** The outcome of a local audit of a log. */
export interface VerifyResult {
  readonly ok: boolean;
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  /** What failed, as `vellum verify` names it, when not ok. */
  readonly item?: string;
  readonly reason?: string;
}

const enc = (s: string) => encodeURIComponent(s);
const toMs = (t: Date | string | number | undefined) =>
  t === undefined ? undefined : t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);

export class VellumClient {
  readonly http: Transport;

  constructor(o: TransportOptions) {
    this.http = new Transport(o);
  }

  // ------------------------------------------------------------ tenants and keys

  createTenant(name: string): Promise<TenantInfo & { logs: LogInfo[] }> {
    return this.http.request('/v1/tenants', { json: { name } });
  }

  async listTenants(): Promise<TenantInfo[]> {
    return (await this.http.request<{ tenants: TenantInfo[] }>('/v1/tenants')).tenants;
  }

  /** Creates a key; its `token` is shown this once. */
  createKey(tenant: string, role: Role, name: string): Promise<KeyInfo & { token: string }> {
    return this.http.request(`/v1/tenants/${enc(tenant)}/keys`, { json: { role, name } });
  }

  async listKeys(tenant: string): Promise<KeyInfo[]> {
    return (await this.http.request<{ keys: KeyInfo[] }>(`/v1/tenants/${enc(tenant)}/keys`)).keys;
  }

  async revokeKey(tenant: string, id: string): Promise<void> {
    await this.http.request(`/v1/tenants/${enc(tenant)}/keys/${enc(id)}`, { method: 'DELETE' });
  }

  // ------------------------------------------------------------ logs

  createLog(
    tenant: string,
    name: string,
    o: { public?: boolean; dedup?: boolean; removePartials?: boolean; skey?: string } = {},
  ): Promise<LogInfo> {
    return this.http.request(`/v1/logs/${enc(tenant)}`, { json: { name, ...o } });
  }

  async listLogs(tenant: string): Promise<LogInfo[]> {
    return (await this.http.request<{ logs: LogInfo[] }>(`/v1/logs/${enc(tenant)}`)).logs;
  }

  getLog(tenant: string, log: string): Promise<LogInfo & { size: number }> {
    return this.http.request(`/v1/logs/${enc(tenant)}/${enc(log)}`);
  }

  /**
   * Appends entries (bytes, or text as UTF-8) in one request. Retries make
   * delivery at-least-once: if an answer is lost after the server stored
   * the entries, they are stored again (use a `dedup` log to make that
   * harmless). A publication timeout (wait=published) is not retried.
   */
  append(
    tenant: string,
    log: string,
    entries: readonly (Uint8Array | string)[],
    wait: Wait = 'durable',
  ): Promise<AppendResult> {
    return this.http.request(`/v1/logs/${enc(tenant)}/${enc(log)}/entries`, {
      query: { wait },
      retryUnavailable: wait !== 'published',
      json: {
        entries: entries.map((e) => (typeof e === 'string' ? { text: e } : { base64: encodeBase64(e) })),
      },
    });
  }

  readEntries(tenant: string, log: string, start: number, limit = 1000): Promise<EntryPage> {
    return this.http.request(`/v1/logs/${enc(tenant)}/${enc(log)}/entries`, { query: { start, limit } });
  }

  getEntry(tenant: string, log: string, index: number): Promise<EntryWithProof> {
    return this.http.request(`/v1/logs/${enc(tenant)}/${enc(log)}/entries/${index}`);
  }

  /**
   * Fetches an entry and checks, locally, that it is in the log: its
   * receipt's checkpoint is signed by `vkey` and the inclusion proof leads
   * from the entry to that checkpoint's root. Throws if anything fails.
   */
  async getVerifiedEntry(tenant: string, log: string, index: number, vkey: string): Promise<Uint8Array> {
    const e = await this.getEntry(tenant, log, index);
    const entry = decodeBase64(e.base64, 'bad-receipt', 'entry');
    const receipt = parseReceipt(e.receipt);
    if (receipt.index !== index) throw new Error(`the receipt is for index ${receipt.index}, not ${index}`);
    verifyReceipt(receipt, { logKey: parseVerifierKey(vkey), entry });
    return entry;
  }

  consistency(tenant: string, log: string, from: number, to?: number): Promise<ConsistencyProof> {
    return this.http.request(`/v1/logs/${enc(tenant)}/${enc(log)}/proofs/consistency`, {
      query: { from, to },
    });
  }

  /**
   * Checks, locally, that the log's current checkpoint (signed by `vkey`)
   * extends `old` (an earlier checkpoint note of the same log).
   */
  async checkExtends(tenant: string, log: string, old: string, vkey: string): Promise<string> {
    const key = parseVerifierKey(vkey);
    const before = openCheckpoint(old, [key]).checkpoint;
    const c = await this.consistency(tenant, log, before.size);
    const now = openCheckpoint(c.checkpoint, [key], before.origin).checkpoint;
    const proof = c.proof.map((p) => decodeBase64(p, 'bad-proof', 'proof hash'));
    checkConsistency(proof, before.size, before.root, now.size, now.root);
    return c.checkpoint;
  }

  /** The raw signed checkpoint of a log. */
  async checkpoint(tenant: string, log: string): Promise<string> {
    const b = await this.http.request<Uint8Array>(`/logs/${enc(tenant)}/${enc(log)}/checkpoint`, {
      raw: true,
    });
    return new TextDecoder().decode(b);
  }

  /**
   * Audits a whole log locally from its tiles, as `vellum verify` does:
   * signature, every entry re-hashed, every tile compared, and (with
   * `old`) that an earlier checkpoint is a prefix. Trusts only `vkey`.
   */
  async verifyLog(tenant: string, log: string, vkey: string, old?: string): Promise<VerifyResult> {
    const source = new HttpLogSource(
      `${this.http.base}/logs/${enc(tenant)}/${enc(log)}`,
      this.http.authHeaders,
    );
    const r = await auditLog(source, { logKey: parseVerifierKey(vkey), ...(old ? { old } : {}) });
    if (r.ok) {
      const c = r.checkpoint;
      return { ok: true, origin: c.origin, size: c.size, root: encodeBase64(c.root) };
    }
    return { ok: false, origin: '', size: 0, root: '', item: r.item, reason: r.reason };
  }

  // ------------------------------------------------------------ records (the immutable logger)

  writeRecords(
    tenant: string,
    records: readonly { level: string; message: string; metadata?: unknown; host?: string; pid?: number }[],
  ): Promise<{ indexes: number[] }> {
    return this.http.request(`/v1/records/${enc(tenant)}`, { json: { records } });
  }

  readRecords(tenant: string, f: RecordFilter = {}): Promise<RecordPage> {
    const level =
      f.level === undefined ? undefined : Array.isArray(f.level) ? f.level.join(',') : (f.level as string);
    return this.http.request(`/v1/records/${enc(tenant)}`, {
      query: { level, from: toMs(f.from), to: toMs(f.to), text: f.text, limit: f.limit, cursor: f.cursor },
    });
  }

  recordStats(tenant: string): Promise<RecordStats> {
    return this.http.request(`/v1/records/${enc(tenant)}/stats`);
  }
}

export type { LogRecord };
