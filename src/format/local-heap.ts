import { H5Error } from '../errors.js';
import { readUpTo } from './btree-v1.js';
import { memo, readAt, type FormatContext } from './context.js';
import { cursor, decodeText, readDefinedAddress, readLength, signature, skip, u8 } from './cursor.js';

/**
 * Local heaps (spec III.D, signature HEAP): the name strings of an old-style group, and the
 * file names of external raw data storage.
 */
export interface LocalHeap {
  address: number;
  dataAddress: number;
  data: Uint8Array;
  /** Absolute file offset of data[0], for error messages. */
  dataOffset?: number;
}

/** Data bytes read along with the header: group name heaps start at a few hundred bytes (the library's size hint is 256). */
const FIRST_READ_DATA = 512;

/** Reads the heap header, then its data segment (usually right behind it, so already in the block cache). */
export function readLocalHeap(ctx: FormatContext, address: number): Promise<LocalHeap> {
  return memo(ctx, 'local-heap', address, async () => {
    const L = ctx.sizeOfLengths;
    const O = ctx.sizeOfOffsets;
    const headerSize = 8 + 2 * L + O; // signature, version, 3 reserved, data size, free list offset, data address
    // The library writes the data segment right behind the header: a generous first read
    // usually brings both in one round trip.
    const first = await readUpTo(ctx, address, headerSize + FIRST_READ_DATA, headerSize, 'local heap');
    const c = cursor(first, address);
    signature(c, 'HEAP', 'local heap');
    const version = u8(c);
    if (version !== 0) {
      throw new H5Error('Unsupported', `local heap version ${version}`, { offset: ctx.baseAddress + address });
    }
    skip(c, 3);
    const size = readLength(c, L);
    skip(c, L); // offset to the head of the free list: only writers need it
    const dataAddress = readDefinedAddress(c, O, 'local heap data segment');
    const inline = dataAddress === address + headerSize && headerSize + size <= first.length;
    const data =
      size === 0
        ? new Uint8Array(0)
        : inline
          ? first.subarray(headerSize, headerSize + size)
          : await readAt(ctx, dataAddress, size, 'local heap data segment');
    return { address, dataAddress, data, dataOffset: ctx.baseAddress + dataAddress };
  });
}

/** The NUL-terminated string at `offset` in the heap's data segment. */
export function localHeapString(heap: LocalHeap, offset: number): string {
  return decodeText(localHeapBytes(heap, offset));
}

/** The bytes (without the NUL) of the string at `offset`: for byte-wise name comparisons. */
export function localHeapBytes(heap: LocalHeap, offset: number): Uint8Array {
  const { data } = heap;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= data.length) {
    throw new H5Error('Corrupt', `local heap offset ${offset} is outside the ${data.length}-byte data segment`, {
      offset: heap.dataOffset ?? heap.dataAddress,
    });
  }
  const end = data.indexOf(0, offset);
  if (end < 0) {
    throw new H5Error('Corrupt', `unterminated string at local heap offset ${offset}`, { offset: (heap.dataOffset ?? heap.dataAddress) + offset });
  }
  return data.subarray(offset, end);
}
