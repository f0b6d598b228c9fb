import { H5Error } from '../errors.js';
import { readUpTo } from './btree-v1.js';
import { readAt, type FormatContext } from './context.js';
import { cursor, readAddress, readLength, signature, skip, u16, u32, u8, type Cursor } from './cursor.js';

/**
 * Global heap collections (spec III.E, signature GCOL): variable-length data (vlen sequences and
 * strings) and region references live here, addressed by (collection address, object index).
 */
export interface GlobalHeapId {
  /** -1 when the ID holds the undefined address (only ever with index 0: an empty value). */
  collectionAddress: number;
  index: number;
}

export function readGlobalHeapId(c: Cursor, sizeOfOffsets: number): GlobalHeapId {
  const collectionAddress = readAddress(c, sizeOfOffsets) ?? -1;
  return { collectionAddress, index: u32(c) };
}

/** One parsed collection: object index -> bytes. */
export type GlobalHeapCollection = Map<number, Uint8Array>;

/** The library never makes a collection smaller than this (H5HG_MINSIZE), so one read usually covers it. */
const MIN_COLLECTION_SIZE = 4096;

/** Rounds up to the 8-byte alignment of the collection's parts (H5HG_ALIGN). */
const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * Reads and parses one collection: a first read of the library's minimum size, then the rest if
 * it is larger. Not memoised: collections hold data (vlen values), and the block cache below
 * already keeps their bytes.
 */
export async function readGlobalHeapCollection(ctx: FormatContext, address: number): Promise<GlobalHeapCollection> {
  const L = ctx.sizeOfLengths;
  const headerSize = align8(8 + L);
  const { buf, size } = await readCollectionBytes(ctx, address);
  const objects: GlobalHeapCollection = new Map();
  const objectHeader = align8(8 + L); // index, reference count, reserved, object size
  const body = cursor(buf, address, headerSize);
  while (body.pos + objectHeader <= size) {
    const start = body.pos;
    const index = u16(body);
    skip(body, 2 + 4); // reference count, reserved
    const objectSize = readLength(body, L);
    // Index 0 is the free space, the last object of a collection; its size includes its header.
    if (index === 0) break;
    const dataStart = start + objectHeader;
    if (objectSize > size - dataStart) {
      throw new H5Error('Corrupt', `global heap object ${index} of ${objectSize} bytes overruns its collection`, {
        offset: ctx.baseAddress + address + start,
      });
    }
    if (objects.has(index)) {
      throw new H5Error('Corrupt', `global heap object ${index} appears twice`, { offset: ctx.baseAddress + address + start });
    }
    objects.set(index, buf.subarray(dataStart, dataStart + objectSize));
    body.pos = dataStart + align8(objectSize);
  }
  return objects;
}

/** A collection's bytes, checked header first (a first read of the library's minimum size, then the rest). */
export async function readCollectionBytes(ctx: FormatContext, address: number): Promise<{ buf: Uint8Array; size: number }> {
  const L = ctx.sizeOfLengths;
  const headerSize = align8(8 + L); // signature, version, 3 reserved, collection size
  const at = ctx.baseAddress + address;
  const buf = await readUpTo(ctx, address, MIN_COLLECTION_SIZE, headerSize, 'global heap collection');
  const c = cursor(buf, address);
  signature(c, 'GCOL', 'global heap collection');
  const version = u8(c);
  if (version !== 1) throw new H5Error('Unsupported', `global heap collection version ${version}`, { offset: at });
  skip(c, 3);
  const size = readLength(c, L);
  if (size < headerSize) throw new H5Error('Corrupt', `global heap collection size ${size} is too small`, { offset: at });
  return { buf: buf.length < size ? await readAt(ctx, address, size, 'global heap collection') : buf.subarray(0, size), size };
}

/**
 * Each ID's object bytes. Every distinct collection is fetched once, all of them in one wave.
 * An ID with index 0 (how the library stores an empty vlen) yields an empty array without I/O.
 */
export async function readGlobalHeapObjects(ctx: FormatContext, ids: GlobalHeapId[]): Promise<Uint8Array[]> {
  const addresses = new Set<number>();
  for (const id of ids) {
    if (id.index === 0) continue;
    if (!Number.isSafeInteger(id.collectionAddress) || id.collectionAddress < 0) {
      throw new H5Error('Corrupt', `global heap ID names object ${id.index} in no collection`);
    }
    addresses.add(id.collectionAddress);
  }
  const list = [...addresses];
  const collections = new Map<number, GlobalHeapCollection>();
  (await Promise.all(list.map((a) => readGlobalHeapCollection(ctx, a)))).forEach((col, i) => collections.set(list[i]!, col));
  return ids.map((id) => {
    if (id.index === 0) return new Uint8Array(0);
    const bytes = collections.get(id.collectionAddress)!.get(id.index);
    if (!bytes) {
      throw new H5Error('Corrupt', `global heap collection has no object ${id.index}`, {
        offset: ctx.baseAddress + id.collectionAddress,
      });
    }
    return bytes;
  });
}
