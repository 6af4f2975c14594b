/**
 * `vellum verify <log> --vkey K [--old FILE] [--witness K]... [--header H]`:
 * audits a log in a directory or behind an http(s) URL prefix. Exit 0 with
 * `OK origin=... size=... root=...`; exit 1 with `FAIL <item>: <reason>`.
 * `<log>` may also be `<tenant>/<log>` (not a directory): the log at
 * $VELLUM_URL/logs/<tenant>/<log>, its key asked from the API without --vkey.
 * Over http(s), $VELLUM_TOKEN is sent as a bearer token unless --header is given.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { auditLog } from '../ledger/audit.js';
import { DirLogSource } from '../storage/fs/dir-log-source.js';
import { HttpLogSource } from '../storage/http/http-log-source.js';
import type { LogSource } from '../storage/log-source.js';
import { encodeBase64 } from '../tlog/base64.js';
import { cosignatureVerifier } from '../tlog/cosignature.js';
import { TlogError } from '../tlog/errors.js';
import { parseVerifierKey, type Verifier } from '../tlog/note.js';
import { apiToken, call, connect, isLogRef } from './api.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';
import { Progress } from './progress.js';

const USAGE = `Usage: vellum verify <log> --vkey <verifier key> [--old <checkpoint file>] [--witness <vkey>]...

  <log>             a directory, or an http(s) URL prefix, holding checkpoint and tile/;
                    or <tenant>/<log> (not a directory): the log at $VELLUM_URL/logs/<tenant>/<log>
  --vkey K          the log's verifier key (name+hash+base64); @FILE reads it from a file.
                    For <tenant>/<log> without --vkey, the key is asked from the server
                    (trust on first use: pin it with --vkey to check the server itself)
  --old FILE        an older checkpoint of the log: it must be a prefix of the current tree
  --witness K       a witness key whose cosignature must be on the checkpoint (repeatable)
  --header 'N: V'   an HTTP header for every request, e.g. 'Authorization: Bearer TOKEN'
                    (default: 'Authorization: Bearer $VELLUM_TOKEN' when VELLUM_TOKEN is set
                    and the log is on $VELLUM_URL's server: the key never goes elsewhere)
  --url URL         the server, for <tenant>/<log> (env VELLUM_URL, default http://127.0.0.1:8080)
  --token T         the API key sent over http(s) (env VELLUM_TOKEN)`;

async function keyArg(value: string): Promise<string> {
  if (!value.startsWith('@')) return value.trim();
  try {
    return (await readFile(value.slice(1), 'utf8')).trim();
  } catch (e) {
    throw new CliError(`cannot read key file ${value.slice(1)}: ${(e as Error).message}`);
  }
}

/** A witness key: a tlog-cosignature v1 key (type 0x04) or a plain Ed25519 note key. */
export function witnessVerifier(vkey: string): Verifier {
  try {
    return cosignatureVerifier(vkey);
  } catch {
    return parseVerifierKey(vkey);
  }
}

export function logSource(location: string, headers: string[] = []): LogSource {
  if (/^https?:\/\//.test(location)) {
    const h: Record<string, string> = {};
    for (const line of headers) {
      const i = line.indexOf(':');
      if (i <= 0) throw new CliError(`--header '${line}' is not of the form 'Name: value'`);
      h[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return new HttpLogSource(location, h);
  }
  return new DirLogSource(location);
}

export async function verify(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(
    args,
    {
      vkey: { value: true },
      old: { value: true },
      witness: { value: true, repeat: true },
      header: { value: true, repeat: true },
      url: { value: true },
      token: { value: true },
      help: {},
    },
    USAGE,
  );
  if (flags.has('help')) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positional.length !== 1) throw new CliError(`verify needs exactly one log location\n${USAGE}`);
  let location = positional[0]!;
  let vkey = flags.get('vkey')?.[0];
  if (!/^https?:\/\//.test(location) && isLogRef(location) && !existsSync(location)) {
    const [tenant, log] = location.split('/') as [string, string];
    const api = connect(flags);
    location = `${api.url}/logs/${tenant}/${log}`;
    if (!vkey) {
      const info = await call(
        api,
        `cannot ask for the verifier key of ${tenant}/${log}`,
        api.client.getLog(tenant, log),
      );
      vkey = info.vkey;
      io.stderr.write(
        `warning: the verifier key was taken from the server (trust on first use): ${vkey}\n` +
          '  pin it with --vkey, so that the server cannot swap it\n',
      );
    }
  }
  // The API key goes only to the Vellum server it belongs to (VELLUM_URL's
  // origin), or wherever --token explicitly says: never to a third-party host.
  const token = apiToken(flags);
  const sameServer = (() => {
    try {
      return new URL(location).origin === new URL(connect(flags).url).origin;
    } catch {
      return false;
    }
  })();
  const sendToken = token !== undefined && (flags.has('token') || sameServer);
  const headers = flags.get('header') ?? (sendToken ? [`Authorization: Bearer ${token}`] : []);
  if (!vkey) throw new CliError(`verify needs the log's verifier key: --vkey <name+hash+base64>\n${USAGE}`);
  let logKey: Verifier;
  let witnesses: Verifier[];
  try {
    logKey = parseVerifierKey(await keyArg(vkey));
    witnesses = await Promise.all(
      (flags.get('witness') ?? []).map(async (w) => witnessVerifier(await keyArg(w))),
    );
  } catch (e) {
    if (e instanceof TlogError) throw new CliError(`bad key: ${e.message}`);
    throw e;
  }
  let old: Uint8Array | undefined;
  const oldPath = flags.get('old')?.[0];
  if (oldPath) {
    try {
      old = await readFile(oldPath);
    } catch (e) {
      throw new CliError(`cannot read --old ${oldPath}: ${(e as Error).message}`);
    }
  }
  const source = logSource(location, headers);
  const progress = new Progress(io.stderr, 'verify', 65536);
  const result = await auditLog(source, {
    logKey,
    witnesses,
    ...(old ? { old } : {}),
    onProgress: (done, total) => progress.update(done, total),
  });
  progress.done();
  if (!result.ok) {
    io.stdout.write(`FAIL ${result.item}: ${result.reason}\n`);
    if (/: HTTP 401$/.test(result.reason))
      io.stderr.write(
        'hint: the server wants an API key: set VELLUM_TOKEN (or --header) to one that may read the log\n',
      );
    else if (/: HTTP 403$/.test(result.reason))
      io.stderr.write(
        'hint: this key may not read the log: use a tenant-admin, reader or auditor key of its tenant\n',
      );
    return 1;
  }
  const cp = result.checkpoint;
  const extra = result.consistentFrom !== undefined ? ` consistent_from=${result.consistentFrom}` : '';
  io.stdout.write(`OK origin=${cp.origin} size=${cp.size} root=${encodeBase64(cp.root)}${extra}\n`);
  return 0;
}
