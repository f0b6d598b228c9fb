import { H5Error } from '../errors.js';
import { readUpTo } from './btree-v1.js';
import { findBTreeV2Record, findBTreeV2Records, readBTreeV2Header, type BTreeV2Header, type BTreeV2Record } from './btree-v2.js';
import { verifyChecksum, lookup3 } from './checksum.js';
import { memo, readAt, type FormatContext } from './context.js';
import { bytes, cursor, readAddress, readLength, signature, u16, u32, u8, uint } from './cursor.js';
import { decodeFilterPipeline } from './messages/filter-pipeline.js';
import type { FilterSpec } from './types.js';
import { decodeChunk } from '../filters/registry.js';

/**
 * Fractal heaps (spec III.G): the link messages of dense groups, the attribute messages of
 * dense attribute storage and shared messages live here. A header (FRHP) describes a doubling
 * table of direct blocks (FHDB, holding objects) reached through indirect blocks (FHIB).
 * Objects are named by heap IDs: managed (an offset into the heap's address space), tiny
 * (the bytes are in the ID) or huge (stored on their own, found directly or through a v2 B-tree).
 */
export interface FractalHeapHeader {
  address: number;
  heapIdLength: number;
  /** Bytes of the encoded I/O filter pipeline; 0 when the heap is not filtered. */
  filterLength: number;
  flags: number;
  /** Flag bit 1: direct blocks carry a checksum. */
  directBlocksChecksummed: boolean;
  maxManagedObjectSize: number;
  nextHugeObjectId: number;
  hugeObjectsBTreeAddress: number | null;
  freeSpace: number;
  freeSpaceManagerAddress: number | null;
  managedSpace: number;
  allocatedManagedSpace: number;
  directBlockIterator: number;
  managedObjects: number;
  hugeObjectsSize: number;
  hugeObjects: number;
  tinyObjectsSize: number;
  tinyObjects: number;
  tableWidth: number;
  startingBlockSize: number;
  maxDirectBlockSize: number;
  /** log2 of the heap's address space size, in bits. */
  maxHeapSizeBits: number;
  startingRootRows: number;
  rootBlockAddress: number | null;
  /** 0: the root block is a direct block. */
  currentRootRows: number;
  /** Filtered heaps: the stored size and filter mask of a direct root block, and the raw filter pipeline message. */
  rootFilteredSize?: number;
  rootFilterMask?: number;
  filterInfo?: Uint8Array;
  /** The decoded I/O filter pipeline of a filtered heap. */
  filterPipeline?: FilterSpec[];
  // Derived, as H5HF__hdr_finish_init and H5HF__dtable_init compute them:
  /** Bytes of a heap offset (managed IDs, block offsets). */
  heapOffsetSize: number;
  /** Bytes of a managed object's length in its ID. */
  heapLengthSize: number;
  /** log2(starting block size * width): the heap offset bits covered by the first row. */
  firstRowBits: number;
  /** Rows whose blocks are direct blocks; rows beyond are indirect. */
  maxDirectRows: number;
  maxRootRows: number;
  tinyMaxLength: number;
  tinyExtended: boolean;
  hugeIdsDirect: boolean;
  hugeIdSize: number;
}

/**
 * Decodes a filtered block or huge object back to `expectedSize` bytes: `pipeline` is the heap's
 * raw I/O filter pipeline message. By default the filter registry undoes the heap's pipeline;
 * a caller may supply its own.
 */
export type HeapUnfilter = (data: Uint8Array, pipeline: Uint8Array, filterMask: number, expectedSize: number) => Promise<Uint8Array>;

export interface HeapReadOptions {
  unfilter?: HeapUnfilter;
}

/** floor(log2(n)) for a safe integer n >= 1, exactly (Math.log2 rounds near powers of two). */
function highBit(n: number): number {
  const hi = Math.floor(n / 2 ** 32);
  return hi > 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(n >>> 0);
}
const log2 = (n: number) => highBit(n);
const isPow2 = (n: number) => n > 0 && Number.isSafeInteger(n) && 2 ** highBit(n) === n;
/** H5VM_limit_enc_size: bytes for an unsigned value up to n. */
const encodedSize = (n: number) => Math.floor(highBit(Math.max(n, 1)) / 8) + 1;

