/**
 * `vellum tail <tenant>/<log> [--from N] [--follow] [--interval ms]`:
 * prints a log's published entries, `<index><TAB><entry>`: the entry as
 * text when it is valid UTF-8 without control characters, otherwise (and
 * when the text itself starts with `base64:`) as `base64:<base64>`. With
 * --follow it keeps polling for new entries until interrupted.
 */
import { VellumApiError } from '../client/http.js';
import { encodeBase64 } from '../tlog/base64.js';
import {
  API_FLAGS,
  API_OPTIONS,
  apiError,
  call,
  connect,
  flag,
  helpAsked,
  logArg,
  numberArg,
} from './api.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';

const LAST = 10;

const USAGE = `Usage: vellum tail <tenant>/<log> [--from N] [--follow] [--interval ms]

Prints the log's published entries, one per line: the index, a tab, and the
entry as text (valid UTF-8 without control characters) or as base64:<base64>.

  --from N         start at index N (default: the last ${LAST} entries; --from 0 for all)
  --follow         keep printing new entries as they are published, until interrupted (Ctrl-C)
  --interval ms    how often --follow asks for new entries (default 1000)
${API_OPTIONS}

Needs a key that may read the log (tenant-admin, reader, auditor).`;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An entry as one line of text. */
export function entryText(entry: Uint8Array): string {
  let text: string | undefined;
  try {
    text = utf8.decode(entry);
  } catch {}
  if (text === undefined || /[\p{Cc}\u2028\u2029]/u.test(text) || text.startsWith('base64:'))
    return `base64:${encodeBase64(entry)}`;
  return text;
}

export async function tail(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(
    args,
    { ...API_FLAGS, from: { value: true }, follow: {}, interval: { value: true } },
    USAGE,
  );
  if (helpAsked(flags, USAGE, io)) return 0;
  if (positional.length !== 1) throw new CliError(`tail needs exactly one <tenant>/<log>\n${USAGE}`);
  const { tenant, log } = logArg(positional[0], USAGE);
  const follow = flags.has('follow');
  const interval = flags.has('interval')
    ? numberArg(flag(flags, 'interval'), '--interval', USAGE, 10, 3_600_000)
    : 1000;
  if (flags.has('interval') && !follow) throw new CliError(`--interval goes with --follow\n${USAGE}`);
  const api = connect(flags);
  const what = `cannot read log ${tenant}/${log}`;
  let start = flags.has('from')
    ? numberArg(flag(flags, 'from'), '--from', USAGE)
    : Math.max(0, (await call(api, what, api.client.getLog(tenant, log))).size - LAST);

  // Interrupted (Ctrl-C, SIGTERM): stop after the current request.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (follow) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    while (!stop.signal.aborted) {
      let page: { entries: { index: number; base64: string }[]; next: number | null };
      try {
        page = await api.client.readEntries(tenant, log, start, 1000);
      } catch (e) {
        // Following from beyond the end of the log (not a missing log): wait for it to grow.
        if (!(follow && e instanceof VellumApiError && e.status === 404)) throw apiError(api, what, e);
        // (getLog fails for a missing log; a log that grew meanwhile is read again at once.)
        const { size } = await call(api, what, api.client.getLog(tenant, log));
        if (size > start) continue;
        page = { entries: [], next: null };
      }
      if (page.entries.length > 0) {
        io.stdout.write(
          page.entries.map((e) => `${e.index}\t${entryText(Buffer.from(e.base64, 'base64'))}\n`).join(''),
        );
        start = page.entries.at(-1)!.index + 1;
      }
      if (page.next !== null) {
        start = page.next;
        continue;
      }
      if (!follow) break;
      await sleep(interval, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
