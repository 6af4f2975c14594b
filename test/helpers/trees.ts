/** In-memory trees for tests: leaf hashes laid end to end, nodes hashed on demand. */
import { HASH_SIZE, leafHash, nodeHash } from '../../src/tlog/hash.js';
import { hashRun, type NodeId } from '../../src/tlog/merkle.js';
import { pow2 } from '../../src/tlog/numbers.js';

export function entryBytes(i: number, format = (n: number) => `entry ${n}\n`): Uint8Array {
  return new TextEncoder().encode(format(i));
}

export class MemoryTree {
  readonly data: Uint8Array;
  constructor(readonly leaves: Uint8Array[]) {
    this.data = new Uint8Array(leaves.length * HASH_SIZE);
    leaves.forEach((l, i) => {
      this.data.set(leafHash(l), i * HASH_SIZE);
    });
  }
  get size(): number {
    return this.leaves.length;
  }
  leafHash(i: number): Uint8Array {
    return this.data.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }
  node(n: NodeId): Uint8Array {
    const count = pow2(n.level);
    return hashRun(this.data, n.index * count, count);
  }
  read(nodes: readonly NodeId[]): Uint8Array[] {
    return nodes.map((n) => this.node(n));
  }
}

/**
 * A tree of any size (up to 2^53 - 1) whose leaves are all equal, so a
 * node's hash depends only on its level: proofs over sizes near 2^53 can
 * be built and checked without storing anything.
 */
export class UniformTree {
  readonly levels: Uint8Array[] = [];
  constructor(leaf: Uint8Array) {
    this.levels.push(leafHash(leaf));
    for (let l = 1; l <= 53; l++) this.levels.push(nodeHash(this.levels[l - 1]!, this.levels[l - 1]!));
  }
  read(nodes: readonly NodeId[]): Uint8Array[] {
    return nodes.map((n) => this.levels[n.level]!);
  }
}
