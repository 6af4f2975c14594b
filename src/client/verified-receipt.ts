/**
 * An entry with its receipt, checked locally: the same checks as
 * `VellumClient.getVerifiedEntry`, but keeping the receipt that was
 * verified, so that a caller can hand on exactly the receipt it checked
 * (`vellum proof --vkey`). `getVerifiedEntry` returns only the entry, and a
 * second request could bring a receipt against a newer checkpoint.
 */
import { decodeBase64 } from '../tlog/base64.js';
import { parseVerifierKey } from '../tlog/note.js';
import { parseReceipt, verifyReceipt } from '../tlog/receipt.js';
import type { EntryWithProof } from './types.js';
import type { VellumClient } from './vellum-client.js';

export interface VerifiedEntry extends EntryWithProof {
  /** The entry's bytes. */
  readonly entry: Uint8Array;
  /** The size of the checkpoint the receipt was verified against. */
  readonly checkpointSize: number;
}

/**
 * Fetches entry `index` and checks that its receipt's checkpoint is signed
 * by `vkey` and that the inclusion proof leads from the entry to that
 * checkpoint's root. Throws (a TlogError, or an Error) if anything fails.
 */
export async function getVerifiedReceipt(
  client: VellumClient,
  tenant: string,
  log: string,
  index: number,
  vkey: string,
): Promise<VerifiedEntry> {
  const e = await client.getEntry(tenant, log, index);
  const entry = decodeBase64(e.base64, 'bad-receipt', 'entry');
  const receipt = parseReceipt(e.receipt);
  if (receipt.index !== index) throw new Error(`the receipt is for index ${receipt.index}, not ${index}`);
  const { checkpoint } = verifyReceipt(receipt, { logKey: parseVerifierKey(vkey), entry });
  return { ...e, entry, checkpointSize: checkpoint.size };
}
