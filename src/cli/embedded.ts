/**
 * The embedded deployment's drivers over one data directory:
 *
 *   <data>/logs/<tenant>/<log>/      published log (checkpoint, tile/) and staging/
 *   <data>/ledger/<tenant>/<log>/    log.json, signer.key (0600), checkpoint (the lock)
 */
import { join } from 'node:path';
import { DirLogSource } from '../storage/fs/dir-log-source.js';
import { FsCheckpointLock } from '../storage/fs/fs-checkpoint-lock.js';
import { FsLogCatalog } from '../storage/fs/fs-log-catalog.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';

export function embeddedDrivers(data: string) {
  const logDir = (tenant: string, log: string) => join(data, 'logs', tenant, log);
  return {
    catalog: new FsLogCatalog(join(data, 'ledger')),
    lock: new FsCheckpointLock(join(data, 'ledger')),
    store: (tenant: string, log: string) => new FsObjectStore(logDir(tenant, log)),
    source: (tenant: string, log: string) => new DirLogSource(logDir(tenant, log)),
    tempFiles: (tenant: string, log: string) => new FsObjectStore(logDir(tenant, log)).tempFiles(),
  };
}
