/**
 * The ledger under storage faults, back-pressure, bad input, corrupted
 * storage and a second writer, on the memory drivers' fault hooks.
 *
 * Every scenario ends with the same checks (World.verify): each
 * acknowledged index reads back its exact bytes, a rejected batch is all
 * in the log or not at all, nothing is in the log that no caller sent,
 * `published()` resolves, every checkpoint seen is consistent with every
 * other, a fresh Log over the same storage has the same head and leaves no
 * staging object, no write-once key was ever rewritten, and the only
 * signed checkpoints in storage are ones the lock committed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LedgerError, type LedgerErrorCode } from '../../src/ledger/errors.js';
import { Log, type LogOptions } from '../../src/ledger/log.js';
import { decodeStaging } from '../../src/ledger/staging.js';
import { StorageError } from '../../src/storage/errors.js';
import { MemoryCheckpointLock } from '../../src/storage/memory/memory-checkpoint-lock.js';
import { type Fault, MemoryObjectStore, type Op } from '../../src/storage/memory/memory-object-store.js';
import { formatCheckpoint, parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { bytesEqual, leafHash } from '../../src/tlog/hash.js';
import { generateKey, parseNote, parseSignerKey, signNote } from '../../src/tlog/note.js';
import { checkInclusion } from '../../src/tlog/proof.js';
import { parseReceipt, verifyReceipt } from '../../src/tlog/receipt.js';
import { assertAudit, assertConsistentHeads, hex, within } from '../helpers/ledger.js';
import { referenceTool } from '../helpers/reference-tools.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const ORIGIN = 'example.com/vellum-faults';
const KEY = generateKey(ORIGIN, new Uint8Array(32).fill(7));
/** Same name, different key. */
const OTHER_KEY = generateKey(ORIGIN, new Uint8Array(32).fill(8));
const SIGNER = parseSignerKey(KEY.skey);
const LOG_ID = 'acme/faults';

