/**
 * A persistent metadata cache for warm re-reads: what one process learned of a remote file (its
 * metadata blocks, size and version) kept for the next process, so that reading a slice of a
 * file seen before costs one wave, the chunk GET itself, which carries the version as If-Match.
 *
 * A store only keeps and forgets entries; open() decides what goes in (metadata blocks, never
 * chunk data read around the block cache) and drops an entry whose object changed. Stores: a
 * directory (`DirectoryMetadataStore` in coh5/node) and IndexedDB (`IndexedDBMetadataStore`).
 */
import { H5Error } from '../errors.js';

/** What is kept of one remote object: its version, size and the metadata blocks read from it. */
export interface StoredMetadata {
  /** The source's key (a URL without credentials or signatures, or s3://bucket/key). */
  key: string;
  etag?: string;
  lastModified?: string;
  /** The object's size in bytes. */
  size: number;
  /** Byte ranges of the file, each `bytes` read at `offset`. */
  blocks: Array<{ offset: number; bytes: Uint8Array }>;
}

/** Where entries live between processes. Implementations bound their size (LRU by bytes). */
export interface MetadataStore {
  /** The entry for `key`, or undefined (a damaged entry counts as missing). Marks it recently used. */
  get(key: string): Promise<StoredMetadata | undefined>;
  /** Stores an entry, replacing any for its key, then evicts least recently used entries over the bound. */
  put(entry: StoredMetadata): Promise<void>;
  /** Forgets `key` (its object changed). */
  delete(key: string): Promise<void>;
}

/**
 * 256 MiB: the metadata of hundreds of typical files (a few hundred KiB to a few MiB each), small
 * next to a disk or a browser's storage quota (browsers grant a site a share of free disk space).
 */
export const DEFAULT_METADATA_STORE_BYTES = 256 * 1024 * 1024;

/** An entry's size as stores count it toward their bound. */
export function storedBytes(entry: StoredMetadata): number {
  return entry.blocks.reduce((n, b) => n + b.bytes.byteLength, 0) + 256 + entry.key.length;
}

export function checkStoreBound(maxBytes: number): number {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new H5Error('Invalid', `a metadata store's maxBytes must be a positive integer, got ${maxBytes}`);
  return maxBytes;
}

const MAGIC = 'coh5-metadata-1\n';

/** One entry as bytes: a magic line, a 4-byte header length, a JSON header, then the blocks' bytes in order. */
export function encodeMetadata(entry: StoredMetadata): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({
      key: entry.key,
      etag: entry.etag,
      lastModified: entry.lastModified,
      size: entry.size,
      blocks: entry.blocks.map((b) => [b.offset, b.bytes.byteLength]),
      sum: entry.blocks.reduce((h, b) => fnv1a(b.bytes, h), FNV_SEED),
    }),
  );
  const magic = new TextEncoder().encode(MAGIC);
  const out = new Uint8Array(magic.length + 4 + header.length + entry.blocks.reduce((n, b) => n + b.bytes.byteLength, 0));
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, header.length, true);
  out.set(header, magic.length + 4);
  let at = magic.length + 4 + header.length;
  for (const b of entry.blocks) {
    out.set(b.bytes, at);
    at += b.bytes.byteLength;
  }
  return out;
}

/** The entry in `bytes`, or undefined if they are not a whole, well-formed entry for `key`. */
export function decodeMetadata(bytes: Uint8Array, key: string): StoredMetadata | undefined {
  const magic = new TextEncoder().encode(MAGIC);
  if (bytes.length < magic.length + 4 || magic.some((c, i) => bytes[i] !== c)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(magic.length, true);
  let at = magic.length + 4 + headerLength;
  if (at > bytes.length) return undefined;
  let header: { key?: unknown; etag?: unknown; lastModified?: unknown; size?: unknown; blocks?: unknown; sum?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic.length + 4, at)));
  } catch {
    return undefined;
  }
  if (header.key !== key || !Number.isSafeInteger(header.size) || !Array.isArray(header.blocks)) return undefined;
  const blocks: StoredMetadata['blocks'] = [];
  for (const b of header.blocks as unknown[]) {
    if (!Array.isArray(b) || !Number.isSafeInteger(b[0]) || !Number.isSafeInteger(b[1]) || b[1] < 0 || at + b[1] > bytes.length) return undefined;
    blocks.push({ offset: b[0], bytes: bytes.subarray(at, at + b[1]) });
    at += b[1];
  }
  // A torn or bit-flipped file must not become metadata: its checksum no longer matches.
  if (at !== bytes.length || blocks.reduce((h, b) => fnv1a(b.bytes, h), FNV_SEED) !== header.sum) return undefined;
  const entry: StoredMetadata = { key, size: header.size as number, blocks };
  if (typeof header.etag === 'string') entry.etag = header.etag;
  if (typeof header.lastModified === 'string') entry.lastModified = header.lastModified;
  return entry;
}

const FNV_SEED = 0x811c9dc5;

/** 32-bit FNV-1a over `bytes`, continuing from `h`: cheap, and enough to tell damage from data. */
function fnv1a(bytes: Uint8Array, h: number): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  return h;
}
