/**
 * Pure planning for dataset reads: which chunks a selection touches, where each selected
 * element of a chunk lands in the output, and which byte runs of contiguous storage to fetch.
 * Everything works on raw element bytes; values are decoded once, after assembly.
 */
import type { Selection } from './selection.js';
import { H5Error } from '../errors.js';
import { unshuffleElements } from '../filters/shuffle.js';

/** Per dimension: the (output index, index inside the chunk) pairs a chunk contributes. */
interface DimHits {
  outStart: number;
  inStart: number;
  count: number;
  step: number;
}

/**
 * Grid coordinates of every chunk a hyperslab or point selection touches, in row-major order.
 * More than `maxChunks` is a `Limit`, found before any list is built: a corrupt extent over
 * one-element chunks would otherwise cost seconds and gigabytes of bookkeeping first.
 */
export function chunksTouched(sel: Selection, chunkDims: number[], maxChunks = Infinity): number[][] {
  if (sel.kind === 'points') {
    const seen = new Map<string, number[]>();
    for (const p of sel.points) {
      const c = p.map((x, d) => Math.floor(x / chunkDims[d]!));
      const k = c.join(',');
      if (!seen.has(k)) seen.set(k, c);
    }
    return [...seen.values()];
  }
  const perDim: number[][] = sel.slices.map((s, d) => {
    const c = chunkDims[d]!;
    if (s.count === 0) return [];
    const out: number[] = [];
    if (s.step <= c) {
      // Every chunk between the first and the last selected element is hit.
      const first = Math.floor(s.start / c);
      const last = Math.floor((s.start + (s.count - 1) * s.step) / c);
      if (last - first >= maxChunks) throw new H5Error('Limit', `the selection touches over ${maxChunks} chunks, the most one read may plan`);
      for (let k = first; k <= last; k++) out.push(k);
    } else {
      let prev = -1;
      for (let i = 0; i < s.count; i++) {
        const k = Math.floor((s.start + i * s.step) / c);
        if (k !== prev) out.push(k);
        prev = k;
      }
    }
    return out;
  });
  const result: number[][] = [];
  if (perDim.some((l) => l.length === 0)) return result;
  const count = perDim.reduce((n, l) => n * l.length, 1);
  if (count > maxChunks) throw new H5Error('Limit', `the selection touches ${count} chunks, above the ${maxChunks} one read may plan`);
  const idx = perDim.map(() => 0);
  for (;;) {
    result.push(idx.map((i, d) => perDim[d]![i]!));
    let d = idx.length - 1;
    while (d >= 0 && ++idx[d]! >= perDim[d]!.length) idx[d--] = 0;
    if (d < 0) break;
  }
  return result;
}

function dimHits(start: number, step: number, count: number, chunkStart: number, chunkLen: number): DimHits | null {
  const lo = Math.max(chunkStart, start);
  const iLo = Math.ceil((lo - start) / step);
  const iHi = Math.min(count - 1, Math.floor((chunkStart + chunkLen - 1 - start) / step));
  if (iLo > iHi) return null;
  return { outStart: iLo, inStart: start + iLo * step - chunkStart, count: iHi - iLo + 1, step };
}

/** Row-major element strides of an array of `dims`. */
export function strides(dims: number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= dims[d]!;
  }
  return s;
}

/**
 * A decoded chunk as the copy functions read it. `shuffled` > 0: the bytes are still in the
 * shuffle filter's layout (byte b of element i at b * shuffled + i, `shuffled` the chunk's
 * element count), and copying undoes the shuffle for just the elements selected, straight into
 * the output: no unshuffled copy of the whole chunk is made.
 */
export interface ChunkBytes {
  data: Uint8Array;
  shuffled: number;
}

/** Copies `count` consecutive elements from element `inElem` of a chunk to element `outElem` of `out`. */
export function copyElements(chunk: ChunkBytes, inElem: number, out: Uint8Array, outElem: number, count: number, size: number): void {
  if (chunk.shuffled === 0) out.set(chunk.data.subarray(inElem * size, (inElem + count) * size), outElem * size);
  else unshuffleElements(chunk.data, chunk.shuffled, inElem, count, size, out, outElem * size);
}

/**
 * Copies the selected elements of one chunk (a full chunk of `chunkDims`, as HDF5 stores it,
 * edge chunks included) into `out`, the row-major buffer of the whole selection.
 */
