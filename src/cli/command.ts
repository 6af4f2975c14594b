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
}

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
    summary: 'verify <log> --vkey K [--old FILE] [--witness K]...  audit a log (directory or URL)',
    load: async () => (await import('./verify.js')).verify,
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
