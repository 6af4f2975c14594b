/**
 * `vellum append <tenant>/<log> [--file F] [--wait durable|published]`:
 * appends one entry per line (the line without its newline, `\n` or
 * `\r\n`) from a file or standard input, streamed in batches, and prints
 * the index of each line, in order. Exit 1 when a request fails for good
 * (the SDK has retried 429 and 503 with back-off), naming the first line
 * that was not acknowledged; the lines before it were appended and their
 * indexes printed.
 */
import { fstatSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Wait } from '../client/vellum-client.js';
import { API_FLAGS, API_OPTIONS, apiError, connect, flag, helpAsked, logArg } from './api.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';
import { Progress } from './progress.js';

/** The largest entry the API takes. */
export const MAX_ENTRY = 65_535;
/** Lines per request. */
const BATCH_LINES = 1000;
/** Most bytes of JSON per request (the API takes 8 MiB; entries travel as base64). */
const BATCH_BYTES = 6 * 1024 * 1024;

const USAGE = `Usage: vellum append <tenant>/<log> [--file F] [--wait durable|published]

Appends one entry per line of F (default: standard input): the line's bytes
without its newline (\\n or \\r\\n), at most ${MAX_ENTRY.toLocaleString('en')} bytes. Prints the index each
line got, one per line, in order. Lines are sent ${BATCH_LINES} to a request.

  --file F          read the lines from F
  --wait durable    answer once the entries are durable (default)
  --wait published  answer once a signed checkpoint covers them
${API_OPTIONS}

Needs a writer or tenant-admin key. Exit 1 if any line was not appended: the
message names the first one; the lines before it were appended.`;

/** A line too long to be an entry. */
class LineTooLong extends Error {
  constructor(readonly line: number) {
    super(`line ${line} is longer than ${MAX_ENTRY.toLocaleString('en')} bytes`);
  }
}

/**
 * The lines of a byte stream, without their `\n` or `\r\n`; a last line
 * without a newline counts. Holds at most one line (throws LineTooLong
 * as soon as a line is too long), and `bytes` counts what was consumed.
 */
export async function* splitLines(
  input: AsyncIterable<Uint8Array | string>,
  counter: { bytes: number } = { bytes: 0 },
): AsyncGenerator<Uint8Array> {
  let parts: Buffer[] = [];
  let length = 0;
  let n = 0;
  const finish = (newline: boolean): Uint8Array => {
    let line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    if (newline && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (line.length > MAX_ENTRY) throw new LineTooLong(n);
    parts = [];
    length = 0;
    return line;
  };
  for await (const c of input) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(0x0a, at);
      const end = nl === -1 ? chunk.length : nl;
      // One more byte than an entry holds may be the \r of a \r\n.
      if (length + (end - at) > MAX_ENTRY + 1) throw new LineTooLong(n + 1);
      parts.push(chunk.subarray(at, end));
      length += end - at;
      counter.bytes += end - at + (nl === -1 ? 0 : 1);
      if (nl === -1) break;
      n++;
      yield finish(true);
      at = nl + 1;
    }
  }
  if (length > 0) {
    n++;
    yield finish(false);
  }
}

export async function append(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(
    args,
    { ...API_FLAGS, file: { value: true }, wait: { value: true } },
    USAGE,
  );
  if (helpAsked(flags, USAGE, io)) return 0;
  if (positional.length !== 1) throw new CliError(`append needs exactly one <tenant>/<log>\n${USAGE}`);
  const { tenant, log } = logArg(positional[0], USAGE);
  const wait = (flag(flags, 'wait') ?? 'durable') as Wait;
  if (wait !== 'durable' && wait !== 'published')
    throw new CliError(`--wait is durable or published, not ${JSON.stringify(wait)}\n${USAGE}`);
  const api = connect(flags);

  // The input, and its size when known (for the progress bar).
  const file = flag(flags, 'file');
  let input: AsyncIterable<Uint8Array | string>;
  let total: number | undefined;
  let close = async () => {};
  if (file !== undefined) {
    const fh = await open(file, 'r').catch((e: Error) => {
      throw new CliError(`cannot read --file ${file}: ${e.message}`);
    });
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw new CliError(`--file ${file} is a directory`);
    }
    if (st.isFile()) total = st.size;
    input = fh.createReadStream({ highWaterMark: 256 * 1024 });
    close = () => fh.close().catch(() => {});
  } else {
    const stdin = io.stdin ?? process.stdin;
    if (stdin.isTTY) io.stderr.write('Reading entries from standard input, one per line; end with Ctrl-D.\n');
    else if (io.stdin === undefined) {
      try {
        const st = fstatSync(0);
        if (st.isFile()) total = st.size;
      } catch {}
    }
    input = stdin as AsyncIterable<Uint8Array | string>;
  }

  const counter = { bytes: 0 };
  const progress = new Progress(io.stderr, 'append', 1024 * 1024);
  let done = 0; // lines acknowledged
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const first = done + 1;
    const lines = batch.length === 1 ? `line ${first} was` : `lines ${first}-${done + batch.length} were`;
    let indexes: number[];
    try {
      const r = await api.client.append(tenant, log, batch, wait);
      indexes = r.entries.map((e) => e.index);
    } catch (e) {
      const err = apiError(api, `${lines} not appended`, e);
      if (err instanceof CliError) throw withDone(err, done);
      throw err;
    }
    if (indexes.length !== batch.length)
      throw withDone(
        new CliError(
          `the server acknowledged ${indexes.length} of the ${batch.length} lines from line ${first}: its answer does not match the request`,
          1,
        ),
        done,
      );
    io.stdout.write(`${indexes.join('\n')}\n`);
    done += batch.length;
    batch = [];
    batchBytes = 0;
    if (total !== undefined) progress.update(counter.bytes, total);
  };
  try {
    for await (const line of splitLines(input, counter)) {
      const size = 14 + Math.ceil(line.length / 3) * 4;
      if (batch.length >= BATCH_LINES || batchBytes + size > BATCH_BYTES) await send();
      batch.push(line);
      batchBytes += size;
    }
    await send();
  } catch (e) {
    if (e instanceof LineTooLong)
      throw withDone(
        new CliError(
          `${e.message}, the most an entry holds: nothing from line ${done + 1} on was sent. ` +
            'Store large payloads elsewhere (the artifact store) and append their digest.',
          1,
        ),
        done,
      );
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EACCES' || code === 'ENOENT')
      throw withDone(new CliError(`cannot read the input: ${(e as Error).message}`, 1), done);
    throw e;
  } finally {
    progress.done();
    await close();
  }
  return 0;
}

/** Adds to a failure how many lines were appended before it. */
function withDone(err: CliError, done: number): CliError {
  const before =
    done === 0 ? 'No line was appended.' : `Lines 1-${done} were appended (their indexes are printed).`;
  return new CliError(`${err.message}\n${before}`, err.exitCode);
}
