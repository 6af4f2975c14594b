/**
 * API keys of a tenant: `vellum key create <tenant> --role R [--name N]`
 * (prints the token, shown this once, alone on stdout), `vellum key list
 * <tenant>`, `vellum key revoke <tenant> <id>`.
 */
import type { Role } from '../client/types.js';
import { API_FLAGS, API_OPTIONS, call, connect, flag, helpAsked, table, tenantArg } from './api.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';

const ROLES: readonly Role[] = ['tenant-admin', 'writer', 'reader', 'auditor', 'approver'];

const USAGE = `Usage: vellum key create <tenant> --role <role> [--name <name>] [--json]
       vellum key list <tenant> [--json]
       vellum key revoke <tenant> <id>

  create          makes a key and prints its token (vk_...) on standard output, alone:
                  it is shown this once, so keep it (e.g. TOKEN=$(vellum key create ...))
  --role R        ${ROLES.join(', ')}
  --name N        a label for lists (default: the role)
  list            lists the tenant's keys (never their tokens)
  revoke          revokes a key by its id (from the list); it stops working at once
  --json          print the answer as JSON (for create: the key with its token)
${API_OPTIONS}

A platform-admin key may make tenant-admin keys; a tenant-admin key, keys of
any role in its tenant, and list and revoke them.`;

export async function key(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(
    args,
    { ...API_FLAGS, role: { value: true }, name: { value: true }, json: {} },
    USAGE,
  );
  if (helpAsked(flags, USAGE, io)) return 0;
  const [sub, ...rest] = positional;
  if (sub === 'create') {
    if (rest.length !== 1) throw new CliError(`key create needs exactly one tenant\n${USAGE}`);
    const tenant = tenantArg(rest[0], USAGE);
    const role = flag(flags, 'role');
    if (role === undefined) throw new CliError(`key create needs --role (${ROLES.join(', ')})\n${USAGE}`);
    if (!ROLES.includes(role as Role))
      throw new CliError(`'${role}' is not a role: use one of ${ROLES.join(', ')}\n${USAGE}`);
    const name = flag(flags, 'name') ?? role;
    if (name.length < 1 || name.length > 100) throw new CliError(`--name must be 1-100 characters\n${USAGE}`);
    const api = connect(flags);
    const k = await call(
      api,
      `cannot create a ${role} key for ${tenant}`,
      api.client.createKey(tenant, role as Role, name),
    );
    io.stdout.write(flags.has('json') ? `${JSON.stringify(k)}\n` : `${k.token}\n`);
    io.stderr.write(
      `Made key ${k.id} (${k.role}, "${k.name}") of tenant ${tenant}. Its token (above) is shown only this once: ` +
        'keep it secret, and use it as VELLUM_TOKEN.\n',
    );
    return 0;
  }
  for (const n of ['role', 'name'])
    if (flags.has(n) && (sub === 'list' || sub === 'revoke'))
      throw new CliError(`--${n} is for key create, not for key ${sub}\n${USAGE}`);
  if (sub === 'list') {
    if (rest.length !== 1) throw new CliError(`key list needs exactly one tenant\n${USAGE}`);
    const tenant = tenantArg(rest[0], USAGE);
    const api = connect(flags);
    const keys = await call(api, `cannot list the keys of ${tenant}`, api.client.listKeys(tenant));
    if (flags.has('json')) io.stdout.write(`${JSON.stringify({ keys })}\n`);
    else
      io.stdout.write(
        table([
          ['ID', 'ROLE', 'CREATED', 'REVOKED', 'NAME'],
          ...keys.map((k) => [k.id, k.role, k.createdAt, k.revokedAt ?? '-', k.name]),
        ]),
      );
    return 0;
  }
  if (sub === 'revoke') {
    if (rest.length !== 2) throw new CliError(`key revoke needs a tenant and a key id\n${USAGE}`);
    const tenant = tenantArg(rest[0], USAGE);
    const id = rest[1]!;
    if (!/^[0-9a-f]{16}$/.test(id))
      throw new CliError(`'${id}' is not a key id (16 hex digits, as vellum key list shows)\n${USAGE}`);
    const api = connect(flags);
    await call(api, `cannot revoke key ${id} of ${tenant}`, api.client.revokeKey(tenant, id));
    io.stdout.write(`revoked key ${id}\n`);
    return 0;
  }
  throw new CliError(
    `${sub === undefined ? 'key needs a subcommand' : `unknown subcommand 'key ${sub}'`}: create, list or revoke\n${USAGE}`,
  );
}
