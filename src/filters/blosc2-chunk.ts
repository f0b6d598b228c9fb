import { BLOSC_CODECS, bitUnshuffleBlock, decodeBloscStream } from './blosc-codecs.js';
import { corrupt, unsupported } from './fail.js';
import { unshuffle } from './shuffle.js';

/**
 * One Blosc2 chunk (c-blosc2 README_CHUNK_FORMAT.rst), the unit a Blosc2 frame stores.
 *
 * Header, all little-endian: [0] format version, [1] codec format version, [2] flags,
 * [3] typesize, [4] int32 nbytes (decoded size), [8] int32 blocksize, [12] int32 cbytes (the
 * whole chunk). When flags has both shuffle bits set (0x01 | 0x04), 16 more bytes follow:
 * [16..21] the filter pipeline (ids, applied in increasing slot order), [22] the user codec,
 * [23] codec meta, [24..29] one meta byte per filter, [30] blosc2_flags2, [31] blosc2_flags.
 * Then one int32 start offset per block, and per block one or `typesize` streams ("splits"),
 * each an int32 csize and its bytes: csize 0 is a stream of zeros, a negative csize with token
 * bit 0 is a run of the byte -csize, csize equal to the stream's size is stored raw.
 */
export interface Blosc2ChunkHeader {
  /** The chunk itself, cbytes long. */
  bytes: Uint8Array;
  version: number;
  flags: number;
  typesize: number;
  nbytes: number;
  blocksize: number;
  nblocks: number;
  /** 16 (Blosc 1 style header) or 32 (extended). */
  overhead: number;
  /** The 6 filter slots, undone from the last to the first. */
  filters: Uint8Array;
  filtersMeta: Uint8Array;
  /** Compressor format code (BLOSC_CODECS index). */
  codec: number;
  /** blosc2_flags bits 4-6: 0 regular, 1 zeros, 2 NaNs, 3 one repeated value, 4 uninitialized. */
  special: number;
}

const NAME = 'blosc2';
const MIN_HEADER = 16;
const EXTENDED_HEADER = 32;
const DOSHUFFLE = 0x01;
const MEMCPYED = 0x02;
const DOBITSHUFFLE = 0x04;
const DODELTA = 0x08;
const DONT_SPLIT = 0x10;
/** The newest chunk format c-blosc2 writes (6 adds variable-length blocks, refused below). */
const MAX_VERSION = 6;
/** blosc2_flags: dictionary (0x01), lazy chunk (0x08), instrumented codec (0x80). */
const USEDICT = 0x01;
const LAZY = 0x08;
const INSTRUMENTED = 0x80;
const VL_BLOCKS = 0x01;
const UDCODEC_FORMAT = 6;
const SPECIAL_ZERO = 1;
const SPECIAL_NAN = 2;
const SPECIAL_VALUE = 3;
const SPECIAL_UNINIT = 4;
/** Filter ids of the pipeline slots (blosc2.h): 0 none, 1 shuffle, 2 bitshuffle, 3 delta, 4 truncate precision. */
const SHUFFLE = 1;
const BITSHUFFLE = 2;
const DELTA = 3;
const TRUNC_PREC = 4;

