/**
 * Message bodies of the C2SP tlog-witness add-checkpoint call
 * (https://c2sp.org/tlog-witness §add-checkpoint). Syntax only: verifying
 * the checkpoint, the consistency proof and the old size is the witness's
 * job (with `openCheckpoint` and `checkConsistency`).
 *
 * Request:  `old <size>\n`, 0–63 base64 consistency proof lines, `\n`,
 *           the signed checkpoint.
 * 200:      one or more cosignature lines `— <name> <base64>\n`.
 * 409:      `<size>\n` (Content-Type `text/x.tlog.size`).
 */
import { decodeHash, encodeBase64 } from './base64.js';
import { TlogError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { decodeText, MAX_NOTE_SIZE, MAX_SIGNATURES, parseSignatureLine } from './note.js';
import { parseDecimal } from './numbers.js';

/** At most this many consistency proof lines (the client MUST NOT send more). */
export const MAX_CONSISTENCY_LINES = 63;
/** Content-Type of the 409 Conflict body. */
export const SIZE_CONTENT_TYPE = 'text/x.tlog.size';
/** Bodies larger than this many UTF-8 bytes are rejected unread. */
export const MAX_WITNESS_BODY = MAX_NOTE_SIZE + 4096;

/** An add-checkpoint request body. */
export interface AddCheckpoint {
  /** Size of the latest checkpoint the client believes the witness cosigned (0 if none). */
  readonly oldSize: number;
  /** RFC 6962 §2.1.2 consistency proof from `oldSize` to the checkpoint's size. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim; it may carry several signatures. */
  readonly checkpoint: string;
}

function bad(message: string): TlogError {
  return new TlogError('bad-witness-message', message);
}

function decimal(s: string, what: string): number {
  try {
    return parseDecimal(s, what);
  } catch (e) {
    throw bad(e instanceof Error ? e.message : `bad ${what}`);
  }
}

/** Encodes an add-checkpoint request body. Throws `TlogError('bad-witness-message')`. */
export function formatAddCheckpoint(req: AddCheckpoint): string {
  if (!Number.isSafeInteger(req.oldSize) || req.oldSize < 0) {
    throw bad(`old size ${req.oldSize} is not a safe integer`);
  }
  if (req.proof.length > MAX_CONSISTENCY_LINES) throw bad(`more than ${MAX_CONSISTENCY_LINES} proof lines`);
  if (typeof req.checkpoint !== 'string' || req.checkpoint === '' || !req.checkpoint.endsWith('\n')) {
    throw bad('checkpoint must be a signed note ending in a newline');
  }
  let out = `old ${req.oldSize}\n`;
  for (const h of req.proof) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw bad('proof hashes must be 32 bytes');
    out += `${encodeBase64(h)}\n`;
  }
  return `${out}\n${req.checkpoint}`;
}

/**
 * Parses an add-checkpoint request body (syntax only; a witness answers
 * 400 to a `TlogError('bad-witness-message')` from here).
 */
export function parseAddCheckpoint(body: string | Uint8Array): AddCheckpoint {
  const text = decodeText(body, 'bad-witness-message', MAX_WITNESS_BODY);
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw bad('request has no blank line before the checkpoint');
  const checkpoint = text.slice(blank + 2);
  if (checkpoint === '' || !checkpoint.endsWith('\n')) {
    throw bad('request checkpoint is missing or truncated');
  }
  const lines = text.slice(0, blank).split('\n', MAX_CONSISTENCY_LINES + 2);
  const first = lines[0]!;
  if (!first.startsWith('old ')) throw bad('request does not start with "old <size>"');
  const oldSize = decimal(first.slice('old '.length), 'old size');
  const hashes = lines.slice(1);
  if (hashes.length > MAX_CONSISTENCY_LINES) throw bad(`more than ${MAX_CONSISTENCY_LINES} proof lines`);
  const proof = hashes.map((h, i) => decodeHash(h, 'bad-witness-message', `consistency proof hash ${i}`));
  return { oldSize, proof, checkpoint };
}

/**
 * Joins cosignature lines (as returned by `cosign`) into a 200 response
 * body. Each MUST be one valid note signature line ending in "\n"; at least
 * one is required.
 */
export function formatCosignatureLines(lines: readonly string[]): string {
  if (lines.length === 0 || lines.length > MAX_SIGNATURES) {
    throw bad(`a response has 1 to ${MAX_SIGNATURES} signature lines`);
  }
  for (const line of lines) {
    if (typeof line !== 'string' || !line.endsWith('\n') || line.indexOf('\n') !== line.length - 1) {
      throw bad('not a single line');
    }
    parseSignatureLine(line.slice(0, -1), 'bad-witness-message');
  }
  return lines.join('');
}

/**
 * Splits a 200 response body into its signature lines (each with its
 * "\n"), checking their syntax. To verify them, append them to the
 * submitted checkpoint and call `openNote` with the witness keys.
 */
export function parseCosignatureLines(body: string | Uint8Array): string[] {
  const text = decodeText(body, 'bad-witness-message', MAX_WITNESS_BODY);
  if (text === '' || !text.endsWith('\n')) throw bad('response must be signature lines ending in a newline');
  if (/[\x00-\x09\x0b-\x1f]/.test(text)) throw bad('response contains a control character');
  const lines = text.slice(0, -1).split('\n', MAX_SIGNATURES + 1);
  if (lines.length > MAX_SIGNATURES) throw bad(`response has more than ${MAX_SIGNATURES} signature lines`);
  return lines.map((line) => {
    parseSignatureLine(line, 'bad-witness-message');
    return `${line}\n`;
  });
}

/** The 409 Conflict body: the witness's latest cosigned size and "\n". */
export function formatConflictBody(size: number): string {
  if (!Number.isSafeInteger(size) || size < 0) throw bad(`size ${size} is not a safe integer`);
  return `${size}\n`;
}

/** Parses a 409 Conflict body. Throws `TlogError('bad-witness-message')`. */
export function parseConflictBody(body: string | Uint8Array): number {
  const text = decodeText(body, 'bad-witness-message', 64);
  if (!text.endsWith('\n')) throw bad('size body must end in a newline');
  return decimal(text.slice(0, -1), 'conflict size');
}
