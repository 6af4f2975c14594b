/**
 * The ledger's published directory is byte-identical to mklog, the Go
 * reference (golang.org/x/mod/sumdb/tlog), grown through the same sizes:
 * every full and partial tile, every entry bundle and the final checkpoint
 * (Ed25519 is deterministic, so the signatures match too). tlog-audit
 * passes on it, and every checkpoint the log published on the way is
 * consistent with the final one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Log } from '../../src/ledger/log.js';
import { FsCheckpointLock } from '../../src/storage/fs/fs-checkpoint-lock.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { parseSignerKey } from '../../src/tlog/note.js';
import { readTree } from '../helpers/files.js';
import { assertAudit, assertConsistentHeads, goKeyPair, tempDir } from '../helpers/ledger.js';
import { toolOrSkip } from '../helpers/reference-tools.js';
import { entryBytes } from '../helpers/trees.js';

const ORIGIN = 'example.com/vellum-ledger-conformance';

interface Case {
  readonly name: string;
  /** Entry counts of the rounds, in order (each awaited before the next). */
  readonly groups?: readonly number[];
  /** Instead: this many concurrent single appends. */
  readonly concurrent?: number;
  readonly removePartials?: boolean;
  /** Close the log and open a new one over the same directories after every round. */
  readonly reopen?: boolean;
}

function groupsOf(n: number, size: number): number[] {
  const out: number[] = [];
  for (let done = 0; done < n; done += size) out.push(Math.min(size, n - done));
  return out;
}

const cases: Case[] = [
  { name: 'n=1 in one round', groups: [1] },
  { name: 'n=255 in one round', groups: [255] },
  { name: 'n=256 in one round', groups: [256] },
  { name: 'n=257 in one round', groups: [257] },
  { name: 'n=257 as 1,255,1', groups: [1, 255, 1] },
  { name: 'n=1000 as 1,254,1,1,300,443', groups: [1, 254, 1, 1, 300, 443] },
  { name: 'n=1000 as single entries for the first 20, then 980', groups: [...groupsOf(20, 1), 980] },
  { name: 'n=70000 in rounds of 4096', groups: groupsOf(70000, 4096) },
  {
    name: 'n=1000 as 1,254,1,1,300,443, re-opened after every round',
    groups: [1, 254, 1, 1, 300, 443],
    reopen: true,
  },
  { name: 'n=1500 as concurrent single appends', concurrent: 1500 },
  {
    name: 'n=1000 as 1,254,1,1,300,443 with removePartials',
    groups: [1, 254, 1, 1, 300, 443],
    removePartials: true,
  },
  {
    name: 'n=70000 in rounds of 4096 with removePartials',
    groups: groupsOf(70000, 4096),
    removePartials: true,
  },
];

/** Every file under `dir`, as slash paths. */
function files(dir: string): string[] {
  return existsSync(dir) ? [...readTree(dir).keys()] : [];
}

describe('the ledger publishes what mklog publishes', () => {
  for (const c of cases) {
    it(c.name, async (t) => {
      const mklog = toolOrSkip(t, 'mklog');
      const audit = mklog && toolOrSkip(t, 'tlog-audit');
      if (!mklog || !audit) return;
      const cleanup: (() => void)[] = [];
      try {
        const { skey, vkey } = goKeyPair(mklog, ORIGIN);
        const logDir = tempDir('conf-log', cleanup);
        const lockDir = tempDir('conf-lock', cleanup);
        const refDir = tempDir('conf-ref', cleanup);
        const rounds: number[] = [];
        const open = () =>
          Log.open({
            id: 'acme/conformance',
            signer: parseSignerKey(skey),
            store: new FsObjectStore(logDir),
            lock: new FsCheckpointLock(lockDir),
            removePartials: c.removePartials ?? false,
            maxBatch: c.concurrent ? 97 : 4096,
            onRound: (r) => {
              if (r.entries > 0) rounds.push(r.size);
            },
          });
        let log = await open();
        const notes: string[] = [log.head().note];
        let n = 0;
        if (c.groups) {
          for (const g of c.groups) {
            const group = Array.from({ length: g }, (_, k) => entryBytes(n + k));
            const indexes = await log.appendMany(group);
            assert.deepEqual(
              indexes,
              group.map((_, k) => n + k),
            );
            n += g;
            const head = await log.published(n - 1);
            assert.equal(head.size, n);
            notes.push(head.note);
            if (c.reopen) {
              await log.close();
              log = await open();
              assert.equal(log.head().note, head.note, 'a re-opened log has the same head');
            }
          }
          assert.deepEqual(
            rounds,
            c.groups.map((_, i) => c.groups!.slice(0, i + 1).reduce((a, b) => a + b, 0)),
            'one round per awaited group',
          );
        } else {
          n = c.concurrent!;
          // Calls arrive in waves of uneven size, so rounds are of many sizes.
          const calls: Promise<number>[] = [];
          for (let wave = 1; calls.length < n; wave++) {
            for (let k = 0; k < (wave * 37) % 151 && calls.length < n; k++) {
              calls.push(log.append(entryBytes(calls.length)));
            }
            await new Promise((r) => setTimeout(r, wave % 3));
          }
          const indexes = await Promise.all(calls);
          assert.deepEqual(
            indexes,
            indexes.map((_, i) => i),
            'concurrent appends are sequenced in call order',
          );
          notes.push((await log.published(n - 1)).note);
          assert.ok(rounds.length > 1, `expected several rounds, got ${rounds.length}`);
        }
        await assertConsistentHeads(log, notes);
        await log.close();

        // mklog grows its log through the same sizes as our rounds.
        const steps = rounds.slice(0, -1);
        assert.equal(rounds.at(-1), n);
        const args = ['-dir', refDir, '-skey', skey, '-n', String(n)];
        if (steps.length) args.push('-steps', steps.join(','));
        execFileSync(mklog, args, { stdio: ['ignore', 'ignore', 'inherit'] });

        assert.deepEqual(files(join(logDir, 'staging')), [], 'no staging object is left');
        const got = readTree(logDir);
        const want = readTree(refDir);
        if (c.removePartials) {
          // Partial tiles whose full tile exists are gone; everything else is identical.
          for (const p of [...want.keys()]) {
            const full = p.replace(/\.p\/\d+$/, '');
            if (full !== p && want.has(full)) want.delete(p);
          }
          for (const p of got.keys()) {
            const full = p.replace(/\.p\/\d+$/, '');
            assert.ok(full === p || !got.has(full), `${p} is left beside its full tile`);
          }
        }
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), 'the same files');
        for (const [p, bytes] of want) {
          assert.ok(Buffer.from(got.get(p)!).equals(bytes), `${p} differs from mklog's`);
        }
        assert.ok(readdirSync(logDir).includes('checkpoint'));

        assertAudit(audit, logDir, vkey, undefined, 'on the log');
        for (const note of notes) assertAudit(audit, logDir, vkey, note, `-old (${note.split('\n')[1]})`);
      } finally {
        for (const f of cleanup.reverse()) f();
      }
    });
  }
});
