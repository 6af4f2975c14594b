/**
 * C2SP tlog-proof receipts for many entries against one checkpoint, in
 * the three steps of Go's sumdb: plan every inclusion proof (pure), read
 * each tile they need once, in one batch (the only I/O), assemble (pure).
 * Proving entries one by one would read the same edge tiles once per entry.
 */
import type { LogHead } from '../ledger/log.js';
import { assembleProof, planInclusion } from '../tlog/proof.js';
import { formatReceipt } from '../tlog/receipt.js';
import { hashAt, locateNode, type Tile, tilePath } from '../tlog/tile.js';

/** Reads hash tiles of the published tree (TileReader.readTile for one log). */
export type TileRead = (tile: Tile) => Promise<Uint8Array>;

/** Most tiles read at once. */
const PARALLEL = 32;

/** One receipt per index (each < head.size), against `head`'s checkpoint. */
export async function receiptsFor(
  head: LogHead,
  indexes: readonly number[],
  read: TileRead,
): Promise<string[]> {
  const plans = indexes.map((index) => {
    const plan = planInclusion(index, head.size);
    return { index, plan, locations: plan.nodes.map((n) => locateNode(n.level, n.index, head.size)) };
  });
  const tiles = new Map<string, Tile>();
  for (const p of plans) for (const l of p.locations) tiles.set(tilePath(l.tile), l.tile);
  const data = new Map<string, Uint8Array>();
  const todo = [...tiles];
  for (let i = 0; i < todo.length; i += PARALLEL) {
    const chunk = todo.slice(i, i + PARALLEL);
    const got = await Promise.all(chunk.map(([, t]) => read(t)));
    chunk.forEach(([path], k) => {
      data.set(path, got[k]!);
    });
  }
  return plans.map((p) =>
    formatReceipt({
      index: p.index,
      proof: assembleProof(
        p.plan,
        p.locations.map((l) => hashAt(l, data.get(tilePath(l.tile))!)),
      ),
      checkpoint: head.note,
    }),
  );
}
