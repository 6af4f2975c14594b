/**
 * The read sub-ledger: every read of a tenant's data by a key of that
 * tenant is appended to the tenant's `reads` log as a canonical JSON
 * (RFC 8785) event, and the append is durable (sequenced and committed)
 * BEFORE the data is handed out. When the event cannot be recorded, the
 * read fails (DomainError 'unavailable', HTTP 503): fail closed, so that
 * no read goes unrecorded.
 *
 *     {"at":"2026-05-08T10:00:00.000Z","from":"10.0.0.7","key":"1f2e...","role":"reader",
 *      "type":"read","v":1,"what":{"log":"records","params":{"index":7},
 *      "route":"GET /v1/logs/:tenant/:log/entries/:index","tenant":"acme"}}
 *
 * Not recorded: reads of a public log's tiles and checkpoint by anonymous
 * callers or keys of other tenants (the tenant published them for
 * everyone), and requests that fail or are refused.
 */
import type { LogRegistry } from '../ledger/registry.js';
import { canonicalBytes } from './canonical-json.js';
import { DomainError } from './errors.js';
import type { Principal } from './principal.js';
import { READS_LOG } from './tenant-logs.js';

/** What was read. */
export interface ReadTarget {
  /** The route template, e.g. `GET /v1/logs/:tenant/:log/entries/:index`. */
  readonly route: string;
  readonly tenant: string;
  /** The log read, or null for reads of the tenant's metadata (log list, keys). */
  readonly log: string | null;
  /** The request's parameters that say which data (index, range, tile path), already validated. */
  readonly params: Readonly<Record<string, string | number | boolean | null>>;
}

/** Version 1 of the read event. */
export interface ReadEvent {
  readonly type: 'read';
  readonly v: 1;
  readonly key: string;
  readonly role: string;
  readonly what: ReadTarget;
  /** ISO 8601 UTC. */
  readonly at: string;
  /** The client's address as the server saw it. */
  readonly from: string;
}

export interface ReadLedgerOptions {
  readonly registry: LogRegistry;
  readonly now?: () => Date;
}

export class ReadLedger {
  readonly #now: () => Date;
  constructor(private readonly o: ReadLedgerOptions) {
    this.#now = o.now ?? (() => new Date());
  }

  /**
   * Appends the read event and resolves once it is durable; resolves to
   * its index in the `reads` log. MUST be awaited before the data is sent.
   */
  async record(principal: Principal, what: ReadTarget, from: string): Promise<number> {
    const event: ReadEvent = {
      type: 'read',
      v: 1,
      key: principal.keyId,
      role: principal.role,
      what,
      at: this.#now().toISOString(),
      from,
    };
    const bytes = canonicalBytes(event);
    try {
      const log = await this.o.registry.get(what.tenant, READS_LOG);
      return await log.append(bytes);
    } catch (e) {
      throw new DomainError('unavailable', 'the read could not be recorded in the reads log; retry', {
        cause: e,
      });
    }
  }

  /** Whether a read by `principal` of `tenant`'s data is recorded (see the module comment). */
  static recorded(principal: Principal | undefined, tenant: string): principal is Principal {
    return principal !== undefined && principal.tenant === tenant;
  }
}