/** The tiny-ID length boundary (H5HF_TINY_LEN_SHORT): longer IDs spend a second byte on the length. */
const TINY_LEN_SHORT = 16;
/** Slack read with the header for the filter pipeline that may follow it: pipelines are a few dozen bytes. */
const FILTER_INFO_GUESS = 256;

export function readFractalHeapHeader(ctx: FormatContext, address: number): Promise<FractalHeapHeader> {
  return memo(ctx, 'fractal-heap', address, async () => {
    const O = ctx.sizeOfOffsets;
    const L = ctx.sizeOfLengths;
    const at = ctx.baseAddress + address;
    const fixed = 4 + 1 + 2 + 2 + 1 + 4 + L + O + L + O + 8 * L + 2 + L + L + 2 + 2 + O + 2;
    let buf = await readUpTo(ctx, address, fixed + FILTER_INFO_GUESS, fixed + 4, 'fractal heap header');
    const c = cursor(buf, address);
    signature(c, 'FRHP', 'fractal heap header');
    const version = u8(c);
    if (version !== 0) throw new H5Error('Unsupported', `fractal heap version ${version}`, { offset: at });
    const heapIdLength = u16(c);
    const filterLength = u16(c);
    const size = fixed + (filterLength > 0 ? L + 4 + filterLength : 0) + 4;
    if (buf.length < size) buf = await readAt(ctx, address, size, 'fractal heap header');
    else buf = buf.subarray(0, size);
    verifyChecksum(buf, size - 4, 'fractal heap header', at);
    const h = cursor(buf, address, c.pos);
    const flags = u8(h);
    const maxManagedObjectSize = u32(h);
    const nextHugeObjectId = readLength(h, L);
    const hugeObjectsBTreeAddress = readAddress(h, O);
    const freeSpace = readLength(h, L);
    const freeSpaceManagerAddress = readAddress(h, O);
    const managedSpace = readLength(h, L);
    const allocatedManagedSpace = readLength(h, L);
    const directBlockIterator = readLength(h, L);
    const managedObjects = readLength(h, L);
    const hugeObjectsSize = readLength(h, L);
    const hugeObjects = readLength(h, L);
    const tinyObjectsSize = readLength(h, L);
    const tinyObjects = readLength(h, L);
    const tableWidth = u16(h);
    const startingBlockSize = readLength(h, L);
    const maxDirectBlockSize = readLength(h, L);
    const maxHeapSizeBits = u16(h);
    const startingRootRows = u16(h);
    const rootBlockAddress = readAddress(h, O);
    const currentRootRows = u16(h);
    const header: FractalHeapHeader = {
      address, heapIdLength, filterLength, flags, directBlocksChecksummed: (flags & 2) !== 0, maxManagedObjectSize,
      nextHugeObjectId, hugeObjectsBTreeAddress, freeSpace, freeSpaceManagerAddress, managedSpace, allocatedManagedSpace,
      directBlockIterator, managedObjects, hugeObjectsSize, hugeObjects, tinyObjectsSize, tinyObjects, tableWidth,
      startingBlockSize, maxDirectBlockSize, maxHeapSizeBits, startingRootRows, rootBlockAddress, currentRootRows,
      heapOffsetSize: 0, heapLengthSize: 0, firstRowBits: 0, maxDirectRows: 0, maxRootRows: 0, tinyMaxLength: 0,
      tinyExtended: false, hugeIdsDirect: false, hugeIdSize: 0,
    };
    if (filterLength > 0) {
      header.rootFilteredSize = readLength(h, L);
      header.rootFilterMask = u32(h);
      const infoAddress = address + h.pos;
      header.filterInfo = bytes(h, filterLength).slice();
      header.filterPipeline = decodeFilterPipeline(header.filterInfo, ctx, infoAddress);
    }
    // The doubling table must be made of powers of two, or no offset arithmetic below holds.
    if (!isPow2(tableWidth) || !isPow2(startingBlockSize) || !isPow2(maxDirectBlockSize) || maxDirectBlockSize < startingBlockSize) {
      throw new H5Error('Corrupt', 'fractal heap doubling table sizes are not powers of two', { offset: at });
    }
    header.firstRowBits = log2(startingBlockSize) + log2(tableWidth);
    if (maxHeapSizeBits < header.firstRowBits || maxHeapSizeBits > 64) {
      throw new H5Error('Corrupt', `fractal heap maximum size of 2^${maxHeapSizeBits} bytes`, { offset: at });
    }
    header.maxRootRows = maxHeapSizeBits - header.firstRowBits + 1;
    header.maxDirectRows = log2(maxDirectBlockSize) - log2(startingBlockSize) + 2;
    if (currentRootRows > header.maxRootRows || heapIdLength < 1) {
      throw new H5Error('Corrupt', `fractal heap root has ${currentRootRows} rows, at most ${header.maxRootRows} fit`, { offset: at });
    }
    header.heapOffsetSize = Math.ceil(maxHeapSizeBits / 8);
    header.heapLengthSize = Math.min(Math.ceil(log2(maxDirectBlockSize) / 8), encodedSize(maxManagedObjectSize));
    // Tiny objects keep their length in the ID's first byte, or the first two for long IDs (H5HF__tiny_init).
    header.tinyMaxLength = heapIdLength - 1;
    if (header.tinyMaxLength > TINY_LEN_SHORT) {
      header.tinyMaxLength--;
      header.tinyExtended = true;
    }
    // Huge object IDs hold address and length themselves when the ID is long enough (H5HF__huge_init).
    const directNeed = filterLength > 0 ? O + L + 4 + L : O + L;
    header.hugeIdsDirect = directNeed <= heapIdLength - 1;
    header.hugeIdSize = header.hugeIdsDirect ? directNeed : Math.min(heapIdLength - 1, 8);
    return header;
  });
}

