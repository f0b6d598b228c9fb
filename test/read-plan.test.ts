import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeSelection, selectionCount, selectionShape, type SelectionInput } from '../src/read/selection.js';
import { H5Error } from '../src/errors.js';
import { chunksTouched, contiguousRuns, copyChunkHyperslab, copyChunkPoints, copyElements, pointsByChunk, type ChunkBytes } from '../src/read/plan.js';
import { unshuffle } from '../src/filters/shuffle.js';
import { coalesceRanges } from '../src/cache/coalesce.js';

/** The dataset as 4-byte elements whose value is their linear index: easy to check. */
function linearData(dims: number[]): Uint32Array {
  const n = dims.reduce((a, b) => a * b, 1);
  return Uint32Array.from({ length: n }, (_, i) => i);
}

/** Reference: the selected linear indices, straight from the definition. */
function expected(dims: number[], input: SelectionInput): number[] {
  const sel = normalizeSelection(input, dims);
  const str = dims.map((_, d) => dims.slice(d + 1).reduce((a, b) => a * b, 1));
  if (sel.kind === 'points') return sel.points.map((p) => p.reduce((a, x, d) => a + x * str[d]!, 0));
  const out: number[] = [];
  const rec = (d: number, acc: number) => {
    if (d === dims.length) return void out.push(acc);
    const s = sel.slices[d]!;
    for (let i = 0; i < s.count; i++) rec(d + 1, acc + (s.start + i * s.step) * str[d]!);
  };
  rec(0, 0);
  return out;
}

/** Chunks the linear data as HDF5 would store it (full-size edge chunks, zero padded). */
function chunkOf(data: Uint32Array, dims: number[], chunkDims: number[], coords: number[]): Uint8Array {
  const n = chunkDims.reduce((a, b) => a * b, 1);
  const out = new Uint32Array(n);
  const str = dims.map((_, d) => dims.slice(d + 1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < n; i++) {
    let rem = i;
    let off = 0;
    let inside = true;
    for (let d = chunkDims.length - 1; d >= 0; d--) {
      const x = (rem % chunkDims[d]!) + coords[d]! * chunkDims[d]!;
      rem = Math.floor(rem / chunkDims[d]!);
      if (x >= dims[d]!) inside = false;
      off += x * str[d]!;
    }
    out[i] = inside ? data[off]! : 0xdeadbeef;
  }
  return new Uint8Array(out.buffer);
}

/** The shuffle filter's encoding (byte b of element i to b * n + i), written from its definition. */
function shuffle(bytes: Uint8Array, size: number): Uint8Array {
  const n = bytes.length / size;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < n; i++) for (let b = 0; b < size; b++) out[b * n + i] = bytes[i * size + b]!;
  return out;
}

/** A chunk as readChunked hands it to the copy: plain bytes, or still shuffled (undone by the copy). */
function asChunk(bytes: Uint8Array, shuffled: boolean): ChunkBytes {
  return shuffled ? { data: shuffle(bytes, 4), shuffled: bytes.length / 4 } : { data: bytes, shuffled: 0 };
}

function readChunked(dims: number[], chunkDims: number[], input: SelectionInput, shuffled = false): number[] {
  const data = linearData(dims);
  const sel = normalizeSelection(input, dims);
  const out = new Uint8Array(selectionCount(sel) * 4);
  const touched = chunksTouched(sel, chunkDims);
  if (sel.kind === 'points') {
    const groups = pointsByChunk(sel.points, chunkDims);
    expect(new Set(touched.map((c) => c.join(',')))).toEqual(new Set(groups.keys()));
    for (const c of touched) copyChunkPoints(asChunk(chunkOf(data, dims, chunkDims, c), shuffled), groups.get(c.join(','))!, out, 4);
  } else {
    for (const c of touched) copyChunkHyperslab(asChunk(chunkOf(data, dims, chunkDims, c), shuffled), c, chunkDims, sel, out, 4);
  }
  return [...new Uint32Array(out.buffer)];
}

function readContiguous(dims: number[], input: SelectionInput): number[] {
  const data = new Uint8Array(linearData(dims).buffer);
  const sel = normalizeSelection(input, dims);
  const out = new Uint8Array(selectionCount(sel) * 4);
  const runs = contiguousRuns(sel, dims, 4);
  const groups = coalesceRanges(runs, { maxGap: 8, maxRequestBytes: 1 << 20 });
  expect(groups.flatMap((g) => g.members).sort((a, b) => a - b)).toEqual(runs.map((_, i) => i));
  for (const range of groups) {
    for (const i of range.members) {
      const r = runs[i]!;
      expect(r.offset).toBeGreaterThanOrEqual(range.offset);
      expect(r.offset + r.length).toBeLessThanOrEqual(range.offset + range.length);
      out.set(data.subarray(r.offset, r.offset + r.length), r.outOffset);
    }
  }
  return [...new Uint32Array(out.buffer)];
}

