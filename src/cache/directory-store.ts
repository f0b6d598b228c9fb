/**
 * Node only (exported by `coh5/node`): a persistent metadata cache in a directory, one file per
 * remote object. Files are written to a temporary name and renamed, so a process killed mid-write
 * leaves the old entry or none, never half of one; a damaged file reads as missing. The bound is
 * kept by evicting the least recently used files (by modification time, touched on each hit).
 */
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_METADATA_STORE_BYTES,
  checkStoreBound,
  decodeMetadata,
  encodeMetadata,
  type MetadataStore,
  type StoredMetadata,
} from './metadata-store.js';

export interface DirectoryStoreOptions {
  /** Bytes of entries kept; least recently used entries go first (DEFAULT_METADATA_STORE_BYTES). */
  maxBytes?: number;
}

const SUFFIX = '.coh5meta';

export class DirectoryMetadataStore implements MetadataStore {
  readonly maxBytes: number;

  constructor(
    readonly dir: string,
    options: DirectoryStoreOptions = {},
  ) {
    this.maxBytes = checkStoreBound(options.maxBytes ?? DEFAULT_METADATA_STORE_BYTES);
  }

  async get(key: string): Promise<StoredMetadata | undefined> {
    const path = this.pathOf(key);
    let bytes: Uint8Array;
    try {
      const buf = await readFile(path);
      bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch {
      return undefined;
    }
    const entry = decodeMetadata(bytes, key);
    if (entry) {
      const now = new Date();
      await utimes(path, now, now).catch(() => {});
    }
    return entry;
  }

  async put(entry: StoredMetadata): Promise<void> {
    const bytes = encodeMetadata(entry);
    // An entry larger than the whole bound would only evict everything else and then itself.
    if (bytes.byteLength > this.maxBytes) return this.delete(entry.key);
    await mkdir(this.dir, { recursive: true });
    const path = this.pathOf(entry.key);
    const tmp = `${path}.${Date.now().toString(36)}${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    await this.evict(path);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Removes least recently used entries until the directory holds at most maxBytes; `keep` goes last. */
  private async evict(keep: string): Promise<void> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith(SUFFIX));
    const files = (
      await Promise.all(
        names.map(async (n) => {
          const path = join(this.dir, n);
          const s = await stat(path).catch(() => undefined);
          return s && { path, bytes: s.size, used: path === keep ? Infinity : s.mtimeMs };
        }),
      )
    ).filter((f) => f !== undefined);
    let total = files.reduce((n, f) => n + f.bytes, 0);
    files.sort((a, b) => a.used - b.used);
    for (const f of files) {
      if (total <= this.maxBytes) break;
      await rm(f.path, { force: true });
      total -= f.bytes;
    }
  }

  /** A file name from the key's hash; the entry itself names its key, so a collision reads as a miss. */
  private pathOf(key: string): string {
    return join(this.dir, `${hashKey(key)}${SUFFIX}`);
  }
}

/** Two 32-bit FNV-1a hashes (different seeds) of the key's UTF-16 units, as 16 hex digits. */
function hashKey(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