/** Block size of a doubling table row: rows 0 and 1 hold starting-size blocks, then each row doubles. */
function rowBlockSize(h: FractalHeapHeader, row: number): number {
  return row === 0 ? h.startingBlockSize : h.startingBlockSize * 2 ** (row - 1);
}

/** Heap offset where a row starts, relative to its indirect block. */
function rowOffset(h: FractalHeapHeader, row: number): number {
  return row === 0 ? 0 : h.startingBlockSize * h.tableWidth * 2 ** (row - 1);
}

/** Row and column of the block holding heap offset `off` (H5HF__dtable_lookup). */
function lookupRowCol(h: FractalHeapHeader, off: number): { row: number; col: number } {
  const firstRowSpan = h.startingBlockSize * h.tableWidth;
  if (off < firstRowSpan) return { row: 0, col: Math.floor(off / h.startingBlockSize) };
  const high = highBit(off);
  const row = high - h.firstRowBits + 1;
  return { row, col: Math.floor((off - 2 ** high) / rowBlockSize(h, row)) };
}

/** One entry of an indirect block: a child block's address, with its stored size and mask when the heap is filtered. */
export interface IndirectEntry {
  address: number | null;
  filteredSize?: number;
  filterMask?: number;
}

export interface IndirectBlock {
  address: number;
  rows: number;
  blockOffset: number;
  entries: IndirectEntry[];
}

