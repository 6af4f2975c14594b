/**
 * What the commands over the API share: the server and the key
 * (`--url`/`VELLUM_URL`, `--token`/`VELLUM_TOKEN`), the SDK client,
 * `<tenant>/<log>` arguments, numbers, and API errors turned into messages
 * that say what to do (exit 1; usage errors exit 2).
 */
import { readFile } from 'node:fs/promises';
import { VellumApiError } from '../client/http.js';
import { VellumClient } from '../client/vellum-client.js';
import type { FlagSpec } from './args.js';
import { CliError, DEFAULT_URL, type Io } from './command.js';

/** Flags every API command takes. */
export const API_FLAGS: Record<string, FlagSpec> = {
  url: { value: true },
  token: { value: true },
  help: {},
};

/** The lines of a usage text that describe API_FLAGS. */
export const API_OPTIONS = `  --url URL         the server (env VELLUM_URL, default ${DEFAULT_URL})
  --token T         an API key, vk_... (env VELLUM_TOKEN)`;

export interface Api {
  readonly client: VellumClient;
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  readonly token: string | undefined;
}

/** The server URL from --url, VELLUM_URL or the default; usage error unless http(s). */
export function serverUrl(flags: Map<string, string[]>, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flags.get('url')?.[0] ?? (env.VELLUM_URL || DEFAULT_URL);
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {}
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
    throw new CliError(
      `${flags.has('url') ? '--url' : 'VELLUM_URL'} must be the server's http(s) URL, such as ${DEFAULT_URL}, not ${JSON.stringify(raw)}`,
    );
  return raw.replace(/\/+$/, '');
}

/** The API key from --token or VELLUM_TOKEN, if any. */
export function apiToken(
  flags: Map<string, string[]>,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const t = (flags.get('token')?.[0] ?? env.VELLUM_TOKEN)?.trim();
  return t ? t : undefined;
}

export function connect(flags: Map<string, string[]>, env: NodeJS.ProcessEnv = process.env): Api {
  const url = serverUrl(flags, env);
  const token = apiToken(flags, env);
  return { client: new VellumClient({ url, ...(token ? { token } : {}) }), url, token };
}

/** Awaits an API call; an API error becomes a CliError (exit 1) that says what failed and what to do. */
export async function call<T>(api: Api, what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw apiError(api, what, e);
  }
}

/** An API error as a message for the terminal; anything else is returned as it is (a bug). */
export function apiError(api: Pick<Api, 'url' | 'token'>, what: string, e: unknown): unknown {
  if (!(e instanceof VellumApiError)) return e;
  return new CliError(`${what}: ${explain(api, e)}`, 1);
}

/** What an API error means and what to do about it. */
export function explain(api: Pick<Api, 'url' | 'token'>, e: VellumApiError): string {
  const { url, token } = api;
  if (e.code === 'network')
    return `cannot reach ${url}: is \`vellum serve\` running at ${url}? (set VELLUM_URL or --url to the server's address)`;
  if (e.code === 'bad-response')
    return `${url} does not answer like a Vellum server (${e.message}): is VELLUM_URL right?`;
  switch (e.status) {
    case 401:
      return token
        ? `the server does not accept this API key (${e.message}): set VELLUM_TOKEN (or --token) to a valid API key; this one is mistyped, unknown or revoked`
        : 'this needs an API key: set VELLUM_TOKEN (or --token) to an API key (vellum key create prints one)';
    case 403:
      return `forbidden: ${e.message}. Use a key of this tenant whose role may do this (see Roles in docs/api.md)`;
    case 404:
      return `${e.message} (check the names and numbers: vellum tenant list, vellum log list <tenant>)`;
    case 409:
      return `${e.message} (it exists already: pick another name)`;
    case 413:
      return `${e.message} (an entry is at most 65,535 bytes: store larger payloads elsewhere and append their digest)`;
    case 429:
    case 503:
      return `the server is busy or unavailable and still was after retries (${e.code}: ${e.message}); try again later`;
    default:
      if (e.status >= 500) return `the server failed (${e.code}: ${e.message}); its log says more`;
      return `the server refused the request (${e.code}): ${e.message}`;
  }
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const NAME_RULE = '1-63 lowercase letters, digits and dashes, starting with a letter or digit';

/** A tenant name; usage error otherwise. */
export function tenantArg(s: string | undefined, usage: string): string {
  if (s === undefined) throw new CliError(`a tenant name is missing\n${usage}`);
  if (!NAME.test(s)) throw new CliError(`'${s}' is not a tenant name (${NAME_RULE})\n${usage}`);
  return s;
}

/** `<tenant>/<log>`; usage error otherwise. */
export function logArg(s: string | undefined, usage: string): { tenant: string; log: string } {
  if (s === undefined) throw new CliError(`<tenant>/<log> is missing\n${usage}`);
  const [tenant, log, ...rest] = s.split('/');
  if (rest.length > 0 || tenant === undefined || log === undefined || !NAME.test(tenant) || !NAME.test(log))
    throw new CliError(`'${s}' is not <tenant>/<log> (each name: ${NAME_RULE})\n${usage}`);
  return { tenant, log };
}

/** Whether `s` has the form `<tenant>/<log>`. */
export function isLogRef(s: string): boolean {
  const parts = s.split('/');
  return parts.length === 2 && parts.every((p) => NAME.test(p));
}

/** A canonical decimal (no sign, no leading zeros) in [min, max]; usage error otherwise. */
export function numberArg(
  s: string | undefined,
  what: string,
  usage: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = s !== undefined && /^(0|[1-9][0-9]{0,15})$/.test(s) ? Number(s) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new CliError(
      `${what} must be a whole number from ${min} to ${max}, not ${JSON.stringify(s)}\n${usage}`,
    );
  return n;
}

/** Prints the usage and returns true when --help was given. */
export function helpAsked(flags: Map<string, string[]>, usage: string, io: Io): boolean {
  if (!flags.has('help')) return false;
  io.stdout.write(`${usage}\n`);
  return true;
}

/** The value of a flag that takes one, or undefined. */
export const flag = (flags: Map<string, string[]>, name: string): string | undefined => flags.get(name)?.[0];

/** Rows as columns separated by two spaces (the last column unpadded). */
export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

/** Text for one terminal line: control characters (newlines included) escaped. */
export function oneLine(s: string): string {
  return s.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A key given on the command line, or `@FILE` to read it from a file. */
export async function keyArg(value: string, what: string): Promise<string> {
  if (!value.startsWith('@')) return value.trim();
  try {
    return (await readFile(value.slice(1), 'utf8')).trim();
  } catch (e) {
    throw new CliError(`cannot read the ${what} file ${value.slice(1)}: ${(e as Error).message}`);
  }
}
