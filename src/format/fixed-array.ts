import { H5Error } from '../errors.js';
import { verifyChecksum } from './checksum.js';
import { memo, readAt, type FormatContext } from './context.js';
import { cursor, readAddress, readLength, signature, u8, uint, type Cursor } from './cursor.js';

/**
 * The fixed array chunk index (spec III.B, layout v4 index type 3): a header (FAHD) naming one
 * data block (FADB) that holds one element per chunk of the dataset's maximum chunk grid. When
 * the array has more than 2^pageBits elements the data block is split into pages, each with its
 * own checksum, and the data block itself only holds a bitmap of the pages ever written.
 */

/** One element of a fixed or extensible array chunk index, with its linear chunk index. */
export interface ChunkArrayElement {
  index: number;
  address: number;
  /** Stored (filtered) chunk size; null for unfiltered elements, which are just an address. */
  size: number | null;
  filterMask: number;
}

/** Client IDs shared by fixed and extensible arrays (H5FA/H5EA_CLS_*CHUNK_ID). */
export const CLIENT_UNFILTERED_CHUNKS = 0;
export const CLIENT_FILTERED_CHUNKS = 1;

/** Signature, version, client ID and checksum: the part every array block has. */
export const ARRAY_BLOCK_OVERHEAD = 4 + 1 + 1 + 4;
export const CHECKSUM_BYTES = 4;

/**
 * How the elements of a chunk array are laid out: an address alone (unfiltered), or an address,
 * the stored chunk size in `entrySize - offsets - 4` bytes and a 4-byte filter mask (filtered).
 */
export interface ElementFormat {
  filtered: boolean;
  entrySize: number;
  chunkSizeLength: number;
}

export function elementFormat(ctx: FormatContext, clientId: number, entrySize: number, what: string, at: number): ElementFormat {
  const O = ctx.sizeOfOffsets;
  if (clientId === CLIENT_UNFILTERED_CHUNKS) {
    if (entrySize !== O) throw new H5Error('Corrupt', `${what} has ${entrySize}-byte elements for unfiltered chunks`, { offset: at });
    return { filtered: false, entrySize, chunkSizeLength: 0 };
  }
  if (clientId === CLIENT_FILTERED_CHUNKS) {
    // The size field is 1 + (log2(chunk bytes) + 8) / 8 bytes (H5D_FARRAY/EARRAY_COMPUTE_CHUNK_SIZE_LEN),
    // but the element size in the header already says it, so no formula is needed to read it.
    const chunkSizeLength = entrySize - O - 4;
    if (chunkSizeLength < 1 || chunkSizeLength > 8) {
      throw new H5Error('Corrupt', `${what} has ${entrySize}-byte elements for filtered chunks`, { offset: at });
    }
    return { filtered: true, entrySize, chunkSizeLength };
  }
  throw new H5Error('Unsupported', `${what} has client ID ${clientId}, not a chunk index`, { offset: at });
}

/**
 * Decodes `count` consecutive elements starting at the cursor, whose first has linear index
 * `firstIndex`, keeping those `keep` selects. The undefined address marks a chunk never written.
 */
export function decodeElements(
  c: Cursor,
  ctx: FormatContext,
  fmt: ElementFormat,
  firstIndex: number,
  count: number,
  keep: number[] | 'all',
  out: ChunkArrayElement[],
): void {
  const start = c.pos;
  const visit = (i: number) => {
    c.pos = start + i * fmt.entrySize;
    const address = readAddress(c, ctx.sizeOfOffsets);
    if (address === null) return;
    let size: number | null = null;
    let filterMask = 0;
    if (fmt.filtered) {
      size = uint(c, fmt.chunkSizeLength, 'chunk size');
      filterMask = uint(c, 4, 'filter mask');
    }
    out.push({ index: firstIndex + i, address, size, filterMask });
  };
  if (keep === 'all') for (let i = 0; i < count; i++) visit(i);
  else for (const idx of keep) visit(idx - firstIndex);
  c.pos = start + count * fmt.entrySize;
}

/**
 * The sorted wanted indexes inside [start, start + count) clipped to `limit`, 'all' when every
 * index is wanted (callers drop indexes at or beyond the limit themselves), or null if none.
 */