/** Reads and checks the header of the chunk starting at src[at]; `end` bounds it. */
export function readBlosc2Chunk(src: Uint8Array, at: number, end: number): Blosc2ChunkHeader {
  if (at + MIN_HEADER > end) throw corrupt(NAME, `a chunk at byte ${at} is cut off inside its header`);
  const view = new DataView(src.buffer, src.byteOffset + at, end - at);
  const version = view.getUint8(0);
  const flags = view.getUint8(2);
  const typesize = view.getUint8(3);
  const nbytes = view.getInt32(4, true);
  let blocksize = view.getInt32(8, true);
  const cbytes = view.getInt32(12, true);
  if (version === 0 || version > MAX_VERSION) throw unsupported(NAME, `chunk format version ${version}`);
  if (nbytes < 0 || cbytes < MIN_HEADER || blocksize <= 0 || typesize === 0) {
    throw corrupt(NAME, `impossible chunk header (nbytes ${nbytes}, blocksize ${blocksize}, cbytes ${cbytes}, typesize ${typesize})`);
  }
  if (at + cbytes > end) throw corrupt(NAME, `a chunk of ${cbytes} bytes at byte ${at} runs past its frame`);
  const extended = (flags & DOSHUFFLE) !== 0 && (flags & DOBITSHUFFLE) !== 0;
  const overhead = extended ? EXTENDED_HEADER : MIN_HEADER;
  if (cbytes < overhead) throw corrupt(NAME, `a ${cbytes}-byte chunk cannot hold its ${overhead}-byte header`);
  const bytes = src.subarray(at, at + cbytes);
  let filters = new Uint8Array(6);
  let filtersMeta = new Uint8Array(6);
  let codec = flags >>> 5;
  let special = 0;
  if (extended) {
    filters = bytes.slice(16, 22);
    filtersMeta = bytes.slice(24, 30);
    const flags2 = bytes[30]!;
    const b2flags = bytes[31]!;
    if (flags2 & VL_BLOCKS) throw unsupported(NAME, 'chunks of variable-length blocks');
    if (flags2 !== 0) throw unsupported(NAME, `chunk flags2 0x${flags2.toString(16)}`);
    if (b2flags & USEDICT) throw unsupported(NAME, 'dictionary-compressed chunks');
    if (b2flags & INSTRUMENTED) throw unsupported(NAME, 'instrumented-codec chunks');
    // A frame holds whole chunks; "lazy" marks only chunks c-blosc2 has half-loaded in memory.
    if (b2flags & LAZY) throw corrupt(NAME, 'a lazy chunk inside a frame');
    special = (b2flags >>> 4) & 7;
    if (codec === UDCODEC_FORMAT) codec = bytes[22]!;
  } else {
    // The Blosc 1 header: the flags say which one shuffle and whether delta ran (flags_to_filters).
    if (flags & DOSHUFFLE && typesize > 1) filters[5] = SHUFFLE;
    if (flags & DOBITSHUFFLE) filters[5] = BITSHUFFLE;
    if (flags & DODELTA) filters[4] = DELTA;
  }
  if (special > SPECIAL_UNINIT) throw corrupt(NAME, `unknown special value kind ${special}`);
  if (special === 0 && !(flags & MEMCPYED) && (codec === 2 || BLOSC_CODECS[codec] === undefined)) {
    throw unsupported(NAME, `compressor code ${codec}`);
  }
  if (nbytes > 0 && blocksize > nbytes) blocksize = nbytes;
  const nblocks = nbytes === 0 ? 0 : Math.ceil(nbytes / blocksize);
  return { bytes, version, flags, typesize, nbytes, blocksize, nblocks, overhead, filters, filtersMeta, codec, special };
}

/** The size of block j (the last one may be short). */
export function blockSize(h: Blosc2ChunkHeader, j: number): number {
  return j === h.nblocks - 1 && h.nbytes % h.blocksize !== 0 ? h.nbytes % h.blocksize : h.blocksize;
}

/** Whether the chunk is one repeated value (or zeros, NaNs, uninitialized): no blocks stored. */
export function isSpecial(h: Blosc2ChunkHeader): boolean {
  return h.special !== 0;
}

/** Fills dst[at, at + length) with a special chunk's value. */
export function fillSpecial(h: Blosc2ChunkHeader, dst: Uint8Array, at: number, length: number): void {
  // SPECIAL_VALUE: the value follows the header and its size is what is left of cbytes.
  fillRun(h.special, h.typesize, h.bytes.subarray(EXTENDED_HEADER), dst, at, length);
}

