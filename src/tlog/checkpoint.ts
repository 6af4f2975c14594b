/**
 * Checkpoints (C2SP tlog-checkpoint v1.0.0, https://c2sp.org/tlog-checkpoint):
 * the note text `<origin>\n<size>\n<base64 root>\n[extension lines]`.
 */
import { decodeHash, encodeBase64 } from './base64.js';
import { TlogError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { checkNoteText, type OpenedNote, openNote, type Verifier } from './note.js';
import { parseDecimal } from './numbers.js';

/** A parsed checkpoint body. */
export interface Checkpoint {
  /** Log identity; non-empty, otherwise opaque (clients MUST NOT assume a URL). */
  readonly origin: string;
  /** Number of leaves, a safe integer. */
  readonly size: number;
  /** RFC 6962 root hash of the first `size` leaves. */
  readonly root: Uint8Array;
  /** Opaque, non-empty extension lines (NOT RECOMMENDED by the spec). */
  readonly extensions: readonly string[];
}

/** What `formatCheckpoint` needs; extensions default to none. */
export interface CheckpointInput {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions?: readonly string[];
}

/** A checkpoint whose note was opened with known keys. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

/**
 * The note text of a checkpoint. Throws `TlogError('bad-checkpoint')` for
 * an empty origin, a size that is not a safe non-negative integer, a root
 * that is not 32 bytes, or an empty line or control character anywhere.
 */
export function formatCheckpoint(c: CheckpointInput): string {
  if (!Number.isSafeInteger(c.size) || c.size < 0) {
    throw new TlogError('bad-checkpoint', `tree size ${c.size} is not a safe integer`);
  }
  if (!(c.root instanceof Uint8Array) || c.root.length !== HASH_SIZE) {
    throw new TlogError('bad-checkpoint', 'root hash must be 32 bytes');
  }
  const lines = [c.origin, String(c.size), encodeBase64(c.root), ...(c.extensions ?? [])];
  for (const line of lines) {
    if (typeof line !== 'string' || line === '' || line.includes('\n')) {
      throw new TlogError('bad-checkpoint', 'checkpoint lines must be non-empty single lines');
    }
  }
  const text = `${lines.join('\n')}\n`;
  checkNoteText(text, 'bad-checkpoint');
  return text;
}

/**
 * Parses a checkpoint note text (no signatures). The size MUST be canonical
 * decimal, the root canonical base64 of 32 bytes, every line non-empty, and
 * the text MUST end in "\n". Throws `TlogError('bad-checkpoint')`.
 */
export function parseCheckpoint(text: string): Checkpoint {
  checkNoteText(text, 'bad-checkpoint');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new TlogError('bad-checkpoint', 'checkpoint has fewer than 3 lines');
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') throw new TlogError('bad-checkpoint', 'checkpoint origin is empty');
  if (extensions.includes('')) {
    throw new TlogError('bad-checkpoint', 'checkpoint extension lines must be non-empty');
  }
  return {
    origin,
    size: treeSize(size),
    root: decodeHash(root, 'bad-checkpoint', 'checkpoint root hash'),
    extensions,
  };
}

function treeSize(s: string): number {
  try {
    return parseDecimal(s, 'checkpoint tree size');
  } catch (e) {
    throw new TlogError('bad-checkpoint', e instanceof Error ? e.message : 'bad checkpoint tree size');
  }
}

/**
 * Opens a signed checkpoint with `verifiers` (see `openNote` for the
 * signature rules) and parses its text. When `origin` is given the
 * checkpoint's origin MUST equal it, else `TlogError('bad-checkpoint')`.
 * Note: any one of `verifiers` suffices; a caller that requires a
 * particular key (the log's) MUST check `note.sigs` itself.
 */
export function openCheckpoint(
  msg: string | Uint8Array,
  verifiers: readonly Verifier[],
  origin?: string,
): OpenedCheckpoint {
  const note = openNote(msg, verifiers);
  const checkpoint = parseCheckpoint(note.text);
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new TlogError(
      'bad-checkpoint',
      `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not ${JSON.stringify(origin)}`,
    );
  }
  return { checkpoint, note };
}