export function readIndirectBlock(
  ctx: FormatContext,
  h: FractalHeapHeader,
  address: number,
  rows: number,
  expectedOffset: number,
): Promise<IndirectBlock> {
  return memo(ctx, `fheap-iblock:${h.address}:${rows}`, address, async () => {
    const O = ctx.sizeOfOffsets;
    const L = ctx.sizeOfLengths;
    const at = ctx.baseAddress + address;
    const directEntries = Math.min(rows, h.maxDirectRows) * h.tableWidth;
    const indirectEntries = Math.max(0, rows - h.maxDirectRows) * h.tableWidth;
    const directSize = h.filterLength > 0 ? O + L + 4 : O;
    const size = 5 + O + h.heapOffsetSize + directEntries * directSize + indirectEntries * O + 4;
    const buf = await readAt(ctx, address, size, 'fractal heap indirect block');
    const c = cursor(buf, address);
    signature(c, 'FHIB', 'fractal heap indirect block');
    verifyChecksum(buf, size - 4, 'fractal heap indirect block', at);
    const version = u8(c);
    if (version !== 0) throw new H5Error('Unsupported', `fractal heap indirect block version ${version}`, { offset: at });
    const heapAddress = readAddress(c, O);
    const blockOffset = uint(c, h.heapOffsetSize, 'block offset');
    if (heapAddress !== h.address || blockOffset !== expectedOffset) {
      throw new H5Error('Corrupt', `fractal heap indirect block does not belong at heap offset ${expectedOffset}`, { offset: at });
    }
    const entries: IndirectEntry[] = [];
    for (let i = 0; i < directEntries; i++) {
      const e: IndirectEntry = { address: readAddress(c, O) };
      if (h.filterLength > 0) {
        e.filteredSize = readLength(c, L);
        e.filterMask = u32(c);
      }
      entries.push(e);
    }
    for (let i = 0; i < indirectEntries; i++) entries.push({ address: readAddress(c, O) });
    return { address, rows, blockOffset, entries };
  });
}

/** A direct block to fetch: where it is, its heap offset and (unfiltered) size, and its stored form. */
export interface DirectBlockRef {
  address: number;
  blockOffset: number;
  size: number;
  filteredSize?: number;
  filterMask?: number;
}

/**
 * A direct block's bytes (unfiltered), its prefix checked and its checksum verified when the heap
 * has them. Not memoised: blocks hold object data (up to the maximum direct block size each) and
 * the block cache below already keeps their bytes.
 */
export async function readDirectBlock(
  ctx: FormatContext,
  h: FractalHeapHeader,
  ref: DirectBlockRef,
  opts?: HeapReadOptions,
): Promise<Uint8Array> {
  const at = ctx.baseAddress + ref.address;
  const filtered = h.filterLength > 0;
  let buf = await readAt(ctx, ref.address, filtered ? ref.filteredSize ?? ref.size : ref.size, 'fractal heap direct block');
  if (filtered) buf = await unfilter(ctx, h, buf, ref.filterMask ?? 0, ref.size, at, opts);
  const c = cursor(buf, ref.address);
  signature(c, 'FHDB', 'fractal heap direct block');
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `fractal heap direct block version ${version}`, { offset: at });
  const heapAddress = readAddress(c, ctx.sizeOfOffsets);
  const blockOffset = uint(c, h.heapOffsetSize, 'block offset');
  if (heapAddress !== h.address || blockOffset !== ref.blockOffset) {
    throw new H5Error('Corrupt', `fractal heap direct block does not belong at heap offset ${ref.blockOffset}`, { offset: at });
  }
  if (h.directBlocksChecksummed) {
    // The checksum covers the whole block with the checksum field itself zeroed.
    const stored = u32(c);
    const copy = buf.slice();
    copy.fill(0, c.pos - 4, c.pos);
    const computed = lookup3(copy);
    if (computed !== stored) {
      throw new H5Error('Corrupt', `fractal heap direct block checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`, {
        offset: at,
      });
    }
  }
  return buf;
}

