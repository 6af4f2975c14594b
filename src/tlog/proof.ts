/**
 * RFC 6962 §2.1.1 inclusion and §2.1.2 consistency proofs, built in three
 * steps: `plan…` says which nodes are needed (pure), the caller reads them in
 * one batched call (the only I/O), `assemble` folds them into the proof
 * (pure). `check…` verifies a proof (RFC 9162 §2.1.3.2 and §2.1.4.2).
 */
import { TlogError } from './errors.js';
import { bytesEqual, EMPTY_ROOT, HASH_SIZE, nodeHash } from './hash.js';
import { foldRange, type NodeId, rangeNodes } from './merkle.js';
import { checkCount, splitPoint } from './numbers.js';

/** A proof is a list of hashes, each the MTH of one leaf range. */
export type Proof = Uint8Array[];

/** The nodes a proof needs, and how to fold them into its hashes. */
export interface ProofPlan {
  /** Distinct nodes to read, in a stable order. */
  readonly nodes: readonly NodeId[];
  /** For each proof hash, the positions in `nodes` of its range's subtrees. */
  readonly steps: readonly (readonly number[])[];
}

function makePlan(ranges: [number, number][]): ProofPlan {
  const nodes: NodeId[] = [];
  const seen = new Map<string, number>();
  const steps = ranges.map(([lo, hi]) =>
    rangeNodes(lo, hi).map((n) => {
      const key = `${n.level}/${n.index}`;
      let at = seen.get(key);
      if (at === undefined) {
        at = nodes.push(n) - 1;
        seen.set(key, at);
      }
      return at;
    }),
  );
  return { nodes, steps };
}

/** Plans PATH(index, D[0:size]) (RFC 6962 §2.1.1). */
export function planInclusion(index: number, size: number): ProofPlan {
  checkCount(index, 'index');
  checkCount(size, 'tree size');
  if (index >= size)
    throw new TlogError('bad-proof-request', `index ${index} is not in a tree of size ${size}`);
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo = lo + k;
    }
  }
  return makePlan(ranges.reverse());
}

/** Plans PROOF(oldSize, D[0:newSize]) (RFC 6962 §2.1.2); empty when oldSize is 0 or equal. */
export function planConsistency(oldSize: number, newSize: number): ProofPlan {
  checkCount(oldSize, 'old size');
  checkCount(newSize, 'new size');
  if (oldSize > newSize)
    throw new TlogError('bad-proof-request', `old size ${oldSize} is larger than new size ${newSize}`);
  const ranges: [number, number][] = [];
  if (oldSize > 0 && oldSize < newSize) {
    // SUBPROOF(m, D[lo:hi], complete), unrolled; hashes are collected innermost-last and reversed.
    let m = oldSize;
    let lo = 0;
    let hi = newSize;
    let complete = true;
    while (m !== hi - lo) {
      const k = splitPoint(hi - lo);
      if (m <= k) {
        ranges.push([lo + k, hi]);
        hi = lo + k;
      } else {
        ranges.push([lo, lo + k]);
        m -= k;
        lo += k;
        complete = false;
      }
    }
    if (!complete) ranges.push([lo, hi]);
  }
  return makePlan(ranges.reverse());
}

/** Folds the hashes read for `plan.nodes` (same order) into the proof. */
export function assembleProof(plan: ProofPlan, hashes: readonly Uint8Array[]): Proof {
  if (hashes.length !== plan.nodes.length) {
    throw new TlogError('bad-hashes', `plan needs ${plan.nodes.length} hashes, got ${hashes.length}`);
  }
  for (const h of hashes)
    if (h.length !== HASH_SIZE) throw new TlogError('bad-hashes', `a hash has ${h.length} bytes`);
  return plan.steps.map((at) => foldRange(at.map((i) => hashes[i]!)));
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function checkHashes(proof: readonly Uint8Array[], ...more: Uint8Array[]): void {
  for (const h of [...proof, ...more]) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
      throw new TlogError('bad-proof', 'a proof hash is not 32 bytes');
  }
}

/**
 * Checks that `leaf` (a leaf hash) is at `index` in the tree of `size`
 * with `root`. Throws TlogError('bad-proof') otherwise.
 */
export function checkInclusion(
  proof: readonly Uint8Array[],
  size: number,
  root: Uint8Array,
  index: number,
  leaf: Uint8Array,
): void {
  checkCount(index, 'index');
  checkCount(size, 'tree size');
  checkHashes(proof, root, leaf);
  if (index >= size) throw new TlogError('bad-proof', `index ${index} is not in a tree of size ${size}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new TlogError('bad-proof', 'inclusion proof is too long');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new TlogError('bad-proof', 'inclusion proof is too short');
  if (!bytesEqual(r, root))
    throw new TlogError('bad-proof', `inclusion proof for index ${index} does not lead to the root`);
}

/**
 * Checks that the tree (oldSize, oldRoot) is a prefix of (newSize, newRoot).
 * Throws TlogError('bad-proof') otherwise.
 */
export function checkConsistency(
  proof: readonly Uint8Array[],
  oldSize: number,
  oldRoot: Uint8Array,
  newSize: number,
  newRoot: Uint8Array,
): void {
  checkCount(oldSize, 'old size');
  checkCount(newSize, 'new size');
  checkHashes(proof, oldRoot, newRoot);
  if (oldSize > newSize)
    throw new TlogError('bad-proof', `old size ${oldSize} is larger than new size ${newSize}`);
  if (oldSize === 0) {
    if (proof.length !== 0) throw new TlogError('bad-proof', 'a proof from the empty tree must be empty');
    if (!bytesEqual(oldRoot, EMPTY_ROOT))
      throw new TlogError('bad-proof', 'the empty tree has a different root');
    return;
  }
  if (oldSize === newSize) {
    if (proof.length !== 0) throw new TlogError('bad-proof', 'a proof between equal sizes must be empty');
    if (!bytesEqual(oldRoot, newRoot)) throw new TlogError('bad-proof', 'equal sizes with different roots');
    return;
  }
  if (proof.length === 0) throw new TlogError('bad-proof', 'consistency proof is empty');
  let path = proof;
  // Is oldSize a power of two? Then the old root itself is the first node.
  let k = 1;
  while (k < oldSize) k *= 2;
  if (k === oldSize) path = [oldRoot, ...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) throw new TlogError('bad-proof', 'consistency proof is too long');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new TlogError('bad-proof', 'consistency proof is too short');
  if (!bytesEqual(fr, oldRoot))
    throw new TlogError('bad-proof', `consistency proof does not lead to the old root (size ${oldSize})`);
  if (!bytesEqual(sr, newRoot))
    throw new TlogError('bad-proof', `consistency proof does not lead to the new root (size ${newSize})`);
}
