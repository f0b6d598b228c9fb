import { H5Error } from '../errors.js';
import { verifyChecksum } from './checksum.js';
import { cursor, readAddress, readDefinedAddress, readLength, signature, u16, u32, u8, uint, bytes, type Cursor } from './cursor.js';
import { memo, readAt, type FormatContext } from './context.js';

/**
 * Version 2 B-trees (spec III.A.2): a header (BTHD), internal nodes (BTIN) and leaves (BTLF),
 * all checksummed. Internal nodes hold records too, between their children.
 */

export interface BTreeV2Header {
  address: number;
  type: number;
  nodeSize: number;
  recordSize: number;
  depth: number;
  splitPercent: number;
  mergePercent: number;
  rootAddress: number | null;
  rootRecords: number;
  totalRecords: number;
  /** Per node level (0 = leaves): the most records a node can hold. */
  maxRecords: number[];
  /** Bytes of the "number of records" field of a child pointer (sized for a full leaf, as the library does). */
  recordCountSize: number;
  /** Per node level: bytes of the "total number of records" field of a pointer to a child at that level (0 for leaves). */
  totalRecordsSize: number[];
}

export type BTreeV2Record =
  /** Huge fractal heap objects, indirectly accessed. */
  | { type: 1; address: number; length: number; id: number }
  | { type: 2; address: number; length: number; filterMask: number; memorySize: number; id: number }
  /** Huge fractal heap objects, directly accessed. */
  | { type: 3; address: number; length: number }
  | { type: 4; address: number; length: number; filterMask: number; memorySize: number }
  /** Link name index of a dense group. */
  | { type: 5; nameHash: number; heapId: Uint8Array }
  /** Link creation order index of a dense group. */
  | { type: 6; creationOrder: number; heapId: Uint8Array }
  /** Shared object header message index: a message in the SOHM heap, or in an object header. */
  | { type: 7; location: 'heap'; hash: number; refCount: number; heapId: Uint8Array }
  | { type: 7; location: 'object-header'; hash: number; messageType: number; index: number; objectHeaderAddress: number }
  /** Attribute name index of dense attribute storage. */
  | { type: 8; heapId: Uint8Array; flags: number; creationOrder: number; nameHash: number }
  /** Attribute creation order index. */
  | { type: 9; heapId: Uint8Array; flags: number; creationOrder: number }
  /** Chunks of an unfiltered dataset; scaledOffset is in chunks (element offset / chunk dim). */
  | { type: 10; address: number; scaledOffset: number[] }
  | { type: 11; address: number; size: number; filterMask: number; scaledOffset: number[] };

export interface BTreeV2Options {
  /** Dataset rank, for types 10/11 (derived from the record size when absent). */
  chunkRank?: number;
  /** Bytes of the type-11 chunk size field (derived from the record size when absent). */
  chunkSizeLength?: number;
}

const PREFIX = 6; // signature, version, type
const CHECKSUM = 4;

/** Bytes needed for an unsigned count up to n: H5VM_limit_enc_size, floor(log2(n)) / 8 + 1. */
function encodedSize(n: bigint): number {
  const log2 = n > 0n ? n.toString(2).length - 1 : 0;
  return Math.floor(log2 / 8) + 1;
}

