/**
 * The one I/O contract every layer speaks. Drivers (file, HTTP, S3, memory) implement it;
 * the block cache, coalescing, retries and statistics are wrappers that return it again.
 */
export interface ReadOptions {
  signal?: AbortSignal;
}

export interface ByteSource {
  /** A stable identity for the bytes (URL or path); caches key on it. Never contains credentials. */
  readonly key: string;
  /**
   * Total size in bytes once known. Drivers learn it on open or from the first response
   * (Content-Range), so it may be undefined before the first read.
   */
  readonly size: number | undefined;
  /**
   * Reads `length` bytes at `offset`. The result is shorter than `length` only when the range
   * runs past the end of the object (a short read at EOF); it is never longer.
   */
  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array>;
  /** Learns the size if it is not known yet (HEAD or a 1-byte GET). */
  getSize?(options?: ReadOptions): Promise<number>;
  /** Releases handles and connections. Safe to call twice. */
  close?(): Promise<void>;
}

/** A byte range, [offset, offset + length). */
export interface ByteRange {
  offset: number;
  length: number;
}
