/** Dispatch of `vellum <command>`: usage text and the table of subcommands. */

/** An error meant for the person at the terminal: printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Standard input (default: process.stdin). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; fd?: number };
}

/** The server the API commands talk to when neither --url nor VELLUM_URL says otherwise. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

type Runner = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Runner> }> = {
  keygen: {
    summary: 'keygen <origin>             print a new signer key and its verifier key',
    load: async () => (await import('./keygen.js')).keygen,
  },
  fsck: {
    summary: 'fsck [<data dir>]           check every log of a data directory (repairs nothing)',
    load: async () => (await import('./fsck.js')).fsck,
  },
  serve: {
    summary: 'serve [--data DIR] [--port P] [--host H]  run the server (HTTP API and tlog-tiles)',
    load: async () => (await import('./serve.js')).serve,
  },
  verify: {
    summary:
      'verify <log> [--vkey K] [--old FILE] [--witness K]...  audit a log (directory, URL, or <tenant>/<log>)',
    load: async () => (await import('./verify.js')).verify,
  },
  tenant: {
    summary: 'tenant create <name> | list   make or list tenants (platform-admin key)',
    load: async () => (await import('./tenant.js')).tenant,
  },
  key: {
    summary:
      'key create <tenant> --role R [--name N] | list <tenant> | revoke <tenant> <id>\n' +
      '                              make (prints the token once), list or revoke API keys',
    load: async () => (await import('./key.js')).key,
  },
  log: {
    summary:
      'log create <tenant>/<log> [--public] [--dedup] [--skey-file F] | list <tenant> | info <tenant>/<log>\n' +
      '                              make, list or describe logs (origin, verifier key, size)\n' +
      '  log read <tenant> [--level L,L] [--from T] [--to T] [--limit N] [--cursor C] [--json]\n' +
      "  log search <tenant> <text> [same filters] | stats <tenant>   the immutable logger's records",
    load: async () => (await import('./log.js')).log,
  },
  append: {
    summary:
      'append <tenant>/<log> [--file F] [--wait durable|published]\n' +
      '                              append one entry per line (stdin by default); prints their indexes',
    load: async () => (await import('./append.js')).append,
  },
  tail: {
    summary: 'tail <tenant>/<log> [--from N] [--follow] [--interval ms]  print entries, and new ones',
    load: async () => (await import('./tail.js')).tail,
  },
  package: {
    summary:
      'package push <dir> | get | list | manifest | download | extend | hold | release | verify <dir> <id>  --tenant T\n' +
      '                              the artifact store: upload a directory as a package, read, retain, verify',
    load: async () => (await import('./package.js')).packageCommand,
  },
  proof: {
    summary:
      'proof <tenant>/<log> <index> [--vkey K] | --consistency FROM [TO]\n' +
      "                              print an entry's tlog-proof receipt (checked with --vkey), or a consistency proof",
    load: async () => (await import('./proof.js')).proof,
  },
};

export const USAGE = `Vellum: a tamper-evident evidence store on C2SP transparency logs.

Usage: vellum <command> [options]

Commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.summary}`)
  .join('\n')}
  help                        show this text

Run 'vellum <command> --help' for a command's options.

The commands over the API (tenant, key, log, append, tail, proof, and verify
<tenant>/<log>) talk to the server at --url or $VELLUM_URL (default
${DEFAULT_URL}) with the API key in --token or $VELLUM_TOKEN.
Exit status: 0 done, 1 the operation failed, 2 a usage error.
`;

export async function runCommand(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(USAGE);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) throw new CliError(`unknown command '${name}'. Run 'vellum help' for the list of commands.`);
  return (await cmd.load())(rest, io);
}
