/** `vellum fsck [<data dir>]`: checks every log of an embedded data directory; repairs nothing. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fsck as runFsck } from '../ledger/fsck.js';
import { openMetadata } from '../storage/sql/sql-metadata.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';
import { embeddedDrivers } from './embedded.js';

const USAGE = `Usage: vellum fsck [<data dir>]   (default: $VELLUM_DATA or ./data)

The logs of a server's data directory are found through its database
(VELLUM_DATABASE_URL, or <data dir>/vellum.db).

Audits every log from its checkpoint down (as 'vellum verify' does), compares
each log's committed and published checkpoints, and reports leftovers of
interrupted writes. Changes nothing. Exit 0 when clean, 1 when anything is found.`;

export async function fsck(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(args, { help: {} }, USAGE);
  if (flags.has('help')) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positional.length > 1) throw new CliError(`fsck takes at most one data directory\n${USAGE}`);
  const data = positional[0] ?? process.env.VELLUM_DATA ?? './data';
  if (!existsSync(data)) throw new CliError(`data directory ${data} does not exist`);
  const sqlite = join(data, 'vellum.db');
  const dbUrl = process.env.VELLUM_DATABASE_URL ?? (existsSync(sqlite) ? `sqlite:${sqlite}` : undefined);
  const metadata = dbUrl ? await openMetadata(dbUrl) : undefined;
  const drivers = metadata
    ? { ...embeddedDrivers(data), catalog: metadata.logs, lock: metadata.lock }
    : embeddedDrivers(data);
  const report = await runFsck(drivers, (log, done, total) => {
    if (io.stderr.isTTY && log) io.stderr.write(`\rfsck ${done + 1}/${total} ${log}\x1b[K`);
  }).finally(() => metadata?.close());
  if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
  for (const l of report.logs) io.stdout.write(`ok   ${l.log} size=${l.size}\n`);
  for (const f of report.findings) io.stdout.write(`FAIL ${f.log} ${f.item}: ${f.problem}\n`);
  io.stdout.write(`${report.logs.length} logs clean, ${report.findings.length} problems\n`);
  return report.findings.length === 0 ? 0 : 1;
}
