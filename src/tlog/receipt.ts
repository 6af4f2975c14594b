/**
 * Evidence receipts in the C2SP tlog-proof format (https://c2sp.org/tlog-proof,
 * `.tlog-proof` files): an offline-verifiable bundle of a log index, an RFC
 * 6962 inclusion proof and the verbatim signed checkpoint with witness
 * cosignatures.
 *
 *     c2sp.org/tlog-proof@v1
 *     [extra <base64>]
 *     index <decimal>
 *     <base64 hash>           (0 to 63 lines, leaf sibling first)
 *                             (empty line)
 *     <signed checkpoint note, verbatim>
 */
import { decodeBase64, decodeHash, encodeBase64 } from './base64.js';
import { type Checkpoint, openCheckpoint } from './checkpoint.js';
import { TlogError } from './errors.js';
import { HASH_SIZE, leafHash } from './hash.js';
import { decodeText, MAX_NOTE_SIZE, type NoteSignature, type OpenedNote, type Verifier } from './note.js';
import { parseDecimal } from './numbers.js';
import { checkInclusion } from './proof.js';

/** First line of every receipt. */
export const RECEIPT_HEADER = 'c2sp.org/tlog-proof@v1';
/** At most this many inclusion proof hashes (a tree of 2^63 leaves needs 63). */
export const MAX_PROOF_LINES = 63;
/** Receipts larger than this many UTF-8 bytes are rejected unread. */
export const MAX_RECEIPT_SIZE = 2 * MAX_NOTE_SIZE;

/** A parsed receipt. Nothing in it is trusted until `verifyReceipt` says so. */
export interface Receipt {
  /** Zero-based index of the entry in the log. */
  readonly index: number;
  /** RFC 6962 §2.1.1 inclusion proof, 32-byte hashes. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim, cosignatures included. */
  readonly checkpoint: string;
  /** Opaque, unauthenticated application data; MUST NOT be trusted implicitly. */
  readonly extra?: Uint8Array;
}

/** A k-of-n witness policy: at least `k` distinct keys of `verifiers` MUST have cosigned. */
export interface WitnessPolicy {
  readonly verifiers: readonly Verifier[];
  readonly k: number;
}

/** What a receipt is checked against. Exactly one of `leafHash` and `entry` is given. */
export type ReceiptPolicy = {
  /** The log's checkpoint key; its signature MUST be on the checkpoint. */
  readonly logKey: Verifier;
  /** When given, the checkpoint origin MUST equal it. */
  readonly origin?: string;
  /** When given, the witness quorum MUST be met. */
  readonly witnesses?: WitnessPolicy;
} & (
  | { readonly leafHash: Uint8Array; readonly entry?: undefined }
  | { readonly entry: Uint8Array; readonly leafHash?: undefined }
);

/** The trusted results of a verified receipt. */
export interface VerifiedReceipt {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
  /** Verified signatures of policy witnesses, one per key. */
  readonly cosignatures: readonly NoteSignature[];
}

/** Encodes a receipt. Throws `TlogError('bad-receipt')` for out-of-range fields. */
export function formatReceipt(r: Receipt): string {
  if (!Number.isSafeInteger(r.index) || r.index < 0) {
    throw new TlogError('bad-receipt', `index ${r.index} is not a safe integer`);
  }
  if (r.proof.length > MAX_PROOF_LINES) {
    throw new TlogError('bad-receipt', `more than ${MAX_PROOF_LINES} proof hashes`);
  }
  if (typeof r.checkpoint !== 'string' || r.checkpoint === '' || !r.checkpoint.endsWith('\n')) {
    throw new TlogError('bad-receipt', 'checkpoint must be a signed note ending in a newline');
  }
  let out = `${RECEIPT_HEADER}\n`;
  if (r.extra !== undefined) out += `extra ${encodeBase64(r.extra)}\n`;
  out += `index ${r.index}\n`;
  for (const h of r.proof) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new TlogError('bad-receipt', 'proof hashes must be 32 bytes');
    }
    out += `${encodeBase64(h)}\n`;
  }
  return `${out}\n${r.checkpoint}`;
}

/**
 * Parses a receipt (syntax only). Throws `TlogError('bad-receipt')` for a
 * wrong header, non-canonical base64 or decimal, more than 63 proof lines,
 * a missing blank line, an empty checkpoint or input over MAX_RECEIPT_SIZE.
 */
