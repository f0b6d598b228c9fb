import { H5Error, throwIfAborted } from '../errors.js';
import type { ByteSource } from '../source.js';
import { verifyChecksum } from './checksum.js';
import type { FormatContext } from './context.js';
import { bytes, cursor, decodeText, readAddress, readDefinedAddress, skip, u16, u32, u8, type Cursor } from './cursor.js';
import type { Limits } from './limits.js';
import {
  decodeBTreeK,
  decodeDriverInfo,
  decodeFileSpaceInfo,
  decodeSohmTable,
  type BTreeK,
  type FileSpaceInfo,
  type FileSpaceStrategy,
} from './messages/extension.js';
import { decodeCacheImageMessage, type CacheImageLocation } from './cache-image.js';
import { MESSAGE_TYPE_CACHE_IMAGE, MSG_FLAG_WAS_UNKNOWN, readObjectHeader } from './object-header.js';
import { readSymbolTableEntry, type SymbolTableEntry } from './symbol-table.js';
import { MessageType, type HeaderMessage } from './types.js';

/**
 * The superblock (spec II.A): versions 0 and 1 (with the root group's symbol table entry and
 * B-tree K values) and versions 2 and 3 (checksummed, with an optional superblock extension
 * object header). It sits at 0 or after a user block of 512, 1024, 2048, ... bytes; the library
 * then takes the signature's offset as the base address of every other address.
 */

