/**
 * The domain services of one process, built over the ports the composition
 * root hands in (the ledger's LogRegistry, the metadata store, the logs'
 * object stores). The HTTP edge and the CLI use these and nothing below.
 */
import type { LogRegistry } from '../ledger/registry.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { MetadataStore } from '../storage/metadata.js';
import type { ObjectStore } from '../storage/object-store.js';
import { AdminAudit } from './admin-audit.js';
import { type ArtifactDeps, type Artifacts, createArtifacts } from './artifacts/index.js';
import { EntryService } from './entries.js';
import { KeyService } from './keys.js';
import { LogService } from './logs.js';
import { ReadLedger } from './reads.js';
import { RecordService } from './records.js';
import { TenantService } from './tenants.js';
import { TileReader } from './tiles.js';

export interface ServiceDeps {
  readonly registry: LogRegistry;
  readonly metadata: Pick<MetadataStore, 'tenants' | 'keys' | 'logs' | 'records'> &
    Partial<Pick<MetadataStore, 'artifacts'>>;
  /** Where artifact bytes go; with `metadata.artifacts`, enables the artifact store. */
  readonly blobs?: BlobStore;
  /** Further options of the artifact store (retention policy, limits, Object Lock). */
  readonly artifacts?: Omit<ArtifactDeps, 'store' | 'blobs' | 'registry' | 'random' | 'now'>;
  /** The object store of one log: the same function the registry was given. */
  readonly store: (tenant: string, log: string) => ObjectStore;
  /** Random bytes from a CSPRNG (keys, tokens). */
  readonly random: (n: number) => Uint8Array;
  readonly now?: () => Date;
  /** The origin function the registry was given (guards tenants' own keys: LogServiceOptions.origin). */
  readonly origin?: (tenant: string, log: string) => string;
  /** Longest wait=published waits, in ms. */
  readonly publishTimeoutMs?: number;
}

export interface Services {
  readonly registry: LogRegistry;
  readonly tenants: TenantService;
  readonly keys: KeyService;
  readonly logs: LogService;
  readonly entries: EntryService;
  readonly tiles: TileReader;
  readonly reads: ReadLedger;
  readonly records: RecordService;
  /** The artifact store; absent when the deployment has no blob store. */
  readonly artifacts?: Artifacts;
}

export function createServices(d: ServiceDeps): Services {
  const { registry, metadata } = d;
  const audit = new AdminAudit(registry, d.now ? () => d.now!().getTime() : undefined);
  const logs = new LogService({
    registry,
    catalog: metadata.logs,
    audit,
    ...(d.origin ? { origin: d.origin } : {}),
  });
  const tiles = new TileReader({ registry, store: d.store });
  return {
    registry,
    logs,
    tenants: new TenantService({ tenants: metadata.tenants, registry, logs, audit }),
    keys: new KeyService({ keys: metadata.keys, tenants: metadata.tenants, random: d.random, audit }),
    entries: new EntryService({
      registry,
      tiles,
      ...(d.publishTimeoutMs !== undefined ? { publishTimeoutMs: d.publishTimeoutMs } : {}),
    }),
    tiles,
    reads: new ReadLedger({ registry, ...(d.now ? { now: d.now } : {}) }),
    records: new RecordService({
      registry,
      records: metadata.records,
      store: d.store,
      ...(d.now ? { now: d.now } : {}),
    }),
    ...(metadata.artifacts && d.blobs
      ? {
          artifacts: createArtifacts({
            ...d.artifacts,
            store: metadata.artifacts,
            blobs: d.blobs,
            registry,
            random: d.random,
            ...(d.now ? { now: d.now } : {}),
          }),
        }
      : {}),
  };
}