export function pick(wanted: number[] | 'all', start: number, count: number, limit = Infinity): number[] | 'all' | null {
  const end = Math.min(start + count, limit);
  if (end <= start) return null;
  if (wanted === 'all') return 'all';
  let lo = 0;
  let hi = wanted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (wanted[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < wanted.length && wanted[i]! < end; i++) out.push(wanted[i]!);
  return out.length ? out : null;
}

/**
 * Splits `wanted` over consecutive blocks of `blockSize` elements starting at element `base`
 * (`blocks` of them, elements at or beyond `limit` never set): which blocks (or pages) to read,
 * and which of their elements are wanted. Visits only the blocks that hold a wanted element.
 */
export function groupByBlock(
  wanted: number[] | 'all',
  base: number,
  blockSize: number,
  blocks: number,
  limit: number,
): { block: number; want: number[] | 'all' }[] {
  const out: { block: number; want: number[] | 'all' }[] = [];
  const end = Math.min(base + blocks * blockSize, limit);
  if (wanted === 'all') {
    for (let j = 0; base + j * blockSize < end; j++) out.push({ block: j, want: 'all' });
    return out;
  }
  const first = pick(wanted, base, end - base);
  if (!first || first === 'all') return out;
  for (const i of first) {
    const j = Math.floor((i - base) / blockSize);
    const last = out[out.length - 1];
    if (last && last.block === j) (last.want as number[]).push(i);
    else out.push({ block: j, want: [i] });
  }
  return out;
}

/** Bit `i` of a page-initialized bitmap: bits run from the high bit of byte 0 (H5VM_bit_get). */
export function bitSet(bitmap: Uint8Array, i: number): boolean {
  return (bitmap[i >>> 3]! & (0x80 >>> (i & 7))) !== 0;
}

export interface FixedArrayHeader {
  address: number;
  format: ElementFormat;
  pageBits: number;
  /** Number of elements: one per chunk of the maximum chunk grid. */
  elements: number;
  dataBlockAddress: number | null;
}

export function readFixedArrayHeader(ctx: FormatContext, address: number): Promise<FixedArrayHeader> {
  return memo(ctx, 'fixed-array-header', address, async () => {
    const size = 4 + 1 + 1 + 1 + 1 + ctx.sizeOfLengths + ctx.sizeOfOffsets + CHECKSUM_BYTES;
    const at = ctx.baseAddress + address;
    const buf = await readAt(ctx, address, size, 'fixed array header');
    const c = cursor(buf, address);
    signature(c, 'FAHD', 'fixed array header');
    verifyChecksum(buf, size - CHECKSUM_BYTES, 'fixed array header', at);
    const version = u8(c);
    if (version !== 0) throw new H5Error('Unsupported', `fixed array header version ${version}`, { offset: at });
    const clientId = u8(c);
    const entrySize = u8(c);
    const pageBits = u8(c);
    const elements = readLength(c, ctx.sizeOfLengths);
    const dataBlockAddress = readAddress(c, ctx.sizeOfOffsets);
    const format = elementFormat(ctx, clientId, entrySize, 'fixed array', at);
    return { address, format, pageBits, elements, dataBlockAddress };
  });
}

/** Paging geometry of the data block (H5FA__dblock_alloc). */
interface Paging {
  pageElements: number;
  pages: number;
  bitmapBytes: number;
  /** Bytes from the data block's address to its first page: signature to bitmap, plus the checksum. */
  prefixBytes: number;
  /** Stride between pages: a full page of elements and its checksum. */
  pageStride: number;
}

function paging(ctx: FormatContext, h: FixedArrayHeader): Paging | null {
  // 2^pageBits at or beyond 2^53 exceeds any element count a Number can hold: never paged.
  if (h.pageBits >= 53) return null;
  const pageElements = 2 ** h.pageBits;
  if (h.elements <= pageElements) return null;
  const pages = Math.ceil(h.elements / pageElements);
  const bitmapBytes = Math.ceil(pages / 8);
  return {
    pageElements,
    pages,
    bitmapBytes,
    prefixBytes: ARRAY_BLOCK_OVERHEAD + ctx.sizeOfOffsets + bitmapBytes,
    pageStride: pageElements * h.format.entrySize + CHECKSUM_BYTES,
  };
}

/** Checks the fields every data block starts with; the cursor must be past the signature. */
function checkBlockPrefix(c: Cursor, ctx: FormatContext, h: FixedArrayHeader, at: number): void {
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `fixed array data block version ${version}`, { offset: at });
  const clientId = u8(c);
  if (clientId !== (h.format.filtered ? CLIENT_FILTERED_CHUNKS : CLIENT_UNFILTERED_CHUNKS)) {
    throw new H5Error('Corrupt', `fixed array data block client ID ${clientId} differs from its header's`, { offset: at });
  }
  const owner = readAddress(c, ctx.sizeOfOffsets);
  if (owner !== h.address) {
    throw new H5Error('Corrupt', `fixed array data block belongs to header ${owner}, not ${h.address}`, { offset: at });
  }
}

