/**
 * open() on a File/Blob (as from <input type=file>) and on hyparquet's AsyncBuffer: the values
 * equal a read of the same bytes in memory, and only slices are loaded, never the whole file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open, type AsyncBuffer } from '../src/index.js';

const bytes = new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'example.h5')));

async function latSlice(input: Parameters<typeof open>[0], options?: Parameters<typeof open>[1]): Promise<number[]> {
  const f = await open(input, options);
  const r = await f.readDataset('/lat', [[100, 110]]);
  await f.close();
  return Array.from(r.data as Float32Array);
}

describe('open() on a Blob, a File and an AsyncBuffer', () => {
  it('a Blob and a File read the same values as the bytes in memory', async () => {
    const want = await latSlice(bytes);
    expect(want).toHaveLength(10);
    expect(await latSlice(new Blob([bytes]))).toEqual(want);
    expect(await latSlice(new File([bytes], 'example.h5'))).toEqual(want);
  });

  it('an AsyncBuffer is read in slices, far less than the whole file', async () => {
    let sliced = 0;
    const buffer: AsyncBuffer = {
      byteLength: bytes.byteLength,
      slice: async (start, end = bytes.byteLength) => {
        sliced += end - start;
        return bytes.slice(start, end).buffer;
      },
    };
    // A file no larger than open's first read (512 KiB) comes whole in it; with a 64 KiB first
    // read this 272 KiB file is read in slices.
    expect(await latSlice(buffer, { cache: { initialReadSize: 65536 } })).toEqual(await latSlice(bytes));
    expect(sliced).toBeGreaterThan(0);
    expect(sliced).toBeLessThan(bytes.byteLength / 2);
  });
});