async function unfilter(
  ctx: FormatContext,
  h: FractalHeapHeader,
  data: Uint8Array,
  filterMask: number,
  expectedSize: number,
  at: number,
  opts?: HeapReadOptions,
): Promise<Uint8Array> {
  if (!h.filterInfo || !h.filterPipeline) {
    throw new H5Error('Corrupt', 'filtered fractal heap data in a heap without filters', { offset: at });
  }
  if (expectedSize > ctx.limits.maxMetadataBytes) {
    throw new H5Error('Limit', `filtered heap data of ${expectedSize} bytes exceeds the metadata limit`, { offset: at });
  }
  const out = opts?.unfilter
    ? await opts.unfilter(data, h.filterInfo, filterMask, expectedSize)
    : await decodeChunk(data, h.filterPipeline, filterMask, {
        // Heap blocks are bytes: filters that care about element size (shuffle) see 1.
        elementSize: 1,
        chunkBytes: expectedSize,
        maxOutputBytes: ctx.limits.maxMetadataBytes,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
  if (out.length !== expectedSize) {
    throw new H5Error('Corrupt', `filtered fractal heap data decoded to ${out.length} bytes, expected ${expectedSize}`, { offset: at });
  }
  return out;
}

/** A parsed heap ID. */
export type HeapIdParts =
  | { kind: 'managed'; offset: number; length: number }
  | { kind: 'tiny'; data: Uint8Array }
  | { kind: 'huge-direct'; address: number; length: number; filterMask?: number; memorySize?: number }
  | { kind: 'huge'; id: number };

export function parseHeapId(ctx: FormatContext, h: FractalHeapHeader, id: Uint8Array): HeapIdParts {
  const at = ctx.baseAddress + h.address;
  if (id.length < 1) throw new H5Error('Corrupt', 'empty fractal heap ID', { offset: at });
  const c = cursor(id, 0);
  const first = u8(c);
  if (first >> 6 !== 0) throw new H5Error('Unsupported', `fractal heap ID version ${first >> 6}`, { offset: at });
  const kind = (first >> 4) & 3;
  if (kind === 0) {
    const offset = uint(c, h.heapOffsetSize, 'heap offset');
    const length = uint(c, h.heapLengthSize, 'heap object length');
    return { kind: 'managed', offset, length };
  }
  if (kind === 2) {
    const length = h.tinyExtended ? (((first & 0x0f) << 8) | u8(c)) + 1 : (first & 0x0f) + 1;
    if (length > h.tinyMaxLength || c.pos + length > id.length) {
      throw new H5Error('Corrupt', `tiny fractal heap object of ${length} bytes in a ${id.length}-byte ID`, { offset: at });
    }
    return { kind: 'tiny', data: id.slice(c.pos, c.pos + length) };
  }
  if (kind === 1) {
    if (!h.hugeIdsDirect) return { kind: 'huge', id: uint(c, h.hugeIdSize, 'huge object ID') };
    const address = uint(c, ctx.sizeOfOffsets, 'huge object address');
    const length = readLength(c, ctx.sizeOfLengths);
    if (h.filterLength === 0) return { kind: 'huge-direct', address, length };
    const filterMask = u32(c);
    return { kind: 'huge-direct', address, length, filterMask, memorySize: readLength(c, ctx.sizeOfLengths) };
  }
  throw new H5Error('Corrupt', `fractal heap ID of unknown type ${kind}`, { offset: at });
}

/**
 * Objects for many heap IDs at once. Managed objects: every level of indirect blocks is fetched
 * in one wave, then all direct blocks in one wave. Huge objects are looked up alongside.
 */
export async function readHeapObjects(
  ctx: FormatContext,
  heap: FractalHeapHeader,
  ids: Uint8Array[],
  opts?: HeapReadOptions,
): Promise<Uint8Array[]> {
  const parts = ids.map((id) => parseHeapId(ctx, heap, id));
  const out: Uint8Array[] = new Array(ids.length);
  const managed: number[] = [];
  const huge: number[] = [];
  parts.forEach((p, i) => {
    if (p.kind === 'tiny') out[i] = p.data;
    else if (p.kind === 'managed') managed.push(i);
    else huge.push(i);
  });
  await Promise.all([
    readManaged(ctx, heap, managed.map((i) => parts[i] as Extract<HeapIdParts, { kind: 'managed' }>), opts).then((objs) =>
      objs.forEach((o, k) => (out[managed[k]!] = o)),
    ),
    Promise.all(huge.map((i) => readHuge(ctx, heap, parts[i] as Extract<HeapIdParts, { kind: 'huge' | 'huge-direct' }>, opts))).then(
      (objs) => objs.forEach((o, k) => (out[huge[k]!] = o)),
    ),
  ]);
  return out;
}

async function readManaged(
  ctx: FormatContext,
  h: FractalHeapHeader,
  wanted: { offset: number; length: number }[],
  opts?: HeapReadOptions,
): Promise<Uint8Array[]> {
  if (wanted.length === 0) return [];
  const at = ctx.baseAddress + h.address;
  if (h.rootBlockAddress === null) throw new H5Error('Corrupt', 'managed object in a fractal heap without blocks', { offset: at });
  // Which direct block holds each object: resolved level by level through the indirect blocks.
  const dblockOf: DirectBlockRef[] = new Array(wanted.length);
  if (h.currentRootRows === 0) {
    const ref: DirectBlockRef = { address: h.rootBlockAddress, blockOffset: 0, size: h.startingBlockSize };
    if (h.filterLength > 0) {
      ref.filteredSize = h.rootFilteredSize ?? 0;
      ref.filterMask = h.rootFilterMask ?? 0;
    }
    dblockOf.fill(ref);
  } else {
    type Pending = { iblock: { address: number; rows: number; blockOffset: number }; objects: number[] };
    let level: Pending[] = [{ iblock: { address: h.rootBlockAddress, rows: h.currentRootRows, blockOffset: 0 }, objects: wanted.map((_, i) => i) }];
    const seen = new Set<number>([h.rootBlockAddress]);
    for (let depth = 0; level.length > 0; depth++) {
      if (depth > h.maxRootRows) throw new H5Error('Corrupt', 'fractal heap indirect blocks nest too deep', { offset: at });
      const blocks = await Promise.all(level.map((p) => readIndirectBlock(ctx, h, p.iblock.address, p.iblock.rows, p.iblock.blockOffset)));
      const next = new Map<number, Pending>();
      level.forEach((p, k) => {
        const ib = blocks[k]!;
        for (const i of p.objects) {
          const { offset, length } = wanted[i]!;
          const rel = offset - ib.blockOffset;
          const { row, col } = lookupRowCol(h, rel);
          if (row >= ib.rows || col >= h.tableWidth) {
            throw new H5Error('Corrupt', `heap offset ${offset} lies outside its indirect block`, { offset: ctx.baseAddress + ib.address });
          }
          const entry = ib.entries[row * h.tableWidth + col]!;
          const blockOffset = ib.blockOffset + rowOffset(h, row) + col * rowBlockSize(h, row);
          if (entry.address === null) {
            throw new H5Error('Corrupt', `heap offset ${offset} lies in an unallocated block`, { offset: ctx.baseAddress + ib.address });
          }
          if (row < h.maxDirectRows) {
            const size = rowBlockSize(h, row);
            if (offset + length > blockOffset + size) {
              throw new H5Error('Corrupt', `heap object at ${offset} (${length} bytes) overruns its direct block`, { offset: at });
            }
            const ref: DirectBlockRef = { address: entry.address, blockOffset, size };
            if (entry.filteredSize !== undefined) ref.filteredSize = entry.filteredSize;
            if (entry.filterMask !== undefined) ref.filterMask = entry.filterMask;
            dblockOf[i] = ref;
          } else {
            const rows = log2(rowBlockSize(h, row)) - h.firstRowBits + 1;
            let child = next.get(entry.address);
            if (!child) {
              if (seen.has(entry.address) || rows >= ib.rows) {
                throw new H5Error('Corrupt', `fractal heap indirect block ${ib.address} points back to block ${entry.address}`, {
                  offset: ctx.baseAddress + ib.address,
                });
              }
              seen.add(entry.address);
              child = { iblock: { address: entry.address, rows, blockOffset }, objects: [] };
              next.set(entry.address, child);
            }
            child.objects.push(i);
          }
        }
      });
      level = [...next.values()];
    }
  }
  // All direct blocks in one wave.
  const distinct = new Map<number, DirectBlockRef>();
  for (const ref of dblockOf) {
    const other = distinct.get(ref.address);
    if (other && (other.blockOffset !== ref.blockOffset || other.size !== ref.size)) {
      throw new H5Error('Corrupt', `fractal heap direct block ${ref.address} is reached at two heap offsets`, {
        offset: ctx.baseAddress + ref.address,
      });
    }
    distinct.set(ref.address, ref);
  }
  const refs = [...distinct.values()];
  const blocks = new Map<number, Uint8Array>();
  (await Promise.all(refs.map((r) => readDirectBlock(ctx, h, r, opts)))).forEach((b, k) => blocks.set(refs[k]!.address, b));
  const prefix = 5 + ctx.sizeOfOffsets + h.heapOffsetSize + (h.directBlocksChecksummed ? 4 : 0);
  return wanted.map(({ offset, length }, i) => {
    const ref = dblockOf[i]!;
    const block = blocks.get(ref.address)!;
    const start = offset - ref.blockOffset;
    if (start < prefix || start + length > block.length) {
      throw new H5Error('Corrupt', `heap object at ${offset} (${length} bytes) is outside its direct block's data`, {
        offset: ctx.baseAddress + ref.address,
      });
    }
    return block.subarray(start, start + length);
  });
}

async function readHuge(
  ctx: FormatContext,
  h: FractalHeapHeader,
  part: Extract<HeapIdParts, { kind: 'huge' | 'huge-direct' }>,
  opts?: HeapReadOptions,
): Promise<Uint8Array> {
  let address: number;
  let length: number;
  let filterMask: number | undefined;
  let memorySize: number | undefined;
  if (part.kind === 'huge-direct') {
    ({ address, length, filterMask, memorySize } = part);
  } else {
    if (h.hugeObjectsBTreeAddress === null) {
      throw new H5Error('Corrupt', 'huge fractal heap object without a huge object B-tree', { offset: ctx.baseAddress + h.address });
    }
    const bt = await readBTreeV2Header(ctx, h.hugeObjectsBTreeAddress);
    const wantedId = part.id;
    const rec = await findBTreeV2Record(ctx, bt, (r: BTreeV2Record) => {
      if (r.type !== 1 && r.type !== 2) {
        throw new H5Error('Corrupt', `huge object B-tree holds type ${r.type} records`, { offset: ctx.baseAddress + bt.address });
      }
      return wantedId < r.id ? -1 : wantedId > r.id ? 1 : 0;
    });
    if (!rec || (rec.type !== 1 && rec.type !== 2)) {
      throw new H5Error('Corrupt', `huge fractal heap object ${wantedId} is not in its B-tree`, { offset: ctx.baseAddress + bt.address });
    }
    address = rec.address;
    length = rec.length;
    if (rec.type === 2) {
      filterMask = rec.filterMask;
      memorySize = rec.memorySize;
    }
  }
  const data = await readAt(ctx, address, length, 'huge fractal heap object');
  if (h.filterLength === 0) return data;
  return unfilter(ctx, h, data, filterMask ?? 0, memorySize ?? length, ctx.baseAddress + address, opts);
}

/**
 * Dense link or attribute lookup by name: the name index (v2 B-tree of type 5 or 8) is keyed by
 * lookup3 of the UTF-8 name, so every record with that hash is found (only the subtrees whose
 * bounds can hold it are read), their heap objects are read together, and the first object whose
 * decoded name (`nameOf`, the link or attribute message decoder) equals `name` wins: hashes collide.
 */
export async function lookupHeapObjectByName(
  ctx: FormatContext,
  heap: FractalHeapHeader,
  nameIndex: BTreeV2Header,
  name: string,
  nameOf: (object: Uint8Array) => string,
  opts?: HeapReadOptions,
): Promise<Uint8Array | null> {
  if (nameIndex.type !== 5 && nameIndex.type !== 8) {
    throw new H5Error('Invalid', `a v2 B-tree of type ${nameIndex.type} is not a name index`);
  }
  const hash = lookup3(new TextEncoder().encode(name));
  const records = await findBTreeV2Records(ctx, nameIndex, (r) => {
    const h = r.type === 5 || r.type === 8 ? r.nameHash : hash;
    return hash < h ? -1 : hash > h ? 1 : 0;
  });
  const ids = records.map((r) => (r as { heapId: Uint8Array }).heapId);
  const objects = await readHeapObjects(ctx, heap, ids, opts);
  return objects.find((o) => nameOf(o) === name) ?? null;
}
