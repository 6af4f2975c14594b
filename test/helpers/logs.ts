/**
 * Reference logs made with mklog (../shared/tools/tlog-audit), and the small
 * file surgeries used to tamper with them: flipping a byte, truncating,
 * appending, re-signing or cosigning the checkpoint.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CheckpointInput, formatCheckpoint, parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { type Cosigner, cosign } from '../../src/tlog/cosignature.js';
import { parseNote, type Signer, signNote } from '../../src/tlog/note.js';

export interface KeyPair {
  readonly skey: string;
  readonly vkey: string;
}

/** `mklog -genkey NAME`: a Go-generated signed-note key pair. */
export function goKeyPair(mklog: string, name: string): KeyPair {
  const [skey, vkey] = execFileSync(mklog, ['-genkey', name], { encoding: 'utf8' }).trim().split('\n');
  if (!skey || !vkey) throw new Error(`mklog -genkey ${name}: unexpected output`);
  return { skey, vkey };
}

export interface MklogOptions {
  /** Sizes at which tiles are published before the final one (`-steps`). */
  readonly steps?: readonly number[];
  /** The Go fmt format of entry i (`-entry`, default `entry %d\n`). */
  readonly entry?: string;
}

/** `mklog -dir DIR -skey SKEY -n N [-steps ...] [-entry ...]`: returns DIR. */
export function mklogDir(
  mklog: string,
  dir: string,
  skey: string,
  n: number,
  opts: MklogOptions = {},
): string {
  const args = ['-dir', dir, '-skey', skey, '-n', String(n)];
  if (opts.steps?.length) args.push('-steps', opts.steps.join(','));
  if (opts.entry !== undefined) args.push('-entry', opts.entry);
  execFileSync(mklog, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

/** Offset in an entry bundle of the first byte of entry `i` (after its length prefix). */
export function bundleEntryOffset(bundle: Uint8Array, i: number): number {
  let off = 0;
  for (let k = 0; k < i; k++) off += 2 + (bundle[off]! << 8) + bundle[off + 1]!;
  if (off + 2 > bundle.length) throw new Error(`bundle has no entry ${i}`);
  return off + 2;
}

/** XORs the byte at `offset` of `dir/path` with 0x01 (negative offsets count from the end). */
export function flipByte(dir: string, path: string, offset: number): void {
  const file = join(dir, ...path.split('/'));
  const b = readFileSync(file);
  const at = offset < 0 ? b.length + offset : offset;
  if (at < 0 || at >= b.length) throw new Error(`${path} has no byte ${offset}`);
  b[at]! ^= 0x01;
  writeFileSync(file, b);
}

/** Flips a byte inside entry `index` of the bundle at `path` (which starts at entry `first`). */
export function flipEntry(dir: string, path: string, first: number, index: number): void {
  const bundle = readFileSync(join(dir, ...path.split('/')));
  flipByte(dir, path, bundleEntryOffset(bundle, index - first));
}

/** Flips a byte inside hash `i` of the hash tile at `path`. */
export function flipHash(dir: string, path: string, i: number): void {
  flipByte(dir, path, i * 32 + 7);
}

export function truncateBy(dir: string, path: string, bytes: number): void {
  const file = join(dir, ...path.split('/'));
  truncateSync(file, readFileSync(file).length - bytes);
}

export function appendTo(dir: string, path: string, bytes: Uint8Array): void {
  appendFileSync(join(dir, ...path.split('/')), bytes);
}

/** The note text of a checkpoint file and its signature lines (each ending in "\n"). */
export function readNote(file: string): { text: string; sigLines: string[] } {
  const raw = readFileSync(file, 'utf8');
  const { text } = parseNote(raw);
  const sigLines = raw
    .slice(text.length + 1)
    .split(/(?<=\n)/)
    .filter((l) => l !== '');
  return { text, sigLines };
}

/** Rewrites the checkpoint text with `edit` and signs it anew with `signers`. */
export function resignCheckpoint(
  file: string,
  signers: readonly Signer[],
  edit: (c: CheckpointInput) => CheckpointInput,
): void {
  const c = parseCheckpoint(readNote(file).text);
  writeFileSync(file, signNote(formatCheckpoint(edit(c)), signers));
}

/** Appends a tlog-cosignature v1 line by `cosigner` to the checkpoint file. */
export function addCosignature(file: string, cosigner: Cosigner, timestamp = 1_700_000_000): void {
  appendFileSync(file, cosign(readNote(file).text, cosigner, timestamp));
}

/** Appends a plain signed-note signature line by `signer` (e.g. a type 0x01 witness) to the checkpoint file. */
export function addSignature(file: string, signer: Signer): void {
  const { text } = readNote(file);
  appendFileSync(file, signNote(text, [signer]).slice(text.length + 1));
}

/** Replaces line `i` (0-based) of the checkpoint text, keeping the signatures as they are. */
export function editCheckpointLine(file: string, i: number, line: string): void {
  const { text, sigLines } = readNote(file);
  const lines = text.split('\n');
  lines[i] = line;
  writeFileSync(file, `${lines.join('\n')}\n${sigLines.join('')}`);
}

/** Flips a bit in the signature bytes (after the 4-byte key ID) of signature line `i`. */
export function corruptSignature(file: string, i: number): void {
  const { text, sigLines } = readNote(file);
  const line = sigLines[i]!;
  const sp = line.lastIndexOf(' ');
  const raw = Buffer.from(line.slice(sp + 1).trim(), 'base64');
  raw[10]! ^= 0x01;
  sigLines[i] = `${line.slice(0, sp)} ${raw.toString('base64')}\n`;
  writeFileSync(file, `${text}\n${sigLines.join('')}`);
}
