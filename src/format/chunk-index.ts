import { H5Error } from '../errors.js';
import { readChunkBTreeV1, walkBTreeV1, type BTreeV1Node, type ChunkKey } from './btree-v1.js';
import { readBTreeV2Header, readBTreeV2Records, type BTreeV2Record } from './btree-v2.js';
import type { FormatContext } from './context.js';
import { readExtensibleArrayElements } from './extensible-array.js';
import { readFixedArrayElements, type ChunkArrayElement } from './fixed-array.js';
import type { ChunkRecord, Layout } from './types.js';

/**
 * One entry point for every chunk index a layout message (versions 1-4) can name: v1 B-tree,
 * single chunk, implicit, fixed array, extensible array and v2 B-tree. Given chunk grid coordinates
 * (element offset / chunk dimension), it returns where those chunks are stored.
 */

export interface ChunkIndexQuery {
  layout: Extract<Layout, { class: 'chunked' }>;
  /** Current dataset dimensions. */
  dims: number[];
  /** Maximum dimensions; null where unlimited. */
  maxDims: (number | null)[];
  /** True when the dataset has a filter pipeline (chunk records then carry sizes and filter masks). */
  filtered: boolean;
}

/**
 * Records one lookup may return. A chunk index of more entries than this describes a dataset of
 * over 33 million chunks, whose index alone is hundreds of MiB: treat it as a resource limit
 * rather than build an array that size.
 */
export const MAX_CHUNK_RECORDS = 1 << 25;

/** Chunk grid geometry the linear indexes of the array-based indexes are computed over. */
interface Grid {
  rank: number;
  chunkDims: number[];
  /** Stored bytes of an unfiltered chunk: chunk elements times element size. */
  chunkBytes: number;
  /** Chunks along each dimension of the maximum extent; null where unlimited. */
  maxChunks: (number | null)[];
}

function gridOf(q: ChunkIndexQuery): Grid {
  const { chunkDims, elementSize } = q.layout;
  const rank = chunkDims.length;
  if (q.dims.length !== rank || q.maxDims.length !== rank) {
    throw new H5Error('Corrupt', `chunked layout of rank ${rank} for a dataspace of rank ${q.dims.length}`);
  }
  let chunkBytes = elementSize;
  for (const d of chunkDims) chunkBytes *= d;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) {
    throw new H5Error('Corrupt', `chunk of ${chunkDims.join('x')} elements of ${elementSize} bytes`);
  }
  const maxChunks = q.maxDims.map((m, d) => (m === null ? null : Math.ceil(m / chunkDims[d]!)));
  return { rank, chunkDims, chunkBytes, maxChunks };
}

/** Row-major linear index over `extent` in dimension order `order`; the first ordered dimension is unbounded. */
function linearize(scaled: number[], extent: (number | null)[], order: number[]): number {
  let idx = 0;
  for (let k = 0; k < order.length; k++) {
    const d = order[k]!;
    idx = k === 0 ? scaled[d]! : idx * extent[d]! + scaled[d]!;
  }
  return idx;
}

function delinearize(idx: number, extent: (number | null)[], order: number[]): number[] {
  const scaled = new Array<number>(order.length).fill(0);
  for (let k = order.length - 1; k > 0; k--) {
    const d = order[k]!;
    const n = extent[d]!;
    scaled[d] = idx % n;
    idx = Math.floor(idx / n);
  }
  if (order.length) scaled[order[0]!] = idx;
  return scaled;
}

function inGrid(scaled: number[], extent: (number | null)[]): boolean {
  return scaled.every((s, d) => extent[d] === null || s < extent[d]!);
}

function elementOffset(scaled: number[], g: Grid): number[] {
  return scaled.map((s, d) => s * g.chunkDims[d]!);
}

function checkCount(n: number): void {
  if (n > MAX_CHUNK_RECORDS) {
    throw new H5Error('Limit', `a chunk index lookup of ${n} chunks exceeds the limit of ${MAX_CHUNK_RECORDS}`);
  }
}

function validateWanted(chunks: number[][], rank: number): number[][] {
  checkCount(chunks.length);
  for (const c of chunks) {
    if (!Array.isArray(c) || c.length !== rank || !c.every((v) => Number.isSafeInteger(v) && v >= 0)) {
      throw new H5Error('Invalid', `chunk coordinates ${JSON.stringify(c)} are not ${rank} non-negative integers`);
    }
  }
  return chunks;
}

