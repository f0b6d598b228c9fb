import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { bytes, cursor, readAddress, readLength, skip, u16, u32, u8, uint, type Cursor } from '../cursor.js';
import type { ChunkIndexInfo, Layout } from '../types.js';

/**
 * The data layout message (spec IV.A.2.i, type 0x0008), versions 1-5.
 * Chunked layouts of every version store one more dimension than the dataset has: the last
 * "chunk dimension" is the element size in bytes (H5O_LAYOUT_NDIMS = 32 + 1).
 * Version 5 (HDF5 2.0) is version 4's encoding byte for byte; it only promises that the chunk
 * index stores filtered-chunk sizes in a Size-of-Lengths field, and the fixed array, extensible
 * array and v2 B-tree readers already take that width from their headers' element sizes.
 */

const MAX_LAYOUT_DIMS = 33;

export function decodeLayout(body: Uint8Array, ctx: FormatContext, address: number): Layout {
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  const at = ctx.baseAddress + address;
  if (version < 1 || version > 5) throw new H5Error('Unsupported', `layout message version ${version}`, { offset: at });
  return version < 3 ? decodeV1V2(c, ctx, at, version) : decodeV3V4(c, ctx, at, version);
}

function decodeV1V2(c: Cursor, ctx: FormatContext, at: number, version: number): Layout {
  const ndims = u8(c);
  const cls = u8(c);
  skip(c, 5); // reserved
  if (ndims > MAX_LAYOUT_DIMS) throw new H5Error('Corrupt', `layout with ${ndims} dimensions`, { offset: at });
  const O = ctx.sizeOfOffsets;
  if (cls === 1 || cls === 2) {
    const addr = readAddress(c, O);
    const dims: number[] = [];
    for (let i = 0; i < ndims; i++) dims.push(u32(c));
    if (cls === 1) {
      // Versions 1-2 store no byte count: these 32-bit dims (element size last) are all there is.
      // The library recomputes the size from the dataspace because the dims may be truncated.
      let size = 1;
      for (const d of dims) size *= d;
      return { class: 'contiguous', address: addr, size };
    }
    return chunked(dims, { type: 'btree-v1', address: addr }, false, version, at);
  }
  if (cls === 0) {
    skip(c, ndims * 4); // dimension sizes
    const size = u32(c);
    return { class: 'compact', data: rawData(c, size, at) };
  }
  throw new H5Error('Corrupt', `layout class ${cls} in a version ${version} layout message`, { offset: at });
}

function decodeV3V4(c: Cursor, ctx: FormatContext, at: number, version: number): Layout {
  const cls = u8(c);
  const O = ctx.sizeOfOffsets;
  switch (cls) {
    case 0: {
      const size = u16(c);
      return { class: 'compact', data: rawData(c, size, at) };
    }
    case 1: {
      const addr = readAddress(c, O);
      const size = readLength(c, ctx.sizeOfLengths);
      return { class: 'contiguous', address: addr, size };
    }
    case 2:
      return version === 3 ? chunkedV3(c, ctx, at) : chunkedV4(c, ctx, at, version);
    case 3: {
      if (version < 4) throw new H5Error('Corrupt', 'virtual layout in a version 3 layout message', { offset: at });
      const heapAddress = readAddress(c, O);
      const heapIndex = u32(c);
      return { class: 'virtual', heapAddress, heapIndex };
    }
    default:
      throw new H5Error('Corrupt', `layout class ${cls}`, { offset: at });
  }
}

function chunkedV3(c: Cursor, ctx: FormatContext, at: number): Layout {
  const ndims = u8(c);
  if (ndims > MAX_LAYOUT_DIMS) throw new H5Error('Corrupt', `layout with ${ndims} dimensions`, { offset: at });
  const addr = readAddress(c, ctx.sizeOfOffsets);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(u32(c));
  return chunked(dims, { type: 'btree-v1', address: addr }, false, 3, at);
}

