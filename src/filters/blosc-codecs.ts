import { bitUnshuffle } from './bitshuffle.js';
import { blosclzDecode } from './blosclz.js';
import { corrupt } from './fail.js';
import { inflate } from './inflate.js';
import { lz4DecodeBlock } from './lz4-block.js';
import { snappyDecode } from './snappy.js';

/**
 * The codecs of Blosc 1 and Blosc2 chunks, by the 3-bit compressor format code both store in
 * their flags byte (c-blosc blosc.h, c-blosc2 README_CHUNK_FORMAT.rst): 0 BloscLZ, 1 LZ4 and
 * LZ4HC (one format), 2 Snappy (Blosc 1 only; reserved in Blosc2), 3 zlib, 4 Zstd.
 */
export const BLOSC_CODECS = ['BloscLZ', 'LZ4', 'Snappy', 'zlib', 'Zstd'];

/** Decodes one compressed stream into exactly dst[at, at + length); `name` labels errors. */
export async function decodeBloscStream(codec: number, src: Uint8Array, dst: Uint8Array, at: number, length: number, name: string): Promise<void> {
  switch (codec) {
    case 0:
      return blosclzDecode(src, dst, at, length, name);
    case 1:
      if (lz4DecodeBlock(src, 0, src.length, dst, at, at + length, name) !== at + length) throw corrupt(name, 'a block decoded short');
      return;
    case 2:
      return snappyDecode(src, dst, at, length, name);
    case 3: {
      const data = await inflate(src, length);
      if (data.length !== length) throw corrupt(name, `a block decoded to ${data.length} bytes, expected ${length}`);
      dst.set(data, at);
      return;
    }
    case 4: {
      // Loaded only when a chunk uses it, so the other codecs do not pull in fzstd.
      const { decompressZstd } = await import('./zstd.js');
      const data = decompressZstd(src, length, name);
      if (data.length !== length) throw corrupt(name, `a block decoded to ${data.length} bytes, expected ${length}`);
      dst.set(data, at);
      return;
    }
    default:
      throw corrupt(name, `unknown compressor code ${codec}`);
  }
}

/**
 * Undoes Blosc's bitshuffle of one block of `typesize`-byte elements into out[at...]. Blosc 1
 * (chunk format version 2) bitshuffled a block only when its element count was a multiple of 8,
 * else copied it as is; from format version 3 on (Blosc2) the largest multiple of 8 elements is
 * bitshuffled and the rest copied (c-blosc2 shuffle.c bitunshuffle). Bytes past the last whole
 * element are copied in both.
 */
export function bitUnshuffleBlock(block: Uint8Array, typesize: number, out: Uint8Array, at: number, formatVersion: number): void {
  const count = Math.floor(block.length / typesize);
  const shuffled = formatVersion <= 2 ? (count % 8 === 0 ? count : 0) : count - (count % 8);
  if (shuffled > 0) bitUnshuffle(block, 0, out, at, shuffled, typesize);
  const whole = shuffled * typesize;
  if (whole < block.length) out.set(block.subarray(whole), at + whole);
}
