import { corrupt, tooLarge, unsupported } from './fail.js';
import { decodeBlosc2Chunk, readBlosc2Chunk, type Blosc2ChunkHeader } from './blosc2-chunk.js';

/**
 * A Blosc2 contiguous frame ("cframe", c-blosc2 README_CFRAME_FORMAT.rst): what the Blosc2 HDF5
 * filter stores per HDF5 chunk (a super-chunk serialized by blosc2_schunk_to_buffer or
 * b2nd_to_cframe). A msgpack header with fixed offsets, the data chunks back to back, one more
 * chunk holding the int64 offsets of the data chunks, then a msgpack trailer (not needed here).
 *
 * Header fields (the msgpack marker byte precedes each value; integers big-endian):
 *   [0] fixarray  [1..9] "b2frame\0"  [11] int32 header_len  [16] uint64 frame_len
 *   [25] general flags (bits 0-3 format version, 4-5 offset size, 6 variable chunks, 7 VL blocks)
 *   [26] frame type (0 contiguous)  [30] int64 nbytes  [39] int64 cbytes  [48] int32 typesize
 *   [53] int32 blocksize  [58] int32 chunksize (0: variable)  [87] the metalayers:
 *   fixarray(3), uint16 size, map16 of fixstr name -> int32 offset (from the frame start) of a
 *   bin32 holding the metalayer's msgpack content.
 */
export interface Blosc2Frame {
  bytes: Uint8Array;
  headerLen: number;
  /** End of the data chunks (header_len + cbytes): the offsets chunk starts here. */
  dataEnd: number;
  /** Decoded size of all the data chunks together. */
  nbytes: number;
  typesize: number;
  /** Decoded size of every chunk but possibly the last. */
  chunksize: number;
  /** Metalayer contents by name (e.g. "b2nd"). */
  metalayers: Map<string, Uint8Array>;
  /**
   * Each data chunk: a byte offset in `bytes`, or a special run (c-blosc2 frame offsets with the
   * top bit set): 1 zeros, 2 NaNs, 4 uninitialized.
   */
  chunks: Array<{ at: number } | { special: number }>;
}

const NAME = 'blosc2';
const MAGIC = 'b2frame\0';
const HEADER_MINLEN = 87;
const METALAYERS = 87;
/** The newest frame format version c-blosc2 writes. */
const MAX_FRAME_VERSION = 3;
const MAX_METALAYERS = 16;

/** Checks one msgpack marker at a fixed offset of the header. */
function marker(b: Uint8Array, at: number, want: number, what: string): void {
  if (b[at] !== want) throw corrupt(NAME, `frame header: ${what} marker is 0x${(b[at] ?? 0).toString(16)} at byte ${at}, want 0x${want.toString(16)}`);
}

/**
 * Parses the frame header, the metalayers and the chunk offsets. The decoded size of the chunks
 * (padding included, for B2ND) is checked against `maxDecodedBytes` before anything is allocated.
 */
