import { H5Error } from '../errors.js';
import { kHints, readBTreeV1Node, readUpTo, walkBTreeV1, type GroupKey } from './btree-v1.js';
import { memo, readAt, type FormatContext } from './context.js';
import { cursor, decodeText, readAddress, signature, skip, u16, u32, u8, uint, type Cursor } from './cursor.js';
import { checkLinkName } from './messages/link.js';
import { localHeapBytes, readLocalHeap, type LocalHeap } from './local-heap.js';

/**
 * Old-style groups (spec III.B and III.C): a type-0 v1 B-tree whose leaves point at symbol
 * table nodes (SNOD) of symbol table entries, with member names in a local heap.
 */

export interface SymbolTableEntry {
  linkNameOffset: number;
  /** -1 when the entry stores the undefined address (soft-link entries, cacheType 2). */
  objectHeaderAddress: number;
  /** 0 nothing cached, 1 the object is a group (btree/heap addresses cached), 2 a soft link. */
  cacheType: 0 | 1 | 2;
  btreeAddress?: number;
  heapAddress?: number;
  softLinkOffset?: number;
}

/** Group leaf node K when the superblock does not say: the library's default (SNODs hold up to 2K entries). */
export const DEFAULT_GROUP_LEAF_K = 4;

export function symbolTableEntrySize(sizeOfOffsets: number): number {
  return 2 * sizeOfOffsets + 8 + 16; // name offset, header address, cache type, reserved, scratch pad
}

export function readSymbolTableEntry(c: Cursor, sizeOfOffsets: number): SymbolTableEntry {
  const start = c.pos;
  const linkNameOffset = uint(c, sizeOfOffsets, 'link name offset');
  const objectHeaderAddress = readAddress(c, sizeOfOffsets) ?? -1;
  const cacheType = u32(c);
  skip(c, 4); // reserved
  const entry: SymbolTableEntry = { linkNameOffset, objectHeaderAddress, cacheType: 0 };
  if (cacheType === 1) {
    entry.cacheType = 1;
    const b = readAddress(c, sizeOfOffsets);
    const h = readAddress(c, sizeOfOffsets);
    if (b !== null) entry.btreeAddress = b;
    if (h !== null) entry.heapAddress = h;
  } else if (cacheType === 2) {
    entry.cacheType = 2;
    entry.softLinkOffset = u32(c);
  } else if (cacheType !== 0) {
    throw new H5Error('Corrupt', `symbol table entry has cache type ${cacheType}`, { offset: c.base + start });
  }
  c.pos = start + symbolTableEntrySize(sizeOfOffsets);
  if (c.pos > c.bytes.length) {
    throw new H5Error('Corrupt', 'truncated symbol table entry', { offset: c.base + start });
  }
  return entry;
}

/** A symbol table node (SNOD): its used entries, in name order. */
export function readSymbolTableNode(ctx: FormatContext, address: number, leafK?: number): Promise<SymbolTableEntry[]> {
  return memo(ctx, 'snod', address, async () => {
    const O = ctx.sizeOfOffsets;
    const entrySize = symbolTableEntrySize(O);
    const k = leafK ?? kHints(ctx).groupLeafK ?? DEFAULT_GROUP_LEAF_K;
    let buf = await readUpTo(ctx, address, 8 + 2 * k * entrySize, 8, 'symbol table node');
    const c = cursor(buf, address);
    signature(c, 'SNOD', 'symbol table node');
    const version = u8(c);
    if (version !== 1) {
      throw new H5Error('Unsupported', `symbol table node version ${version}`, { offset: ctx.baseAddress + address });
    }
    skip(c, 1);
    const count = u16(c);
    const need = 8 + count * entrySize;
    if (buf.length < need) buf = await readAt(ctx, address, need, 'symbol table node');
    const body = cursor(buf, address, 8);
    const out: SymbolTableEntry[] = [];
    for (let i = 0; i < count; i++) out.push(readSymbolTableEntry(body, O));
    return out;
  });
}

/**
 * All links of an old-style group, in B-tree (name) order: walks the type-0 v1 B-tree
 * breadth-first (one level per wave, the local heap read alongside), then reads every SNOD in one wave.
 */
