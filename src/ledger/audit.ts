/**
 * A full audit of a published log, as an outside auditor would run it: the
 * checkpoint's signatures, every entry re-hashed, the tree rebuilt from the
 * entries alone, every published hash tile compared byte for byte, and an
 * older checkpoint checked to be a prefix. It reads through a `LogSource`
 * and holds only the right edge of the tree, so memory does not grow with
 * the log. The same checks back `vellum verify` and `vellum fsck`.
 */
import type { LogSource } from '../storage/log-source.js';
import { decodeBundle } from '../tlog/bundle.js';
import { type Checkpoint, openCheckpoint } from '../tlog/checkpoint.js';
import { TlogError } from '../tlog/errors.js';
import { bytesEqual, EMPTY_ROOT, HASH_SIZE, leafHashes } from '../tlog/hash.js';
import type { Verifier } from '../tlog/note.js';
import { ENTRIES, newTiles, parseTilePath, TILE_WIDTH, type Tile, tilePath } from '../tlog/tile.js';
import { TileBuilder, type TileData } from '../tlog/tile-builder.js';

export interface AuditOptions {
  /** The log's own key: the checkpoint MUST carry its valid signature. */
  readonly logKey: Verifier;
  /** Witness keys whose valid cosignatures MUST all be on the checkpoint. */
  readonly witnesses?: readonly Verifier[];
  /** An older checkpoint of the same log, which MUST be a prefix of the current tree. */
  readonly old?: Uint8Array | string;
  /** The checkpoint to audit, instead of reading `checkpoint` from the source. */
  readonly checkpoint?: Uint8Array;
  /** Called after each entry bundle with entries done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Bundles read ahead of hashing (default 16). */
  readonly readAhead?: number;
}

export interface AuditSuccess {
  readonly ok: true;
  readonly checkpoint: Checkpoint;
  readonly signatures: number;
  readonly tilesChecked: number;
  readonly bytesRead: number;
  /** Size of the older checkpoint shown to be a prefix, when one was given. */
  readonly consistentFrom?: number;
}

export interface AuditFailure {
  readonly ok: false;
  /** The item that failed: `checkpoint signature`, `tile/0/x001/234`, `entry 70123`, ... */
  readonly item: string;
  readonly reason: string;
}

export type AuditResult = AuditSuccess | AuditFailure;

class Failed extends Error {
  constructor(
    readonly item: string,
    readonly reason: string,
  ) {
    super(`${item}: ${reason}`);
  }
}

const fail = (item: string, reason: string): never => {
  throw new Failed(item, reason);
};

export async function auditLog(source: LogSource, opts: AuditOptions): Promise<AuditResult> {
  try {
    return await new Auditor(source, opts).run();
  } catch (e) {
    if (e instanceof Failed) return { ok: false, item: e.item, reason: e.reason };
    throw e;
  }
}

class Auditor {
  bytesRead = 0;
  tilesChecked = 0;
  /** The first published tile found to differ from the rebuilt tree, and the entry it points at. */
  firstMismatch: { item: string; entry?: number } | undefined;
  /** An older partial bundle that is not a prefix of its current bundle. */
  badOldBundle: string | undefined;
  /** Partial tiles present besides the final ones (sources that can list), by "level/index". */
  readonly extraPartials = new Map<string, string[]>();

  constructor(
    readonly source: LogSource,
    readonly opts: AuditOptions,
  ) {}

  async read(path: string): Promise<Uint8Array | undefined> {
    let data: Uint8Array | undefined;
    try {
      data = await this.source.read(path);
    } catch (e) {
      return fail(path, `cannot be read: ${(e as Error).message}`);
    }
    if (data) this.bytesRead += data.length;
    return data;
  }

  /** Reads a tile, falling back to the full tile when a partial one is gone (C2SP allows removing it). */
  async readTile(tile: Tile): Promise<{ data: Uint8Array; path: string }> {
    const path = tilePath(tile);
    const data = await this.read(path);
    if (data) return { data, path };
    if (tile.width < TILE_WIDTH) {
      const full = tilePath({ ...tile, width: TILE_WIDTH });
      const fdata = await this.read(full);
      if (fdata) return { data: fdata, path: full };
    }
    return fail(path, 'is missing');
  }

