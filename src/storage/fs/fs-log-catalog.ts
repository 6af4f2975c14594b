/**
 * LogCatalog on a local filesystem: `<root>/<tenant>/<log>/log.json` for
 * the options and `signer.key` (mode 0600) for the key.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../errors.js';
import { isValidName, type LogCatalog, type LogRecord } from '../log-catalog.js';
import { createExclusive, readIfExists } from './durable-file.js';

export class FsLogCatalog implements LogCatalog {
  constructor(readonly root: string) {}

  #dir(tenant: string, log: string): string {
    if (!isValidName(tenant) || !isValidName(log))
      throw new StorageError('bad-key', `invalid log name ${tenant}/${log}`);
    return join(this.root, tenant, log);
  }

  async get(tenant: string, log: string): Promise<LogRecord | undefined> {
    const dir = this.#dir(tenant, log);
    const [json, key] = await Promise.all([
      readIfExists(join(dir, 'log.json')),
      readIfExists(join(dir, 'signer.key')),
    ]);
    if (!json || !key) return undefined;
    const o = JSON.parse(new TextDecoder().decode(json)) as Partial<LogRecord>;
    return {
      tenant,
      log,
      skey: new TextDecoder().decode(key).trim(),
      dedup: o.dedup === true,
      removePartials: o.removePartials === true,
      public: o.public === true,
    };
  }

  async create(r: LogRecord): Promise<void> {
    const dir = this.#dir(r.tenant, r.log);
    const key = await createExclusive(
      join(dir, 'signer.key'),
      new TextEncoder().encode(`${r.skey}\n`),
      0o600,
    );
    if (!key.created) throw new StorageError('exists-different', `log ${r.tenant}/${r.log} already exists`);
    const json = JSON.stringify(
      { dedup: r.dedup, removePartials: r.removePartials, public: r.public },
      null,
      2,
    );
    await createExclusive(join(dir, 'log.json'), new TextEncoder().encode(`${json}\n`), 0o644);
  }

  async list(): Promise<{ tenant: string; log: string }[]> {
    const out: { tenant: string; log: string }[] = [];
    const names = async (d: string) => {
      try {
        return (await readdir(d, { withFileTypes: true }))
          .filter((e) => e.isDirectory() && isValidName(e.name))
          .map((e) => e.name);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    };
    for (const tenant of (await names(this.root)).sort()) {
      for (const log of (await names(join(this.root, tenant))).sort()) out.push({ tenant, log });
    }
    return out;
  }
}
