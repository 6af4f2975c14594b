/**
 * The three request bodies that carry entries to append:
 *
 * - `application/octet-stream`: the body is one entry, byte for byte;
 * - `application/vnd.vellum.entry-bundle`: a C2SP tlog-tiles entry bundle
 *   (big-endian uint16 length + bytes, repeated), one or more entries;
 * - `application/json`: `{"entries": [{"base64": "..."} | {"text": "..."}]}`
 *   (strict RFC 4648 base64; text is stored as its UTF-8 bytes).
 *
 * Every decoding error is a TlogError or HttpError (400/413/415), never a crash.
 */
import { decodeBase64 } from '../tlog/base64.js';
import { decodeBundle } from '../tlog/bundle.js';
import { HttpError } from './errors.js';

export const OCTET_STREAM = 'application/octet-stream';
export const ENTRY_BUNDLE = 'application/vnd.vellum.entry-bundle';
export const JSON_TYPE = 'application/json';

const LONE_SURROGATE = /\p{Cs}/u;

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** The entries a request body carries, at most `max` of them. */
export function decodeEntries(contentType: string | undefined, body: unknown, max: number): Uint8Array[] {
  const type = mediaType(contentType);
  let entries: Uint8Array[];
  if (type === OCTET_STREAM) {
    entries = [bytes(body)];
  } else if (type === ENTRY_BUNDLE) {
    entries = decodeBundle(bytes(body));
  } else if (type === JSON_TYPE) {
    entries = fromJson(body);
  } else {
    throw new HttpError(
      'unsupported-media-type',
      `entries are sent as ${OCTET_STREAM}, ${ENTRY_BUNDLE} or ${JSON_TYPE}`,
    );
  }
  if (entries.length === 0) throw new HttpError('bad-request', 'the body holds no entries');
  if (entries.length > max)
    throw new HttpError('body-too-large', `${entries.length} entries in one request; the limit is ${max}`);
  return entries;
}

function bytes(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (!(body instanceof Uint8Array)) throw new HttpError('bad-request', 'the body is not binary');
  return body;
}

/** The body was validated against the route's JSON schema; this checks what a schema cannot. */
function fromJson(body: unknown): Uint8Array[] {
  const list = (body as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) throw new HttpError('bad-request', 'the body must be {"entries": [...]}');
  const enc = new TextEncoder();
  return list.map((e: { base64?: unknown; text?: unknown }, i) => {
    if (typeof e?.base64 === 'string') return decodeBase64(e.base64, 'bad-bundle', `entries[${i}].base64`);
    if (typeof e?.text === 'string') {
      if (LONE_SURROGATE.test(e.text))
        throw new HttpError('bad-request', `entries[${i}].text holds a lone surrogate (not valid Unicode)`);
      return enc.encode(e.text);
    }
    throw new HttpError('bad-request', `entries[${i}] must be {"base64": "..."} or {"text": "..."}`);
  });
}
