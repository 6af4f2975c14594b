/**
 * Appending artifact events to the tenant's `audit` log, and proving them.
 *
 * Ordering rule of the artifact store: a change's entry is durable in the
 * log BEFORE the change is committed to the registry, so the log never
 * misses a committed change, even across a crash. When the change then
 * fails (a lost race, a database error), an `aborted` entry naming the
 * first one follows, best effort; a crash in between leaves an entry whose
 * object the registry does not have, which an audit can see. Outcomes of
 * work outside the registry (a blob's deletion, a scrub) are appended
 * after the fact they report.
 */
import type { LogRegistry } from '../../ledger/registry.js';
import type { Proof } from '../../tlog/proof.js';
import { formatReceipt } from '../../tlog/receipt.js';
import { DomainError } from '../errors.js';
import { type ArtifactEvents, type ArtifactEventType, encodeEvent } from './events.js';
import { fromLedger } from './failures.js';

/** The log artifact events go to. */
export const AUDIT_LOG = 'audit';

/** Most entries per append (one ledger batch). */
const BATCH = 1024;

export interface PendingEvent<K extends ArtifactEventType = ArtifactEventType> {
  readonly type: K;
  readonly body: ArtifactEvents[K];
}

/** An audit entry with its RFC 6962 inclusion proof against a signed checkpoint. */
export interface Inclusion {
  readonly index: number;
  /** The entry's bytes (canonical JSON). */
  readonly entry: Uint8Array;
  /** Tree size of the checkpoint. */
  readonly size: number;
  readonly proof: Proof;
  /** The signed checkpoint note the proof is made against. */
  readonly checkpoint: string;
  /** The same as a C2SP tlog-proof receipt. */
  readonly receipt: string;
}

export class ArtifactAudit {
  constructor(
    private readonly registry: Pick<LogRegistry, 'get'>,
    private readonly publishTimeoutMs = 30_000,
  ) {}

  /** Appends one event; resolves with its index once durable. */
  async append<K extends ArtifactEventType>(
    tenant: string,
    actor: string,
    time: number,
    type: K,
    body: ArtifactEvents[K],
  ): Promise<number> {
    const [index] = await this.appendMany(tenant, actor, time, [{ type, body } as PendingEvent]);
    return index!;
  }

  /** Appends events in order (batches of BATCH); resolves with their indexes once durable. */
  async appendMany(
    tenant: string,
    actor: string,
    time: number,
    events: readonly PendingEvent[],
  ): Promise<number[]> {
    if (events.length === 0) return [];
    const entries = events.map((e) => encodeEvent(e.type, actor, time, e.body as never));
    try {
      const log = await this.registry.get(tenant, AUDIT_LOG);
      const out: number[] = [];
      for (let i = 0; i < entries.length; i += BATCH)
        out.push(...(await log.appendMany(entries.slice(i, i + BATCH))));
      return out;
    } catch (e) {
      throw fromLedger(e, tenant);
    }
  }

  /** Appends `aborted` for an entry whose change did not happen; never throws. */
  async aborted(tenant: string, actor: string, time: number, entry: number, event: string, reason: string) {
    await this.append(tenant, actor, time, 'aborted', { entry, event, reason }).catch(() => {});
  }

  /** Entry `index` with its inclusion proof, once a published checkpoint covers it. */
  async inclusion(tenant: string, index: number): Promise<Inclusion> {
    try {
      const log = await this.registry.get(tenant, AUDIT_LOG);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new DomainError(
                'unavailable',
                `audit entry ${index} is durable but no checkpoint covers it yet: retry`,
              ),
            ),
          this.publishTimeoutMs,
        );
      });
      try {
        await Promise.race([log.published(index), late]);
      } finally {
        clearTimeout(timer);
      }
      const head = log.head();
      const [entry, proof] = await Promise.all([log.entry(index), log.proveInclusion(index, head.size)]);
      return {
        index,
        entry,
        size: head.size,
        proof,
        checkpoint: head.note,
        receipt: formatReceipt({ index, proof, checkpoint: head.note }),
      };
    } catch (e) {
      throw fromLedger(e, tenant);
    }
  }
}
