/**
 * One tenant log: a pool of pending entries, a sequencer that integrates
 * them in batches, and the read and proof API over what it published.
 *
 * A sequencing round (`#stage`, `#commit`): hash the batch into the tree's right
 * edge, write every tile and bundle the round publishes into one staging
 * object, sign the new checkpoint, then compare-and-swap the checkpoint
 * lock to it. That swap is the round's only commit point, and the lock is
 * the only place a signed checkpoint goes before it: a round that loses
 * the swap leaves no signed tree anywhere. Everything after it (`#publish`:
 * write the tiles and bundles, replace `checkpoint`, drop the staging
 * object) is idempotent, and is exactly what recovery runs after a crash.
 * A failure anywhere before the commit point rejects the whole batch with a
 * retryable error and reloads the log from storage before the next round.
 */

import type { CheckpointLock } from '../storage/checkpoint-lock.js';
import { StorageError } from '../storage/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodeBundle, encodeBundle, MAX_ENTRY_SIZE } from '../tlog/bundle.js';
import { type Checkpoint, formatCheckpoint, openCheckpoint } from '../tlog/checkpoint.js';
import { TlogError } from '../tlog/errors.js';
import { bytesEqual, HASH_SIZE, leafHash, leafHashes } from '../tlog/hash.js';
import { type KeySigner, parseVerifierKey, signNote, type Verifier } from '../tlog/note.js';
import { assembleProof, type Proof, type ProofPlan, planConsistency, planInclusion } from '../tlog/proof.js';
import { formatReceipt } from '../tlog/receipt.js';
import {
  ENTRIES,
  hashAt,
  locateNode,
  parseTilePath,
  TILE_WIDTH,
  type Tile,
  tilePath,
  tileWidth,
} from '../tlog/tile.js';
import { TileBuilder } from '../tlog/tile-builder.js';
import { DedupIndex } from './dedup.js';
import { LedgerError } from './errors.js';
import { Pool, type PoolItem } from './pool.js';
import {
  decodeStaging,
  encodeStaging,
  isPublished,
  parentFile,
  parentOf,
  type StagedFile,
  stagingKey,
} from './staging.js';
import { sharedTileCache, storeKey, type TileCache } from './tile-cache.js';

export interface LogOptions {
  /** The log's id in the checkpoint lock, e.g. "acme/audit". */
  readonly id: string;
  /** The log's signer; its name is the checkpoint origin. */
  readonly signer: KeySigner;
  readonly store: ObjectStore;
  readonly lock: CheckpointLock;
  /** Most entries integrated in one round (default 4096). */
  readonly maxBatch?: number;
  /** Longest an entry waits for its batch to fill, in ms (default 2). */
  readonly maxDelayMs?: number;
  /** Most entries waiting in the pool before appends are refused (default 262144). */
  readonly maxPending?: number;
  /** Identical entries get the index of the first (strict; default off). */
  readonly dedup?: boolean;
  /** Delete partial tiles once their full tile is written (C2SP allows it; default off). */
  readonly removePartials?: boolean;
  /** Cache of tiles read (default: one shared by every log of the process, 64 MiB). */
  readonly tileCache?: TileCache;
  /** Observes each committed round (for metrics). */
  readonly onRound?: (r: { entries: number; size: number; ms: number }) => void;
}

/** A round's staged files, waiting for its commit. */
interface Staged {
  readonly key: string;
  readonly files: StagedFile[];
  readonly size: number;
  readonly root: Uint8Array;
}

/** The latest published state of a log. */
export interface LogHead {
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed checkpoint note. */
  readonly note: string;
}

export class Log {
  readonly id: string;
  readonly origin: string;
  readonly verifier: Verifier;
  readonly #o: Required<Omit<LogOptions, 'onRound' | 'tileCache'>> & Pick<LogOptions, 'onRound'>;
  readonly #pool: Pool;
  readonly #tiles: TileCache;
  /** Prefix of this log's keys in the tile cache. */
  readonly #cacheKey: string;
  #dedup: DedupIndex | undefined;

