/**
 * The logs every tenant has from its creation on (DESIGN.md "Ledger
 * semantics"), and which of them only the platform writes or only some
 * roles may read.
 */

/** Created with every tenant, in this order. */
export const TENANT_LOGS = ['records', 'audit', 'reads', 'operations'] as const;

/**
 * Written only by the platform's own services (records, audit events, read
 * events, operation transitions), as canonical JSON. No API key may append
 * raw entries to them: a forged read or audit event would defeat them.
 */
export const PLATFORM_WRITTEN_LOGS: ReadonlySet<string> = new Set(TENANT_LOGS);

/** Readable only by roles with the `logs:read-restricted` permission (auditor, tenant-admin). */
export const RESTRICTED_LOGS: ReadonlySet<string> = new Set(['reads', 'audit']);

/** The log of read events (src/domain/reads.ts). */
export const READS_LOG = 'reads';