  openCheckpoint(
    raw: Uint8Array | string,
    what: string,
  ): { checkpoint: Checkpoint; signatures: number; signers: Set<string> } {
    const { logKey, witnesses = [] } = this.opts;
    try {
      const { checkpoint, note } = openCheckpoint(raw, [logKey, ...witnesses]);
      const signers = new Set(note.sigs.map((s) => `${s.name}+${s.keyId}`));
      if (!signers.has(`${logKey.name}+${logKey.keyId}`))
        fail(`${what} signature`, `not signed by the log key ${logKey.name}`);
      return { checkpoint, signatures: note.sigs.length + note.unverifiedSigs.length, signers };
    } catch (e) {
      if (e instanceof TlogError) {
        const item = e.code === 'bad-checkpoint' || e.code === 'bad-number' ? what : `${what} signature`;
        return fail(item, e.message);
      }
      throw e;
    }
  }

  async run(): Promise<AuditSuccess> {
    const raw = this.opts.checkpoint ?? (await this.read('checkpoint')) ?? fail('checkpoint', 'is missing');
    const { checkpoint, signatures, signers } = this.openCheckpoint(raw, 'checkpoint');
    for (const w of this.opts.witnesses ?? []) {
      if (!signers.has(`${w.name}+${w.keyId}`))
        fail(`witness ${w.name}`, 'no valid cosignature on the checkpoint');
    }
    let old: Checkpoint | undefined;
    if (this.opts.old !== undefined) {
      old = this.openCheckpoint(this.opts.old, 'old checkpoint').checkpoint;
      if (old.origin !== checkpoint.origin)
        fail(
          'old checkpoint',
          `origin ${JSON.stringify(old.origin)} is not ${JSON.stringify(checkpoint.origin)}`,
        );
      if (old.size > checkpoint.size)
        fail(
          'old checkpoint',
          `size ${old.size} is larger than the current ${checkpoint.size}: the log shrank`,
        );
    }
    if (this.source.list) await this.findExtraPartials(checkpoint.size);

    const size = checkpoint.size;
    const builder = new TileBuilder();
    const checkOld = () => {
      if (old && builder.size === old.size && !bytesEqual(builder.root(), old.root)) {
        fail(
          'old checkpoint',
          `the first ${old.size} entries hash to a different root: not a prefix of the current log`,
        );
      }
    };
    if (old && old.size === 0 && !bytesEqual(old.root, EMPTY_ROOT))
      fail('old checkpoint', 'an empty tree with a non-empty root');

    const leafBuf = new Uint8Array(TILE_WIDTH * HASH_SIZE);
    const bundles = Math.ceil(size / TILE_WIDTH);
    const readAhead = Math.max(1, this.opts.readAhead ?? 16);
    const pending: Promise<[Uint8Array, string]>[] = [];
    const fetchBundle = (n: number) => {
      const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
      const p = this.readTile({ level: ENTRIES, index: n, width }).then(
        (r) => [r.data, r.path] as [Uint8Array, string],
      );
      // A read-ahead that fails after an earlier failure ended the audit is
      // not awaited: keep it from being an unhandled rejection. Failures are
      // still reported in bundle order, when the bundle's turn comes.
      p.catch(() => {});
      return p;
    };
    for (let n = 0; n < Math.min(readAhead, bundles); n++) pending.push(fetchBundle(n));
    for (let n = 0; n < bundles; n++) {
      const [data, path] = await pending.shift()!;
      if (n + readAhead < bundles) pending.push(fetchBundle(n + readAhead));
      const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
      const entries = this.decodeEntries(data, path, width);
      await this.compareOldBundles(n, data);
      const hashes = leafBuf.subarray(0, entries.length * HASH_SIZE);
      leafHashes(entries, hashes);
      if (old && old.size > builder.size && old.size < builder.size + entries.length) {
        // Stop at the older checkpoint's size to compare its root.
        const k = old.size - builder.size;
        builder.appendMany(hashes.subarray(0, k * HASH_SIZE));
        checkOld();
        builder.appendMany(hashes.subarray(k * HASH_SIZE));
      } else {
        builder.appendMany(hashes);
      }
      if (old) checkOld();
      for (const done of builder.takeCompleted()) await this.compareTile(done);
      this.opts.onProgress?.(builder.size, size);
    }
    if (old && old.size === 0) checkOld();
    for (const part of builder.partials()) await this.compareTile(part);

    const root = builder.root();
    if (!bytesEqual(root, checkpoint.root)) {
      const m = this.firstMismatch;
      if (m?.entry !== undefined)
        fail(`entry ${m.entry}`, `does not match ${m.item}, and the entries do not hash to the signed root`);
      fail(
        'checkpoint root',
        `the entries hash to ${hex(root)}, the checkpoint signed ${hex(checkpoint.root)}`,
      );
    }
    if (this.firstMismatch) fail(this.firstMismatch.item, 'differs from the tile rebuilt from the entries');
    if (this.badOldBundle) fail(this.badOldBundle, 'is not a prefix of the current bundle');
    const result: AuditSuccess = {
      ok: true,
      checkpoint,
      signatures,
      tilesChecked: this.tilesChecked,
      bytesRead: this.bytesRead,
    };
    return old ? { ...result, consistentFrom: old.size } : result;
  }

