import { H5Error } from '../errors.js';
import { verifyChecksum } from './checksum.js';
import { memo, readAt, type FormatContext } from './context.js';
import { cursor, readAddress, readLength, signature, skip, u8, type Cursor } from './cursor.js';
import {
  ARRAY_BLOCK_OVERHEAD,
  CHECKSUM_BYTES,
  CLIENT_FILTERED_CHUNKS,
  CLIENT_UNFILTERED_CHUNKS,
  bitSet,
  decodeElements,
  elementFormat,
  groupByBlock,
  keepIndexes,
  pick,
  type ChunkArrayElement,
  type ElementFormat,
} from './fixed-array.js';

/**
 * The extensible array chunk index (spec III.C, layout v4 index type 4): a header (EAHD), an
 * index block (EAIB) holding the first few elements, the addresses of the first data blocks and
 * the addresses of super blocks (EASB), which hold the addresses of further data blocks (EADB).
 * Data blocks double in size every two super blocks; large ones are split into checksummed pages
 * whose "initialized" bits live in their super block.
 */

export interface ExtensibleArrayHeader {
  address: number;
  format: ElementFormat;
  maxBits: number;
  /** Elements stored in the index block itself. */
  indexElements: number;
  /** Elements in the smallest data blocks (a power of two). */
  minElements: number;
  /** Data block pointers of the smallest super blocks (a power of two, >= 2). */
  minPointers: number;
  pageBits: number;
  /** One more than the highest element index ever set: elements at or beyond it are unset. */
  maxIndexSet: number;
  indexBlockAddress: number | null;
  /** Derived (H5EA__hdr_init): per super block, its data block count and size and first element. */
  superBlocks: SuperBlockInfo[];
  /** Super blocks the array can have (1 + maxBits - log2(minElements)); `superBlocks` lists those below 2^53. */
  totalSuperBlocks: number;
  /** Super blocks whose data blocks the index block points at directly. */
  indexBlockSuperBlocks: number;
  indexBlockDataBlocks: number;
  /** Bytes of the "block offset" fields: enough for maxBits bits. */
  offsetBytes: number;
}

export interface SuperBlockInfo {
  dataBlocks: number;
  dataBlockElements: number;
  /** First element, counted from the end of the index block's own elements. */
  start: number;
  /** Index of its first data block among all data blocks. */
  firstDataBlock: number;
}

const log2 = (n: number) => Math.round(Math.log2(n));
const isPowerOfTwo = (n: number) => n > 0 && Number.isSafeInteger(n) && 2 ** log2(n) === n;

/**
 * Super block geometry: super block u has 2^floor(u/2) data blocks of 2^floor((u+1)/2) * minElements
 * elements, so sizes go 1x1, 1x2, 2x2, 2x4, 4x4, ... (in minElements). Only the super blocks that
 * start below 2^53 are listed: no element index beyond that fits a Number.
 */
function superBlockInfo(maxBits: number, minElements: number): SuperBlockInfo[] {
  const count = 1 + maxBits - log2(minElements);
  const out: SuperBlockInfo[] = [];
  let start = 0;
  let firstDataBlock = 0;
  for (let u = 0; u < count && start <= Number.MAX_SAFE_INTEGER; u++) {
    const dataBlocks = 2 ** Math.floor(u / 2);
    const dataBlockElements = 2 ** Math.floor((u + 1) / 2) * minElements;
    out.push({ dataBlocks, dataBlockElements, start, firstDataBlock });
    start += dataBlocks * dataBlockElements;
    firstDataBlock += dataBlocks;
  }
  return out;
}