/**
 * The records of the chunks whose grid coordinates are listed, or of all chunks for 'all'.
 * Chunks never written are absent. Addresses are HDF5 addresses (relative to the base address).
 * Each index is walked breadth-first, one wave of reads per level, reading only the blocks and
 * nodes on the paths to the wanted chunks.
 */
export async function lookupChunks(ctx: FormatContext, q: ChunkIndexQuery, chunks: number[][] | 'all'): Promise<ChunkRecord[]> {
  const g = gridOf(q);
  const wanted = chunks === 'all' ? 'all' : validateWanted(chunks, g.rank);
  if (wanted !== 'all' && wanted.length === 0) return [];
  const index = q.layout.index;
  if (index.address === null) return []; // storage never allocated: no chunk was written
  if (g.maxChunks.some((n) => n === 0)) return []; // a dimension that can never hold an element
  switch (index.type) {
    case 'single':
      return single(q, g, index.address, index.filteredSize, index.filterMask, wanted);
    case 'implicit':
      return implicit(q, g, index.address, wanted);
    case 'fixed-array':
      return fixedArray(ctx, q, g, index.address, wanted);
    case 'extensible-array':
      return extensibleArray(ctx, q, g, index.address, wanted);
    case 'btree-v1':
      return btreeV1(ctx, g, index.address, wanted);
    case 'btree-v2':
      return btreeV2(ctx, q, g, index.address, wanted);
    default:
      throw new H5Error('Unsupported', `chunk index type ${(index as { type: string }).type}`);
  }
}

/** Single chunk: the layout message holds the one chunk's address (and, filtered, its size and mask). */
function single(
  q: ChunkIndexQuery, g: Grid, address: number, filteredSize: number | undefined, filterMask: number | undefined, wanted: number[][] | 'all',
): ChunkRecord[] {
  if (q.filtered && filteredSize === undefined) {
    throw new H5Error('Corrupt', 'filtered single-chunk layout without the filtered chunk size');
  }
  const zero = new Array<number>(g.rank).fill(0);
  if (wanted !== 'all' && !wanted.some((c) => c.every((v) => v === 0))) return [];
  return [{ offset: zero, address, size: filteredSize ?? g.chunkBytes, filterMask: filterMask ?? 0 }];
}

/** Row-major order over the maximum chunk grid, the order the fixed array and implicit indexes use. */
function fixedGrid(g: Grid, what: string): { extent: number[]; order: number[]; total: number } {
  if (g.maxChunks.some((m) => m === null)) {
    throw new H5Error('Corrupt', `${what} chunk index on a dataset with an unlimited dimension`);
  }
  const extent = g.maxChunks as number[];
  let total = 1;
  for (const n of extent) total *= n;
  if (!Number.isSafeInteger(total)) throw new H5Error('Corrupt', `${what} chunk grid of ${extent.join('x')} chunks`);
  return { extent, order: extent.map((_, d) => d), total };
}

/**
 * Maps wanted coordinates to sorted unique linear indexes (dropping those outside the grid).
 * Reads list chunks in row-major order, which is usually the index's order too: then nothing is
 * sorted, and no map is built (a read of 10^5 one-element chunks spent most of its time here).
 */
function indexesOf(wanted: number[][], extent: (number | null)[], order: number[]): { sorted: number[] } {
  const sorted: number[] = [];
  let ascending = true;
  for (const c of wanted) {
    if (!inGrid(c, extent)) continue;
    const idx = linearize(c, extent, order);
    if (!Number.isSafeInteger(idx)) continue;
    if (sorted.length && idx <= sorted[sorted.length - 1]!) ascending = false;
    sorted.push(idx);
  }
  if (ascending) return { sorted };
  sorted.sort((a, b) => a - b);
  return { sorted: sorted.filter((x, i) => i === 0 || x !== sorted[i - 1]) };
}

/**
 * Implicit: every chunk of the maximum grid is allocated, in row-major order over that grid from
 * one address (H5Dnone.c). 'all' lists the chunks of the current extent, as the library's
 * iteration does; chunks beyond it hold no data of the dataset.
 */