// Publish failures are reported with process.emitWarning; keep them off the test output.
const warnings: string[] = [];
let savedListeners: NodeJS.WarningListener[] = [];
before(() => {
  savedListeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (w) => warnings.push(w.message));
});
after(() => {
  process.removeAllListeners('warning');
  for (const l of savedListeners) process.on('warning', l);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG (mulberry32), so a failing run can be repeated. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function rejectsWith(p: Promise<unknown>, code: LedgerErrorCode): Promise<LedgerError> {
  let err: unknown;
  await assert.rejects(p, (e: unknown) => {
    err = e;
    return true;
  });
  assert.ok(err instanceof LedgerError, `expected a LedgerError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

/** A memory store that records any attempt to change a write-once key. */
class WatchedStore extends MemoryObjectStore {
  readonly violations: string[] = [];
  override async put(key: string, data: Uint8Array): Promise<void> {
    try {
      await super.put(key, data);
    } catch (e) {
      if (e instanceof StorageError && e.code === 'exists-different') this.violations.push(key);
      throw e;
    }
  }
  /** Operations that change storage, from position `from` of the op log. */
  writesSince(from: number): string[] {
    return this.log.slice(from).filter((l) => /^(put|replace|delete) /.test(l));
  }
}

/** A memory lock that records every checkpoint it ever held. */
class WatchedLock extends MemoryCheckpointLock {
  readonly committed = new Set<string>();
  swaps = 0;
  override async swap(id: string, old: Uint8Array | undefined, next: Uint8Array): Promise<void> {
    this.swaps++;
    try {
      await super.swap(id, old, next);
    } finally {
      const now = this.values.get(id);
      if (now && bytesEqual(now, next)) this.committed.add(dec.decode(next));
    }
  }
}

type Outcome = { ok: true; indexes: number[] } | { ok: false; error: LedgerError };

/** A log's storage and everything callers were told about it. */
class World {
  readonly store = new WatchedStore();
  readonly lock = new WatchedLock();
  /** Acknowledged index -> the bytes sent. */
  readonly acked = new Map<number, Uint8Array>();
  /** Batches that were rejected: each must be wholly in the log or wholly absent. */
  readonly rejected: Uint8Array[][] = [];
  /** Rejected batches that must be absent (rejected before their commit point). */
  readonly absent: Uint8Array[][] = [];
  /** Signed checkpoints callers saw (heads); all must be consistent. */
  readonly notes = new Set<string>();
  seq = 0;

  constructor(readonly name = 'w') {}

  options(extra: Partial<LogOptions> = {}): LogOptions {
    return { id: LOG_ID, signer: SIGNER, store: this.store, lock: this.lock, maxDelayMs: 1, ...extra };
  }

  async open(extra: Partial<LogOptions> = {}): Promise<Log> {
    const log = await Log.open(this.options(extra));
    this.notes.add(log.head().note);
    return log;
  }

  /** `n` entries never sent before (in this world). */
  entries(n: number): Uint8Array[] {
    return Array.from({ length: n }, () => enc.encode(`${this.name} entry ${this.seq++}\n`));
  }

  async append(log: Log, entries: Uint8Array[]): Promise<Outcome> {
    try {
      const indexes = await log.appendMany(entries);
      indexes.forEach((i, k) => {
        const prev = this.acked.get(i);
        if (prev) assert.ok(bytesEqual(prev, entries[k]!), `index ${i} acknowledged for two entries`);
        this.acked.set(i, entries[k]!);
      });
      return { ok: true, indexes };
    } catch (e) {
      assert.ok(e instanceof LedgerError, `appendMany rejected with ${String(e)}`);
      this.rejected.push(entries);
      return { ok: false, error: e };
    }
  }

  /** Appends `n` fresh entries, retrying (with new entries) on retryable errors. */
  async appendRetry(log: Log, n: number, tries = 40): Promise<number[]> {
    for (let t = 0; ; t++) {
      const r = await this.append(log, this.entries(n));
      if (r.ok) return r.indexes;
      assert.ok(r.error.retryable, `not retryable: ${r.error.code}: ${r.error.message}`);
      assert.ok(t < tries, `still failing after ${tries} tries: ${r.error.message}`);
      await sleep(5 + t * 5);
    }
  }

  clone(name = this.name): World {
    const w = new World(name);
    for (const [k, v] of this.store.objects) w.store.objects.set(k, v.slice());
    for (const [k, v] of this.lock.values) w.lock.values.set(k, v.slice());
    for (const [k, v] of this.acked) w.acked.set(k, v);
    for (const n of this.notes) w.notes.add(n);
    for (const n of this.lock.committed) w.lock.committed.add(n);
    w.seq = this.seq;
    return w;
  }

  clearFaults(): void {
    this.store.fault = () => undefined;
    this.lock.fault = () => undefined;
  }

  /** Every signed checkpoint found in storage (published, staged, or in the lock). */
  storedNotes(): { where: string; note: string }[] {
    const out: { where: string; note: string }[] = [];
    for (const [k, v] of this.store.objects) {
      if (k === 'checkpoint') out.push({ where: k, note: dec.decode(v) });
      if (k.startsWith('staging/')) {
        for (const f of decodeStaging(v)) {
          if (f.path === 'checkpoint') out.push({ where: `${k}:checkpoint`, note: dec.decode(f.data) });
        }
      }
    }
    for (const [id, v] of this.lock.values) out.push({ where: `lock ${id}`, note: dec.decode(v) });
    return out;
  }

  /** No signed checkpoint sits in storage that the lock did not commit. */
  assertOnlyCommittedNotes(): void {
    for (const { where, note } of this.storedNotes()) {
      assert.ok(
        this.lock.committed.has(note),
        `${where} holds a signed checkpoint that was never committed: ${note.split('\n').slice(1, 3).join(' ')}`,
      );
    }
  }

  /**
   * The checks every scenario ends with. `from`: check entries from this
   * index on (the ones before are in full tiles a test already checked,
   * and write-once storage keeps them: see `violations`).
   */
  async verify(log: Log, opts: { audit?: boolean; from?: number } = {}): Promise<void> {
    const from = opts.from ?? 0;
    let maxAcked = -1;
    for (const i of this.acked.keys()) maxAcked = Math.max(maxAcked, i);
    if (maxAcked >= 0) await within(log.published(maxAcked), 10000, `published(${maxAcked})`);
    const head = log.head();
    this.notes.add(head.note);
    const all: Uint8Array[] = [];
    for await (const e of log.readSince(from, head.size)) {
      if (e.index !== from + all.length)
        assert.fail(`readSince gave index ${e.index} at ${from + all.length}`);
      all.push(e.entry);
    }
    assert.equal(from + all.length, head.size, 'readSince returns the whole published tree');
    const at = new Map<string, number>();
    all.forEach((e, k) => {
      const key = hex(e);
      if (at.has(key))
        assert.fail(`${JSON.stringify(dec.decode(e))} is in the log twice (${at.get(key)}, ${from + k})`);
      at.set(key, from + k);
    });
    let ackedHere = 0;
    for (const [i, b] of this.acked) {
      if (i < from) continue;
      ackedHere++;
      if (i >= head.size) assert.fail(`acknowledged index ${i} is beyond the published size ${head.size}`);
      if (!bytesEqual(all[i - from]!, b)) assert.fail(`index ${i} holds other bytes than were acknowledged`);
    }
    // entry(i) for a sample of acknowledged indexes (all of them when few).
    const idx = [...this.acked.keys()].filter((i) => i >= from);
    const sample = idx.length <= 600 ? idx : idx.filter((_, k) => k % Math.ceil(idx.length / 600) === 0);
    for (const i of sample) assert.ok(bytesEqual(await log.entry(i), this.acked.get(i)!), `entry(${i})`);
    let fromRejected = 0;
    for (const batch of this.rejected) {
      const where = batch.map((e) => at.get(hex(e)));
      if (where.every((w) => w === undefined)) continue;
      assert.ok(
        where.every((w, k) => w === where[0]! + k),
        `a rejected batch is partly in the log: ${where.join(',')}`,
      );
      fromRejected += batch.length;
    }
    for (const batch of this.absent) {
      for (const e of batch)
        assert.ok(!at.has(hex(e)), `${dec.decode(e).trim()} was rejected before commit yet logged`);
    }
    assert.equal(ackedHere + fromRejected, head.size - from, 'every logged entry was sent by a caller');
    await assertConsistentHeads(log, [...this.notes, ...this.lock.committed]);
    assert.deepEqual(this.store.violations, [], 'a write-once key was rewritten');
    this.assertOnlyCommittedNotes();
    const lockNow = this.lock.values.get(LOG_ID);
    assert.ok(lockNow && dec.decode(lockNow) === head.note, 'the lock holds the published head');

    const again = await this.open();
    assert.equal(again.head().note, head.note, 're-opening gives the same head');
    assert.deepEqual(await this.store.list('staging/'), [], 'no staging object after open');
    await again.close();
    assert.deepEqual(this.store.violations, []);
    if (opts.audit) this.audit();
  }

  /** tlog-audit on a copy of the store on disk (when the reference tools are built). */
  audit(): void {
    const tool = referenceTool('tlog-audit');
    if (!tool) return;
    const dir = mkdtempSync(join(tmpdir(), 'vellum-faults-audit-'));
    try {
      for (const [k, v] of this.store.objects) {
        if (k.startsWith('staging/')) continue;
        mkdirSync(dirname(join(dir, k)), { recursive: true });
        writeFileSync(join(dir, k), v);
      }
      assertAudit(tool, dir, KEY.vkey, undefined, 'on the memory store');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** A world grown to `size` entries in rounds of at most 4096. */
async function grownWorld(size: number, extra: Partial<LogOptions> = {}): Promise<World> {
  const w = new World('base');
  const log = await w.open(extra);
  while (w.acked.size < size) {
    const r = await w.append(log, w.entries(Math.min(4096, size - w.acked.size)));
    assert.ok(r.ok);
  }
  if (size > 0) w.notes.add((await log.published(size - 1)).note);
  await log.close();
  return w;
}

// ------------------------------------------------------------------ one fault at every step of a round

interface Step {
  readonly target: 'store' | 'lock';
  readonly op: string;
  readonly key: string;
}
const stepName = (s: Step) => `${s.target === 'lock' ? 'lock ' : ''}${s.op} ${s.key}`;

/** The storage operations one round performs, in order (first occurrence of each). */
async function roundSteps(base: World, batch: number, extra: Partial<LogOptions>): Promise<Step[]> {
  const w = base.clone('cell'); // the same entries as the cells will append, so the same staging key
  const log = await w.open(extra);
  const steps: Step[] = [];
  const seen = new Set<string>();
  const record = (s: Step) => {
    const k = stepName(s);
    if (!seen.has(k)) {
      seen.add(k);
      steps.push(s);
    }
  };
  w.store.fault = (op, key) => {
    record({ target: 'store', op, key });
    return undefined;
  };
  w.lock.fault = (op, key) => {
    record({ target: 'lock', op, key });
    return undefined;
  };
  const r = await w.append(log, w.entries(batch));
  assert.ok(r.ok);
  await log.published(r.indexes.at(-1)!);
  await sleep(5);
  w.clearFaults();
  await log.close();
  return steps;
}

const scenarios: { name: string; base: number; batch: number; extra: Partial<LogOptions> }[] = [
  { name: 'the first round of an empty log', base: 0, batch: 5, extra: {} },
  {
    name: 'a round that completes tiles at three levels (65530 -> 65540)',
    base: 65530,
    batch: 10,
    extra: {},
  },
  {
    name: 'the same round with removePartials',
    base: 65530,
    batch: 10,
    extra: { removePartials: true },
  },
];

describe('a fault at every step of a round', () => {
  for (const sc of scenarios) {
    describe(sc.name, () => {
      let base: World;
      let steps: Step[] = [];
      before(async () => {
        base = await grownWorld(sc.base, sc.extra);
        steps = await roundSteps(base, sc.batch, sc.extra);
      });

      it('records the steps of the round', () => {
        const names = steps.map(stepName);
        assert.match(names[0]!, /^put staging\//, names.join('; '));
        assert.equal(names[1], `lock swap ${LOG_ID}`);
        assert.ok(names.includes('replace checkpoint'));
        assert.ok(names.some((n) => /^delete staging\//.test(n)));
        assert.ok(names.filter((n) => n.startsWith('put tile/')).length >= 2);
        if (sc.extra.removePartials)
          assert.ok(
            names.some((n) => /^delete tile\/.*\.p\//.test(n)),
            names.join('; '),
          );
      });

      for (const mode of ['fail', 'fail-after-store'] as const) {
        it(`${mode} at each step: acknowledged iff committed, and nothing is lost`, async () => {
          assert.ok(steps.length >= 6);
          const swapAt = steps.findIndex((s) => s.target === 'lock' && s.op === 'swap');
          for (const [i, step] of steps.entries()) {
            const what = `${mode} at ${stepName(step)}`;
            const w = base.clone('cell');
            const log = await w.open(sc.extra);
            let armed = true;
            let hits = 0;
            const hook = (target: Step['target']) => (op: string, key: string) => {
              if (!armed || target !== step.target || op !== step.op || key !== step.key) return undefined;
              hits++;
              return mode as Fault;
            };
            w.store.fault = hook('store') as (op: Op, key: string) => Fault;
            w.lock.fault = hook('lock');
            const batch = w.entries(sc.batch);
            const r = await w.append(log, batch);
            const committed = i > swapAt || (i === swapAt && mode === 'fail-after-store');
            if (committed) {
              assert.ok(r.ok, `${what}: rejected (${!r.ok && r.error.message}) though committed`);
              assert.deepEqual(
                r.indexes,
                batch.map((_, k) => sc.base + k),
              );
            } else {
              assert.ok(!r.ok, `${what}: acknowledged before its commit point`);
              assert.equal(r.error.code, 'unavailable', `${what}: ${r.error.message}`);
              assert.ok(r.error.retryable);
              w.absent.push(batch);
            }
            w.assertOnlyCommittedNotes();
            // Leave the fault on while the publish (after the acknowledgment) and a
            // background recovery run into it.
            await sleep(20);
            assert.ok(hits > 0, `${what}: the step did not happen`);
            armed = false;
            await w.appendRetry(log, 3);
            await w.verify(log, { audit: i === steps.length - 1, from: sc.base - (sc.base % 256) });
            await log.close();
          }
        });
      }
    });
  }
});

describe('a fault at every step of recovery (a round committed, its publish interrupted)', () => {
  let crashed: World;
  const steps: Step[] = [];
  let committed: Uint8Array[] = [];
  before(async () => {
    crashed = (await grownWorld(65530)).clone('cell');
    const log = await crashed.open();
    crashed.store.fault = (op, key) => (op === 'put' && key.startsWith('tile/') ? 'fail' : undefined);
    committed = crashed.entries(10);
    const r = await crashed.append(log, committed);
    assert.ok(r.ok, 'acknowledged at the commit point');
    await sleep(5);
    await log.close(); // the publish failed: the lock is ahead of the published checkpoint
    crashed.clearFaults();
    assert.equal((await crashed.store.list('staging/')).length, 1);
    assert.notEqual(
      dec.decode(crashed.store.objects.get('checkpoint')!),
      r.ok && dec.decode(crashed.lock.values.get(LOG_ID)!),
    );

    const probe = crashed.clone();
    const seen = new Set<string>();
    const record = (s: Step) => {
      if (!seen.has(stepName(s))) {
        seen.add(stepName(s));
        steps.push(s);
      }
      return undefined;
    };
    probe.store.fault = (op, key) => record({ target: 'store', op, key });
    probe.lock.fault = (op, key) => record({ target: 'lock', op, key });
    await (await probe.open()).close();
  });

  for (const mode of ['fail', 'fail-after-store'] as const) {
    it(`${mode} at each step of Log.open: a retryable error or a recovered log, and nothing is lost`, async () => {
      const names = steps.map(stepName);
      assert.ok(
        names.includes('replace checkpoint') && names.some((n) => n.startsWith('put tile/')),
        names.join('; '),
      );
      for (const step of steps) {
        const what = `${mode} at ${stepName(step)}`;
        const w = crashed.clone();
        let armed = true;
        const hook = (target: Step['target']) => (op: string, key: string) =>
          armed && target === step.target && op === step.op && key === step.key ? (mode as Fault) : undefined;
        w.store.fault = hook('store') as (op: Op, key: string) => Fault;
        w.lock.fault = hook('lock');
        let log: Log | undefined;
        try {
          log = await w.open();
        } catch (e) {
          assert.ok(e instanceof LedgerError, `${what}: Log.open rejected with ${String(e)}`);
          assert.ok(e.retryable, `${what}: ${e.code}: ${e.message}`);
        }
        armed = false;
        log ??= await w.open();
        assert.equal(log.head().size, 65540, `${what}: the committed round is published`);
        await w.appendRetry(log, 3);
        await w.verify(log, { from: 65280 });
        await log.close();
      }
    });
  }
});

describe('recovery with removePartials', () => {
  const leftovers = (w: World) =>
    [...w.store.objects.keys()].filter((k) => {
      const full = k.replace(/\.p\/\d+$/, '');
      return full !== k && w.store.objects.has(full);
    });

  for (const [name, interrupt] of [
    ['interrupted before its tiles', (op: Op, key: string) => op === 'put' && key.startsWith('tile/')],
    ['interrupted after its checkpoint, before the partial tiles went', (op: Op) => op === 'list'],
  ] as const) {
    it(`a round ${name}: the next open finishes it, partial tiles included`, async () => {
      const w = (await grownWorld(250, { removePartials: true })).clone();
      const log = await w.open({ removePartials: true });
      w.store.fault = (op, key) => (interrupt(op, key) ? 'fail' : undefined);
      assert.ok((await w.append(log, w.entries(10))).ok); // completes tile 0
      await sleep(5);
      await log.close();
      w.clearFaults();
      assert.equal((await w.store.list('staging/')).length, 1);
      const again = await w.open({ removePartials: true });
      assert.deepEqual(leftovers(w), []);
      await w.verify(again, { audit: true });
      await again.close();
    });
  }
});

describe('lock faults around the commit point', () => {
  it('swap fails after storing and the read-back fails: rejected, yet committed, and recovered', async () => {
    const w = await grownWorld(300);
    const log = await w.open();
    w.lock.fault = (op) => (op === 'swap' ? 'fail-after-store' : op === 'get' ? 'fail' : undefined);
    const batch = w.entries(4);
    const r = await w.append(log, batch);
    assert.ok(!r.ok && r.error.retryable, 'a swap of unknown outcome is reported as retryable');
    w.clearFaults();
    await w.appendRetry(log, 2);
    await w.verify(log, { audit: true });
    const all: string[] = [];
    for await (const e of log.readSince(0, log.head().size)) all.push(hex(e.entry));
    assert.ok(
      batch.every((e) => all.includes(hex(e))),
      'the committed batch is published by the next round',
    );
    await log.close();
  });

  it('swap fails without storing and the read-back fails: rejected and absent', async () => {
    const w = await grownWorld(300);
    const log = await w.open();
    w.lock.fault = (op) => (op === 'swap' || op === 'get' ? 'fail' : undefined);
    const batch = w.entries(4);
    const r = await w.append(log, batch);
    assert.ok(!r.ok && r.error.retryable);
    w.absent.push(batch);
    w.clearFaults();
    await w.appendRetry(log, 2);
    await w.verify(log);
    await log.close();
  });
});

// ------------------------------------------------------------------ random faults

describe('random faults on every operation', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: concurrent appenders with retries; nothing acknowledged is lost`, async () => {
      const random = rng(seed);
      const w = await grownWorld(250 + seed * 3);
      const log = await w.open({ maxBatch: 64, removePartials: seed === 2 });
      let on = true;
      const pick = (write: boolean): Fault => {
        if (!on) return undefined;
        const x = random();
        if (x < 0.04) return 'fail';
        if (x < 0.08 && write) return 'fail-after-store';
        if (x < 0.2) return { delayMs: Math.floor(random() * 3) };
        return undefined;
      };
      w.store.fault = (op) => pick(op !== 'get' && op !== 'list');
      w.lock.fault = (op) => pick(op === 'swap');
      const appender = async (k: number) => {
        for (let j = 0; j < 25; j++) {
          const r = await w.append(log, w.entries(1 + ((k * 7 + j * 3) % 9)));
          if (!r.ok) assert.ok(r.error.retryable, `${r.error.code}: ${r.error.message}`);
          if (r.ok && j % 5 === 0) w.notes.add(log.head().note);
        }
      };
      await Promise.all([0, 1, 2, 3, 4, 5].map(appender));
      on = false;
      await w.appendRetry(log, 5);
      const failed = w.rejected.length;
      assert.ok(failed > 0, 'some batches failed');
      await w.verify(log, { audit: true });
      await log.close();
    });
  }
});

