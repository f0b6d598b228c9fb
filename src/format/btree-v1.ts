import { cooperate } from '../cooperate.js';
import { H5Error } from '../errors.js';
import { memo, readAt, type FormatContext } from './context.js';
import { cursor, readAddress, readDefinedAddress, readLength, signature, u16, u32, u8, uint } from './cursor.js';
import type { ChunkRecord } from './types.js';

/**
 * Version 1 B-trees (spec III.A.1, signature TREE). Type 0 nodes index group members
 * (keys are local-heap offsets of names, leaves point at symbol table nodes); type 1 nodes
 * index raw data chunks (keys are chunk size, filter mask and chunk offset).
 */

/** A type-0 key: the local-heap offset of a member name. */
export interface GroupKey {
  heapOffset: number;
}

export interface ChunkKey {
  /** Stored (filtered) chunk size in bytes. */
  size: number;
  filterMask: number;
  /** Chunk offset in elements per dataset dimension, WITHOUT the trailing element-size offset. */
  offset: number[];
}

export interface BTreeV1Node {
  address: number;
  type: 0 | 1;
  level: number;
  entriesUsed: number;
  leftSibling: number | null;
  rightSibling: number | null;
  /** entriesUsed + 1 keys: key i and key i+1 bound child i. */
  keys: (GroupKey | ChunkKey)[];
  children: number[];
}

/** Group internal node K when the superblock does not say: the library's default (nodes hold up to 2K children). */
export const DEFAULT_GROUP_INTERNAL_K = 16;
/** Indexed-storage internal node K when neither the superblock nor a B-tree K message says: the library default. */
export const DEFAULT_CHUNK_INTERNAL_K = 32;

/**
 * Optional B-tree K values a caller may put on the context (from the superblock or its B-tree K
 * message). They only size the first read of each node: a wrong value costs one extra read.
 */
export interface BTreeKHints {
  groupInternalK?: number;
  groupLeafK?: number;
  chunkInternalK?: number;
}

export function kHints(ctx: FormatContext): BTreeKHints {
  return ctx as FormatContext & BTreeKHints;
}

const PREFIX = 8; // signature, type, level, entries used

function keySize(ctx: FormatContext, type: 0 | 1, rank: number): number {
  // Type 1 keys: chunk size (4), filter mask (4), one 8-byte offset per dimension incl. the element dimension.
  return type === 0 ? ctx.sizeOfLengths : 8 + 8 * rank;
}

function nodeBytes(ctx: FormatContext, type: 0 | 1, rank: number, entries: number): number {
  return PREFIX + 2 * ctx.sizeOfOffsets + entries * ctx.sizeOfOffsets + (entries + 1) * keySize(ctx, type, rank);
}

/**
 * Reads `guess` bytes at `address`, accepting a short read at the end of the file as long as at
 * least `minimum` bytes arrive: structures whose real size is only known after parsing a prefix
 * are read with a generous first guess so that one round trip usually suffices.
 */
export async function readUpTo(
  ctx: FormatContext,
  address: number,
  guess: number,
  minimum: number,
  what: string,
): Promise<Uint8Array> {
  await cooperate(ctx.signal);
  const abs = ctx.baseAddress + address;
  if (!Number.isSafeInteger(abs) || address < 0) {
    throw new H5Error('Corrupt', `${what} at a bad address ${address}`, { offset: abs, source: ctx.source.key });
  }
  let length = Math.max(guess, minimum);
  const size = ctx.source.size;
  if (size !== undefined && abs + length > size) length = Math.max(minimum, size - abs);
  if (length > ctx.limits.maxMetadataBytes) length = Math.max(minimum, ctx.limits.maxMetadataBytes);
  const out = await ctx.source.read(abs, length, { signal: ctx.signal });
  if (out.length < minimum) {
    throw new H5Error('Corrupt', `${what} runs past the end of the file (${minimum} bytes wanted, ${out.length} there)`, {
      offset: abs,
      source: ctx.source.key,
    });
  }
  return out;
}

/**
 * One node. `rank` (type 1 only) is the number of key offsets as stored: dataset rank + 1.
 * `k` sizes the first read (2K entries); the node is re-read when it holds more.
 */