/** The whole unpaged data block, decoded: it is at most 2^pageBits elements. */
function readDataBlock(ctx: FormatContext, h: FixedArrayHeader, address: number): Promise<ChunkArrayElement[]> {
  return memo(ctx, `fixed-array-data-block:${h.address}`, address, async () => {
    const at = ctx.baseAddress + address;
    const end = ARRAY_BLOCK_OVERHEAD - CHECKSUM_BYTES + ctx.sizeOfOffsets + h.elements * h.format.entrySize;
    const buf = await readAt(ctx, address, end + CHECKSUM_BYTES, 'fixed array data block');
    const c = cursor(buf, address);
    signature(c, 'FADB', 'fixed array data block');
    verifyChecksum(buf, end, 'fixed array data block', at);
    checkBlockPrefix(c, ctx, h, at);
    const out: ChunkArrayElement[] = [];
    decodeElements(c, ctx, h.format, 0, h.elements, 'all', out);
    return out;
  });
}

/** The page-initialized bitmap from the prefix of a paged data block. */
function readPageBitmap(ctx: FormatContext, h: FixedArrayHeader, address: number, p: Paging): Promise<Uint8Array> {
  return memo(ctx, `fixed-array-page-bitmap:${h.address}`, address, async () => {
    const at = ctx.baseAddress + address;
    const buf = await readAt(ctx, address, p.prefixBytes, 'fixed array data block');
    const c = cursor(buf, address);
    signature(c, 'FADB', 'fixed array data block');
    verifyChecksum(buf, p.prefixBytes - CHECKSUM_BYTES, 'fixed array data block', at);
    checkBlockPrefix(c, ctx, h, at);
    return buf.slice(c.pos, c.pos + p.bitmapBytes);
  });
}

/** One data block page: its elements and a checksum, no signature. */
function readPage(ctx: FormatContext, h: FixedArrayHeader, blockAddress: number, p: Paging, page: number): Promise<ChunkArrayElement[]> {
  const address = blockAddress + p.prefixBytes + page * p.pageStride;
  return memo(ctx, `fixed-array-page:${h.address}`, address, async () => {
    const at = ctx.baseAddress + address;
    const first = page * p.pageElements;
    const count = Math.min(p.pageElements, h.elements - first);
    const end = count * h.format.entrySize;
    const buf = await readAt(ctx, address, end + CHECKSUM_BYTES, 'fixed array data block page');
    verifyChecksum(buf, end, 'fixed array data block page', at);
    const out: ChunkArrayElement[] = [];
    decodeElements(cursor(buf, address), ctx, h.format, first, count, 'all', out);
    return out;
  });
}

/** The elements of one block or page that `want` names (elements are in index order, with gaps where never written). */
export function keepIndexes(elements: ChunkArrayElement[], want: number[] | 'all'): ChunkArrayElement[] {
  if (want === 'all') return elements;
  const byIndex = new Map<number, ChunkArrayElement>();
  for (const e of elements) byIndex.set(e.index, e);
  const out: ChunkArrayElement[] = [];
  for (const i of want) {
    const e = byIndex.get(i);
    if (e) out.push(e);
  }
  return out;
}

/**
 * The written elements among `wanted` (sorted, unique linear chunk indexes) or all of them.
 * Reads the header, then the data block; for a paged block, its bitmap prefix and the pages holding
 * wanted elements in one wave (pages that turn out never written are read in vain but ignored).
 */
export async function readFixedArrayElements(
  ctx: FormatContext,
  address: number,
  wanted: number[] | 'all',
): Promise<{ header: FixedArrayHeader; elements: ChunkArrayElement[] }> {
  const header = await readFixedArrayHeader(ctx, address);
  const block = header.dataBlockAddress;
  if (block === null) return { header, elements: [] };
  const p = paging(ctx, header);
  if (!p) {
    const want = pick(wanted, 0, header.elements);
    if (!want) return { header, elements: [] };
    return { header, elements: keepIndexes(await readDataBlock(ctx, header, block), want) };
  }
  const plan = groupByBlock(wanted, 0, p.pageElements, p.pages, header.elements).map(({ block, want }) => ({ page: block, want }));
  const bitmapP = readPageBitmap(ctx, header, block, p);
  // The bitmap is needed to know which pages exist, but page addresses are known already: asking
  // for both together saves a round trip. For 'all', wait for the bitmap (pages may be many).
  const speculative = wanted !== 'all';
  const pagesP = new Map<number, Promise<ChunkArrayElement[]>>();
  if (speculative) {
    for (const { page } of plan) {
      const pr = readPage(ctx, header, block, p, page);
      pr.catch(() => undefined); // an unwritten page fails its checksum; that is only an error if the bitmap says it exists
      pagesP.set(page, pr);
    }
  }
  const bitmap = await bitmapP;
  const live = plan.filter(({ page }) => bitSet(bitmap, page));
  const pages = await Promise.all(live.map(({ page }) => pagesP.get(page) ?? readPage(ctx, header, block, p, page)));
  const elements: ChunkArrayElement[] = [];
  live.forEach(({ page, want }, k) => elements.push(...keepIndexes(pages[k]!, want)));
  return { header, elements };
}