/** The header, its checksum verified and the per-level node capacities computed as the library does (H5B2__hdr_init). */
export function readBTreeV2Header(ctx: FormatContext, address: number, _opts?: BTreeV2Options): Promise<BTreeV2Header> {
  return memo(ctx, 'btree-v2-header', address, async () => {
    const O = ctx.sizeOfOffsets;
    const L = ctx.sizeOfLengths;
    const size = PREFIX + 4 + 2 + 2 + 1 + 1 + O + 2 + L + CHECKSUM;
    const buf = await readAt(ctx, address, size, 'v2 B-tree header');
    const c = cursor(buf, address);
    signature(c, 'BTHD', 'v2 B-tree header');
    verifyChecksum(buf, size - CHECKSUM, 'v2 B-tree header', ctx.baseAddress + address);
    const version = u8(c);
    if (version !== 0) throw new H5Error('Unsupported', `v2 B-tree header version ${version}`, { offset: ctx.baseAddress + address });
    const type = u8(c);
    const nodeSize = u32(c);
    const recordSize = u16(c);
    const depth = u16(c);
    const splitPercent = u8(c);
    const mergePercent = u8(c);
    const rootAddress = readAddress(c, O);
    const rootRecords = u16(c);
    const totalRecords = readLength(c, L);
    const at = ctx.baseAddress + address;
    if (type < 1 || type > 11) throw new H5Error('Unsupported', `v2 B-tree record type ${type}`, { offset: at });
    if (recordSize === 0 || nodeSize <= PREFIX + CHECKSUM + recordSize) {
      throw new H5Error('Corrupt', `v2 B-tree node size ${nodeSize} cannot hold a record of ${recordSize} bytes`, { offset: at });
    }
    if (nodeSize > ctx.limits.maxMetadataBytes) {
      throw new H5Error('Limit', `v2 B-tree node size ${nodeSize} exceeds the metadata limit`, { offset: at });
    }
    if (depth > ctx.limits.maxBTreeDepth) {
      throw new H5Error('Corrupt', `v2 B-tree depth ${depth} exceeds the limit ${ctx.limits.maxBTreeDepth}`, { offset: at });
    }
    // Node capacities per level (H5B2__hdr_init): leaves first, then each internal level, whose
    // pointers grow with the cumulative record count below them.
    const maxRecords = [Math.floor((nodeSize - PREFIX - CHECKSUM) / recordSize)];
    const recordCountSize = encodedSize(BigInt(maxRecords[0]!));
    const cumMax: bigint[] = [BigInt(maxRecords[0]!)];
    const totalRecordsSize = [0];
    for (let d = 1; d <= depth; d++) {
      const pointer = O + recordCountSize + totalRecordsSize[d - 1]!;
      const n = Math.floor((nodeSize - (PREFIX + CHECKSUM + pointer)) / (recordSize + pointer));
      if (n < 1) throw new H5Error('Corrupt', `v2 B-tree internal nodes at depth ${d} cannot hold a record`, { offset: at });
      maxRecords.push(n);
      cumMax.push(BigInt(n + 1) * cumMax[d - 1]! + BigInt(n));
      totalRecordsSize.push(encodedSize(cumMax[d]!));
    }
    if (rootAddress === null ? totalRecords !== 0 : rootRecords > maxRecords[depth]!) {
      throw new H5Error('Corrupt', `v2 B-tree root claims ${rootRecords} records`, { offset: at });
    }
    return {
      address, type, nodeSize, recordSize, depth, splitPercent, mergePercent, rootAddress, rootRecords, totalRecords,
      maxRecords, recordCountSize, totalRecordsSize,
    };
  });
}

function chunkShape(h: BTreeV2Header, ctx: FormatContext, opts: BTreeV2Options | undefined): { rank: number; sizeLength: number } {
  const O = ctx.sizeOfOffsets;
  const fixed = h.type === 10 ? O : O + 4;
  let rank = opts?.chunkRank;
  let sizeLength = h.type === 10 ? 0 : opts?.chunkSizeLength;
  if (rank === undefined && sizeLength !== undefined) rank = (h.recordSize - fixed - sizeLength) / 8;
  if (rank === undefined && h.type === 10) rank = (h.recordSize - fixed) / 8;
  if (rank === undefined) throw new H5Error('Invalid', 'a filtered-chunk v2 B-tree needs the dataset rank');
  if (sizeLength === undefined) sizeLength = h.recordSize - fixed - 8 * rank;
  if (!Number.isInteger(rank) || rank < 1 || sizeLength < (h.type === 11 ? 1 : 0) || sizeLength > 8 || fixed + sizeLength + 8 * rank !== h.recordSize) {
    throw new H5Error('Corrupt', `v2 B-tree record size ${h.recordSize} does not fit chunk records of rank ${rank}`, {
      offset: ctx.baseAddress + h.address,
    });
  }
  return { rank, sizeLength };
}

