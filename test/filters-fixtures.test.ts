/**
 * Every filter against the real HDF5 library and plugin encoders: the fixtures in
 * fixtures/filters/ were written by h5py + hdf5plugin (scripts/make_filter_fixtures.py), and
 * their JSON records each chunk's file address, size and filter mask, the pipeline (id, flags,
 * cd_values) and the array as HDF5 itself decodes it. Here the raw chunk bytes are read straight
 * from the .h5 file and run through decodeChunk, without the format parser.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeChunk, type FilterSpec } from '../src/filters/registry.js';

interface ChunkRecord {
  offset: number[];
  address: number;
  size: number;
  filterMask: number;
}
interface DatasetRecord {
  name: string;
  note: string;
  shape: number[];
  chunkShape: number[];
  elementSize: number;
  pipeline: FilterSpec[];
  chunks: ChunkRecord[];
  expectedFrom: string;
  expected: string;
}
interface FixtureRecord {
  file: string;
  datasets: DatasetRecord[];
  blobsZlibBase64: Record<string, string>;
}

const dir = new URL('../fixtures/filters/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((n) => n.endsWith('.json'))
  .sort()
  .map((n) => JSON.parse(readFileSync(new URL(n, dir), 'utf8')) as FixtureRecord);

/** Compares the in-bounds part of a decoded chunk with the whole expected array; returns the first difference. */
function firstMismatch(decoded: Uint8Array, expected: Uint8Array, d: DatasetRecord, c: ChunkRecord): string | undefined {
  const rank = d.shape.length;
  const es = d.elementSize;
  const run = Math.min(d.chunkShape[rank - 1]!, d.shape[rank - 1]! - c.offset[rank - 1]!);
  const idx = new Array<number>(rank).fill(0);
  for (;;) {
    let inBounds = true;
    let chunkPos = 0;
    let arrayPos = 0;
    for (let k = 0; k < rank; k++) {
      const g = c.offset[k]! + idx[k]!;
      if (g >= d.shape[k]!) inBounds = false;
      chunkPos = chunkPos * d.chunkShape[k]! + idx[k]!;
      arrayPos = arrayPos * d.shape[k]! + g;
    }
    if (inBounds) {
      const a = decoded.subarray(chunkPos * es, (chunkPos + run) * es);
      const b = expected.subarray(arrayPos * es, (arrayPos + run) * es);
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) {
          const el = Math.floor(i / es);
          return `element ${arrayPos + el} (byte ${i % es}): got ${a[i]}, want ${b[i]}`;
        }
      }
    }
    // advance over all but the last dimension
    let k = rank - 2;
    while (k >= 0) {
      idx[k]!++;
      if (idx[k]! < d.chunkShape[k]!) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return undefined;
  }
}

describe.each(fixtures.map((f) => [f.file, f] as const))('%s', (file, fixture) => {
  const h5 = new Uint8Array(readFileSync(new URL(file, dir)));

  it.each(fixture.datasets.map((d) => [d.name, d] as const))('%s', async (_name, d) => {
    const expected = new Uint8Array(inflateSync(Buffer.from(fixture.blobsZlibBase64[d.expected]!, 'base64')));
    expect(expected.length).toBe(d.shape.reduce((a, b) => a * b, 1) * d.elementSize);
    const chunkBytes = d.chunkShape.reduce((a, b) => a * b, 1) * d.elementSize;
    expect(d.chunks.length).toBeGreaterThan(0);
    for (const c of d.chunks) {
      const raw = h5.subarray(c.address, c.address + c.size);
      expect(raw.length).toBe(c.size);
      const out = await decodeChunk(raw, d.pipeline, c.filterMask, {
        elementSize: d.elementSize,
        chunkBytes,
        // Room for fletcher32's checksum and similar, far less than a second chunk.
        maxOutputBytes: chunkBytes + 1024,
      });
      expect(out.length).toBe(chunkBytes);
      const diff = firstMismatch(out, expected, d, c);
      expect(diff, `chunk at [${c.offset.join(', ')}]: ${diff}`).toBeUndefined();
    }
  });
});