function chunkedV4(c: Cursor, ctx: FormatContext, at: number, version: number): Layout {
  const flags = u8(c);
  // Bit 0: don't filter partial edge chunks; bit 1: single-chunk index stores filter info.
  if (flags & ~0x03) throw new H5Error('Corrupt', `layout chunk flags 0x${flags.toString(16)}`, { offset: at });
  const ndims = u8(c);
  if (ndims > MAX_LAYOUT_DIMS) throw new H5Error('Corrupt', `layout with ${ndims} dimensions`, { offset: at });
  const encBytes = u8(c);
  if (encBytes < 1 || encBytes > 8) throw new H5Error('Corrupt', `chunk dimensions encoded in ${encBytes} bytes`, { offset: at });
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(uint(c, encBytes, 'chunk dimension'));
  const indexType = u8(c);
  const O = ctx.sizeOfOffsets;
  let index: ChunkIndexInfo;
  switch (indexType) {
    case 1: {
      let filteredSize: number | undefined;
      let filterMask: number | undefined;
      if (flags & 2) {
        filteredSize = readLength(c, ctx.sizeOfLengths);
        filterMask = u32(c);
      }
      const address = readAddress(c, O);
      index = { type: 'single', address };
      if (filteredSize !== undefined) {
        index.filteredSize = filteredSize;
        index.filterMask = filterMask!;
      }
      break;
    }
    case 2:
      index = { type: 'implicit', address: readAddress(c, O) };
      break;
    case 3: {
      const pageBits = u8(c);
      if (pageBits === 0) throw new H5Error('Corrupt', 'fixed array index with 0 page bits', { offset: at });
      index = { type: 'fixed-array', pageBits, address: readAddress(c, O) };
      break;
    }
    case 4: {
      // Field order as H5O__layout_decode reads it.
      const maxBits = u8(c);
      const indexElements = u8(c);
      const minPointers = u8(c);
      const minElements = u8(c);
      const pageBits = u8(c);
      if (!maxBits || !indexElements || !minPointers || !minElements || !pageBits) {
        throw new H5Error('Corrupt', 'extensible array index with a zero parameter', { offset: at });
      }
      index = { type: 'extensible-array', maxBits, indexElements, minPointers, minElements, pageBits, address: readAddress(c, O) };
      break;
    }
    case 5: {
      const nodeSize = u32(c);
      const splitPercent = u8(c);
      const mergePercent = u8(c);
      index = { type: 'btree-v2', nodeSize, splitPercent, mergePercent, address: readAddress(c, O) };
      break;
    }
    case 0:
      throw new H5Error('Corrupt', `v1 B-tree chunk index in a version ${version} layout message`, { offset: at });
    default:
      throw new H5Error('Unsupported', `chunk index type ${indexType}`, { offset: at });
  }
  return chunked(dims, index, (flags & 1) !== 0, version, at);
}

function chunked(dims: number[], index: ChunkIndexInfo, dontFilterPartialEdgeChunks: boolean, version: number, at: number): Layout {
  if (dims.length < 2) throw new H5Error('Corrupt', `chunked layout with ${dims.length} dimensions (element size included)`, { offset: at });
  const elementSize = dims[dims.length - 1]!;
  const chunkDims = dims.slice(0, -1);
  if (elementSize === 0 || chunkDims.some((d) => d === 0)) {
    throw new H5Error('Corrupt', `chunk dimensions ${dims.join('x')} contain a zero`, { offset: at });
  }
  return { class: 'chunked', chunkDims, elementSize, index, dontFilterPartialEdgeChunks, version };
}

function rawData(c: Cursor, size: number, at: number): Uint8Array {
  if (size > c.bytes.length - c.pos) {
    throw new H5Error('Corrupt', `compact data of ${size} bytes in a ${c.bytes.length}-byte layout message`, { offset: at });
  }
  return bytes(c, size).slice();
}