// ------------------------------------------------------------------ back-pressure and slowness

describe('slow storage and back-pressure', () => {
  it('a slow store with many concurrent appenders and readers', async () => {
    const w = new World();
    const log = await w.open({ maxBatch: 50 });
    const random = rng(11);
    w.store.fault = () => ({ delayMs: Math.floor(random() * 4) });
    w.lock.fault = () => ({ delayMs: Math.floor(random() * 4) });
    const appends: Promise<unknown>[] = [];
    for (let i = 0; i < 600; i++) {
      appends.push(i % 5 === 0 ? w.append(log, w.entries(1 + (i % 7))) : w.append(log, w.entries(1)));
      if (i % 50 === 0) await sleep(1);
    }
    let stop = false;
    const reader = (async () => {
      let reads = 0;
      while (!stop) {
        const size = log.head().size;
        if (size > 0) {
          const i = Math.floor(random() * size);
          const e = await log.entry(i);
          if (w.acked.has(i)) assert.ok(bytesEqual(e, w.acked.get(i)!));
          const head = log.head();
          const proof = await log.proveInclusion(i, head.size);
          checkInclusion(proof, head.size, head.root, i, leafHash(e));
          reads++;
        }
        await sleep(1);
      }
      return reads;
    })();
    await Promise.all(appends);
    stop = true;
    assert.ok((await reader) > 0);
    assert.equal(w.rejected.length, 0, 'a slow store fails nothing');
    w.clearFaults();
    await w.verify(log, { audit: true });
    await log.close();
  });

  it('a full pool refuses with a retryable pool-full and loses nothing it took', async () => {
    const w = new World();
    const log = await w.open({ maxBatch: 8, maxPending: 20, maxDelayMs: 1 });
    w.store.fault = (op) => (op === 'put' ? { delayMs: 15 } : undefined);
    const results = await Promise.all(Array.from({ length: 100 }, () => w.append(log, w.entries(1))));
    const refused = results.filter((r) => !r.ok);
    assert.ok(refused.length > 0, 'the pool filled');
    for (const r of refused) {
      assert.equal(!r.ok && r.error.code, 'pool-full');
      assert.ok(!r.ok && r.error.retryable);
    }
    assert.equal(results.length - refused.length, 28, 'one round of 8 plus a full pool of 20');
    for (const b of w.rejected) w.absent.push(b);
    w.clearFaults();
    await w.appendRetry(log, 5);
    await w.verify(log);
    await log.close();
  });

  it('a batch larger than the pool can ever hold is refused for good, not as retryable', async () => {
    const w = new World();
    const log = await w.open({ maxPending: 10 });
    const err = await rejectsWith(log.appendMany(w.entries(11)), 'bad-request');
    assert.equal(err.retryable, false);
    assert.deepEqual(await log.appendMany(w.entries(10)).then((r) => r.length), 10);
    await log.close();
  });
});