describe('selection', () => {
  it('normalizes Python-style slices, h5coro hyperslices and integer indexes', () => {
    const sel = normalizeSelection([[-3, null], 2], [10, 5]);
    expect(sel).toEqual({ kind: 'hyperslab', slices: [{ start: 7, step: 1, count: 3 }, { start: 2, step: 1, count: 1 }], squeeze: [false, true] });
    expect(selectionShape(sel)).toEqual([3]);
    expect(selectionShape(normalizeSelection({ hyperslice: [[2, 4]] }, [10, 5]))).toEqual([2, 5]);
    expect(selectionShape(normalizeSelection([[0, 10, 3]], [10]))).toEqual([4]);
    expect(() => normalizeSelection([[0, 1, 0]], [10])).toThrow(/step/);
    expect(() => normalizeSelection([12], [10])).toThrow(/out of range/);
    expect(() => normalizeSelection({ points: [[1, 2, 3]] }, [10, 5])).toThrow(/rank/);
  });

  it('touches only the chunks that hold selected elements', () => {
    const sel = normalizeSelection([[5, 25, 10]], [100]);
    expect(chunksTouched(sel, [4])).toEqual([[1], [3]]);
    expect(chunksTouched(normalizeSelection([[0, 8]], [100]), [4])).toEqual([[0], [1]]);
  });

  it('refuses to plan more chunks than its limit before listing any (a corrupt extent over one-element chunks)', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as H5Error;
      }
      return null;
    };
    // 2^40 one-element chunks in one dimension, and 2^20 x 2^20 in two: refused at once, not listed.
    expect(err(() => chunksTouched(normalizeSelection(null, [2 ** 40]), [1], 1 << 25))?.code).toBe('Limit');
    expect(err(() => chunksTouched(normalizeSelection(null, [2 ** 20, 2 ** 20]), [1, 1], 1 << 25))?.code).toBe('Limit');
    expect(chunksTouched(normalizeSelection(null, [64, 64]), [1, 1], 4096)).toHaveLength(4096);
    expect(err(() => chunksTouched(normalizeSelection(null, [64, 64]), [1, 1], 4095))?.message).toMatch(/4096 chunks/);
  });

  const dimsArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 });
  const caseArb = dimsArb.chain((dims) =>
    fc.record({
      dims: fc.constant(dims),
      chunks: fc.tuple(...dims.map((n) => fc.integer({ min: 1, max: n + 2 }))),
      sel: fc.tuple(
        ...dims.map((n) =>
          fc.oneof(
            fc.constant(null),
            fc.integer({ min: -n, max: n - 1 }),
            fc.tuple(fc.integer({ min: -n - 2, max: n + 2 }), fc.integer({ min: -n - 2, max: n + 2 }), fc.integer({ min: 1, max: 4 })),
          ),
        ),
      ),
    }),
  );

  it('chunked hyperslab reads equal the definition (property)', () => {
    fc.assert(
      fc.property(caseArb, ({ dims, chunks, sel }) => {
        const want = expected(dims, sel as SelectionInput);
        expect(readChunked(dims, chunks, sel as SelectionInput)).toEqual(want);
        expect(readChunked(dims, chunks, sel as SelectionInput, true)).toEqual(want);
      }),
      { numRuns: 400, seed: 42 },
    );
  });

  it('contiguous hyperslab reads equal the definition (property)', () => {
    fc.assert(
      fc.property(caseArb, ({ dims, sel }) => {
        expect(readContiguous(dims, sel as SelectionInput)).toEqual(expected(dims, sel as SelectionInput));
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('point selections equal the definition (property)', () => {
    const arb = dimsArb.chain((dims) =>
      fc.record({
        dims: fc.constant(dims),
        chunks: fc.tuple(...dims.map((n) => fc.integer({ min: 1, max: n + 1 }))),
        points: fc.array(fc.tuple(...dims.map((n) => fc.integer({ min: -n, max: n - 1 }))), { maxLength: 20 }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ dims, chunks, points }) => {
        const input = { points: points as number[][] };
        expect(readChunked(dims, chunks, input)).toEqual(expected(dims, input));
        expect(readChunked(dims, chunks, input, true)).toEqual(expected(dims, input));
        expect(readContiguous(dims, input)).toEqual(expected(dims, input));
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('copying from a shuffled chunk equals unshuffling it and copying, for every element size (property)', () => {
    const arb = fc.record({ size: fc.integer({ min: 1, max: 11 }), n: fc.integer({ min: 1, max: 40 }) }).chain(({ size, n }) =>
      fc.record({
        size: fc.constant(size),
        bytes: fc.uint8Array({ minLength: size * n, maxLength: size * n }),
        start: fc.integer({ min: 0, max: n - 1 }),
        count: fc.integer({ min: 0, max: n }),
        outAt: fc.integer({ min: 0, max: 3 }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ size, bytes, start, count, outAt }) => {
        const n = bytes.length / size;
        count = Math.min(count, n - start);
        const got = new Uint8Array((outAt + count + 1) * size).fill(7);
        const want = got.slice();
        copyElements({ data: shuffle(bytes, size), shuffled: n }, start, got, outAt, count, size);
        want.set(unshuffle(shuffle(bytes, size), size).subarray(start * size, (start + count) * size), outAt * size);
        expect(got).toEqual(want);
        expect(unshuffle(shuffle(bytes, size), size)).toEqual(bytes);
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