export function readExtensibleArrayHeader(ctx: FormatContext, address: number): Promise<ExtensibleArrayHeader> {
  return memo(ctx, 'extensible-array-header', address, async () => {
    const L = ctx.sizeOfLengths;
    const size = 4 + 1 + 1 + 6 + 6 * L + ctx.sizeOfOffsets + CHECKSUM_BYTES;
    const at = ctx.baseAddress + address;
    const buf = await readAt(ctx, address, size, 'extensible array header');
    const c = cursor(buf, address);
    signature(c, 'EAHD', 'extensible array header');
    verifyChecksum(buf, size - CHECKSUM_BYTES, 'extensible array header', at);
    const version = u8(c);
    if (version !== 0) throw new H5Error('Unsupported', `extensible array header version ${version}`, { offset: at });
    const clientId = u8(c);
    const entrySize = u8(c);
    const maxBits = u8(c);
    const indexElements = u8(c);
    const minElements = u8(c);
    const minPointers = u8(c);
    const pageBits = u8(c);
    for (let i = 0; i < 4; i++) readLength(c, L); // super block / data block counts and sizes: statistics only
    const maxIndexSet = readLength(c, L);
    readLength(c, L); // elements realized: statistics only
    const indexBlockAddress = readAddress(c, ctx.sizeOfOffsets);
    const format = elementFormat(ctx, clientId, entrySize, 'extensible array', at);
    // The library's creation checks (H5EA__hdr_create): anything else is not an array it wrote.
    if (
      maxBits < 1 || maxBits > 64 || !isPowerOfTwo(minElements) || log2(minElements) > maxBits ||
      !isPowerOfTwo(minPointers) || minPointers < 2 || pageBits > maxBits
    ) {
      throw new H5Error('Corrupt', 'extensible array header has impossible creation parameters', { offset: at });
    }
    const superBlocks = superBlockInfo(maxBits, minElements);
    const totalSuperBlocks = 1 + maxBits - log2(minElements);
    const indexBlockSuperBlocks = 2 * log2(minPointers);
    if (indexBlockSuperBlocks > totalSuperBlocks) {
      throw new H5Error('Corrupt', 'extensible array index block points at more super blocks than exist', { offset: at });
    }
    return {
      address, format, maxBits, indexElements, minElements, minPointers, pageBits, maxIndexSet, indexBlockAddress,
      superBlocks, totalSuperBlocks, indexBlockSuperBlocks, indexBlockDataBlocks: 2 * (minPointers - 1), offsetBytes: Math.ceil(maxBits / 8),
    };
  });
}

/** Checks version, client ID and owning header of a block; the cursor must be past the signature. */
function checkBlockPrefix(c: Cursor, ctx: FormatContext, h: ExtensibleArrayHeader, what: string, at: number): void {
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `${what} version ${version}`, { offset: at });
  const clientId = u8(c);
  if (clientId !== (h.format.filtered ? CLIENT_FILTERED_CHUNKS : CLIENT_UNFILTERED_CHUNKS)) {
    throw new H5Error('Corrupt', `${what} client ID ${clientId} differs from its header's`, { offset: at });
  }
  const owner = readAddress(c, ctx.sizeOfOffsets);
  if (owner !== h.address) throw new H5Error('Corrupt', `${what} belongs to header ${owner}, not ${h.address}`, { offset: at });
}

interface IndexBlock {
  elements: ChunkArrayElement[];
  dataBlocks: (number | null)[];
  superBlocks: (number | null)[];
}

function readIndexBlock(ctx: FormatContext, h: ExtensibleArrayHeader, address: number): Promise<IndexBlock> {
  return memo(ctx, `extensible-array-index-block:${h.address}`, address, async () => {
    const O = ctx.sizeOfOffsets;
    const at = ctx.baseAddress + address;
    const superCount = h.totalSuperBlocks - h.indexBlockSuperBlocks;
    const end = ARRAY_BLOCK_OVERHEAD - CHECKSUM_BYTES + O + h.indexElements * h.format.entrySize +
      (h.indexBlockDataBlocks + superCount) * O;
    const buf = await readAt(ctx, address, end + CHECKSUM_BYTES, 'extensible array index block');
    const c = cursor(buf, address);
    signature(c, 'EAIB', 'extensible array index block');
    verifyChecksum(buf, end, 'extensible array index block', at);
    checkBlockPrefix(c, ctx, h, 'extensible array index block', at);
    const elements: ChunkArrayElement[] = [];
    decodeElements(c, ctx, h.format, 0, h.indexElements, 'all', elements);
    const dataBlocks: (number | null)[] = [];
    for (let i = 0; i < h.indexBlockDataBlocks; i++) dataBlocks.push(readAddress(c, O));
    const superBlocks: (number | null)[] = [];
    for (let i = 0; i < superCount; i++) superBlocks.push(readAddress(c, O));
    return { elements, dataBlocks, superBlocks };
  });
}