export function parseReceipt(input: string | Uint8Array): Receipt {
  const text = decodeText(input, 'bad-receipt', MAX_RECEIPT_SIZE);
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw new TlogError('bad-receipt', 'receipt has no blank line before the checkpoint');
  const checkpoint = text.slice(blank + 2);
  if (checkpoint === '' || !checkpoint.endsWith('\n')) {
    throw new TlogError('bad-receipt', 'receipt checkpoint is missing or truncated');
  }
  const lines = text.slice(0, blank).split('\n', MAX_PROOF_LINES + 4);
  if (lines[0] !== RECEIPT_HEADER) {
    throw new TlogError('bad-receipt', `receipt does not start with ${RECEIPT_HEADER}`);
  }
  let at = 1;
  let extra: Uint8Array | undefined;
  if (lines[at]?.startsWith('extra ')) {
    extra = decodeBase64(lines[at]!.slice('extra '.length), 'bad-receipt', 'receipt extra data');
    at++;
  }
  const indexLine = lines[at] ?? '';
  if (!indexLine.startsWith('index ')) throw new TlogError('bad-receipt', 'receipt has no index line');
  const index = decimal(indexLine.slice('index '.length));
  const hashes = lines.slice(at + 1);
  if (hashes.length > MAX_PROOF_LINES) {
    throw new TlogError('bad-receipt', `receipt has more than ${MAX_PROOF_LINES} proof lines`);
  }
  const proof = hashes.map((h, i) => decodeHash(h, 'bad-receipt', `receipt proof hash ${i}`));
  return extra === undefined ? { index, proof, checkpoint } : { index, proof, checkpoint, extra };
}

function decimal(s: string): number {
  try {
    return parseDecimal(s, 'receipt index');
  } catch (e) {
    throw new TlogError('bad-receipt', e instanceof Error ? e.message : 'bad receipt index');
  }
}

function keyOf(v: { name: string; keyId: number }): string {
  return `${v.name}\n${v.keyId}`;
}

/**
 * Verifies a receipt offline, in the order of tlog-proof §Verifying:
 * 1. opens the checkpoint with the log key and the witness keys (any
 *    known key with a bad signature rejects it: `invalid-signature`),
 *    checks the origin when given (`bad-checkpoint`) and that the log key
 *    signed (`unverified-note`);
 * 2. checks that at least `k` distinct witness keys cosigned
 *    (`policy-unsatisfied`, also for an impossible policy: k not an
 *    integer in [0, n]);
 * 3. checks the inclusion proof of the leaf hash at `index` against the
 *    checkpoint root (`bad-proof`).
 * Returns only after every check passed.
 */
export function verifyReceipt(receipt: Receipt, policy: ReceiptPolicy): VerifiedReceipt {
  const witnesses = new Map<string, Verifier>();
  for (const v of policy.witnesses?.verifiers ?? []) witnesses.set(keyOf(v), v);
  witnesses.delete(keyOf(policy.logKey));
  const k = policy.witnesses?.k ?? 0;
  if (!Number.isSafeInteger(k) || k < 0 || k > witnesses.size) {
    throw new TlogError('policy-unsatisfied', `witness policy needs ${k} of ${witnesses.size} distinct keys`);
  }
  const { checkpoint, note } = openCheckpoint(
    receipt.checkpoint,
    [policy.logKey, ...witnesses.values()],
    policy.origin,
  );
  if (!note.sigs.some((s) => keyOf(s) === keyOf(policy.logKey))) {
    throw new TlogError('unverified-note', `checkpoint is not signed by the log key ${policy.logKey.name}`);
  }
  const cosignatures = note.sigs.filter((s) => witnesses.has(keyOf(s)));
  if (cosignatures.length < k) {
    throw new TlogError(
      'policy-unsatisfied',
      `${cosignatures.length} of the required ${k} witnesses cosigned`,
    );
  }
  const leaf = policy.entry !== undefined ? leafHash(policy.entry) : policy.leafHash;
  if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE) {
    throw new TlogError('bad-receipt', 'leaf hash must be 32 bytes');
  }
  checkInclusion(receipt.proof, checkpoint.size, checkpoint.root, receipt.index, leaf);
  return { checkpoint, note, cosignatures };
}
