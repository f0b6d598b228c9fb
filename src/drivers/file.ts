import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { H5Error, throwIfAborted } from '../errors.js';
import type { ByteSource, ReadOptions } from '../source.js';
import { checkRange } from './memory.js';

export interface FileOptions {
  /** Aborts opening (the open itself is not interruptible; the handle is closed if it fires). */
  signal?: AbortSignal;
}

/**
 * A local file read with positional reads on one handle (Node only). Concurrent reads are safe:
 * positional reads do not share a file position. The size is taken once, at open.
 */
export class FileSource implements ByteSource {
  private closed = false;

  private constructor(
    readonly key: string,
    readonly size: number,
    private readonly handle: FileHandle,
  ) {}

  /** Use openFile. */
  static async open(path: string, options: FileOptions = {}): Promise<FileSource> {
    throwIfAborted(options.signal);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      throw fsError(e, path, 'cannot open');
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new H5Error('Invalid', 'not a regular file', { source: path });
      if (!Number.isSafeInteger(stat.size)) throw new H5Error('Unsupported', `file size ${stat.size} is too large`, { source: path });
      throwIfAborted(options.signal);
      return new FileSource(path, stat.size, handle);
    } catch (e) {
      await handle.close().catch(() => {});
      throw fsError(e, path, 'cannot stat');
    }
  }

  async read(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    checkRange(offset, length, this.key);
    throwIfAborted(options.signal);
    if (this.closed) throw new H5Error('Invalid', 'read after close', { source: this.key, offset });
    const want = Math.max(0, Math.min(length, this.size - offset));
    const out = new Uint8Array(want);
    let got = 0;
    // A positional read may return fewer bytes than asked for (large reads, pipes); loop until EOF.
    while (got < want) {
      let n: number;
      try {
        ({ bytesRead: n } = await this.handle.read(out, got, want - got, offset + got));
      } catch (e) {
        throw fsError(e, this.key, 'read failed', offset + got);
      }
      if (n === 0) break;
      got += n;
      // node:fs reads cannot be interrupted; honour the abort between pieces and at the end.
      throwIfAborted(options.signal);
    }
    throwIfAborted(options.signal);
    return got === want ? out : out.subarray(0, got);
  }

  async getSize(): Promise<number> {
    return this.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/** Opens a local path or file:// URL. A missing file is 'NotFound'. */
export async function openFile(pathOrUrl: string | URL, options: FileOptions = {}): Promise<FileSource> {
  const text = String(pathOrUrl);
  let path: string;
  try {
    path = pathOrUrl instanceof URL || /^file:/i.test(text) ? fileURLToPath(pathOrUrl) : text;
  } catch (e) {
    throw new H5Error('Invalid', `bad file URL: ${e instanceof Error ? e.message : String(e)}`, { source: text });
  }
  return FileSource.open(resolve(path), options);
}

function fsError(e: unknown, path: string, what: string, offset?: number): H5Error {
  if (e instanceof H5Error) return e;
  const code = (e as { code?: string } | null)?.code;
  const details = { source: path, offset, cause: e };
  if (code === 'ENOENT' || code === 'ENOTDIR') return new H5Error('NotFound', 'no such file', details);
  if (code === 'EACCES' || code === 'EPERM') return new H5Error('AccessDenied', 'permission denied', details);
  if (code === 'EISDIR') return new H5Error('Invalid', 'is a directory', details);
  if (code === 'EBADF') return new H5Error('Invalid', 'read after close', details);
  return new H5Error('Network', `${what}: ${e instanceof Error ? e.message : String(e)}`, details);
}
