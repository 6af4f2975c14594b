/**
 * `vellum proof <tenant>/<log> <index> [--vkey K]`: prints the entry's C2SP
 * tlog-proof receipt (its inclusion proof against the latest checkpoint);
 * with --vkey, checks it locally first, trusting only that key.
 * `vellum proof <tenant>/<log> --consistency FROM [TO]`: prints the RFC 6962
 * consistency proof between two tree sizes, as JSON.
 */
import { getVerifiedReceipt } from '../client/verified-receipt.js';
import { parseVerifierKey } from '../tlog/note.js';
import {
  API_FLAGS,
  API_OPTIONS,
  apiError,
  call,
  connect,
  flag,
  helpAsked,
  keyArg,
  logArg,
  numberArg,
} from './api.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';

const USAGE = `Usage: vellum proof <tenant>/<log> <index> [--vkey K]
       vellum proof <tenant>/<log> --consistency FROM [TO]

  <index>              prints the entry's receipt (c2sp.org/tlog-proof@v1: the index,
                       its inclusion proof, and the signed checkpoint it leads to)
  --vkey K             check the receipt first, locally, with the log's verifier key
                       (name+hash+base64, or @FILE); exit 1 if it does not verify
  --consistency FROM   prints the consistency proof from tree size FROM to TO (default:
                       the latest checkpoint) as JSON {from, to, proof, checkpoint}.
                       To check that the log extends a checkpoint you kept, run
                       vellum verify <tenant>/<log> --old FILE
${API_OPTIONS}

Needs a key that may read the log (tenant-admin, reader, auditor).`;

export async function proof(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(
    args,
    { ...API_FLAGS, vkey: { value: true }, consistency: { value: true } },
    USAGE,
  );
  if (helpAsked(flags, USAGE, io)) return 0;
  const { tenant, log } = logArg(positional[0], USAGE);
  const api = connect(flags);
  const name = `${tenant}/${log}`;

  if (flags.has('consistency')) {
    if (positional.length > 2) throw new CliError(`proof --consistency takes FROM and at most TO\n${USAGE}`);
    if (flags.has('vkey'))
      throw new CliError(
        `--vkey checks receipts; to check that the log extends a checkpoint you kept, run vellum verify ${name} --old FILE\n${USAGE}`,
      );
    const from = numberArg(flag(flags, 'consistency'), '--consistency FROM', USAGE);
    const to = positional[1] === undefined ? undefined : numberArg(positional[1], 'TO', USAGE);
    if (to !== undefined && from > to)
      throw new CliError(`FROM (${from}) is larger than TO (${to})\n${USAGE}`);
    const c = await call(
      api,
      `cannot get the consistency proof of ${name}`,
      api.client.consistency(tenant, log, from, to),
    );
    io.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
    return 0;
  }

  if (positional.length !== 2) throw new CliError(`proof needs <tenant>/<log> and an index\n${USAGE}`);
  const index = numberArg(positional[1], 'the index', USAGE);
  const what = `cannot get the receipt of entry ${index} of ${name}`;
  const vkeyFlag = flag(flags, 'vkey');
  if (vkeyFlag === undefined) {
    const e = await call(api, what, api.client.getEntry(tenant, log, index));
    io.stdout.write(e.receipt.endsWith('\n') ? e.receipt : `${e.receipt}\n`);
    return 0;
  }
  const vkey = await keyArg(vkeyFlag, 'verifier key');
  let keyName: string;
  try {
    keyName = parseVerifierKey(vkey).name;
  } catch (e) {
    throw new CliError(`bad --vkey: ${(e as Error).message}\n${USAGE}`);
  }
  let v: Awaited<ReturnType<typeof getVerifiedReceipt>>;
  try {
    v = await getVerifiedReceipt(api.client, tenant, log, index, vkey);
  } catch (e) {
    const err = apiError(api, what, e);
    if (err !== e || !(e instanceof Error)) throw err;
    throw new CliError(
      `FAIL: the receipt of entry ${index} of ${name} does not verify with the key ${keyName}: ${e.message}`,
      1,
    );
  }
  io.stdout.write(v.receipt.endsWith('\n') ? v.receipt : `${v.receipt}\n`);
  io.stderr.write(
    `verified: entry ${index} is in the tree of size ${v.checkpointSize} whose checkpoint ${keyName} signed\n`,
  );
  return 0;
}