interface SuperBlock {
  /** Page-initialized bits of all its data blocks, one flat bit string (bit = block * pages + page). */
  pageBitmap: Uint8Array | null;
  dataBlocks: (number | null)[];
}

/** Pages per data block of super block `u`, or 0 when its data blocks are not paged. */
function pagesPerDataBlock(h: ExtensibleArrayHeader, info: SuperBlockInfo): number {
  const pageElements = 2 ** h.pageBits;
  return info.dataBlockElements > pageElements ? info.dataBlockElements / pageElements : 0;
}

function readSuperBlock(ctx: FormatContext, h: ExtensibleArrayHeader, u: number, address: number): Promise<SuperBlock> {
  return memo(ctx, `extensible-array-super-block:${h.address}:${u}`, address, async () => {
    const O = ctx.sizeOfOffsets;
    const at = ctx.baseAddress + address;
    const info = h.superBlocks[u]!;
    const pages = pagesPerDataBlock(h, info);
    const bitmapBytes = pages ? info.dataBlocks * Math.ceil(pages / 8) : 0;
    const end = ARRAY_BLOCK_OVERHEAD - CHECKSUM_BYTES + O + h.offsetBytes + bitmapBytes + info.dataBlocks * O;
    const buf = await readAt(ctx, address, end + CHECKSUM_BYTES, 'extensible array super block');
    const c = cursor(buf, address);
    signature(c, 'EASB', 'extensible array super block');
    verifyChecksum(buf, end, 'extensible array super block', at);
    checkBlockPrefix(c, ctx, h, 'extensible array super block', at);
    skip(c, h.offsetBytes); // block offset: where the block starts in the array, implied by its position
    const pageBitmap = pages ? buf.slice(c.pos, c.pos + bitmapBytes) : null;
    skip(c, bitmapBytes);
    const dataBlocks: (number | null)[] = [];
    for (let i = 0; i < info.dataBlocks; i++) dataBlocks.push(readAddress(c, O));
    return { pageBitmap, dataBlocks };
  });
}

/** Bytes before the first element (or page) of a data block: signature to block offset, then the checksum. */
function dataBlockPrefix(ctx: FormatContext, h: ExtensibleArrayHeader): number {
  return ARRAY_BLOCK_OVERHEAD + ctx.sizeOfOffsets + h.offsetBytes;
}

/** A whole unpaged data block, decoded; `first` is the array index of its first element. */
function readDataBlock(ctx: FormatContext, h: ExtensibleArrayHeader, address: number, count: number, first: number): Promise<ChunkArrayElement[]> {
  return memo(ctx, `extensible-array-data-block:${h.address}:${first}`, address, async () => {
    const at = ctx.baseAddress + address;
    const end = dataBlockPrefix(ctx, h) - CHECKSUM_BYTES + count * h.format.entrySize;
    const buf = await readAt(ctx, address, end + CHECKSUM_BYTES, 'extensible array data block');
    const c = cursor(buf, address);
    signature(c, 'EADB', 'extensible array data block');
    verifyChecksum(buf, end, 'extensible array data block', at);
    checkBlockPrefix(c, ctx, h, 'extensible array data block', at);
    skip(c, h.offsetBytes);
    const out: ChunkArrayElement[] = [];
    decodeElements(c, ctx, h.format, first, count, 'all', out);
    return out;
  });
}

/** One page of a paged data block: elements and a checksum, no signature. */
function readPage(ctx: FormatContext, h: ExtensibleArrayHeader, blockAddress: number, page: number, first: number): Promise<ChunkArrayElement[]> {
  const pageElements = 2 ** h.pageBits;
  const address = blockAddress + dataBlockPrefix(ctx, h) + page * (pageElements * h.format.entrySize + CHECKSUM_BYTES);
  return memo(ctx, `extensible-array-page:${h.address}:${first}`, address, async () => {
    const at = ctx.baseAddress + address;
    const end = pageElements * h.format.entrySize;
    const buf = await readAt(ctx, address, end + CHECKSUM_BYTES, 'extensible array data block page');
    verifyChecksum(buf, end, 'extensible array data block page', at);
    const out: ChunkArrayElement[] = [];
    decodeElements(cursor(buf, address), ctx, h.format, first, pageElements, 'all', out);
    return out;
  });
}