export interface Superblock {
  version: 0 | 1 | 2 | 3;
  /** Absolute offset of the signature (the user block size): HDF5 address 0. */
  baseAddress: number;
  /** The base address as stored (usually 0, or the user block size). */
  storedBaseAddress: number;
  sizeOfOffsets: 2 | 4 | 8;
  sizeOfLengths: 2 | 4 | 8;
  groupLeafK?: number;
  groupInternalK?: number;
  chunkInternalK?: number;
  /** v0/1: 4 bytes; v2/3: 1 byte (bit 0 open for write, bit 2 SWMR writer). */
  statusFlags: number;
  /** The end-of-file address as stored (relative to the stored base address, which is usually 0). */
  eofAddress: number;
  freeSpaceAddress: number | null;
  driverInfoAddress: number | null;
  extensionAddress: number | null;
  rootObjectHeaderAddress: number;
  rootSymbolTableEntry?: SymbolTableEntry;
  driverInfo?: { driver: string; data: Uint8Array };
  /** v0/1 format version numbers of the free space storage, root group symbol table and shared header. */
  freeSpaceVersion?: number;
  rootGroupVersion?: number;
  sharedHeaderVersion?: number;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Where the signature may be: 0, then 512 doubling up to the largest safe file offset. */
export const SIGNATURE_OFFSETS: number[] = (() => {
  const out = [0];
  for (let o = 512; o <= Number.MAX_SAFE_INTEGER; o *= 2) out.push(o);
  return out;
})();

/** User blocks below this size are probed in the first wave. */
const NEAR_PROBES = 1024 * 1024;

/** Enough for the largest superblock with 8-byte offsets (v1: 28 + 4 * 8 + 40-byte root entry = 100). */
const SUPERBLOCK_READ = 128;

/** Finds the signature and parses the superblock. `source` is the block cache; reads at 0 first. */
export async function readSuperblock(source: ByteSource, opts: { signal?: AbortSignal; limits: Limits }): Promise<Superblock> {
  const { signal } = opts;
  throwIfAborted(signal);
  const first = await source.read(0, SUPERBLOCK_READ, { signal });
  if (hasSignature(first)) return parse(source, 0, first, opts);
  let size = source.size;
  if (size === undefined && source.getSize) size = await source.getSize({ signal });
  const candidates = SIGNATURE_OFFSETS.slice(1).filter((o) => size === undefined || o + SIGNATURE.length <= size);
  const probes = size === undefined ? candidates.slice(0, 24) : candidates; // unknown size: up to 4 GiB
  // Two waves: user blocks are almost always small, so the offsets below 1 MiB go first together.
  for (const wave of [probes.filter((o) => o < NEAR_PROBES), probes.filter((o) => o >= NEAR_PROBES)]) {
    const reads = await Promise.all(wave.map((o) => source.read(o, SUPERBLOCK_READ, { signal })));
    for (let i = 0; i < wave.length; i++) {
      if (hasSignature(reads[i]!)) return parse(source, wave[i]!, reads[i]!, opts);
    }
  }
  throw new H5Error('Corrupt', 'not an HDF5 file: no signature at offset 0, 512, 1024, 2048, ...', { source: source.key, offset: 0 });
}

function hasSignature(b: Uint8Array): boolean {
  if (b.length < SIGNATURE.length) return false;
  for (let i = 0; i < SIGNATURE.length; i++) if (b[i] !== SIGNATURE[i]) return false;
  return true;
}

function sizeField(c: Cursor, what: string, at: number, key: string): 2 | 4 | 8 {
  const v = u8(c);
  if (v !== 2 && v !== 4 && v !== 8) {
    throw new H5Error(v === 16 || v === 32 ? 'Unsupported' : 'Corrupt', `superblock size of ${what} is ${v}`, { offset: at, source: key });
  }
  return v;
}

async function parse(source: ByteSource, at: number, buf: Uint8Array, opts: { signal?: AbortSignal; limits: Limits }): Promise<Superblock> {
  const { signal } = opts;
  // Addresses in the superblock are decoded relative to the signature, as the library does.
  const c = cursor(buf, at, SIGNATURE.length);
  const version = u8(c);
  if (version > 3) throw new H5Error('Unsupported', `superblock version ${version}`, { offset: at, source: source.key });
  let sb: Superblock;
  try {
    sb = version <= 1 ? parseV0V1(c, version as 0 | 1, at, source.key) : parseV2V3(c, version as 2 | 3, buf, at, source.key);
  } catch (e) {
    if (e instanceof H5Error && e.source === undefined) {
      // Re-issued to name the source; the message already ends with its own "(offset N)".
      const message = e.message.replace(/ \(offset \d+\)$/, '');
      throw new H5Error(e.code, message, { offset: e.offset ?? at, source: source.key, cause: e });
    }
    throw e;
  }
  // A file shorter than its end-of-file address lost its tail (the library's "truncated file" check).
  // Quirk: the stored end-of-file address counts from the stored base address (in practice an absolute
  // offset); the library shifts it when the signature was found elsewhere (a user block added later).
  const size = source.size ?? (source.getSize ? await source.getSize({ signal }) : undefined);
  const end = sb.eofAddress + at - sb.storedBaseAddress;
  if (size !== undefined && end > size) {
    throw new H5Error('Corrupt', `truncated file: the superblock says it ends at ${end}, but it has ${size} bytes`, {
      offset: at,
      source: source.key,
    });
  }
  if (sb.driverInfoAddress !== null) sb.driverInfo = await readDriverInfoBlock(source, at + sb.driverInfoAddress, opts);
  return sb;
}

function parseV0V1(c: Cursor, version: 0 | 1, at: number, key: string): Superblock {
  const freeSpaceVersion = u8(c);
  const rootGroupVersion = u8(c);
  skip(c, 1); // reserved
  const sharedHeaderVersion = u8(c);
  const O = sizeField(c, 'offsets', at, key);
  const L = sizeField(c, 'lengths', at, key);
  skip(c, 1); // reserved
  const groupLeafK = u16(c);
  const groupInternalK = u16(c);
  const statusFlags = u32(c);
  let chunkInternalK: number | undefined;
  if (version === 1) {
    chunkInternalK = u16(c);
    skip(c, 2); // reserved
  }
  if (groupLeafK === 0 || groupInternalK === 0 || chunkInternalK === 0) {
    throw new H5Error('Corrupt', 'superblock B-tree K of 0', { offset: at, source: key });
  }
  const storedBaseAddress = readDefinedAddress(c, O, 'superblock base address');
  const freeSpaceAddress = readAddress(c, O);
  const eofAddress = readDefinedAddress(c, O, 'superblock end of file address');
  const driverInfoAddress = readAddress(c, O);
  const root = readSymbolTableEntry(c, O);
  if (root.objectHeaderAddress < 0) throw new H5Error('Corrupt', 'root group has the undefined address', { offset: at, source: key });
  const sb: Superblock = {
    version,
    baseAddress: at,
    storedBaseAddress,
    sizeOfOffsets: O,
    sizeOfLengths: L,
    groupLeafK,
    groupInternalK,
    statusFlags,
    eofAddress,
    freeSpaceAddress,
    driverInfoAddress,
    extensionAddress: null,
    rootObjectHeaderAddress: root.objectHeaderAddress,
    rootSymbolTableEntry: root,
    freeSpaceVersion,
    rootGroupVersion,
    sharedHeaderVersion,
  };
  if (chunkInternalK !== undefined) sb.chunkInternalK = chunkInternalK;
  return sb;
}

function parseV2V3(c: Cursor, version: 2 | 3, buf: Uint8Array, at: number, key: string): Superblock {
  const O = sizeField(c, 'offsets', at, key);
  const L = sizeField(c, 'lengths', at, key);
  // Checksum first: a damaged field should read as a checksum error, not as a strange address.
  verifyChecksum(buf, 12 + 4 * O, 'superblock', at);
  const statusFlags = u8(c);
  const storedBaseAddress = readDefinedAddress(c, O, 'superblock base address');
  const extensionAddress = readAddress(c, O);
  const eofAddress = readDefinedAddress(c, O, 'superblock end of file address');
  const rootObjectHeaderAddress = readDefinedAddress(c, O, 'root group object header address');
  return {
    version,
    baseAddress: at,
    storedBaseAddress,
    sizeOfOffsets: O,
    sizeOfLengths: L,
    statusFlags,
    eofAddress,
    freeSpaceAddress: null,
    driverInfoAddress: null,
    extensionAddress,
    rootObjectHeaderAddress,
  };
}

/** The v0/1 driver information block: version, 3 reserved, size (4), driver id (8), info. */
async function readDriverInfoBlock(source: ByteSource, abs: number, opts: { signal?: AbortSignal; limits: Limits }): Promise<{ driver: string; data: Uint8Array }> {
  const { signal } = opts;
  const head = await source.read(abs, 16, { signal });
  const c = cursor(head, abs);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `driver information block version ${version}`, { offset: abs, source: source.key });
  skip(c, 3);
  const size = u32(c);
  const driver = decodeText(bytes(c, 8), 'ascii');
  if (size > opts.limits.maxMetadataBytes) {
    throw new H5Error('Limit', `driver information block of ${size} bytes`, { offset: abs, source: source.key });
  }
  const data = size === 0 ? new Uint8Array(0) : await source.read(abs + 16, size, { signal });
  if (data.length < size) throw new H5Error('Corrupt', 'driver information block runs past the end of the file', { offset: abs, source: source.key });
  return { driver, data };
}