export async function readGroupSymbolTable(
  ctx: FormatContext,
  btreeAddress: number,
  heapAddress: number,
): Promise<Array<{ name: string; entry: SymbolTableEntry }>> {
  const [heap, leaves] = await Promise.all([readLocalHeap(ctx, heapAddress), walkBTreeV1(ctx, btreeAddress, 0)]);
  const snodAddresses = leaves.flatMap((leaf) => leaf.children);
  if (new Set(snodAddresses).size !== snodAddresses.length) {
    throw new H5Error('Corrupt', 'a group B-tree names one symbol table node twice', { offset: ctx.baseAddress + btreeAddress });
  }
  const nodes = await Promise.all(snodAddresses.map((a) => readSymbolTableNode(ctx, a)));
  const out: Array<{ name: string; entry: SymbolTableEntry }> = [];
  let previous: Uint8Array | null = null;
  for (let n = 0; n < nodes.length; n++) {
    for (const entry of nodes[n]!) {
      const raw = localHeapBytes(heap, entry.linkNameOffset);
      const at = ctx.baseAddress + snodAddresses[n]!;
      // lookupSymbolTable binary-searches, so names out of order would be listed yet not found.
      if (previous && compareBytes(previous, raw) >= 0) {
        throw new H5Error('Corrupt', `symbol table names out of order ("${decodeText(previous)}" before "${decodeText(raw)}")`, { offset: at });
      }
      previous = raw;
      out.push({ name: checkLinkName(decodeText(raw), at), entry });
    }
  }
  return out;
}

/** strcmp on bytes: the order the library keeps group B-trees and SNODs in. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * One name: descends only the B-tree path that can hold it. Child i of a node holds the names
 * greater than key i and at most key i+1 (keys are heap offsets of names), as H5G__node_cmp3 has it.
 */
export async function lookupSymbolTable(
  ctx: FormatContext,
  btreeAddress: number,
  heapAddress: number,
  name: string,
): Promise<SymbolTableEntry | null> {
  const wanted = new TextEncoder().encode(name);
  const [heap, root] = await Promise.all([readLocalHeap(ctx, heapAddress), readBTreeV1Node(ctx, btreeAddress, 0)]);
  if (root.level > ctx.limits.maxBTreeDepth) {
    throw new H5Error('Corrupt', `v1 B-tree depth ${root.level} exceeds the limit`, { offset: ctx.baseAddress + btreeAddress });
  }
  const keyName = (heapOffset: number) => localHeapBytes(heap, heapOffset);
  let node = root;
  const seen = new Set<number>([btreeAddress]);
  for (;;) {
    const i = childFor(node.keys as GroupKey[], node.entriesUsed, wanted, keyName);
    if (i < 0) return null;
    const child = node.children[i]!;
    if (node.level === 0) return findInNode(await readSymbolTableNode(ctx, child), wanted, heap, ctx.baseAddress + child);
    if (seen.has(child)) {
      throw new H5Error('Corrupt', `v1 B-tree node ${node.address} points back to node ${child}`, { offset: ctx.baseAddress + node.address });
    }
    seen.add(child);
    const next = await readBTreeV1Node(ctx, child, 0);
    if (next.level !== node.level - 1) {
      throw new H5Error('Corrupt', `v1 B-tree node at level ${next.level} below a node at level ${node.level}`, {
        offset: ctx.baseAddress + child,
      });
    }
    node = next;
  }
}

/** The child whose key range holds `wanted`, or -1 when it is beyond the last key. */
function childFor(keys: GroupKey[], n: number, wanted: Uint8Array, keyName: (o: number) => Uint8Array): number {
  // Binary search for the first child i with wanted <= key[i+1].
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(wanted, keyName(keys[mid + 1]!.heapOffset)) <= 0) hi = mid;
    else lo = mid + 1;
  }
  return lo < n ? lo : -1;
}

function findInNode(entries: SymbolTableEntry[], wanted: Uint8Array, heap: LocalHeap, at: number): SymbolTableEntry | null {
  // The binary search below is only sound on sorted names; listing the group checks the same.
  for (let i = 1; i < entries.length; i++) {
    if (compareBytes(localHeapBytes(heap, entries[i - 1]!.linkNameOffset), localHeapBytes(heap, entries[i]!.linkNameOffset)) >= 0) {
      throw new H5Error('Corrupt', 'symbol table names out of order', { offset: at });
    }
  }
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = compareBytes(wanted, localHeapBytes(heap, entries[mid]!.linkNameOffset));
    if (cmp === 0) return entries[mid]!;
    if (cmp < 0) hi = mid;
    else lo = mid + 1;
  }
  return null;
}
