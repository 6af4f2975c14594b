/** `vellum tenant create <name>` and `vellum tenant list` (a platform-admin key). */

import { API_FLAGS, API_OPTIONS, call, connect, helpAsked, table, tenantArg } from './api.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';

const USAGE = `Usage: vellum tenant create <name>
       vellum tenant list [--json]

  create    makes a tenant and its logs (records, audit, reads, operations)
  list      lists the tenants
  --json    print the answer as JSON
${API_OPTIONS}

Both need a platform-admin key (the server's admin token). A new tenant's
first key: vellum key create <name> --role tenant-admin`;

export async function tenant(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(args, { ...API_FLAGS, json: {} }, USAGE);
  if (helpAsked(flags, USAGE, io)) return 0;
  const [sub, ...rest] = positional;
  if (sub === 'create') {
    if (rest.length !== 1) throw new CliError(`tenant create needs exactly one name\n${USAGE}`);
    const name = tenantArg(rest[0], USAGE);
    const api = connect(flags);
    const t = await call(api, `cannot create tenant ${name}`, api.client.createTenant(name));
    if (flags.has('json')) {
      io.stdout.write(`${JSON.stringify(t)}\n`);
      return 0;
    }
    io.stdout.write(`tenant ${t.name} created with the logs ${t.logs.map((l) => l.log).join(', ')}\n`);
    io.stderr.write(`Next: vellum key create ${t.name} --role tenant-admin\n`);
    return 0;
  }
  if (sub === 'list') {
    if (rest.length !== 0) throw new CliError(`tenant list takes no arguments\n${USAGE}`);
    const api = connect(flags);
    const tenants = await call(api, 'cannot list tenants', api.client.listTenants());
    if (flags.has('json')) io.stdout.write(`${JSON.stringify({ tenants })}\n`);
    else io.stdout.write(table(tenants.map((t) => [t.name, t.createdAt])));
    return 0;
  }
  throw new CliError(
    `${sub === undefined ? 'tenant needs a subcommand' : `unknown subcommand 'tenant ${sub}'`}: create or list\n${USAGE}`,
  );
}