export interface SuperblockExtension {
  /** Where a metadata cache image block lies, when the file has one. */
  cacheImage?: CacheImageLocation;
  /** File space page size (paged aggregation); present when a file space info message is. */
  pageSize?: number;
  fileSpaceStrategy?: FileSpaceStrategy;
  fileSpaceInfo?: FileSpaceInfo;
  sohmTableAddress?: number | null;
  sohmIndexCount?: number;
  btreeK?: BTreeK;
  driverInfo?: { driver: string; data: Uint8Array };
  messages: HeaderMessage[];
}

/** The superblock extension of a v2/3 superblock (an object header), or null when there is none. */
export async function readSuperblockExtension(ctx: FormatContext, sb: Superblock): Promise<SuperblockExtension | null> {
  if (sb.extensionAddress === null) return null;
  const oh = await readObjectHeader(ctx, sb.extensionAddress);
  const ext: SuperblockExtension = { messages: oh.messages };
  for (const m of oh.messages) {
    switch (m.type) {
      case MESSAGE_TYPE_CACHE_IMAGE:
        // Quirk: a file closed with a metadata cache image (H5Pset_mdc_image_config) keeps part of its
        // metadata only inside the image block; open() overlays the image's entries.
        ext.cacheImage = decodeCacheImageMessage(m.body, ctx, m.address);
        break;
      case MessageType.BTREE_K:
        ext.btreeK = decodeBTreeK(m.body, ctx, m.address);
        break;
      case MessageType.DRIVER_INFO:
        ext.driverInfo = decodeDriverInfo(m.body, ctx, m.address);
        break;
      case MessageType.FSINFO: {
        // Quirk: HDF5 1.10.0-era files carry a pre-release fsinfo message that a 1.8 library marked
        // "was unknown" (flag bit 5); the library ignores such a message and uses the defaults.
        if (m.flags & MSG_FLAG_WAS_UNKNOWN) break;
        const fs = decodeFileSpaceInfo(m.body, ctx, m.address);
        ext.fileSpaceInfo = fs;
        ext.fileSpaceStrategy = fs.strategy;
        ext.pageSize = fs.pageSize;
        break;
      }
      case MessageType.SOHM_TABLE: {
        const t = decodeSohmTable(m.body, ctx, m.address);
        ext.sohmTableAddress = t.tableAddress;
        ext.sohmIndexCount = t.indexCount;
        break;
      }
    }
  }
  return ext;
}