/**
 * Fills dst[at, at + length) with a run of special values (kind as in Blosc2ChunkHeader.special,
 * also used by frame offsets); `value` holds the repeated value for kind 3.
 */
export function fillRun(kind: number, typesize: number, value: Uint8Array, dst: Uint8Array, at: number, length: number): void {
  if (kind === SPECIAL_ZERO || kind === SPECIAL_UNINIT) {
    // Uninitialized values are whatever the writer's memory held: zeros, never our garbage.
    dst.fill(0, at, at + length);
    return;
  }
  if (kind === SPECIAL_NAN) {
    if (typesize === 4) value = new Uint8Array(new Float32Array([NaN]).buffer);
    else if (typesize === 8) value = new Uint8Array(new Float64Array([NaN]).buffer);
    else throw corrupt(NAME, `a run of NaNs with ${typesize}-byte elements`);
  } else if (kind !== SPECIAL_VALUE) {
    throw corrupt(NAME, `unknown special value kind ${kind}`);
  }
  if (value.length === 0) throw corrupt(NAME, 'a repeated-value chunk without its value');
  if (length % value.length !== 0) throw corrupt(NAME, `${length} bytes is not a whole number of ${value.length}-byte values`);
  if (length === 0) return;
  dst.set(value, at);
  // Doubling copies: log2(n) copyWithin() calls instead of one per element.
  for (let done = value.length; done < length; done *= 2) dst.copyWithin(at + done, at, at + Math.min(done, length - done));
}

/** Scratch buffers for decodeBlosc2Block, one block each; reuse them across the blocks of a chunk. */
export interface BlockScratch {
  a: Uint8Array;
  b: Uint8Array;
  /** Block 0 once decoded: the delta filter's reference. */
  ref?: Uint8Array;
}

export function blockScratch(h: Blosc2ChunkHeader): BlockScratch {
  return { a: new Uint8Array(h.blocksize), b: new Uint8Array(h.blocksize) };
}

/**
 * Decodes block j of a regular (not special) chunk into dst[at, at + blockSize(h, j)): its
 * streams are decompressed, then the filters undone from slot 5 down to slot 0
 * (c-blosc2 blosc_d and pipeline_backward).
 */
export async function decodeBlosc2Block(h: Blosc2ChunkHeader, j: number, dst: Uint8Array, at: number, s: BlockScratch): Promise<void> {
  const bsize = blockSize(h, j);
  const src = h.bytes;
  if (h.flags & MEMCPYED) {
    // Stored raw, with no block offsets and no filters applied.
    if (h.bytes.length !== h.overhead + h.nbytes) throw corrupt(NAME, `a memcpyed chunk of ${h.nbytes} bytes is ${h.bytes.length} bytes long`);
    const from = h.overhead + j * h.blocksize;
    dst.set(src.subarray(from, from + bsize), at);
    return;
  }
  const steps = pipeline(h);
  const first = steps.length === 0 ? { buf: dst, at } : { buf: s.a, at: 0 };
  const offsetAt = h.overhead + 4 * j;
  if (offsetAt + 4 > src.length) throw corrupt(NAME, `the chunk is too short for its ${h.nblocks} block offsets`);
  let ip = readInt32(src, offsetAt);
  if (ip < h.overhead + 4 * h.nblocks || ip >= src.length) throw corrupt(NAME, `block ${j} starts at byte ${ip}, outside its chunk`);
  const nstreams = !(h.flags & DONT_SPLIT) && bsize === h.blocksize ? h.typesize : 1;
  const neblock = Math.floor(bsize / nstreams);
  if (neblock * nstreams !== bsize) throw corrupt(NAME, `a ${bsize}-byte block does not split into ${nstreams} streams`);
  const name = `${NAME} (${BLOSC_CODECS[h.codec] ?? h.codec})`;
  for (let k = 0; k < nstreams; k++) {
    if (ip + 4 > src.length) throw corrupt(NAME, `block ${j} is cut off`);
    const csize = readInt32(src, ip);
    ip += 4;
    const o = first.at + k * neblock;
    if (csize === 0) {
      first.buf.fill(0, o, o + neblock);
    } else if (csize < 0) {
      if (ip >= src.length) throw corrupt(NAME, `block ${j} is cut off before a run token`);
      const token = src[ip++]!;
      if (!(token & 1) || csize < -255) throw corrupt(NAME, `unknown stream token ${token} (csize ${csize})`);
      first.buf.fill(-csize, o, o + neblock);
    } else {
      if (ip + csize > src.length) throw corrupt(NAME, `block ${j} has a ${csize}-byte stream running past its chunk`);
      const stream = src.subarray(ip, ip + csize);
      if (csize === neblock) first.buf.set(stream, o);
      else await decodeBloscStream(h.codec, stream, first.buf, o, neblock, name);
      ip += csize;
    }
  }
  if (steps.length === 0) return;
  // Undo the filters, alternating between the scratch buffers; the last step writes to dst.
  let cur: Uint8Array = s.a.subarray(0, bsize);
  for (let i = 0; i < steps.length; i++) {
    const { id, meta } = steps[i]!;
    const last = i === steps.length - 1;
    if (id === DELTA) {
      undoDelta(cur, j, h.typesize, s);
      if (last) dst.set(cur, at);
      continue;
    }
    const next = last ? dst.subarray(at, at + bsize) : (cur.buffer === s.a.buffer ? s.b : s.a).subarray(0, bsize);
    if (id === SHUFFLE) unshuffle(cur, meta === 0 ? h.typesize : meta, next, 0);
    else bitUnshuffleBlock(cur, h.typesize, next, 0, h.version);
    cur = next;
  }
}

