/**
 * A browser `File`/`Blob` (from `<input type=file>`, say), or hyparquet's AsyncBuffer
 * `{byteLength, slice(start, end)}`, read lazily: only the slices a read needs are loaded.
 */
import { throwIfAborted } from '../errors.js';
import type { ByteSource, ReadOptions } from '../source.js';
import { checkRange } from './memory.js';

/** hyparquet's I/O contract: a length and a slice that may be async. */
export interface AsyncBuffer {
  byteLength: number;
  slice(start: number, end?: number): ArrayBuffer | Promise<ArrayBuffer>;
}

/** The parts of a Blob used here (a structural type, so no DOM lib is needed). */
interface BlobLike {
  size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
  name?: string;
}

export function isBlobLike(x: unknown): x is BlobLike {
  return typeof x === 'object' && x !== null && typeof (x as BlobLike).size === 'number' && typeof (x as BlobLike).slice === 'function' && typeof (x as { arrayBuffer?: unknown }).arrayBuffer === 'function';
}

export function isAsyncBuffer(x: unknown): x is AsyncBuffer {
  return typeof x === 'object' && x !== null && typeof (x as AsyncBuffer).byteLength === 'number' && typeof (x as AsyncBuffer).slice === 'function' && !ArrayBuffer.isView(x);
}

export class SliceSource implements ByteSource {
  readonly size: number;
  private readonly slice: (start: number, end: number) => Promise<ArrayBuffer>;

  constructor(
    input: BlobLike | AsyncBuffer,
    readonly key: string = isBlobLike(input) ? `blob:${input.name ?? 'unnamed'}` : 'asyncbuffer:',
  ) {
    if (isBlobLike(input)) {
      this.size = input.size;
      this.slice = (start, end) => input.slice(start, end).arrayBuffer();
    } else {
      this.size = input.byteLength;
      this.slice = async (start, end) => input.slice(start, end);
    }
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    checkRange(offset, length, this.key);
    throwIfAborted(options?.signal);
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return new Uint8Array(0);
    return new Uint8Array(await this.slice(offset, end));
  }

  async getSize(): Promise<number> {
    return this.size;
  }
}

/** A `Blob` or `File` as a ByteSource (what open() does with one; kept for the H5Web provider's API). */
export function blobSource(blob: Blob, key?: string): ByteSource {
  return new SliceSource(blob as unknown as BlobLike, key);
}
