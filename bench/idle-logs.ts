/**
 * Opens N logs (created on the filesystem, one entry each) in one registry
 * and prints the resident memory they hold while idle. Run by
 * ledger.bench.ts in a fresh process: `node --expose-gc idle-logs.js DIR N`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LogRegistry } from '../src/ledger/registry.js';
import { FsCheckpointLock } from '../src/storage/fs/fs-checkpoint-lock.js';
import { FsLogCatalog } from '../src/storage/fs/fs-log-catalog.js';
import { FsObjectStore } from '../src/storage/fs/fs-object-store.js';

const [dir = '/tmp/vellum-idle', countArg = '10000'] = process.argv.slice(2);
const count = Number(countArg);
const registry = new LogRegistry({
  catalog: new FsLogCatalog(join(dir, 'ledger')),
  lock: new FsCheckpointLock(join(dir, 'ledger')),
  store: (t, l) => new FsObjectStore(join(dir, 'logs', t, l)),
  origin: (t, l) => `bench.example/${t}/${l}`,
  random: (k) => randomBytes(k),
  maxOpen: count + 1,
});
global.gc?.();
const base = process.memoryUsage().rss;
const baseHeap = process.memoryUsage().heapUsed;
const t0 = performance.now();
let made = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (made < count) {
      const i = made++;
      const [tenant, log] = [`t${Math.floor(i / 100)}`, `l${i % 100}`];
      await registry.create({ tenant, log });
      await (await registry.get(tenant, log)).append(Buffer.from(`hello ${i}`));
    }
  }),
);
global.gc?.();
await new Promise((r) => setTimeout(r, 200));
global.gc?.();
const rss = process.memoryUsage().rss;
const perLog = (rss - base) / registry.openCount / 1024;
const heapPerLog = (process.memoryUsage().heapUsed - baseHeap) / registry.openCount / 1024;
console.log(
  `ledger idle    ${registry.openCount.toLocaleString('en-US')} open idle logs: RSS ${(rss / 2 ** 20).toFixed(0)} MiB, ${(base / 2 ** 20).toFixed(0)} MiB before (${perLog.toFixed(1)} KiB per log, of which JS heap ${heapPerLog.toFixed(1)} KiB); created in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
await registry.close();
