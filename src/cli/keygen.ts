/** `vellum keygen <origin>`: a new Ed25519 signed-note key pair in the Go note encoding. */
import { randomBytes } from 'node:crypto';
import { generateKey, isValidKeyName } from '../tlog/note.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';

const USAGE = `Usage: vellum keygen <origin>

Prints two lines: the signer key (keep it secret), then the verifier key.
The origin names the log, e.g. vellum.example.com/acme/audit.`;

export async function keygen(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(args, { help: {} }, USAGE);
  if (flags.has('help')) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positional.length !== 1) throw new CliError(`keygen needs exactly one origin\n${USAGE}`);
  const origin = positional[0]!;
  if (!isValidKeyName(origin)) {
    throw new CliError(`'${origin}' cannot be a key name: it must be non-empty, without spaces or '+'`);
  }
  const { skey, vkey } = generateKey(origin, randomBytes(32));
  io.stdout.write(`${skey}\n${vkey}\n`);
  return 0;
}