export function copyChunkHyperslab(
  chunk: ChunkBytes,
  chunkCoords: number[],
  chunkDims: number[],
  slices: Selection & { kind: 'hyperslab' },
  out: Uint8Array,
  elementSize: number,
): void {
  const rank = chunkDims.length;
  if (rank === 0) {
    copyElements(chunk, 0, out, 0, 1, elementSize);
    return;
  }
  const hits: DimHits[] = [];
  for (let d = 0; d < rank; d++) {
    const s = slices.slices[d]!;
    const h = dimHits(s.start, s.step, s.count, chunkCoords[d]! * chunkDims[d]!, chunkDims[d]!);
    if (!h) return;
    hits.push(h);
  }
  const inStr = strides(chunkDims);
  const outStr = strides(slices.slices.map((s) => s.count));
  const last = hits[rank - 1]!;
  const idx = new Array<number>(rank - 1).fill(0);
  for (;;) {
    let inOff = 0;
    let outOff = 0;
    for (let d = 0; d < rank - 1; d++) {
      const h = hits[d]!;
      inOff += (h.inStart + idx[d]! * h.step) * inStr[d]!;
      outOff += (h.outStart + idx[d]!) * outStr[d]!;
    }
    inOff += last.inStart;
    outOff += last.outStart;
    if (last.step === 1) copyElements(chunk, inOff, out, outOff, last.count, elementSize);
    else for (let i = 0; i < last.count; i++) copyElements(chunk, inOff + i * last.step, out, outOff + i, 1, elementSize);
    let d = rank - 2;
    while (d >= 0 && ++idx[d]! >= hits[d]!.count) idx[d--] = 0;
    if (d < 0) break;
  }
}

/** Groups point indices by the chunk holding them: key "i,j,..." → [pointIndex, offsetInChunk][] */
export function pointsByChunk(points: number[][], chunkDims: number[]): Map<string, Array<[number, number]>> {
  const inStr = strides(chunkDims);
  const map = new Map<string, Array<[number, number]>>();
  points.forEach((p, i) => {
    let key = '';
    let off = 0;
    for (let d = 0; d < p.length; d++) {
      const c = Math.floor(p[d]! / chunkDims[d]!);
      key += (d ? ',' : '') + c;
      off += (p[d]! - c * chunkDims[d]!) * inStr[d]!;
    }
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    list.push([i, off]);
  });
  return map;
}

/** Copies the selected points of one chunk into `out`. */
export function copyChunkPoints(chunk: ChunkBytes, hits: Array<[number, number]>, out: Uint8Array, elementSize: number): void {
  for (const [i, off] of hits) copyElements(chunk, off, out, i, 1, elementSize);
}

/** One run of contiguous storage: `length` bytes at storage offset `offset` land at `outOffset`. */
export interface Run {
  offset: number;
  length: number;
  outOffset: number;
}

/**
 * The byte runs of contiguous storage (a dataset of `dims`, row-major) that a selection needs,
 * in increasing storage order for hyperslabs.
 */
export function contiguousRuns(sel: Selection, dims: number[], elementSize: number): Run[] {
  const str = strides(dims);
  const runs: Run[] = [];
  if (sel.kind === 'points') {
    sel.points.forEach((p, i) => {
      let off = 0;
      for (let d = 0; d < p.length; d++) off += p[d]! * str[d]!;
      runs.push({ offset: off * elementSize, length: elementSize, outOffset: i * elementSize });
    });
    return runs;
  }
  const rank = dims.length;
  if (rank === 0) return [{ offset: 0, length: elementSize, outOffset: 0 }];
  if (sel.slices.some((s) => s.count === 0)) return runs;
  // Merge trailing dimensions that are selected whole into one run.
  let inner = rank - 1;
  while (inner > 0 && sel.slices[inner]!.step === 1 && sel.slices[inner]!.start === 0 && sel.slices[inner]!.count === dims[inner]) inner--;
  const innerSlice = sel.slices[inner]!;
  const innerElems = str[inner]!; // elements per step in dimension `inner`
  const runElems = innerSlice.step === 1 ? innerSlice.count * innerElems : innerElems;
  const runsPerRow = innerSlice.step === 1 ? 1 : innerSlice.count;
  const idx = new Array<number>(inner).fill(0);
  let out = 0;
  for (;;) {
    let base = 0;
    for (let d = 0; d < inner; d++) {
      const s = sel.slices[d]!;
      base += (s.start + idx[d]! * s.step) * str[d]!;
    }
    for (let r = 0; r < runsPerRow; r++) {
      const off = base + (innerSlice.start + r * innerSlice.step) * innerElems;
      runs.push({ offset: off * elementSize, length: runElems * elementSize, outOffset: out });
      out += runElems * elementSize;
    }
    let d = inner - 1;
    while (d >= 0 && ++idx[d]! >= sel.slices[d]!.count) idx[d--] = 0;
    if (d < 0) break;
  }
  return runs;
}