type RecordDecoder = (c: Cursor) => BTreeV2Record;

function recordDecoder(ctx: FormatContext, h: BTreeV2Header, opts?: BTreeV2Options): RecordDecoder {
  const O = ctx.sizeOfOffsets;
  const L = ctx.sizeOfLengths;
  const rs = h.recordSize;
  const copy = (c: Cursor, n: number) => bytes(c, n).slice();
  const need = (min: number) => {
    if (rs < min) {
      throw new H5Error('Corrupt', `v2 B-tree type ${h.type} records need ${min} bytes, the header says ${rs}`, {
        offset: ctx.baseAddress + h.address,
      });
    }
  };
  switch (h.type) {
    case 1:
      need(O + 2 * L);
      return (c) => ({ type: 1, address: readDefinedAddress(c, O, 'huge object'), length: readLength(c, L), id: readLength(c, L) });
    case 2:
      need(O + 3 * L + 4);
      return (c) => ({
        type: 2, address: readDefinedAddress(c, O, 'huge object'), length: readLength(c, L), filterMask: u32(c),
        memorySize: readLength(c, L), id: readLength(c, L),
      });
    case 3:
      need(O + L);
      return (c) => ({ type: 3, address: readDefinedAddress(c, O, 'huge object'), length: readLength(c, L) });
    case 4:
      need(O + 2 * L + 4);
      return (c) => ({
        type: 4, address: readDefinedAddress(c, O, 'huge object'), length: readLength(c, L), filterMask: u32(c),
        memorySize: readLength(c, L),
      });
    case 5:
      need(5);
      return (c) => ({ type: 5, nameHash: u32(c), heapId: copy(c, rs - 4) });
    case 6:
      need(9);
      return (c) => ({ type: 6, creationOrder: uint(c, 8, 'creation order'), heapId: copy(c, rs - 8) });
    case 7:
      need(Math.max(1 + 4 + 4 + 8, 1 + 4 + 1 + 1 + 2 + O));
      return (c) => {
        const location = u8(c);
        const hash = u32(c);
        if (location === 0) return { type: 7, location: 'heap', hash, refCount: u32(c), heapId: copy(c, 8) };
        if (location === 1) {
          c.pos += 1; // reserved
          const messageType = u8(c);
          const index = u16(c);
          return { type: 7, location: 'object-header', hash, messageType, index, objectHeaderAddress: readDefinedAddress(c, O, 'SOHM') };
        }
        throw new H5Error('Corrupt', `shared message index record has location ${location}`, { offset: c.base + c.pos });
      };
    case 8:
      need(10);
      return (c) => ({ type: 8, heapId: copy(c, rs - 9), flags: u8(c), creationOrder: u32(c), nameHash: u32(c) });
    case 9:
      need(6);
      return (c) => ({ type: 9, heapId: copy(c, rs - 5), flags: u8(c), creationOrder: u32(c) });
    case 10: {
      const { rank } = chunkShape(h, ctx, opts);
      return (c) => {
        const address = readDefinedAddress(c, O, 'chunk');
        const scaledOffset: number[] = [];
        for (let d = 0; d < rank; d++) scaledOffset.push(uint(c, 8, 'chunk offset'));
        return { type: 10, address, scaledOffset };
      };
    }
    case 11: {
      const { rank, sizeLength } = chunkShape(h, ctx, opts);
      return (c) => {
        const address = readDefinedAddress(c, O, 'chunk');
        const size = uint(c, sizeLength, 'chunk size');
        const filterMask = u32(c);
        const scaledOffset: number[] = [];
        for (let d = 0; d < rank; d++) scaledOffset.push(uint(c, 8, 'chunk offset'));
        return { type: 11, address, size, filterMask, scaledOffset };
      };
    }
    default:
      throw new H5Error('Unsupported', `v2 B-tree record type ${h.type}`, { offset: ctx.baseAddress + h.address });
  }
}

