import { corrupt, tooLarge } from './fail.js';
import { blockScratch, blockSize, decodeBlosc2Block, decodeBlosc2Chunk, fillRun, fillSpecial, isSpecial } from './blosc2-chunk.js';
import { frameChunk, type Blosc2Frame } from './blosc2-frame.js';

/**
 * B2ND, Blosc2's N-dimensional arrays (c-blosc2 README_B2ND_METALAYER.rst, b2nd.c): a frame whose
 * "b2nd" (formerly "caterva") metalayer gives the array's shape, its chunk shape and the block
 * shape inside each chunk. PyTables' Blosc2 filter stores each HDF5 chunk of rank 2 or more as a
 * one-chunk B2ND array (shape = chunk shape = the HDF5 chunk's dims), so its blocks are N-d tiles
 * of the HDF5 chunk, not runs of its C-order bytes.
 *
 * Inside a chunk the blocks follow each other in C order over the chunk's block grid, each block
 * in C order itself; a chunk's shape is padded up to whole blocks ("extchunkshape") and the array
 * up to whole chunks, so edge blocks and chunks hold padding that is never output.
 */
export interface B2ndMeta {
  shape: number[];
  chunkshape: number[];
  blockshape: number[];
}

const NAME = 'blosc2 (b2nd)';
const MAX_DIMS = 16;
/**
 * How much padded data (edge blocks of a chunk, edge chunks of the array) decoding may produce
 * beyond the output: 2^3, which covers every block shape up to 3-D (each dimension pads to less
 * than twice its size). Anything beyond is refused, so a tiny frame declaring huge chunks around
 * a small array cannot make us decode gigabytes.
 */
export const MAX_PADDING_FACTOR = 8;

/** The msgpack metalayer: [version, ndim, [shape int64...], [chunkshape int32...], [blockshape int32...], dtype format, dtype]. */
export function readB2ndMeta(m: Uint8Array): B2ndMeta {
  const view = new DataView(m.buffer, m.byteOffset, m.byteLength);
  let p = 0;
  const need = (n: number) => {
    if (p + n > m.length) throw corrupt(NAME, 'the b2nd metalayer is cut off');
  };
  need(3);
  if ((m[0]! & 0xf0) !== 0x90) throw corrupt(NAME, 'the b2nd metalayer is not a msgpack array');
  const ndim = m[2]!;
  if (ndim > MAX_DIMS) throw corrupt(NAME, `${ndim} dimensions`);
  p = 3;
  const dims = (width: 4 | 8, code: number, what: string): number[] => {
    need(1);
    if (m[p] !== (0x90 | ndim)) throw corrupt(NAME, `the ${what} is not an array of ${ndim} values`);
    p++;
    const out: number[] = [];
    for (let i = 0; i < ndim; i++) {
      need(1 + width);
      if (m[p] !== code) throw corrupt(NAME, `bad msgpack marker 0x${m[p]!.toString(16)} in the ${what}`);
      const v = width === 8 ? Number(view.getBigInt64(p + 1)) : view.getInt32(p + 1);
      if (v < 0) throw corrupt(NAME, `negative ${what} ${v}`);
      out.push(v);
      p += 1 + width;
    }
    return out;
  };
  const shape = dims(8, 0xd3, 'shape');
  const chunkshape = dims(4, 0xd2, 'chunk shape');
  const blockshape = dims(4, 0xd2, 'block shape');
  for (let i = 0; i < ndim; i++) {
    if (shape[i]! > 0 && (chunkshape[i] === 0 || blockshape[i] === 0)) throw corrupt(NAME, `dimension ${i} has a zero chunk or block size`);
  }
  return { shape, chunkshape, blockshape };
}

const product = (a: readonly number[]): number => a.reduce((x, y) => x * y, 1);