/**
 * The written elements among `wanted` (sorted, unique linear chunk indexes) or all of them.
 * Reads level by level, each level in one wave: header; index block; the data blocks it points
 * at together with the super blocks; then the data blocks (or just their wanted pages) of those
 * super blocks. Only blocks holding wanted elements are read.
 */
export async function readExtensibleArrayElements(
  ctx: FormatContext,
  address: number,
  wanted: number[] | 'all',
): Promise<{ header: ExtensibleArrayHeader; elements: ChunkArrayElement[] }> {
  const h = await readExtensibleArrayHeader(ctx, address);
  if (h.indexBlockAddress === null) return { header: h, elements: [] };
  const limit = h.maxIndexSet;
  const iblock = await readIndexBlock(ctx, h, h.indexBlockAddress);
  const elements: ChunkArrayElement[] = [];
  const inIndex = pick(wanted, 0, h.indexElements, limit);
  if (inIndex) elements.push(...keepIndexes(iblock.elements, inIndex));

  // Wave: data blocks named by the index block, and super blocks.
  const direct: Promise<ChunkArrayElement[]>[] = [];
  const supers: { u: number; base: number; p: Promise<SuperBlock> }[] = [];
  const E = h.indexElements;
  for (let u = 0; u < h.superBlocks.length && E + h.superBlocks[u]!.start < limit; u++) {
    const info = h.superBlocks[u]!;
    const base = E + info.start;
    if (!pick(wanted, base, info.dataBlocks * info.dataBlockElements, limit)) continue;
    if (u < h.indexBlockSuperBlocks) {
      if (pagesPerDataBlock(h, info) > 0) {
        // H5EA__hdr_create forbids it: the library reads these blocks whole.
        throw new H5Error('Corrupt', 'extensible array index block points at a paged data block', {
          offset: ctx.baseAddress + h.address,
        });
      }
      for (const { block, want } of groupByBlock(wanted, base, info.dataBlockElements, info.dataBlocks, limit)) {
        const addr = iblock.dataBlocks[info.firstDataBlock + block];
        if (addr === null || addr === undefined) continue;
        const first = base + block * info.dataBlockElements;
        direct.push(readDataBlock(ctx, h, addr, info.dataBlockElements, first).then((els) => keepIndexes(els, want)));
      }
    } else {
      const addr = iblock.superBlocks[u - h.indexBlockSuperBlocks];
      if (addr === null || addr === undefined) continue;
      supers.push({ u, base, p: readSuperBlock(ctx, h, u, addr) });
    }
  }
  const [directEls, superBlocks] = await Promise.all([Promise.all(direct), Promise.all(supers.map((s) => s.p))]);
  for (const els of directEls) elements.push(...els);

  // Wave: data blocks (or pages) named by the super blocks.
  const last: Promise<ChunkArrayElement[]>[] = [];
  supers.forEach(({ u, base }, k) => {
    const info = h.superBlocks[u]!;
    const sb = superBlocks[k]!;
    const pages = pagesPerDataBlock(h, info);
    for (const { block, want } of groupByBlock(wanted, base, info.dataBlockElements, info.dataBlocks, limit)) {
      const addr = sb.dataBlocks[block];
      if (addr === null || addr === undefined) continue;
      const first = base + block * info.dataBlockElements;
      if (!pages) {
        last.push(readDataBlock(ctx, h, addr, info.dataBlockElements, first).then((els) => keepIndexes(els, want)));
        continue;
      }
      const pageElements = 2 ** h.pageBits;
      for (const pg of groupByBlock(want, first, pageElements, pages, limit)) {
        if (!bitSet(sb.pageBitmap!, block * pages + pg.block)) continue; // page never written
        const pageFirst = first + pg.block * pageElements;
        last.push(readPage(ctx, h, addr, pg.block, pageFirst).then((els) => keepIndexes(els, pg.want)));
      }
    }
  });
  for (const els of await Promise.all(last)) elements.push(...els);
  // Elements at or beyond the highest index ever set are unset (H5EA_get), whatever a block holds.
  const set = elements.filter((e) => e.index < limit);
  // Blocks come back in index order, except the index block's own elements go first: sort once.
  set.sort((a, b) => a.index - b.index);
  return { header: h, elements: set };
}