// ------------------------------------------------------------------ bad input

describe('bad input', () => {
  it('an entry over 65,535 bytes is refused and nothing is written', async () => {
    const w = new World();
    const log = await w.open();
    const from = w.store.log.length;
    const swaps = w.lock.swaps;
    await rejectsWith(log.append(new Uint8Array(65536)), 'entry-too-large');
    await rejectsWith(log.appendMany([enc.encode('fine'), new Uint8Array(70000)]), 'entry-too-large');
    await sleep(10);
    assert.deepEqual(w.store.writesSince(from), []);
    assert.equal(w.lock.swaps, swaps);
    assert.equal(log.head().size, 0);
    // The limit itself is fine.
    const max = new Uint8Array(65535).fill(0x61);
    const r = await w.append(log, [max]);
    assert.ok(r.ok);
    await w.verify(log, { audit: true });
    await log.close();
  });

  it('an empty appendMany is refused with empty-batch; non-bytes with bad-request', async () => {
    const w = new World();
    const log = await w.open();
    await rejectsWith(log.appendMany([]), 'empty-batch');
    await rejectsWith(log.appendMany(['text' as unknown as Uint8Array]), 'bad-request');
    assert.equal(log.head().size, 0);
    await log.close();
    await rejectsWith(log.append(enc.encode('late')), 'closed');
  });

  it('the bytes of an acknowledged entry are the log’s own: the caller may reuse its buffer', async () => {
    const w = new World();
    const log = await w.open();
    const buf = enc.encode('original bytes\n');
    const [i] = await log.appendMany([buf]);
    w.acked.set(i!, enc.encode('original bytes\n'));
    buf.fill(0x78); // the caller reuses its buffer once the append resolved
    const r = await w.append(log, w.entries(3)); // re-encodes the same partial bundle
    assert.ok(r.ok);
    // A Buffer from the shared pool is reused the same way.
    const pooled = Buffer.from('pooled bytes\n');
    const [j] = await log.appendMany([pooled]);
    w.acked.set(j!, enc.encode('pooled bytes\n'));
    pooled.fill(0x79);
    assert.ok((await w.append(log, w.entries(2))).ok);
    await w.verify(log, { audit: true });
    await log.close();
  });

  it('bytes returned by entry() are the caller’s own: changing them changes no later read', async () => {
    const w = await grownWorld(300);
    const log = await w.open();
    for (const i of [5, 299]) {
      const e = await log.entry(i);
      e.fill(0);
      for await (const x of log.readSince(i, 1)) x.entry.fill(1);
      assert.ok(
        bytesEqual(await log.entry(i), w.acked.get(i)!),
        `entry(${i}) after the caller changed a copy`,
      );
    }
    await w.verify(log);
    await log.close();
  });
});