  /** The tree as staged so far (at most one round ahead of the committed one). */
  #size = 0;
  #root: Uint8Array = new TileBuilder().root();
  /** The committed checkpoint (the checkpoint lock's value). */
  #note = '';
  #builder = new TileBuilder();
  /** Entries of the right-edge (partial) bundle. */
  #edgeEntries: Uint8Array[] = [];
  /** Published state: what readers and provers see. */
  #head: LogHead | undefined;
  #needsRecovery = false;
  /** Committed rounds not yet published, oldest first. */
  #unpublished: { key: string; files: StagedFile[]; head: LogHead }[] = [];
  /** The chain of publishes; rejected once one fails, until recovery resets it. */
  #publishing: Promise<void> = Promise.resolve();
  /** The chain of commits; rejected once one fails, until recovery resets it. */
  #commits: Promise<void> = Promise.resolve();
  readonly #waiters: { index: number; resolve: (h: LogHead) => void; reject: (e: unknown) => void }[] = [];
  #closed = false;

  private constructor(o: LogOptions) {
    this.#o = {
      maxBatch: 4096,
      maxDelayMs: 2,
      maxPending: 262144,
      dedup: false,
      removePartials: false,
      ...o,
    };
    this.#tiles = o.tileCache ?? sharedTileCache;
    this.#cacheKey = storeKey(o.store);
    this.id = o.id;
    this.origin = o.signer.name;
    this.verifier = parseVerifierKey(o.signer.vkey);
    this.#pool = new Pool({
      maxBatch: this.#o.maxBatch,
      maxDelayMs: this.#o.maxDelayMs,
      maxPending: this.#o.maxPending,
      run: (batch) => this.#round(batch),
    });
  }

  /** Opens a log, creating it (with a signed empty checkpoint) when the lock has none, and recovers. */
  static async open(o: LogOptions): Promise<Log> {
    const log = new Log(o);
    try {
      await log.#recover();
    } catch (e) {
      throw asLedgerError(e, o.id, 'the log could not be opened');
    }
    return log;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Appends one entry. MUST NOT resolve until the entry is durable and
   * sequenced (its round committed); resolves to its index.
   */
  append(entry: Uint8Array): Promise<number> {
    return this.appendMany([entry]).then((r) => r[0]!);
  }

  /** Appends entries, kept together in one round; resolves to their indexes in order. */
  appendMany(entries: readonly Uint8Array[]): Promise<number[]> {
    if (this.#closed) return Promise.reject(new LedgerError('closed', `log ${this.id} is closed`));
    if (entries.length === 0) return Promise.reject(new LedgerError('empty-batch', 'no entries to append'));
    const copies: Uint8Array[] = [];
    for (const [i, e] of entries.entries()) {
      if (!(e instanceof Uint8Array))
        return Promise.reject(new LedgerError('bad-request', `entry ${i} is not bytes`));
      if (e.length > MAX_ENTRY_SIZE) {
        return Promise.reject(
          new LedgerError(
            'entry-too-large',
            `entry ${i} has ${e.length} bytes; the limit is ${MAX_ENTRY_SIZE} (store large payloads as artifacts and log their digest)`,
          ),
        );
      }
      // The log keeps the entry (the right-edge bundle is re-encoded by later
      // rounds), so it takes its own copy: the caller may reuse its buffer.
      copies.push(new Uint8Array(e));
    }
    return this.#pool.add(copies);
  }

  /** Resolves once a published checkpoint covers `index`. */
  published(index: number): Promise<LogHead> {
    const head = this.#head;
    if (head && index < head.size) return Promise.resolve(head);
    if (this.#closed) return Promise.reject(new LedgerError('closed', `log ${this.id} is closed`));
    return new Promise((resolve, reject) => this.#waiters.push({ index, resolve, reject }));
  }

  /** Entries waiting in the pool. */
  get pending(): number {
    return this.#pool.depth;
  }

  /**
   * One round. Rounds overlap by one step: this round stages its files
   * while the previous round's commit is in flight, and returns (letting
   * the pool start the next) once both are done. Commits run strictly in
   * order; if one fails, every later staged round fails with it, and the
   * next round recovers from storage first.
   */
  async #round(batch: PoolItem[]): Promise<void> {
    const started = Date.now();
    try {
      if (this.#needsRecovery) await this.#recover();
      const fresh: Uint8Array[] = [];
      const dedup = this.#dedup;
      const seen = new Map<string, number>();
      const slots: number[][] = batch.map((item) =>
        item.entries.map((e) => {
          if (dedup) {
            const key = DedupIndex.key(e);
            const existing = dedup.get(key) ?? seen.get(key);
            if (existing !== undefined) return existing;
            seen.set(key, this.#size + fresh.length);
          }
          fresh.push(e);
          return this.#size + fresh.length - 1;
        }),
      );
      const previous = this.#commits;
      let commit: Promise<void>;
      if (fresh.length > 0) {
        const staged = await this.#stage(fresh);
        // Optimistic: a failed commit makes recovery reload the index from the tiles.
        dedup?.addAll(seen);
        commit = previous.then(() => this.#commit(staged));
      } else {
        commit = previous; // duplicates may point into the round still committing
      }
      this.#commits = commit;
      const size = this.#size; // the tree this round commits
      commit.then(
        () => {
          batch.forEach((item, i) => {
            item.resolve(slots[i]!);
          });
          this.#o.onRound?.({ entries: fresh.length, size, ms: Date.now() - started });
        },
        (e) => {
          this.#needsRecovery = true;
          const err = asLedgerError(e, this.id, 'the batch was not stored');
          for (const item of batch) item.reject(err);
        },
      );
      await previous.catch(() => {});
    } catch (e) {
      this.#needsRecovery = true;
      const err = asLedgerError(e, this.id, 'the batch was not stored');
      for (const item of batch) item.reject(err);
    }
  }

  /** Hashes entries into the right edge and writes the round's staging object. */
  async #stage(entries: Uint8Array[]): Promise<Staged> {
    const oldSize = this.#size;
    const all = [...this.#edgeEntries, ...entries];
    const allStart = oldSize - this.#edgeEntries.length;
    const hashes = new Uint8Array(entries.length * HASH_SIZE);
    leafHashes(entries, hashes);
    this.#builder.appendMany(hashes);
    const size = this.#builder.size;
    const files: StagedFile[] = [parentFile(oldSize, this.#root)];
    for (const { tile, data } of this.#builder.flush()) {
      files.push({ path: tilePath(tile), data });
      if (tile.level === 0) {
        const from = tile.index * TILE_WIDTH - allStart;
        files.push({
          path: tilePath({ ...tile, level: ENTRIES }),
          data: encodeBundle(all.slice(from, from + tile.width)),
        });
      }
    }
    const root = this.#builder.root();
    const key = stagingKey(size, root);
    // From here on the next round builds on this one (if this one's commit
    // fails, so does the next's, and recovery reloads all of this).
    this.#size = size;
    this.#root = root;
    this.#edgeEntries = all.slice(all.length - (size % TILE_WIDTH));
    // The staging object holds no checkpoint: recovery publishes the lock's.
    await this.#o.store.put(key, encodeStaging(files));
    return { key, files, size, root };
  }

  /** Signs the staged tree and swaps the lock to it: the commit point. */
  async #commit({ key, files, size, root }: Staged): Promise<void> {
    const note = signNote(formatCheckpoint({ origin: this.origin, size, root }), [this.#o.signer]);
    await this.#swap(this.#note, note);
    // COMMIT POINT. If the process dies here, the tree of `note` is the log:
    // recovery finds the lock ahead of the published checkpoint, follows the
    // staging objects' parent links back to it, and publishes those rounds,
    // the same as #publishPending below.
    this.#note = note;
    // Publishing runs behind the commits (the next commit need not wait for
    // it); rounds committed meanwhile are published together.
    this.#unpublished.push({ key, files, head: { size, root, note } });
    const publishing = this.#publishing.then(() => this.#publishPending());
    publishing.catch((e) => {
      if (this.#needsRecovery) return;
      this.#needsRecovery = true;
      process.emitWarning(
        `log ${this.id}: publishing up to size ${size} failed; it is retried from staging: ${(e as Error).message}`,
      );
      this.#scheduleRecovery(50);
    });
    this.#publishing = publishing;
  }

  async #swap(oldNote: string, note: string): Promise<void> {
    const enc = new TextEncoder();
    try {
      await this.#o.lock.swap(this.id, oldNote === '' ? undefined : enc.encode(oldNote), enc.encode(note));
    } catch (e) {
      if (e instanceof StorageError && (e.code === 'unavailable' || e.code === 'lock-conflict')) {
        // The swap may have happened (unavailable), or the lock may already
        // hold this very note (signed for the same tree by another opener,
        // e.g. two processes creating a log at once): read it back.
        const now = await this.#o.lock.get(this.id);
        if (now && bytesEqual(now, enc.encode(note))) return;
      }
      if (e instanceof StorageError && e.code === 'lock-conflict') {
        throw new LedgerError('conflict', `log ${this.id} was changed by another writer`, { cause: e });
      }
      throw e;
    }
  }

  /** Publishes every committed round not yet published. Idempotent; also the recovery path. */
  async #publishPending(): Promise<void> {
    const rounds = this.#unpublished.splice(0);
    if (rounds.length === 0) return;
    const store = this.#o.store;
    await this.#publishFiles(rounds.flatMap((r) => r.files));
    const head = rounds.at(-1)!.head;
    await store.replace('checkpoint', new TextEncoder().encode(head.note));
    // No reader needs a partial tile of a full one: #readTile falls back to
    // the full tile for readers of older heads.
    if (this.#o.removePartials) for (const r of rounds) await this.#removeSuperseded(r.files);
    this.#setHead(head);
    for (const r of rounds) await store.delete(r.key);
  }

  /** Runs recovery in an empty round (so never beside another round), retrying with back-off. */
  #scheduleRecovery(delayMs: number): void {
    setTimeout(() => {
      if (this.#closed || !this.#needsRecovery) return;
      this.#pool.add([]).catch(() => this.#scheduleRecovery(Math.min(delayMs * 2, 5000)));
    }, delayMs).unref();
  }

  /** Deletes the partial tiles of the tiles a round completed (their full tile now serves every size). */
  async #removeSuperseded(files: readonly StagedFile[]): Promise<void> {
    for (const f of files) {
      if (!isPublished(f) || f.path.includes('.p/')) continue;
      for (const p of await this.#o.store.list(`${f.path}.p/`)) await this.#o.store.delete(p);
    }
  }

  #setHead(head: LogHead): void {
    this.#head = head;
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i]!;
      if (w.index < head.size) {
        this.#waiters.splice(i, 1);
        w.resolve(head);
      }
    }
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Loads the committed state from storage and finishes a round that
   * committed but did not publish. Removes staging objects of rounds that
   * never committed (their entries were never acknowledged).
   */
  async #recover(): Promise<void> {
    const { store, lock } = this.#o;
    const enc = new TextEncoder();
    await this.#commits.catch(() => {});
    this.#commits = Promise.resolve();
    await this.#publishing.catch(() => {});
    this.#publishing = Promise.resolve();
    let lockBytes = await lock.get(this.id);
    if (lockBytes === undefined) {
      // A checkpoint is published only after the lock holds it: a published
      // log without a lock value means the lock lost it. Starting over would
      // sign a second history for this origin.
      if ((await store.get('checkpoint')) !== undefined)
        throw new LedgerError(
          'corrupt',
          `log ${this.id}: the store holds a published checkpoint but the checkpoint lock has none`,
        );
      const empty = signNote(
        formatCheckpoint({ origin: this.origin, size: 0, root: new TileBuilder().root() }),
        [this.#o.signer],
      );
      await this.#swap('', empty);
      lockBytes = enc.encode(empty);
    }
    const note = new TextDecoder().decode(lockBytes);
    const cp = this.#openOwn(note, 'the checkpoint lock');
    const staged = new Set(await store.list('staging/'));
    const published = await store.get('checkpoint');
    const inSync = published !== undefined && bytesEqual(published, lockBytes);
    // The committed rounds whose staging objects remain, newest first: to
    // publish them, or (removePartials) to finish a publish that stopped
    // after the checkpoint. Staging objects not on this chain never committed.
    const chain: StagedFile[][] = [];
    if (cp.size > 0 && (!inSync || this.#o.removePartials)) {
      let cur: { size: number; root: Uint8Array } | undefined = cp;
      while (cur && cur.size > 0 && staged.has(stagingKey(cur.size, cur.root))) {
        const data = await store.get(stagingKey(cur.size, cur.root));
        if (!data) break;
        const files = decodeStaging(data);
        chain.push(files);
        cur = parentOf(files);
      }
    }
    if (!inSync && cp.size > 0 && chain.length === 0) {
      // Another writer may have published it and dropped its staging object meanwhile.
      const now = await store.get('checkpoint');
      if (!now || !bytesEqual(now, lockBytes))
        throw new LedgerError(
          'corrupt',
          `log ${this.id}: checkpoint ${cp.size} is committed but neither published nor staged`,
        );
    } else if (!inSync) {
      for (const files of [...chain].reverse()) await this.#publishFiles(files);
      await store.replace('checkpoint', lockBytes);
    }
    if (this.#o.removePartials) for (const files of chain) await this.#removeSuperseded(files);
    for (const k of staged) await store.delete(k);
    this.#unpublished = [];
    await this.#loadEdge(cp, note);
    this.#needsRecovery = false;
  }

  async #publishFiles(files: readonly StagedFile[]): Promise<void> {
    await Promise.all(files.filter(isPublished).map((f) => this.#o.store.put(f.path, f.data)));
  }

  #openOwn(note: string | Uint8Array, what: string): Checkpoint {
    try {
      return openCheckpoint(note, [this.verifier], this.origin).checkpoint;
    } catch (e) {
      if (e instanceof TlogError)
        throw new LedgerError('corrupt', `log ${this.id}: ${what} does not verify: ${e.message}`);
      throw e;
    }
  }

  /** Rebuilds the right edge of the tree from the partial tiles of `cp`, checking it against the root. */
  async #loadEdge(cp: Checkpoint, note: string): Promise<void> {
    const size = cp.size;
    const partials = new Map<number, Uint8Array>();
    for (let level = 0; Math.floor(size / 256 ** level) > 0; level++) {
      const width = Math.floor(size / 256 ** level) % TILE_WIDTH;
      if (width === 0) continue;
      const tile = { level, index: Math.floor(size / 256 ** (level + 1)), width };
      partials.set(level, await this.#mustGet(tilePath(tile)));
    }
    let builder: TileBuilder;
    try {
      builder = new TileBuilder(size, (level) => partials.get(level)!);
    } catch (e) {
      throw new LedgerError(
        'corrupt',
        `log ${this.id}: the right edge of the tree is damaged: ${(e as Error).message}`,
      );
    }
    if (!bytesEqual(builder.root(), cp.root)) {
      throw new LedgerError(
        'corrupt',
        `log ${this.id}: the stored tiles do not hash to the checkpoint's root at size ${size}`,
      );
    }
    const edgeWidth = size % TILE_WIDTH;
    let edgeEntries: Uint8Array[] = [];
    if (edgeWidth > 0) {
      const path = tilePath({ level: ENTRIES, index: Math.floor(size / TILE_WIDTH), width: edgeWidth });
      edgeEntries = this.#decode(await this.#mustGet(path), edgeWidth, path).map((e) => new Uint8Array(e));
      const edge = partials.get(0)!;
      edgeEntries.forEach((e, i) => {
        if (!bytesEqual(leafHash(e), edge.subarray(i * 32, i * 32 + 32))) {
          throw new LedgerError(
            'corrupt',
            `log ${this.id}: entry ${size - edgeWidth + i} does not match its leaf hash`,
          );
        }
      });
    }
    this.#builder = builder;
    this.#edgeEntries = edgeEntries;
    this.#size = size;
    this.#root = cp.root;
    this.#note = note;
    if (this.#o.dedup)
      this.#dedup = await DedupIndex.load(size, (n) =>
        this.#readTile({ level: 0, index: n, width: tileWidth(0, n, size) }),
      );
    this.#setHead({ size, root: cp.root, note });
  }

  async #mustGet(path: string): Promise<Uint8Array> {
    const data = await this.#o.store.get(path);
    if (!data) throw new LedgerError('corrupt', `log ${this.id}: ${path} is missing`);
    return data;
  }

  #decode(data: Uint8Array, width: number, path: string): Uint8Array[] {
    try {
      return decodeBundle(data, width);
    } catch (e) {
      throw new LedgerError('corrupt', `log ${this.id}: ${path}: ${(e as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- reading

  /** The latest published checkpoint. */
  head(): LogHead {
    if (!this.#head) throw new LedgerError('closed', `log ${this.id} is not open`);
    return this.#head;
  }

  /** Reads tile bytes at the width the published tree has (full, or the right-edge partial). */
  async #readTile(tile: Tile): Promise<Uint8Array> {
    const path = tilePath(tile);
    const cached = this.#tiles.get(this.#cacheKey + path);
    if (cached) return cached;
    const data = await this.#o.store.get(path);
    if (data) {
      this.#tiles.set(this.#cacheKey + path, data);
      return data;
    }
    if (tile.width < TILE_WIDTH) {
      // A partial tile may be gone once its full tile exists (removePartials,
      // as C2SP allows): the full tile's prefix is the same data.
      const fullPath = tilePath({ ...tile, width: TILE_WIDTH });
      const full = this.#tiles.get(this.#cacheKey + fullPath) ?? (await this.#o.store.get(fullPath));
      if (full) {
        this.#tiles.set(this.#cacheKey + fullPath, full);
        return tile.level === ENTRIES
          ? bundlePrefix(full, tile.width)
          : full.subarray(0, tile.width * HASH_SIZE);
      }
    }
    throw new LedgerError('corrupt', `log ${this.id}: ${path} is missing`);
  }

  /** The entry at `index` of the published tree. */
  async entry(index: number): Promise<Uint8Array> {
    for await (const e of this.readSince(index, 1)) return e.entry;
    throw new LedgerError('out-of-range', `index ${index} is not in the log`);
  }

  /** Streams up to `limit` published entries from `index` on. */
  async *readSince(index: number, limit: number): AsyncGenerator<{ index: number; entry: Uint8Array }> {
    const size = this.head().size;
    checkIndex(index, size + 1, 'index');
    const end = Math.min(size, index + Math.max(0, limit));
    for (let i = index; i < end; ) {
      const n = Math.floor(i / TILE_WIDTH);
      const width = tileWidth(0, n, size);
      const tile = { level: ENTRIES, index: n, width };
      const path = tilePath(tile);
      const entries = this.#decode(await this.#readTile(tile), width, path);
      // Copies: the bundle may be cached, and the caller may change what it gets.
      for (let j = i - n * TILE_WIDTH; j < width && i < end; j++, i++)
        yield { index: i, entry: new Uint8Array(entries[j]!) };
    }
  }

  async #readNodes(plan: ProofPlan, size: number): Promise<Uint8Array[]> {
    const published = this.head().size;
    // A complete node's hash never changes: cached hashes skip the tile read and the hashing.
    const keys = plan.nodes.map((n) => `${this.#cacheKey}node/${n.level}/${n.index}`);
    const out = keys.map((k) => this.#tiles.get(k));
    const missing = out.flatMap((h, i) => (h === undefined ? [i] : []));
    if (missing.length === 0) return out as Uint8Array[];
    const locs = new Map(
      missing.map((i) => [i, locateNode(plan.nodes[i]!.level, plan.nodes[i]!.index, size)]),
    );
    // Read each tile once, at the width the published tree has (a prefix serves older sizes).
    const pathOf = (l: { tile: Tile }) =>
      tilePath({ ...l.tile, width: tileWidth(l.tile.level, l.tile.index, published) });
    const tiles = new Map<string, Promise<Uint8Array>>();
    for (const l of locs.values()) {
      const p = pathOf(l);
      if (!tiles.has(p)) tiles.set(p, this.#readTile(parseTilePath(p)));
    }
    const data = await Promise.all(tiles.values());
    const byPath = new Map([...tiles.keys()].map((k, i) => [k, data[i]!]));
    for (const [i, l] of locs) {
      const h = hashAt(l, byPath.get(pathOf(l))!);
      this.#tiles.set(keys[i]!, h);
      out[i] = h;
    }
    return out as Uint8Array[];
  }

  /** RFC 6962 inclusion proof of `index` in the published tree of `size` (default: the latest). */
  async proveInclusion(index: number, size = this.head().size): Promise<Proof> {
    checkIndex(size, this.head().size + 1, 'size');
    checkIndex(index, size, 'index');
    const plan = planInclusion(index, size);
    return assembleProof(plan, await this.#readNodes(plan, size));
  }

  /** RFC 6962 consistency proof from tree size `from` to `to` (default: the latest). */
  async proveConsistency(from: number, to = this.head().size): Promise<Proof> {
    checkIndex(to, this.head().size + 1, 'size');
    checkIndex(from, to + 1, 'old size');
    const plan = planConsistency(from, to);
    return assembleProof(plan, await this.#readNodes(plan, to));
  }

  /** A C2SP tlog-proof receipt for `index` against the latest checkpoint. */
  async receipt(index: number): Promise<string> {
    const head = this.head();
    checkIndex(index, head.size, 'index');
    const proof = await this.proveInclusion(index, head.size);
    return formatReceipt({ index, proof, checkpoint: head.note });
  }

  /** Stops taking entries, finishes what is pooled, and waits for publishing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.drain();
    await this.#commits.catch(() => {});
    await this.#publishing.catch(() => {});
    for (const w of this.#waiters.splice(0)) w.reject(new LedgerError('closed', `log ${this.id} closed`));
  }
}

/**
 * A failure as the ledger reports it: storage that failed (or may have) is
 * 'unavailable' (retry); storage holding other bytes than the log's own
 * tree is 'corrupt' (retrying cannot help); an unusable log id is a bad request.
 */
function asLedgerError(e: unknown, id: string, what: string): LedgerError {
  if (e instanceof LedgerError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof StorageError && e.code === 'exists-different')
    return new LedgerError('corrupt', `log ${id}: ${message}`, { cause: e });
  if (e instanceof StorageError && e.code === 'bad-key')
    return new LedgerError('bad-request', `log ${id}: ${message}`, { cause: e });
  return new LedgerError('unavailable', `log ${id}: ${what} (${message}); retry`, { cause: e });
}

/** The bytes of the first `count` entries of an entry bundle (the rest is left to #decode to check). */
function bundlePrefix(bundle: Uint8Array, count: number): Uint8Array {
  let at = 0;
  for (let k = 0; k < count && at + 2 <= bundle.length; k++) at += 2 + bundle[at]! * 256 + bundle[at + 1]!;
  return bundle.subarray(0, Math.min(at, bundle.length));
}

function checkIndex(i: number, bound: number, what: string): void {
  if (!Number.isSafeInteger(i) || i < 0 || i >= bound) {
    throw new LedgerError(
      'out-of-range',
      `${what} ${i} is outside the published log (${what === 'index' ? `size ${bound}` : `max ${bound - 1}`})`,
    );
  }
}