/** A child pointer of an internal node. */
export interface BTreeV2ChildPointer {
  address: number;
  records: number;
  /** Records in the child and below (equal to `records` for leaves). */
  totalRecords: number;
}

export interface BTreeV2Node {
  address: number;
  /** 0 for leaves. */
  level: number;
  records: BTreeV2Record[];
  /** records.length + 1 pointers for internal nodes, none for leaves. */
  children: BTreeV2ChildPointer[];
}

/** One node, given its level and record count (both known from the parent or the header). */
export function readBTreeV2Node(
  ctx: FormatContext,
  h: BTreeV2Header,
  address: number,
  level: number,
  nrec: number,
  opts?: BTreeV2Options,
): Promise<BTreeV2Node> {
  return memo(ctx, `btree-v2-node:${h.address}:${level}:${nrec}`, address, async () => {
    const at = ctx.baseAddress + address;
    if (level < 0 || level > h.depth || nrec > h.maxRecords[level]!) {
      throw new H5Error('Corrupt', `v2 B-tree node claims ${nrec} records at level ${level}`, { offset: at });
    }
    const O = ctx.sizeOfOffsets;
    const pointerSize = level > 0 ? O + h.recordCountSize + h.totalRecordsSize[level - 1]! : 0;
    const used = PREFIX + nrec * h.recordSize + (level > 0 ? (nrec + 1) * pointerSize : 0);
    if (used + CHECKSUM > h.nodeSize) {
      throw new H5Error('Corrupt', `v2 B-tree node of ${nrec} records overflows the node size ${h.nodeSize}`, { offset: at });
    }
    const what = level > 0 ? 'v2 B-tree internal node' : 'v2 B-tree leaf node';
    const buf = await readAt(ctx, address, used + CHECKSUM, what);
    const c = cursor(buf, address);
    signature(c, level > 0 ? 'BTIN' : 'BTLF', what);
    verifyChecksum(buf, used, what, at);
    const version = u8(c);
    if (version !== 0) throw new H5Error('Unsupported', `${what} version ${version}`, { offset: at });
    const type = u8(c);
    if (type !== h.type) throw new H5Error('Corrupt', `${what} has record type ${type}, its header ${h.type}`, { offset: at });
    const decode = recordDecoder(ctx, h, opts);
    const records: BTreeV2Record[] = [];
    for (let i = 0; i < nrec; i++) {
      const start = c.pos;
      records.push(decode(c));
      c.pos = start + h.recordSize;
    }
    const children: BTreeV2ChildPointer[] = [];
    if (level > 0) {
      for (let i = 0; i <= nrec; i++) {
        const child = readDefinedAddress(c, O, 'v2 B-tree child');
        const records = uint(c, h.recordCountSize, 'v2 B-tree record count');
        const totalRecords = level > 1 ? uint(c, h.totalRecordsSize[level - 1]!, 'v2 B-tree record count') : records;
        if (records > h.maxRecords[level - 1]! || totalRecords < records) {
          throw new H5Error('Corrupt', `v2 B-tree child pointer claims ${records} records`, { offset: at });
        }
        children.push({ address: child, records, totalRecords });
      }
    }
    return { address, level, records, children };
  });
}

interface Visited {
  node: BTreeV2Node;
  /** Per child: the visited child, or null where pruned. */
  below: (Visited | null)[];
}

/**
 * Every record in key order, breadth-first: one wave of reads per level. `prune(low, high)` may
 * skip the subtree of an internal node's child lying between records `low` and `high` (null at
 * the edges) by returning true; records held by visited internal nodes are always returned.
 */