  decodeEntries(data: Uint8Array, path: string, width: number): Uint8Array[] {
    try {
      // A full bundle standing in for a vanished partial one holds more entries than needed.
      const isFallback = width < TILE_WIDTH && !path.includes('.p/');
      const entries = decodeBundle(data, isFallback ? TILE_WIDTH : width);
      return isFallback ? entries.slice(0, width) : entries;
    } catch (e) {
      if (e instanceof TlogError) return fail(path, e.message);
      throw e;
    }
  }

  /** Compares a rebuilt tile with the published one (and any older partial tiles of it). */
  async compareTile({ tile, data }: TileData): Promise<void> {
    this.tilesChecked++;
    const published = await this.readTile(tile);
    const got = published.data.subarray(
      0,
      published.path === tilePath(tile) ? published.data.length : data.length,
    );
    if (!bytesEqual(got, data)) this.noteMismatch(tile, published.path, got, data);
    for (const path of this.extraPartials.get(`${tile.level}/${tile.index}`) ?? []) {
      const width = Number(path.slice(path.lastIndexOf('/') + 1));
      this.tilesChecked++;
      const p = (await this.read(path)) ?? fail(path, 'vanished during the audit');
      if (!bytesEqual(p, data.subarray(0, width * HASH_SIZE)))
        this.noteMismatch({ ...tile, width }, path, p, data);
    }
  }

  /** Older partial bundles of bundle n MUST be prefixes of it. */
  async compareOldBundles(n: number, data: Uint8Array): Promise<void> {
    for (const path of this.extraPartials.get(`${ENTRIES}/${n}`) ?? []) {
      this.tilesChecked++;
      const p = (await this.read(path)) ?? fail(path, 'vanished during the audit');
      const width = Number(path.slice(path.lastIndexOf('/') + 1));
      this.decodeEntries(p, path, width);
      // Reported only after the root check, so a changed entry is named as such, not this older copy.
      if (!bytesEqual(p, data.subarray(0, p.length))) this.badOldBundle ??= path;
    }
  }

  noteMismatch(tile: Tile, path: string, got: Uint8Array, want: Uint8Array): void {
    if (this.firstMismatch) return;
    let at = 0;
    while (at < Math.min(got.length, want.length) && got[at] === want[at]) at++;
    const hashIndex = Math.floor(at / HASH_SIZE);
    const entry = tile.level === 0 && at < want.length ? tile.index * TILE_WIDTH + hashIndex : undefined;
    this.firstMismatch = entry === undefined ? { item: path } : { item: path, entry };
  }

  /** Lists partial hash tiles besides the final ones, so they are checked too (directories only). */
  async findExtraPartials(size: number): Promise<void> {
    const published = newTiles(0, size);
    const finals = new Set(
      published.flatMap((t) => (t.level === 0 ? [t, { ...t, level: ENTRIES }] : [t]).map((x) => tilePath(x))),
    );
    const widths = new Map(published.map((t) => [`${t.level}/${t.index}`, t.width]));
    for (const path of await this.source.list!('tile')) {
      if (!path.includes('.p/') || finals.has(path)) continue;
      let tile: Tile;
      try {
        tile = parseTilePath(path);
      } catch (e) {
        if (e instanceof TlogError) return fail(path, `unexpected file in the log: ${e.message}`);
        throw e;
      }
      const level = tile.level === ENTRIES ? 0 : tile.level;
      const width = widths.get(`${level}/${tile.index}`) ?? 0;
      // Tiles ahead of the checkpoint are normal (a log writes tiles before it publishes their
      // checkpoint) and say nothing about this tree: skip them, as tlog-audit does.
      if (width <= tile.width) continue;
      const key = `${tile.level}/${tile.index}`;
      this.extraPartials.set(key, [...(this.extraPartials.get(key) ?? []), path]);
    }
  }
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