export async function readBlosc2Frame(input: Uint8Array, maxDecodedBytes: number): Promise<Blosc2Frame> {
  if (input.length < HEADER_MINLEN) throw corrupt(NAME, `a ${input.length}-byte chunk cannot hold a frame header`);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if ((input[0]! & 0xf0) !== 0x90) throw corrupt(NAME, 'not a Blosc2 frame (no msgpack array at byte 0)');
  for (let i = 0; i < 8; i++) if (input[2 + i] !== MAGIC.charCodeAt(i)) throw corrupt(NAME, 'not a Blosc2 frame (no "b2frame" magic)');
  marker(input, 10, 0xd2, 'header_len');
  marker(input, 15, 0xcf, 'frame_len');
  marker(input, 29, 0xd3, 'nbytes');
  marker(input, 38, 0xd3, 'cbytes');
  marker(input, 47, 0xd2, 'typesize');
  marker(input, 52, 0xd2, 'blocksize');
  marker(input, 57, 0xd2, 'chunksize');
  const headerLen = view.getInt32(11);
  const frameLen = Number(view.getBigUint64(16));
  const general = input[25]!;
  const frameType = input[26]! & 0x0f;
  const nbytes = Number(view.getBigInt64(30));
  const cbytes = Number(view.getBigInt64(39));
  const typesize = view.getInt32(48);
  const chunksize = view.getInt32(58);
  if ((general & 0x0f) > MAX_FRAME_VERSION) throw unsupported(NAME, `frame format version ${general & 0x0f}`);
  if (frameType !== 0) throw unsupported(NAME, `frame type ${frameType} (only contiguous frames are stored in HDF5 chunks)`);
  if (general & 0x80) throw unsupported(NAME, 'frames of variable-length-block chunks');
  if (((general >>> 4) & 3) !== 1) throw unsupported(NAME, `chunk offsets of ${8 << ((general >>> 4) & 3)} bits`);
  if (headerLen < HEADER_MINLEN || headerLen > frameLen || frameLen > input.length) {
    throw corrupt(NAME, `frame lengths do not fit: header ${headerLen}, frame ${frameLen}, chunk ${input.length} bytes`);
  }
  if (nbytes < 0 || cbytes < 0 || headerLen + cbytes > frameLen || typesize <= 0 || chunksize < 0) {
    throw corrupt(NAME, `impossible frame sizes (nbytes ${nbytes}, cbytes ${cbytes}, typesize ${typesize}, chunksize ${chunksize})`);
  }
  if (nbytes > maxDecodedBytes) throw tooLarge(NAME, nbytes, maxDecodedBytes);
  const bytes = input.subarray(0, frameLen);
  const metalayers = readMetalayers(bytes, headerLen);

  let nchunks = 0;
  const chunks: Blosc2Frame['chunks'] = [];
  if (nbytes > 0) {
    // The offsets chunk follows the data chunks; each of its items is an int64 LE offset
    // from the end of the header.
    const offsets = readBlosc2Chunk(bytes, headerLen + cbytes, frameLen);
    if (offsets.nbytes % 8 !== 0) throw corrupt(NAME, `the offsets chunk holds ${offsets.nbytes} bytes, not whole int64s`);
    nchunks = chunksize > 0 ? Math.ceil(nbytes / chunksize) : offsets.nbytes / 8;
    if (offsets.nbytes !== nchunks * 8) throw corrupt(NAME, `the offsets chunk has ${offsets.nbytes / 8} entries for ${nchunks} chunks`);
    if (offsets.nbytes > maxDecodedBytes) throw tooLarge(NAME, offsets.nbytes, maxDecodedBytes);
    const table = new Uint8Array(offsets.nbytes);
    await decodeBlosc2Chunk(offsets, table, 0);
    const tv = new DataView(table.buffer);
    for (let i = 0; i < nchunks; i++) {
      const off = tv.getBigInt64(8 * i, true);
      if (off < 0n) {
        chunks.push({ special: table[8 * i + 7]! & 0x7 });
        continue;
      }
      if (off >= BigInt(cbytes)) throw corrupt(NAME, `chunk ${i} is at offset ${off}, past the ${cbytes} bytes of chunks`);
      chunks.push({ at: headerLen + Number(off) });
    }
  }
  return { bytes, headerLen, dataEnd: headerLen + cbytes, nbytes, typesize, chunksize, metalayers, chunks };
}

function readMetalayers(b: Uint8Array, headerLen: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  marker(b, METALAYERS, 0x93, 'metalayers');
  marker(b, METALAYERS + 1, 0xcd, 'metalayers size');
  marker(b, METALAYERS + 4, 0xde, 'metalayers map');
  if (METALAYERS + 7 > headerLen) throw corrupt(NAME, 'the metalayer index runs past the header');
  const count = view.getUint16(METALAYERS + 5);
  if (count > MAX_METALAYERS) throw corrupt(NAME, `${count} metalayers (at most ${MAX_METALAYERS})`);
  let p = METALAYERS + 7;
  for (let i = 0; i < count; i++) {
    if (p >= headerLen || (b[p]! & 0xe0) !== 0xa0) throw corrupt(NAME, `metalayer ${i} has no name`);
    const len = b[p]! & 0x1f;
    if (p + 1 + len + 5 > headerLen) throw corrupt(NAME, `metalayer ${i} runs past the header`);
    const name = String.fromCharCode(...b.subarray(p + 1, p + 1 + len));
    p += 1 + len;
    marker(b, p, 0xd2, `metalayer ${name} offset`);
    const at = view.getInt32(p + 1);
    p += 5;
    if (at < 0 || at + 5 > headerLen) throw corrupt(NAME, `metalayer ${name} is at byte ${at}, outside the header`);
    marker(b, at, 0xc6, `metalayer ${name} content`);
    const size = view.getInt32(at + 1);
    if (size < 0 || at + 5 + size > headerLen) throw corrupt(NAME, `metalayer ${name} of ${size} bytes runs past the header`);
    out.set(name, b.subarray(at + 5, at + 5 + size));
  }
  return out;
}

/** The header of data chunk i, checked to decode to `expected` bytes. */
export function frameChunk(frame: Blosc2Frame, i: number, expected: number): Blosc2ChunkHeader {
  const c = frame.chunks[i]!;
  if (!('at' in c)) throw corrupt(NAME, 'a special chunk has no header');
  const h = readBlosc2Chunk(frame.bytes, c.at, frame.dataEnd);
  if (h.nbytes !== expected) throw corrupt(NAME, `chunk ${i} decodes to ${h.nbytes} bytes, expected ${expected}`);
  return h;
}