/** Decodes the array of a B2ND frame to C order; `maxOutputBytes` caps its size. */
export async function decodeB2nd(frame: Blosc2Frame, meta: B2ndMeta, maxOutputBytes: number): Promise<Uint8Array> {
  const { shape, chunkshape, blockshape } = meta;
  const nd = shape.length;
  const ts = frame.typesize;
  const outBytes = product(shape) * ts;
  if (!Number.isSafeInteger(outBytes)) throw corrupt(NAME, `impossible shape [${shape}]`);
  if (outBytes > maxOutputBytes) throw tooLarge(NAME, outBytes, maxOutputBytes);
  const out = new Uint8Array(outBytes);
  if (outBytes === 0) return out;
  const grid = shape.map((s, i) => Math.ceil(s / chunkshape[i]!));
  const extchunk = chunkshape.map((c, i) => Math.ceil(c / blockshape[i]!) * blockshape[i]!);
  const chunkBytes = product(extchunk) * ts;
  const nchunks = product(grid);
  if (frame.chunks.length !== nchunks) throw corrupt(NAME, `the frame has ${frame.chunks.length} chunks, the shape needs ${nchunks}`);
  const budget = Math.max(maxOutputBytes, MAX_PADDING_FACTOR * outBytes);
  if (nchunks * chunkBytes > budget) throw tooLarge(NAME, nchunks * chunkBytes, budget);
  const blockBytes = product(blockshape) * ts;
  const blockGrid = extchunk.map((e, i) => e / blockshape[i]!);

  // One chunk covering the array whose blocks are slabs along the first dimension: the block
  // order is the C order, so the chunk decodes straight into the output.
  if (nchunks === 1 && chunkshape.every((c, i) => c === shape[i]) && blockshape.every((b, i) => i === 0 || b === chunkshape[i]) && (nd === 0 || chunkshape[0]! % blockshape[0]! === 0)) {
    const c = frame.chunks[0]!;
    if ('special' in c) fillRun(c.special, ts, new Uint8Array(0), out, 0, outBytes);
    else await decodeBlosc2Chunk(frameChunk(frame, 0, outBytes), out, 0);
    return out;
  }

  const chunkIndex = new Array<number>(nd).fill(0);
  const blockIndex = new Array<number>(nd).fill(0);
  for (let n = 0; n < nchunks; n++) {
    unravel(n, grid, chunkIndex);
    const origin = chunkIndex.map((c, i) => c * chunkshape[i]!);
    const c = frame.chunks[n]!;
    if ('special' in c) {
      // Every element of the chunk is the same value: fill the chunk's part of the array.
      const run = new Uint8Array(blockBytes);
      fillRun(c.special, ts, new Uint8Array(0), run, 0, blockBytes);
      forEachBlockOrigin(blockGrid, blockIndex, blockshape, origin, (o) => copyBox(run, blockshape, out, shape, o, ts));
      continue;
    }
    const h = frameChunk(frame, n, chunkBytes);
    if (isSpecial(h)) {
      const run = new Uint8Array(blockBytes);
      fillSpecial(h, run, 0, blockBytes);
      forEachBlockOrigin(blockGrid, blockIndex, blockshape, origin, (o) => copyBox(run, blockshape, out, shape, o, ts));
      continue;
    }
    const s = blockScratch(h);
    const block = new Uint8Array(blockBytes);
    for (let j = 0; j < h.nblocks; j++) {
      if (blockSize(h, j) !== blockBytes) throw corrupt(NAME, `block ${j} holds ${blockSize(h, j)} bytes, the block shape needs ${blockBytes}`);
      await decodeBlosc2Block(h, j, block, 0, s);
      unravel(j, blockGrid, blockIndex);
      copyBox(block, blockshape, out, shape, blockIndex.map((b, i) => origin[i]! + b * blockshape[i]!), ts);
    }
  }
  return out;
}

/** Calls fn with the array origin of every block of a chunk at `origin`. */
function forEachBlockOrigin(blockGrid: number[], idx: number[], blockshape: number[], origin: number[], fn: (o: number[]) => void): void {
  const n = product(blockGrid);
  for (let j = 0; j < n; j++) {
    unravel(j, blockGrid, idx);
    fn(idx.map((b, i) => origin[i]! + b * blockshape[i]!));
  }
}

/** The C-order multi-index of flat index n in a grid. */
function unravel(n: number, grid: number[], out: number[]): void {
  for (let i = grid.length - 1; i >= 0; i--) {
    out[i] = n % grid[i]!;
    n = Math.floor(n / grid[i]!);
  }
}

/**
 * Copies a C-order box of `boxShape` elements into the array of `shape` at `origin`, dropping
 * what falls outside the array (padding): one contiguous run per row of the last dimension.
 */
function copyBox(box: Uint8Array, boxShape: number[], out: Uint8Array, shape: number[], origin: number[], ts: number): void {
  const nd = shape.length;
  const extent = boxShape.map((b, i) => Math.min(b, shape[i]! - origin[i]!));
  if (extent.some((e) => e <= 0)) return;
  const rowBytes = extent[nd - 1]! * ts;
  const idx = new Array<number>(nd).fill(0);
  for (;;) {
    let src = 0;
    let dst = 0;
    for (let i = 0; i < nd; i++) {
      src = src * boxShape[i]! + idx[i]!;
      dst = dst * shape[i]! + origin[i]! + idx[i]!;
    }
    out.set(box.subarray(src * ts, src * ts + rowBytes), dst * ts);
    let i = nd - 2;
    while (i >= 0 && ++idx[i]! >= extent[i]!) idx[i--] = 0;
    if (i < 0) return;
  }
}
