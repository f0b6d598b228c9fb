/**
 * The metadata cache image (HDF5 1.10, H5Pset_mdc_image_config): on close the library may write
 * the metadata cache's entries into one block named by a superblock-extension message (type
 * 0x18) instead of at their home addresses. Reading such a file means serving reads of those
 * addresses from the image: parseCacheImage lists the entries, CacheImageSource overlays them.
 */
import { H5Error } from '../errors.js';
import type { ByteSource, ReadOptions } from '../source.js';
import type { StatsSource } from '../cache/stats.js';
import { verifyChecksum } from './checksum.js';
import type { FormatContext } from './context.js';
import { bytes, cursor, readDefinedAddress, readLength, signature, skip, u16, u32, u8 } from './cursor.js';

export interface CacheImageLocation {
  address: number;
  length: number;
}

/** The cache image message body: version 0, the image block's address and length. */
export function decodeCacheImageMessage(body: Uint8Array, ctx: FormatContext, address: number): CacheImageLocation {
  const c = cursor(body, address);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `metadata cache image message version ${version}`, { offset: ctx.baseAddress + address });
  return { address: readDefinedAddress(c, ctx.sizeOfOffsets, 'cache image'), length: readLength(c, ctx.sizeOfLengths) };
}

export interface CacheImageEntry {
  /** HDF5 address the entry belongs at. */
  address: number;
  image: Uint8Array;
}

/** Flag bit 0 of the image header: the cache's resize status follows the header (never written by 1.10). */
const HAVE_RESIZE_STATUS = 0x01;

/** Parses an MDCI block (version 0): header, then each entry's header, parent addresses and image. */
export function parseCacheImage(block: Uint8Array, ctx: FormatContext, address: number): CacheImageEntry[] {
  const at = ctx.baseAddress + address;
  verifyChecksum(block, block.length - 4, 'metadata cache image', at);
  const c = cursor(block.subarray(0, block.length - 4), address);
  signature(c, 'MDCI', 'metadata cache image');
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `metadata cache image version ${version}`, { offset: at });
  const flags = u8(c);
  if (flags & HAVE_RESIZE_STATUS) throw new H5Error('Unsupported', 'metadata cache image with resize status', { offset: at });
  readLength(c, ctx.sizeOfLengths); // image data length
  const n = u32(c);
  const entries: CacheImageEntry[] = [];
  for (let i = 0; i < n; i++) {
    skip(c, 4); // type, flags, ring, age
    skip(c, 4); // flush-dependency child and dirty child counts
    const parents = u16(c);
    skip(c, 4); // LRU rank
    const addr = readDefinedAddress(c, ctx.sizeOfOffsets, 'cache image entry');
    const size = readLength(c, ctx.sizeOfLengths);
    skip(c, parents * ctx.sizeOfOffsets);
    entries.push({ address: addr, image: bytes(c, size) });
  }
  return entries;
}

/**
 * A source whose reads see the cache image entries at their home addresses. It keeps the
 * statistics of the source it wraps so the block cache above still counts requests and waves.
 */
export class CacheImageSource implements ByteSource {
  readonly key: string;
  constructor(
    private readonly inner: StatsSource,
    private readonly entries: Array<{ offset: number; image: Uint8Array }>,
  ) {
    this.key = inner.key;
  }
  get size() {
    return this.inner.size;
  }
  get stats() {
    return this.inner.stats;
  }
  get log() {
    return this.inner.log;
  }
  resetStats(): void {
    this.inner.resetStats();
  }
  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    let out = await this.inner.read(offset, length, options);
    const end = offset + length;
    for (const e of this.entries) {
      const eEnd = e.offset + e.image.length;
      if (eEnd <= offset || e.offset >= end) continue;
      if (out.length < Math.min(end, eEnd) - offset) {
        const grown = new Uint8Array(Math.min(end, eEnd) - offset);
        grown.set(out);
        out = grown;
      } else out = out.slice();
      const from = Math.max(offset, e.offset);
      const to = Math.min(end, eEnd);
      out.set(e.image.subarray(from - e.offset, to - e.offset), from - offset);
    }
    return out;
  }
  getSize(options?: ReadOptions): Promise<number> {
    return this.inner.getSize ? this.inner.getSize(options) : Promise.resolve(this.inner.size ?? 0);
  }
  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