function implicit(q: ChunkIndexQuery, g: Grid, address: number, wanted: number[][] | 'all'): ChunkRecord[] {
  if (q.filtered) throw new H5Error('Corrupt', 'implicit chunk index on a filtered dataset');
  const { extent, order } = fixedGrid(g, 'implicit');
  const record = (idx: number, scaled: number[]): ChunkRecord => {
    const addr = address + idx * g.chunkBytes;
    if (!Number.isSafeInteger(addr)) throw new H5Error('Corrupt', `implicit chunk ${idx} lies beyond 2^53`);
    return { offset: elementOffset(scaled, g), address: addr, size: g.chunkBytes, filterMask: 0 };
  };
  if (wanted === 'all') {
    const current = q.dims.map((n, d) => Math.min(Math.ceil(n / g.chunkDims[d]!), extent[d]!));
    let count = 1;
    for (const n of current) count *= n;
    checkCount(count);
    const out: ChunkRecord[] = [];
    for (let i = 0; i < count; i++) {
      const scaled = delinearize(i, current, order);
      out.push(record(linearize(scaled, extent, order), scaled));
    }
    return out;
  }
  return indexesOf(wanted, extent, order).sorted.map((i) => record(i, delinearize(i, extent, order)));
}

function toRecords(elements: ChunkArrayElement[], g: Grid, scaledOf: (idx: number) => number[]): ChunkRecord[] {
  return elements.map((e) => ({
    offset: elementOffset(scaledOf(e.index), g),
    address: e.address,
    size: e.size ?? g.chunkBytes,
    filterMask: e.filterMask,
  }));
}

/** Fixed array: one element per chunk of the maximum grid, row-major (H5D__farray_idx_get_addr uses max_down_chunks). */
async function fixedArray(ctx: FormatContext, q: ChunkIndexQuery, g: Grid, address: number, wanted: number[][] | 'all'): Promise<ChunkRecord[]> {
  const { extent, order, total } = fixedGrid(g, 'fixed array');
  const picked = wanted === 'all' ? null : indexesOf(wanted, extent, order);
  if (picked && picked.sorted.length === 0) return [];
  const { header, elements } = await readFixedArrayElements(ctx, address, picked ? picked.sorted : 'all');
  if (header.elements !== total) {
    throw new H5Error('Corrupt', `fixed array of ${header.elements} elements for a grid of ${total} chunks`, {
      offset: ctx.baseAddress + address,
    });
  }
  checkFiltered(q, header.format.filtered, ctx.baseAddress + address);
  checkCount(elements.length);
  return toRecords(elements, g, (i) => delinearize(i, extent, order));
}

/**
 * Extensible array: the linear index runs over the chunk grid with the single unlimited dimension
 * moved first and the others after it in their order (H5VM_swizzle_coords), the others counted
 * over their maximum extent (swizzled_max_down_chunks), as libhdf5 1.10.8 reads. Quirk: some
 * older writers counted the current extent instead, so where a fixed dimension is below its
 * maximum their chunks sit at other indexes; libhdf5 1.10.8 reads such files by the maximum grid
 * all the same (corpus h5fc_ext*.h5 /DSET_EA, whose oracle data has fill where those chunks went).
 */
async function extensibleArray(ctx: FormatContext, q: ChunkIndexQuery, g: Grid, address: number, wanted: number[][] | 'all'): Promise<ChunkRecord[]> {
  const unlimited = g.maxChunks.flatMap((m, d) => (m === null ? [d] : []));
  if (unlimited.length !== 1) {
    throw new H5Error('Corrupt', `extensible array chunk index on a dataset with ${unlimited.length} unlimited dimensions`);
  }
  const u = unlimited[0]!;
  const order = [u, ...g.maxChunks.map((_, d) => d).filter((d) => d !== u)];
  const picked = wanted === 'all' ? null : indexesOf(wanted, g.maxChunks, order);
  if (picked && picked.sorted.length === 0) return [];
  const { header, elements } = await readExtensibleArrayElements(ctx, address, picked ? picked.sorted : 'all');
  checkFiltered(q, header.format.filtered, ctx.baseAddress + address);
  checkCount(elements.length);
  return toRecords(elements, g, (i) => delinearize(i, g.maxChunks, order));
}

function checkFiltered(q: ChunkIndexQuery, indexFiltered: boolean, at: number): void {
  if (indexFiltered !== q.filtered) {
    throw new H5Error('Corrupt', `chunk index is for ${indexFiltered ? 'filtered' : 'unfiltered'} chunks, the dataset is ${q.filtered ? 'filtered' : 'not'}`, {
      offset: at,
    });
  }
}