/** The filters to undo, in the order to undo them; truncate-precision needs no undoing. */
function pipeline(h: Blosc2ChunkHeader): Array<{ id: number; meta: number }> {
  const out: Array<{ id: number; meta: number }> = [];
  for (let i = 5; i >= 0; i--) {
    const id = h.filters[i]!;
    if (id === 0 || id === TRUNC_PREC) continue;
    if (id !== SHUFFLE && id !== BITSHUFFLE && id !== DELTA) throw unsupported(NAME, `filter ${id} in a chunk's pipeline`);
    out.push({ id, meta: h.filtersMeta[i]! });
  }
  return out;
}

/**
 * Blosc's delta filter (c-blosc2 delta.c), undone in place: block 0 was XORed with itself shifted
 * by one element, every other block with block 0. Elements are 1, 2, 4 or 8 bytes, other sizes
 * count as 8-byte words when a multiple of 8 and as bytes otherwise; a tail shorter than a word
 * is left as is. XOR works byte by byte, so endianness does not matter.
 */
function undoDelta(block: Uint8Array, j: number, typesize: number, s: BlockScratch): void {
  const w = typesize === 1 || typesize === 2 || typesize === 4 || typesize === 8 ? typesize : typesize % 8 === 0 ? 8 : 1;
  const n = block.length - (block.length % w);
  if (j === 0) {
    for (let k = w; k < n; k++) block[k]! ^= block[k - w]!;
    s.ref = block.slice();
    return;
  }
  const ref = s.ref;
  if (ref === undefined || ref.length < n) throw corrupt(NAME, 'a delta-coded block before its reference block');
  for (let k = 0; k < n; k++) block[k]! ^= ref[k]!;
}

function readInt32(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
}

/** Decodes a whole chunk into dst[at, at + nbytes). */
export async function decodeBlosc2Chunk(h: Blosc2ChunkHeader, dst: Uint8Array, at: number): Promise<void> {
  if (isSpecial(h)) return fillSpecial(h, dst, at, h.nbytes);
  const s = blockScratch(h);
  for (let j = 0; j < h.nblocks; j++) await decodeBlosc2Block(h, j, dst, at + j * h.blocksize, s);
}