export function readBTreeV1Node(
  ctx: FormatContext,
  address: number,
  type: 0 | 1,
  rank?: number,
  k?: number,
): Promise<BTreeV1Node> {
  if (type === 1 && (rank === undefined || !Number.isInteger(rank) || rank < 1 || rank > 33)) {
    throw new H5Error('Invalid', `a chunk B-tree needs the stored rank (dims + 1), got ${rank}`);
  }
  const r = type === 1 ? rank! : 0;
  return memo(ctx, `btree-v1:${type}:${r}`, address, async () => {
    const hints = kHints(ctx);
    const kk = k ?? (type === 0 ? hints.groupInternalK ?? DEFAULT_GROUP_INTERNAL_K : hints.chunkInternalK ?? DEFAULT_CHUNK_INTERNAL_K);
    const header = PREFIX + 2 * ctx.sizeOfOffsets;
    let bytes = await readUpTo(ctx, address, nodeBytes(ctx, type, r, 2 * kk), header, 'v1 B-tree node');
    const c = cursor(bytes, address);
    signature(c, 'TREE', 'v1 B-tree node');
    const nodeType = u8(c);
    if (nodeType !== type) {
      throw new H5Error('Corrupt', `v1 B-tree node has type ${nodeType}, expected ${type}`, { offset: ctx.baseAddress + address });
    }
    const level = u8(c);
    const entriesUsed = u16(c);
    const leftSibling = readAddress(c, ctx.sizeOfOffsets);
    const rightSibling = readAddress(c, ctx.sizeOfOffsets);
    const need = nodeBytes(ctx, type, r, entriesUsed);
    if (bytes.length < need) {
      // K was larger than our guess: read the exact node (usually already in the block cache).
      bytes = await readAt(ctx, address, need, 'v1 B-tree node');
    }
    const body = cursor(bytes, address, c.pos);
    const keys: (GroupKey | ChunkKey)[] = [];
    const children: number[] = [];
    for (let i = 0; i <= entriesUsed; i++) {
      if (type === 0) {
        keys.push({ heapOffset: readLength(body, ctx.sizeOfLengths) });
      } else {
        const size = u32(body);
        const filterMask = u32(body);
        const offset: number[] = [];
        for (let d = 0; d < r; d++) offset.push(uint(body, 8, 'chunk offset'));
        offset.pop(); // the trailing offset is into the element (always 0): not a dataset dimension
        keys.push({ size, filterMask, offset });
      }
      if (i < entriesUsed) children.push(readDefinedAddress(body, ctx.sizeOfOffsets, 'v1 B-tree child'));
    }
    return { address, type, level, entriesUsed, leftSibling, rightSibling, keys, children };
  });
}

/**
 * Walks a v1 B-tree breadth-first: every node of one level is requested together (one wave),
 * then the next level. `descend(node, i)` decides whether child i of an internal node is needed.
 * Returns the leaf nodes (level 0) in key order. Cycles, level mismatches and excessive depth are 'Corrupt'.
 */
export async function walkBTreeV1(
  ctx: FormatContext,
  rootAddress: number,
  type: 0 | 1,
  rank?: number,
  descend?: (node: BTreeV1Node, childIndex: number) => boolean,
): Promise<BTreeV1Node[]> {
  const root = await readBTreeV1Node(ctx, rootAddress, type, rank);
  if (root.level > ctx.limits.maxBTreeDepth) {
    throw new H5Error('Corrupt', `v1 B-tree depth ${root.level} exceeds the limit ${ctx.limits.maxBTreeDepth}`, {
      offset: ctx.baseAddress + rootAddress,
    });
  }
  const seen = new Set<number>([rootAddress]);
  let level: BTreeV1Node[] = [root];
  while (level.length > 0 && level[0]!.level > 0) {
    const wanted: number[] = [];
    const expectLevel = level[0]!.level - 1;
    for (const node of level) {
      node.children.forEach((child, i) => {
        if (descend && !descend(node, i)) return;
        if (seen.has(child)) {
          // A tree never reaches one node twice: this is a cycle or a shared subtree.
          throw new H5Error('Corrupt', `v1 B-tree node ${node.address} points back to node ${child}`, {
            offset: ctx.baseAddress + node.address,
          });
        }
        seen.add(child);
        wanted.push(child);
      });
    }
    const next = await Promise.all(wanted.map((a) => readBTreeV1Node(ctx, a, type, rank)));
    for (const n of next) {
      if (n.level !== expectLevel) {
        throw new H5Error('Corrupt', `v1 B-tree node at level ${n.level} where level ${expectLevel} was expected`, {
          offset: ctx.baseAddress + n.address,
        });
      }
    }
    level = next;
  }
  return level;
}

/**
 * All chunk records of a type-1 B-tree, breadth-first. `rankWithElementDim` is the key offset
 * count as stored (dataset rank + 1). When `overlaps` is given, child i of an internal node is
 * read only if `overlaps(key[i].offset, key[i+1].offset)` is true: every chunk below child i has an
 * offset >= key[i] and < key[i+1] in row-major (lexicographic) order. Leaf records are all returned.
 * Addresses are HDF5 addresses (relative to the base address).
 */
export async function readChunkBTreeV1(
  ctx: FormatContext,
  address: number,
  rankWithElementDim: number,
  overlaps?: (lo: number[], hi: number[] | null) => boolean,
): Promise<ChunkRecord[]> {
  const descend = overlaps
    ? (node: BTreeV1Node, i: number) => {
        const lo = (node.keys[i] as ChunkKey).offset;
        const hiKey = node.keys[i + 1] as ChunkKey | undefined;
        return overlaps(lo, hiKey ? hiKey.offset : null);
      }
    : undefined;
  const leaves = await walkBTreeV1(ctx, address, 1, rankWithElementDim, descend);
  const out: ChunkRecord[] = [];
  for (const leaf of leaves) {
    leaf.children.forEach((addr, i) => {
      const key = leaf.keys[i] as ChunkKey;
      out.push({ offset: key.offset, address: addr, size: key.size, filterMask: key.filterMask });
    });
  }
  return out;
}
