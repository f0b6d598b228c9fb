import { H5Error, throwIfAborted } from '../errors.js';
import type { ByteSource, ReadOptions } from '../source.js';

let counter = 0;

/** A source over bytes already in memory: for tests, and for users who hold the file. */
export class MemorySource implements ByteSource {
  readonly key: string;
  readonly size: number;
  private readonly bytes: Uint8Array;

  constructor(data: Uint8Array | ArrayBuffer, key?: string) {
    this.bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    this.size = this.bytes.byteLength;
    this.key = key ?? `memory:${++counter}`;
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    throwIfAborted(options?.signal);
    checkRange(offset, length, this.key);
    const end = Math.min(offset + length, this.size);
    return this.bytes.subarray(Math.min(offset, end), end);
  }

  async getSize(): Promise<number> {
    return this.size;
  }
}

/** Rejects negative, fractional or unsafe offsets and lengths before any I/O. */
export function checkRange(offset: number, length: number, key: string): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new H5Error('Invalid', `bad byte range offset=${offset} length=${length}`, { source: key });
  }
}