export async function readBTreeV2Records(
  ctx: FormatContext,
  header: BTreeV2Header,
  opts?: BTreeV2Options & { prune?: (low: BTreeV2Record | null, high: BTreeV2Record | null) => boolean },
): Promise<BTreeV2Record[]> {
  if (header.rootAddress === null) return [];
  const root: Visited = { node: await readBTreeV2Node(ctx, header, header.rootAddress, header.depth, header.rootRecords, opts), below: [] };
  const seen = new Set<number>([header.rootAddress]);
  let level: Visited[] = [root];
  let pruned = false;
  for (let depth = header.depth; depth > 0; depth--) {
    const jobs: { parent: Visited; index: number; ptr: BTreeV2ChildPointer }[] = [];
    for (const v of level) {
      v.node.children.forEach((ptr, i) => {
        const recs = v.node.records;
        if (opts?.prune && opts.prune(i > 0 ? recs[i - 1]! : null, i < recs.length ? recs[i]! : null)) {
          v.below.push(null);
          pruned = true;
          return;
        }
        if (seen.has(ptr.address)) {
          throw new H5Error('Corrupt', `v2 B-tree node ${v.node.address} points back to node ${ptr.address}`, {
            offset: ctx.baseAddress + v.node.address,
          });
        }
        seen.add(ptr.address);
        v.below.push(null);
        jobs.push({ parent: v, index: i, ptr });
      });
    }
    const nodes = await Promise.all(jobs.map((j) => readBTreeV2Node(ctx, header, j.ptr.address, depth - 1, j.ptr.records, opts)));
    level = nodes.map((node, k) => {
      const v: Visited = { node, below: [] };
      jobs[k]!.parent.below[jobs[k]!.index] = v;
      return v;
    });
  }
  const out: BTreeV2Record[] = [];
  const flatten = (v: Visited) => {
    const { records } = v.node;
    for (let i = 0; i <= records.length; i++) {
      const child = v.below[i];
      if (child) flatten(child);
      if (i < records.length) out.push(records[i]!);
    }
  };
  flatten(root);
  if (!pruned && out.length !== header.totalRecords) {
    throw new H5Error('Corrupt', `v2 B-tree holds ${out.length} records, its header says ${header.totalRecords}`, {
      offset: ctx.baseAddress + header.address,
    });
  }
  return out;
}

/**
 * One record: descends a single path. `compare(record)` < 0 means the wanted key is before the
 * record, 0 that the record is the one, > 0 that the wanted key is after it.
 */
export async function findBTreeV2Record(
  ctx: FormatContext,
  header: BTreeV2Header,
  compare: (r: BTreeV2Record) => number,
  opts?: BTreeV2Options,
): Promise<BTreeV2Record | null> {
  let address = header.rootAddress;
  let nrec = header.rootRecords;
  const seen = new Set<number>();
  for (let level = header.depth; address !== null; level--) {
    if (seen.has(address)) {
      throw new H5Error('Corrupt', `v2 B-tree path revisits node ${address}`, { offset: ctx.baseAddress + address });
    }
    seen.add(address);
    const node = await readBTreeV2Node(ctx, header, address, level, nrec, opts);
    // Binary search: `lo` ends at the first record the wanted key is before.
    let lo = 0;
    let hi = node.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const cmp = compare(node.records[mid]!);
      if (cmp === 0) return node.records[mid]!;
      if (cmp < 0) hi = mid;
      else lo = mid + 1;
    }
    if (level === 0) return null;
    const ptr = node.children[lo]!;
    address = ptr.address;
    nrec = ptr.records;
  }
  return null;
}

/**
 * Every record for which `compare` is 0 (e.g. all names sharing one hash), reading only the
 * subtrees whose bounds can hold such records, breadth-first.
 */
export async function findBTreeV2Records(
  ctx: FormatContext,
  header: BTreeV2Header,
  compare: (r: BTreeV2Record) => number,
  opts?: BTreeV2Options,
): Promise<BTreeV2Record[]> {
  const all = await readBTreeV2Records(ctx, header, {
    ...opts,
    prune: (low, high) => (low !== null && compare(low) < 0) || (high !== null && compare(high) > 0),
  });
  return all.filter((r) => compare(r) === 0);
}
