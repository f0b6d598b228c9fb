/**
 * The chunks coh5 writes into references itself (fill and re-encoded chunks) decode with a real
 * zlib (node:zlib): run-length coded where that is shorter, stored blocks otherwise.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeChunk, wholeChunk } from '../src/tools/kerchunk-inline.js';

describe('chunks coh5 encodes for the references', () => {
  it('a 1 MiB chunk of one repeated element shrinks to a few KiB and inflates back exactly', () => {
    const raw = new Uint8Array(1 << 20);
    for (let i = 0; i < raw.length; i += 8) raw.set([1, 2, 3, 4, 5, 6, 7, 8], i);
    const z = encodeChunk(raw, 8, { shuffle: true, zlib: true });
    expect(z.length).toBeLessThan(16_384);
    const back = inflateSync(z);
    // Shuffled: eight planes of one byte each.
    expect(back[0]).toBe(1);
    expect(back[raw.length - 1]).toBe(8);
    expect(back.length).toBe(raw.length);
  });

  it('runs of every length (1 to 600) and incompressible bytes round-trip through zlib', () => {
    const parts: number[] = [];
    for (let n = 1; n <= 600; n += 37) for (let k = 0; k < n; k++) parts.push(n % 251);
    for (let i = 0; i < 2000; i++) parts.push((i * 7919) % 256);
    const raw = Uint8Array.from(parts);
    expect(Buffer.compare(inflateSync(encodeChunk(raw, 1, { shuffle: false, zlib: true })), Buffer.from(raw))).toBe(0);
  });

  it('an edge block is placed at the start of a whole chunk, the rest zero', () => {
    const block = Uint8Array.from([1, 2, 3, 4, 5, 6]); // 2 x 3 of 1-byte elements
    expect(Array.from(wholeChunk(block, [2, 3], [3, 4], 1))).toEqual([1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
  });
});