// ------------------------------------------------------------------ dedup

describe('dedup', () => {
  it('identical entries get the first index: in one batch, across batches, and across a re-open', async () => {
    const w = new World();
    let log = await w.open({ dedup: true });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => enc.encode(`dedup ${s}\n`)) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    assert.deepEqual(await log.appendMany([a, b, a, a]), [0, 1, 0, 0]);
    assert.deepEqual(await log.appendMany([b, c, a]), [1, 2, 0]);
    assert.deepEqual(await log.append(c), 2);
    // Concurrent appends of one entry, pooled into one round.
    assert.deepEqual(await Promise.all([log.append(d), log.append(d), log.appendMany([d, c])]), [
      3,
      3,
      [3, 2],
    ]);
    await log.published(3);
    assert.equal(log.head().size, 4);
    await log.close();
    log = await w.open({ dedup: true });
    assert.deepEqual(await log.appendMany([d, a, enc.encode('dedup e\n'), b]), [3, 0, 4, 1]);
    await log.published(4);
    const got: string[] = [];
    for await (const e of log.readSince(0, 10)) got.push(dec.decode(e.entry));
    assert.deepEqual(got, ['dedup a\n', 'dedup b\n', 'dedup c\n', 'dedup d\n', 'dedup e\n']);
    await log.close();
  });

  it('dedup spans tiles, and a rejected batch is not remembered', async () => {
    const w = new World();
    let log = await w.open({ dedup: true });
    const first = w.entries(700);
    const r = await w.append(log, first);
    assert.ok(r.ok);
    w.store.fault = (op, key) => (op === 'put' && key.startsWith('staging/') ? 'fail' : undefined);
    const lost = w.entries(3);
    const bad = await w.append(log, lost);
    assert.ok(!bad.ok && bad.error.code === 'unavailable');
    w.clearFaults();
    // The rejected entries are new again; the old ones keep their index.
    assert.deepEqual(await log.appendMany([lost[1]!, first[699]!, first[0]!, lost[1]!]), [700, 699, 0, 700]);
    await log.close();
    log = await w.open({ dedup: true });
    assert.deepEqual(await log.appendMany([first[256]!, lost[1]!, lost[2]!]), [256, 700, 701]);
    await log.close();
  });
});

