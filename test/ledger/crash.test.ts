/**
 * Crash safety on the filesystem drivers: a child process
 * (test/fixtures/crash-writer.ts) appends continuously and prints each
 * acknowledged entry; the test kills it with SIGKILL at a random moment,
 * again and again, each time in a new child over the same directories.
 * After every kill the log opens (recovering), holds every acknowledged
 * entry byte for byte, leaves no staging object, stays consistent with
 * every checkpoint published before, passes tlog-audit, and takes appends.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Log } from '../../src/ledger/log.js';
import { FsCheckpointLock } from '../../src/storage/fs/fs-checkpoint-lock.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { generateKey, parseSignerKey } from '../../src/tlog/note.js';
import { assertAudit, assertConsistentHeads, hex, tempDir } from '../helpers/ledger.js';
import { referenceTool, repoRoot, requireReference } from '../helpers/reference-tools.js';

const ORIGIN = 'example.com/vellum-crash';
const WRITER = join(repoRoot, 'dist/test/fixtures/crash-writer.js');
const ITERATIONS = 15;

interface Run {
  /** Acknowledged entries the child printed (complete lines only). */
  readonly acked: Map<number, string>;
  /** Whether the child had opened the log when it was killed. */
  readonly opened: boolean;
  readonly stderr: string;
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
}

/**
 * Runs the writer and SIGKILLs it `delayMs` after it printed `after`
 * ('open': while appending; 'start': most likely while it recovers).
 */
function runAndKill(args: string[], after: 'open' | 'start', delayMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<number, string>();
    let opened = false;
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const killLater = () => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    // A child that never gets there is killed anyway.
    const guard = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!; // an incomplete last line is not an acknowledgment
      for (const line of lines) {
        const [kind, a, b] = line.split(' ');
        if (kind === 'start' && after === 'start') killLater();
        if (kind === 'open') {
          opened = true;
          if (after === 'open') killLater();
        }
        if (kind === 'index') {
          const i = Number(a);
          if (acked.has(i)) stderr += `error: index ${i} acknowledged twice in one run\n`;
          acked.set(i, b ?? '');
        }
        if (kind === 'error') stderr += `${line}\n`;
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ acked, opened, stderr, signal, code });
    });
  });
}

describe('crash safety (SIGKILL while appending, on the fs drivers)', () => {
  it(`${ITERATIONS} kills at random moments lose no acknowledged entry`, async (t) => {
    assert.ok(existsSync(WRITER), `${WRITER} is missing: compile with npx tsc -p tsconfig.json`);
    const audit = referenceTool('tlog-audit');
    if (!audit) {
      if (requireReference()) throw new Error('tlog-audit is not built');
      t.diagnostic('tlog-audit not built: the audit step is skipped (run scripts/reference-tools.sh)');
    }
    const cleanup: (() => void)[] = [];
    try {
      const storeDir = tempDir('crash-store', cleanup);
      const lockDir = tempDir('crash-lock', cleanup);
      const key = generateKey(ORIGIN, new Uint8Array(32).fill(42));
      const options = (removePartials: boolean) => ({
        id: 'acme/crash',
        signer: parseSignerKey(key.skey),
        store: new FsObjectStore(storeDir),
        lock: new FsCheckpointLock(lockDir),
        removePartials,
      });
      /** Every acknowledged index and the hex of its bytes, over all runs. */
      const acked = new Map<number, string>();
      const notes = new Set<string>();
      let lastNote: string | undefined;
      let killedWhileAppending = 0;
      let killedBeforeOpen = 0;
      let childAcked = 0;
      /** Kills that left a staging object; kills between a commit and its publish. */
      let leftStaging = 0;
      let leftUnpublished = 0;
      const started = Date.now();

      for (let iter = 0; iter < ITERATIONS; iter++) {
        const removePartials = iter % 3 === 2;
        const early = iter % 5 === 4;
        const run = await runAndKill(
          [storeDir, lockDir, key.skey, removePartials ? '1' : '0'],
          early ? 'start' : 'open',
          early ? randomInt(0, 15) : randomInt(50, 401),
        );
        assert.equal(
          run.signal,
          'SIGKILL',
          `run ${iter}: the writer exited by itself (${run.code}): ${run.stderr}`,
        );
        assert.ok(!/error /.test(run.stderr), `run ${iter}: ${run.stderr}`);
        if (run.opened) killedWhileAppending++;
        else killedBeforeOpen++;
        childAcked += run.acked.size;
        for (const [i, h] of run.acked) {
          const prev = acked.get(i);
          assert.ok(prev === undefined || prev === h, `run ${iter}: index ${i} acknowledged for two entries`);
          acked.set(i, h);
        }
        const published = join(storeDir, 'checkpoint');
        if (existsSync(published)) notes.add(readFileSync(published, 'utf8'));

        // What the kill left behind, before this process recovers it.
        const store = new FsObjectStore(storeDir);
        const lockNow = existsSync(join(lockDir, 'acme/crash/checkpoint'))
          ? readFileSync(join(lockDir, 'acme/crash/checkpoint'), 'utf8')
          : undefined;
        if ((await store.list('staging/')).length > 0) leftStaging++;
        if (lockNow !== undefined && (!existsSync(published) || readFileSync(published, 'utf8') !== lockNow))
          leftUnpublished++;

        // Open (and recover) in this process.
        const log = await Log.open(options(removePartials));
        assert.deepEqual(
          await store.list('staging/'),
          [],
          `run ${iter}: a staging object is left after open`,
        );
        const head = log.head();
        notes.add(head.note);
        let maxAcked = -1;
        for (const i of acked.keys()) maxAcked = Math.max(maxAcked, i);
        assert.ok(
          maxAcked < head.size,
          `run ${iter}: acknowledged index ${maxAcked} is not in the log (size ${head.size})`,
        );
        let i = 0;
        for await (const e of log.readSince(0, head.size)) {
          const want = acked.get(e.index);
          if (want !== undefined && hex(e.entry) !== want)
            assert.fail(`run ${iter}: index ${e.index} holds other bytes than were acknowledged`);
          i++;
        }
        assert.equal(i, head.size);
        await assertConsistentHeads(log, notes);
        if (audit) assertAudit(audit, storeDir, key.vkey, lastNote, `after run ${iter}`);

        // The log keeps taking entries.
        const more = Array.from({ length: 1 + (iter % 4) }, (_, k) => Buffer.from(`test ${iter} ${k}\n`));
        const indexes = await log.appendMany(more);
        indexes.forEach((n, k) => {
          acked.set(n, hex(more[k]!));
        });
        lastNote = (await log.published(indexes.at(-1)!)).note;
        notes.add(lastNote);
        await log.close();
      }
      t.diagnostic(
        `${ITERATIONS} kills (${killedWhileAppending} while appending, ${killedBeforeOpen} before the log was open), ` +
          `${leftStaging} left a staging object, ${leftUnpublished} a committed but unpublished round; ` +
          `${childAcked} entries acknowledged by the writers, ${notes.size} checkpoints, ${Date.now() - started} ms`,
      );
      assert.ok(killedWhileAppending >= ITERATIONS / 2, 'most kills land while appending');
      assert.ok(childAcked > 0, 'the writers acknowledged nothing before they were killed');

      // A last full check from a fresh open: every acknowledged entry, by entry().
      const log = await Log.open(options(false));
      for (const [n, h] of acked) assert.equal(hex(await log.entry(n)), h, `entry(${n})`);
      await log.close();
      if (audit) assertAudit(audit, storeDir, key.vkey, undefined, 'at the end');
    } finally {
      for (const f of cleanup.reverse()) f();
    }
  });
});
