/**
 * Shared pieces of the ledger tests: temp directories, the Go reference
 * tools (key generation, tlog-audit), and the checks every scenario ends
 * with (checkpoints mutually consistent, acknowledged entries intact).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log, LogHead } from '../../src/ledger/log.js';
import { openCheckpoint } from '../../src/tlog/checkpoint.js';
import type { Verifier } from '../../src/tlog/note.js';
import { checkConsistency } from '../../src/tlog/proof.js';

/** A fresh temp directory, removed by `cleanup`. */
export function tempDir(prefix: string, cleanup: (() => void)[]): string {
  const d = mkdtempSync(join(tmpdir(), `vellum-${prefix}-`));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** `mklog -genkey NAME`: a key pair made by the Go reference code. */
export function goKeyPair(mklog: string, name: string): { skey: string; vkey: string } {
  const [skey, vkey] = execFileSync(mklog, ['-genkey', name], { encoding: 'utf8' }).trim().split('\n');
  assert.ok(skey && vkey, 'mklog -genkey printed no key pair');
  return { skey, vkey };
}

/** Runs `tlog-audit -log DIR -vkey VKEY [-old FILE]`; fails the test with its output unless it passes. */
export function assertAudit(tool: string, dir: string, vkey: string, old?: string, what = ''): string {
  const args = ['-log', dir, '-vkey', vkey];
  let oldFile: string | undefined;
  if (old !== undefined) {
    oldFile = join(mkdtempSync(join(tmpdir(), 'vellum-old-')), 'checkpoint');
    writeFileSync(oldFile, old);
    args.push('-old', oldFile);
  }
  try {
    const r = spawnSync(tool, args, { encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, `tlog-audit ${what} failed: ${out}`);
    assert.match(r.stdout, /^OK /m, `tlog-audit ${what}: ${out}`);
    return r.stdout;
  } finally {
    if (oldFile) rmSync(join(oldFile, '..'), { recursive: true, force: true });
  }
}

/** Opens a signed checkpoint note of the log key; returns its size and root. */
export function openHead(note: string, verifier: Verifier, origin: string): LogHead {
  const { checkpoint } = openCheckpoint(note, [verifier], origin);
  return { size: checkpoint.size, root: checkpoint.root, note };
}

/**
 * Every pair of checkpoints is consistent: each note verifies, equal sizes
 * have equal roots, and `log` proves (and checkConsistency accepts) every
 * older size against every newer one it has published.
 */
export async function assertConsistentHeads(log: Log, notes: Iterable<string>): Promise<void> {
  const heads = new Map<number, LogHead>();
  for (const note of notes) {
    const h = openHead(note, log.verifier, log.origin);
    const seen = heads.get(h.size);
    if (seen) assert.deepEqual(seen.root, h.root, `two different roots signed at size ${h.size}`);
    else heads.set(h.size, h);
  }
  const latest = log.head();
  const known = heads.get(latest.size);
  if (known) assert.deepEqual(known.root, latest.root, `the log's head differs at size ${latest.size}`);
  heads.set(latest.size, latest);
  const sorted = [...heads.values()].sort((a, b) => a.size - b.size);
  // Every pair when there are few; else each with its successor and with the latest (enough, by transitivity).
  const all = sorted.length <= 40;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      if (!all && j !== i + 1 && j !== sorted.length - 1) continue;
      const a = sorted[i]!;
      const b = sorted[j]!;
      const proof = await log.proveConsistency(a.size, b.size);
      checkConsistency(proof, a.size, a.root, b.size, b.root);
    }
  }
}

/** Resolves with `p`, or rejects if it takes longer than `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