// ------------------------------------------------------------------ corrupted storage at open

describe('corrupted storage found at open', () => {
  let base: World;
  before(async () => {
    base = await grownWorld(300); // partials: tile/0/001.p/44, tile/1/000.p/1, tile/entries/001.p/44
  });

  const flip = (w: World, key: string, at: number) => {
    const v = w.store.objects.get(key);
    assert.ok(v, `${key} exists`);
    v[at < 0 ? v.length + at : at]! ^= 0x01;
  };
  const resign = (note: string, key: string, change: (cp: ReturnType<typeof parseCheckpoint>) => object) => {
    const cp = parseCheckpoint(parseNote(note).text);
    return signNote(formatCheckpoint({ ...cp, ...change(cp) }), [parseSignerKey(key)]);
  };
  const lockNote = (w: World) => dec.decode(w.lock.values.get(LOG_ID)!);

  const cases: [string, (w: World) => void][] = [
    ['a flipped byte in the level-0 partial tile', (w) => flip(w, 'tile/0/001.p/44', 40)],
    ['a flipped byte in the level-1 partial tile', (w) => flip(w, 'tile/1/000.p/1', 3)],
    ['a flipped byte in an entry of the partial bundle', (w) => flip(w, 'tile/entries/001.p/44', 5)],
    ['a truncated partial bundle', (w) => w.store.objects.set('tile/entries/001.p/44', new Uint8Array(10))],
    ['the partial bundle deleted', (w) => w.store.objects.delete('tile/entries/001.p/44')],
    ['the level-0 partial tile deleted', (w) => w.store.objects.delete('tile/0/001.p/44')],
    [
      'a lock checkpoint signed by another key of the same name',
      (w) => {
        const note = resign(lockNote(w), OTHER_KEY.skey, () => ({}));
        w.lock.values.set(LOG_ID, enc.encode(note));
        w.store.objects.set('checkpoint', enc.encode(note));
      },
    ],
    [
      'a lock checkpoint signed by another key, published checkpoint intact',
      (w) => w.lock.values.set(LOG_ID, enc.encode(resign(lockNote(w), OTHER_KEY.skey, () => ({})))),
    ],
    [
      'a lock checkpoint with a root the tiles do not have (signed by the log key)',
      (w) => {
        const note = resign(lockNote(w), KEY.skey, () => ({ root: new Uint8Array(32).fill(9) }));
        w.lock.values.set(LOG_ID, enc.encode(note));
        w.store.objects.set('checkpoint', enc.encode(note));
      },
    ],
    [
      'the lock is ahead of the published checkpoint and no staging object exists',
      (w) =>
        w.lock.values.set(
          LOG_ID,
          enc.encode(
            resign(lockNote(w), KEY.skey, (cp) => ({ size: cp.size + 1, root: new Uint8Array(32) })),
          ),
        ),
    ],
    ['the lock has no checkpoint but the store holds a published log', (w) => w.lock.values.delete(LOG_ID)],
    ['a lock value that is not a note', (w) => w.lock.values.set(LOG_ID, enc.encode('garbage'))],
  ];

  for (const [name, damage] of cases) {
    it(`${name}: Log.open rejects with corrupt and writes nothing`, async () => {
      const w = base.clone();
      damage(w);
      const objects = new Map([...w.store.objects].map(([k, v]) => [k, v.slice()]));
      const lockBefore = w.lock.values.get(LOG_ID)?.slice();
      const from = w.store.log.length;
      await rejectsWith(Log.open(w.options()), 'corrupt');
      assert.deepEqual(w.store.writesSince(from), [], 'no store writes');
      assert.deepEqual(w.lock.values.get(LOG_ID), lockBefore, 'the lock is unchanged');
      assert.deepEqual(w.store.objects, objects);
    });
  }

  it('the undamaged copy opens (the cases above are the damage, not the setup)', async () => {
    const w = base.clone();
    const log = await w.open();
    await w.verify(log);
    await log.close();
  });
});

