/**
 * A Blob (a File picked in a browser page) as a ByteSource: Blob.slice reads only the range, so
 * a large local file is never loaded whole.
 */
import { throwIfAborted } from '../errors.js';
import type { ByteSource, ReadOptions } from '../source.js';

export function blobSource(blob: Blob, key = `blob:${(blob as { name?: string }).name ?? blob.size}`): ByteSource {
  return {
    key,
    size: blob.size,
    async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
      throwIfAborted(options?.signal);
      return new Uint8Array(await blob.slice(offset, Math.min(offset + length, blob.size)).arrayBuffer());
    },
    async getSize(): Promise<number> {
      return blob.size;
    },
  };
}