/** Lexicographic comparison of offsets: the order both B-tree versions keep chunks in. */
function compareOffsets(a: number[], b: number[]): number {
  for (let d = 0; d < a.length; d++) {
    const x = a[d]!;
    const y = b[d]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Sorted unique keys and a predicate "some wanted key k has lo < k < hi (or lo <= k when inclusive)". */
function keyRange(keys: number[][]) {
  const sorted = keys.slice().sort(compareOffsets).filter((k, i, a) => i === 0 || compareOffsets(a[i - 1]!, k) !== 0);
  const set = new Set(sorted.map((k) => k.join(',')));
  /** True when some wanted key k satisfies lo (<= or <) k < hi; null bounds are open. */
  const anyBetween = (lo: number[] | null, hi: number[] | null, loInclusive: boolean): boolean => {
    // First wanted key not below lo.
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      const cmp = lo === null ? 1 : compareOffsets(sorted[mid]!, lo);
      if (cmp < 0 || (cmp === 0 && !loInclusive)) a = mid + 1;
      else b = mid;
    }
    return a < sorted.length && (hi === null || compareOffsets(sorted[a]!, hi) < 0);
  };
  return { set, anyBetween };
}

/**
 * v1 B-tree (type 1): keys are element offsets; child i holds the chunks whose offsets k satisfy
 * key[i] <= k < key[i+1] in row-major order (H5D__btree_cmp3), so only children whose range holds
 * a wanted offset are read. The comparison includes the trailing element-size coordinate, which
 * is 0 in every chunk's key but may not be in the last (right) key of a node: the library writes
 * right keys such as (450, 2) after a last chunk at (450, 0). Without that coordinate the last
 * child's upper bound must therefore be inclusive.
 */
async function btreeV1(ctx: FormatContext, g: Grid, address: number, wanted: number[][] | 'all'): Promise<ChunkRecord[]> {
  if (wanted === 'all') {
    const all = await readChunkBTreeV1(ctx, address, g.rank + 1);
    checkCount(all.length);
    return all;
  }
  const { set, anyBetween } = keyRange(wanted.map((c) => elementOffset(c, g)));
  const descend = (node: BTreeV1Node, i: number): boolean => {
    const lo = (node.keys[i] as ChunkKey).offset;
    const hi = (node.keys[i + 1] as ChunkKey).offset;
    return anyBetween(lo, hi, true) || (i === node.entriesUsed - 1 && set.has(hi.join(',')));
  };
  const leaves = await walkBTreeV1(ctx, address, 1, g.rank + 1, descend);
  const out: ChunkRecord[] = [];
  for (const leaf of leaves) {
    leaf.children.forEach((child, i) => {
      const k = leaf.keys[i] as ChunkKey;
      if (set.has(k.offset.join(','))) out.push({ offset: k.offset, address: child, size: k.size, filterMask: k.filterMask });
    });
  }
  return out;
}

/**
 * v2 B-tree (record types 10 and 11): keys are scaled offsets (in chunks). The subtree between
 * records low and high holds keys strictly between them, so it is read only if a wanted key is.
 */
async function btreeV2(ctx: FormatContext, q: ChunkIndexQuery, g: Grid, address: number, wanted: number[][] | 'all'): Promise<ChunkRecord[]> {
  const header = await readBTreeV2Header(ctx, address, { chunkRank: g.rank });
  if (header.type !== 10 && header.type !== 11) {
    throw new H5Error('Corrupt', `v2 B-tree of record type ${header.type} as a chunk index`, { offset: ctx.baseAddress + address });
  }
  checkFiltered(q, header.type === 11, ctx.baseAddress + address);
  checkCount(header.totalRecords);
  const scaledOf = (r: BTreeV2Record) => (r as Extract<BTreeV2Record, { type: 10 | 11 }>).scaledOffset;
  const toRecord = (r: BTreeV2Record): ChunkRecord => {
    const c = r as Extract<BTreeV2Record, { type: 10 | 11 }>;
    return {
      offset: elementOffset(c.scaledOffset, g),
      address: c.address,
      size: c.type === 11 ? c.size : g.chunkBytes,
      filterMask: c.type === 11 ? c.filterMask : 0,
    };
  };
  if (wanted === 'all') return (await readBTreeV2Records(ctx, header, { chunkRank: g.rank })).map(toRecord);
  const { set, anyBetween } = keyRange(wanted);
  const records = await readBTreeV2Records(ctx, header, {
    chunkRank: g.rank,
    prune: (low, high) => !anyBetween(low && scaledOf(low), high && scaledOf(high), false),
  });
  return records.filter((r) => set.has(scaledOf(r).join(','))).map(toRecord);
}
