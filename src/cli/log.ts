/**
 * `vellum log ...`: a tenant's logs (create, list, info) and its records,
 * the immutable logger's leveled entries (read, search, stats; in
 * records.ts).
 */
import { readFile } from 'node:fs/promises';
import type { LogInfo } from '../client/types.js';
import { API_FLAGS, API_OPTIONS, call, connect, flag, helpAsked, logArg, table, tenantArg } from './api.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';

const USAGE = `Usage: vellum log create <tenant>/<log> [--public] [--dedup] [--remove-partials] [--skey-file F]
       vellum log list <tenant> [--json]
       vellum log info <tenant>/<log> [--json]
       vellum log read <tenant> [--level L[,L]] [--from T] [--to T] [--limit N] [--cursor C] [--json]
       vellum log search <tenant> <text> [same filters as read]
       vellum log stats <tenant> [--json]

  create             makes a log (tenant-admin key) and prints its origin and verifier key
  --public           its checkpoint and tiles are readable by anyone
  --dedup            an entry identical to an earlier one gets the earlier index
  --remove-partials  partial tiles are deleted once their full tile exists
  --skey-file F      sign with your own Ed25519 key: F holds PRIVATE+KEY+<origin>+...
                     (e.g. the output of vellum keygen <origin>); its name is the log's origin
  list               the tenant's logs
  info               a log's origin, verifier key (vkey) and published size
  read, search,      the tenant's records (the immutable logger), see
  stats              vellum log read --help
  --json             print the answer as JSON
${API_OPTIONS}`;

export async function log(args: string[], io: Io): Promise<number> {
  const sub = args[0];
  if (sub === undefined) throw new CliError(`log needs a subcommand\n${USAGE}`);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (sub === 'read' || sub === 'search' || sub === 'stats')
    return (await import('./records.js')).records(sub, args.slice(1), io);
  if (sub.startsWith('-'))
    throw new CliError(
      `put the subcommand first: vellum log <create|list|info|read|search|stats> ...\n${USAGE}`,
    );
  const { positional, flags } = parseArgs(
    args.slice(1),
    { ...API_FLAGS, public: {}, dedup: {}, 'remove-partials': {}, 'skey-file': { value: true }, json: {} },
    USAGE,
  );
  if (helpAsked(flags, USAGE, io)) return 0;
  const onlyFor = (names: string[], what: string) => {
    for (const n of names)
      if (flags.has(n)) throw new CliError(`--${n} is for ${what}, not for log ${sub}\n${USAGE}`);
  };
  if (sub === 'create') {
    if (positional.length !== 1) throw new CliError(`log create needs exactly one <tenant>/<log>\n${USAGE}`);
    const { tenant, log } = logArg(positional[0], USAGE);
    const skeyFile = flag(flags, 'skey-file');
    const skey = skeyFile === undefined ? undefined : await signerKey(skeyFile);
    const api = connect(flags);
    const info = await call(
      api,
      `cannot create log ${tenant}/${log}`,
      api.client.createLog(tenant, log, {
        ...(flags.has('public') ? { public: true } : {}),
        ...(flags.has('dedup') ? { dedup: true } : {}),
        ...(flags.has('remove-partials') ? { removePartials: true } : {}),
        ...(skey ? { skey } : {}),
      }),
    );
    io.stdout.write(flags.has('json') ? `${JSON.stringify(info)}\n` : describe(info));
    return 0;
  }
  onlyFor(['public', 'dedup', 'remove-partials', 'skey-file'], 'log create');
  if (sub === 'list') {
    if (positional.length !== 1) throw new CliError(`log list needs exactly one tenant\n${USAGE}`);
    const tenant = tenantArg(positional[0], USAGE);
    const api = connect(flags);
    const logs = await call(api, `cannot list the logs of ${tenant}`, api.client.listLogs(tenant));
    if (flags.has('json')) io.stdout.write(`${JSON.stringify({ logs })}\n`);
    else
      io.stdout.write(
        table([
          ['LOG', 'PUBLIC', 'DEDUP', 'ORIGIN'],
          ...logs.map((l) => [l.log, String(l.public), String(l.dedup), l.origin]),
        ]),
      );
    return 0;
  }
  if (sub === 'info') {
    if (positional.length !== 1) throw new CliError(`log info needs exactly one <tenant>/<log>\n${USAGE}`);
    const { tenant, log } = logArg(positional[0], USAGE);
    const api = connect(flags);
    const info = await call(api, `cannot describe log ${tenant}/${log}`, api.client.getLog(tenant, log));
    io.stdout.write(flags.has('json') ? `${JSON.stringify(info)}\n` : describe(info));
    return 0;
  }
  throw new CliError(`unknown subcommand 'log ${sub}': create, list, info, read, search or stats\n${USAGE}`);
}

/** A log as `key value` lines: `vellum log info a/b | awk '$1 == "vkey" {print $2}'`. */
function describe(l: LogInfo): string {
  return table([
    ['log', `${l.tenant}/${l.log}`],
    ['origin', l.origin],
    ['vkey', l.vkey],
    ...(l.size !== undefined ? [['size', String(l.size)]] : []),
    ['public', String(l.public)],
    ['dedup', String(l.dedup)],
    ['remove-partials', String(l.removePartials)],
  ]);
}

/** The signer key in a file: its PRIVATE+KEY+ line (vellum keygen prints it first, then the verifier key). */
async function signerKey(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read --skey-file ${file}: ${(e as Error).message}`);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const keys = lines.filter((l) => l.startsWith('PRIVATE+KEY+'));
  if (keys.length !== 1)
    throw new CliError(
      `--skey-file ${file} must hold exactly one signer key line (PRIVATE+KEY+<origin>+<id>+<base64>), as vellum keygen <origin> prints`,
    );
  return keys[0]!;
}