describe('storage that holds another tree', () => {
  it('a tile with other bytes where the log must write: corrupt (not retryable), and the bytes stay', async () => {
    const w = await grownWorld(250);
    const planted = new Uint8Array(8192).fill(0xee);
    w.store.objects.set('tile/0/000', planted);
    const log = await w.open();
    const r = await w.append(log, w.entries(10)); // commits; its publish cannot write tile/0/000
    assert.ok(r.ok);
    await sleep(5);
    const err = await rejectsWith(log.appendMany(w.entries(1)), 'corrupt');
    assert.equal(err.retryable, false);
    assert.deepEqual(w.store.objects.get('tile/0/000'), planted);
    assert.ok(w.store.violations.includes('tile/0/000'));
    await log.close();
  });
});

// ------------------------------------------------------------------ a second writer

describe('a second writer', () => {
  it('the stale writer gets conflict; no inconsistent checkpoint is signed or published', async () => {
    const w = await grownWorld(100);
    const a = await w.open();
    const b = await w.open();
    const rb = await w.append(b, w.entries(5));
    assert.ok(rb.ok);
    await b.published(104);
    const stale = w.entries(7);
    const err = await rejectsWith(a.appendMany(stale), 'conflict');
    assert.equal(err.retryable, false);
    w.rejected.push(stale);
    w.absent.push(stale);
    // Nothing anywhere holds a checkpoint of the stale writer's tree.
    w.assertOnlyCommittedNotes();
    assert.equal(dec.decode(w.lock.values.get(LOG_ID)!), b.head().note);
    assert.equal(dec.decode(w.store.objects.get('checkpoint')!), b.head().note);
    await w.verify(b, { audit: true });
    // Whatever the writer that lost does next keeps the log consistent.
    const next = await w.append(a, w.entries(2));
    if (next.ok) await w.verify(a);
    await a.close();
    await b.close();
  });

  it('a writer that recovers while the other one publishes the same round', async () => {
    const w = await grownWorld(300);
    const a = await w.open();
    const b = await w.open();
    // B publishes slowly; A reads the staging object slowly, so B drops it meanwhile.
    w.store.fault = (op, key) =>
      op === 'put' && key.startsWith('tile/')
        ? { delayMs: 20 }
        : op === 'get' && key.startsWith('staging/')
          ? { delayMs: 80 }
          : undefined;
    const rb = await w.append(b, w.entries(3)); // acknowledged at its commit; publishing for ~20 ms
    assert.ok(rb.ok);
    const stale = w.entries(2);
    await rejectsWith(a.appendMany(stale), 'conflict');
    w.rejected.push(stale);
    w.absent.push(stale);
    // A recovers: the lock is ahead of the published checkpoint, and the staging object vanishes meanwhile.
    const ra = await w.append(a, w.entries(2));
    assert.ok(ra.ok, `${!ra.ok && ra.error.code}: ${!ra.ok && ra.error.message}`);
    w.clearFaults();
    await w.verify(a, { audit: true });
    await Promise.all([a.close(), b.close()]);
  });

  it('two processes creating the same log at once both open it', async () => {
    const w = new World();
    const [a, b] = await Promise.all([w.open(), w.open()]);
    assert.equal(a.head().note, b.head().note);
    assert.equal(a.head().size, 0);
    // Both append the same entry at once: the same tree, so both may acknowledge it.
    const x = enc.encode('the same entry\n');
    const got = await Promise.allSettled([a.append(x), b.append(x)]);
    for (const g of got) {
      if (g.status === 'fulfilled') assert.equal(g.value, 0);
      else assert.equal((g.reason as LedgerError).code, 'conflict');
    }
    w.acked.set(0, x);
    const c = await w.open();
    await w.verify(c);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('two writers racing on every round never fork the log', async () => {
    const w = await grownWorld(10);
    const a = await w.open({ maxDelayMs: 0 });
    const b = await w.open({ maxDelayMs: 0 });
    for (let k = 0; k < 30; k++) {
      const [ra, rb] = await Promise.all([w.append(a, w.entries(1 + (k % 3))), w.append(b, w.entries(2))]);
      for (const r of [ra, rb])
        if (!r.ok) assert.ok(['conflict', 'unavailable'].includes(r.error.code), r.error.message);
    }
    w.assertOnlyCommittedNotes();
    const c = await w.open();
    await w.verify(c, { audit: true });
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

// ------------------------------------------------------------------ reading and proving

describe('reads, proofs and receipts', () => {
  it('inclusion proofs and receipts verify for every size the log published', async () => {
    const w = new World();
    const log = await w.open();
    const heads = [log.head()];
    for (const g of [1, 2, 253, 1, 300, 4, 700]) {
      const r = await w.append(log, w.entries(g));
      assert.ok(r.ok);
      heads.push(await log.published(r.indexes.at(-1)!));
    }
    const random = rng(5);
    for (const h of heads.slice(1)) {
      const idx = [0, h.size - 1, ...Array.from({ length: 20 }, () => Math.floor(random() * h.size))];
      for (const i of idx) {
        const proof = await log.proveInclusion(i, h.size);
        checkInclusion(proof, h.size, h.root, i, leafHash(w.acked.get(i)!));
      }
    }
    const latest = log.head();
    for (const i of [0, 1, 255, 256, 257, latest.size - 1]) {
      const receipt = parseReceipt(await log.receipt(i));
      assert.equal(receipt.index, i);
      assert.equal(receipt.checkpoint, latest.note);
      const ok = verifyReceipt(receipt, { logKey: log.verifier, origin: ORIGIN, entry: w.acked.get(i)! });
      assert.equal(ok.checkpoint.size, latest.size);
      assert.throws(() =>
        verifyReceipt(receipt, { logKey: log.verifier, origin: ORIGIN, entry: enc.encode('not it') }),
      );
    }
    await assert.rejects(
      log.proveInclusion(latest.size),
      (e: unknown) => (e as LedgerError).code === 'out-of-range',
    );
    await assert.rejects(
      log.proveInclusion(0, latest.size + 1),
      (e: unknown) => (e as LedgerError).code === 'out-of-range',
    );
    await assert.rejects(
      log.receipt(latest.size),
      (e: unknown) => (e as LedgerError).code === 'out-of-range',
    );
    await assert.rejects(
      log.proveConsistency(5, 4),
      (e: unknown) => (e as LedgerError).code === 'out-of-range',
    );
    await assertConsistentHeads(
      log,
      heads.map((h) => h.note),
    );
    await log.close();
  });

  it('readSince pages through the log', async () => {
    const w = await grownWorld(1000);
    const log = await w.open();
    for (const page of [1, 7, 100, 256, 333, 5000]) {
      const got: Uint8Array[] = [];
      for (let from = 0; ; ) {
        const batch: Uint8Array[] = [];
        for await (const e of log.readSince(from, page)) {
          assert.equal(e.index, from + batch.length);
          batch.push(e.entry);
        }
        assert.ok(batch.length <= page);
        got.push(...batch);
        if (batch.length < page) break;
        from += batch.length;
      }
      assert.equal(got.length, 1000, `page ${page}`);
      got.forEach((e, i) => {
        assert.ok(bytesEqual(e, w.acked.get(i)!), `page ${page}: entry ${i}`);
      });
    }
    const collect = async (from: number, limit: number) => {
      const out: number[] = [];
      for await (const e of log.readSince(from, limit)) out.push(e.index);
      return out;
    };
    assert.deepEqual(await collect(1000, 10), []);
    assert.deepEqual(await collect(998, 10), [998, 999]);
    assert.deepEqual(await collect(255, 2), [255, 256]);
    assert.deepEqual(await collect(5, 0), []);
    assert.deepEqual(await collect(5, -3), []);
    await rejectsWith(collect(1001, 1), 'out-of-range');
    await rejectsWith(collect(-1, 1), 'out-of-range');
    await rejectsWith(collect(1.5, 1), 'out-of-range');
    await rejectsWith(log.entry(1000), 'out-of-range');
    await log.close();
  });

  it('removePartials while readers read the tiles being superseded', async () => {
    const w = new World();
    const log = await w.open({ removePartials: true, maxBatch: 40 });
    const random = rng(9);
    w.store.fault = (op) => (op === 'list' || op === 'delete' || op === 'get' ? { delayMs: 1 } : undefined);
    let stop = false;
    const errors: unknown[] = [];
    const reader = async () => {
      while (!stop) {
        const h = log.head();
        if (h.size > 0) {
          const i = Math.floor(random() * h.size);
          try {
            const e = await log.entry(i);
            const proof = await log.proveInclusion(i, h.size);
            checkInclusion(proof, h.size, h.root, i, leafHash(e));
            if (h.size > 1) await log.proveConsistency(Math.max(1, Math.floor(h.size / 2)), h.size);
          } catch (e) {
            errors.push(e);
          }
        }
        await sleep(0);
      }
    };
    const readers = [reader(), reader(), reader()];
    for (let k = 0; k < 40; k++) {
      const r = await w.append(log, w.entries(17 + (k % 5) * 9));
      assert.ok(r.ok);
    }
    await log.published(log.head().size);
    stop = true;
    await Promise.all(readers);
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      [],
    );
    w.clearFaults();
    for (const k of w.store.objects.keys()) {
      const full = k.replace(/\.p\/\d+$/, '');
      assert.ok(full === k || !w.store.objects.has(full), `${k} is left beside its full tile`);
    }
    await w.verify(log, { audit: true });
    await log.close();
  });
});

describe('closing', () => {
  it('close finishes pooled entries; later calls are refused with closed', async () => {
    const w = new World();
    const log = await w.open({ maxDelayMs: 20 });
    const pending = w.append(log, w.entries(3));
    const waiting = log.published(10); // never reached
    await log.close();
    const r = await pending;
    assert.ok(r.ok, 'pooled entries are integrated by close');
    await rejectsWith(waiting, 'closed');
    await rejectsWith(log.appendMany(w.entries(1)), 'closed');
    await rejectsWith(log.published(99), 'closed');
    await log.close(); // idempotent
    const again = await w.open();
    await w.verify(again);
    await again.close();
    assert.ok(Array.isArray(warnings));
  });
});
