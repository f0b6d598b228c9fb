import type { FilterDecoder } from './registry.js';
import { BLOSC_CODECS, bitUnshuffleBlock, decodeBloscStream } from './blosc-codecs.js';
import { checkOutputSize, corrupt, unsupported } from './fail.js';
import { unshuffle } from './shuffle.js';

/**
 * Filter 32001, Blosc (hdf5-blosc): the chunk is one Blosc 1 frame; the cd_values (filter and
 * blosc versions, typesize, chunk size, level, shuffle, compressor) only configure the writer.
 *
 * Frame (c-blosc 1.x, blosc.c): 16-byte header
 *   [0] format version (1 or 2)   [1] codec format version   [2] flags   [3] typesize
 *   [4] uint32 LE decoded size    [8] uint32 LE block size   [12] uint32 LE frame size
 * flags: 0x01 byte shuffle, 0x02 memcpyed (the data follows the header as is), 0x04 bitshuffle,
 * 0x10 blocks are not split, 0xe0 codec (0 BloscLZ, 1 LZ4/LZ4HC, 2 Snappy, 3 zlib, 4 Zstd).
 * Then one uint32 LE start offset per block, and per block its splits: a uint32 LE compressed
 * size then the data; a split whose compressed size equals its decoded size is stored raw.
 * A block is split into `typesize` streams when the flag allows it, typesize <= 16, the block
 * has at least 128 elements and it is not the leftover (last, short) block.
 */
const NAME = 'blosc';
const HEADER = 16;
const SHUFFLE = 0x01;
const MEMCPYED = 0x02;
const BITSHUFFLE = 0x04;
const DONT_SPLIT = 0x10;
const MAX_SPLITS = 16;
const MIN_BUFFERSIZE = 128;

export const decode: FilterDecoder = async (input, _spec, ctx) => {
  if (input.length < HEADER) throw corrupt(NAME, `a ${input.length}-byte chunk cannot hold the 16-byte header`);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const version = input[0]!;
  const flags = input[2]!;
  const typesize = input[3]!;
  const nbytes = view.getUint32(4, true);
  const blocksize = view.getUint32(8, true);
  const cbytes = view.getUint32(12, true);
  if (version === 0 || version > 2) throw unsupported(NAME, `frame format version ${version}`);
  if (flags & 0x08) throw unsupported(NAME, 'frame flags from a newer Blosc');
  checkOutputSize(NAME, nbytes, ctx.maxOutputBytes);
  if (cbytes > input.length) throw corrupt(NAME, `the frame says it has ${cbytes} bytes, the chunk has ${input.length}`);
  const out = new Uint8Array(nbytes);
  if (nbytes === 0) return out;
  if (flags & MEMCPYED) {
    if (HEADER + nbytes > input.length) throw corrupt(NAME, 'a memcpyed frame is shorter than its data');
    out.set(input.subarray(HEADER, HEADER + nbytes));
    return out;
  }
  if (typesize === 0 || blocksize === 0) throw corrupt(NAME, 'typesize or block size 0');
  const codec = flags >>> 5;
  const codecName = BLOSC_CODECS[codec];
  if (codecName === undefined) throw unsupported(NAME, `compressor code ${codec}`);
  const nblocks = Math.ceil(nbytes / blocksize);
  if (HEADER + 4 * nblocks > cbytes) throw corrupt(NAME, 'the frame is too short for its block offsets');
  const reshuffle = ((flags & SHUFFLE) !== 0 && typesize > 1) || (flags & BITSHUFFLE) !== 0;
  const tmp = reshuffle ? new Uint8Array(blocksize) : undefined;

  for (let j = 0; j < nblocks; j++) {
    const leftover = j === nblocks - 1 && nbytes % blocksize !== 0;
    const bsize = leftover ? nbytes % blocksize : blocksize;
    const target = tmp ?? out;
    const base = tmp ? 0 : j * blocksize;
    const split = !(flags & DONT_SPLIT) && typesize <= MAX_SPLITS && bsize / typesize >= MIN_BUFFERSIZE && !leftover;
    const nsplits = split ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    let ip = view.getUint32(HEADER + 4 * j, true);
    for (let s = 0; s < nsplits; s++) {
      if (ip + 4 > cbytes) throw corrupt(NAME, `block ${j} starts past the end of the frame`);
      const size = view.getInt32(ip, true);
      ip += 4;
      if (size < 0 || ip + size > cbytes) throw corrupt(NAME, `block ${j} has an impossible compressed size ${size}`);
      const src = input.subarray(ip, ip + size);
      const at = base + s * neblock;
      if (size === neblock) target.set(src, at);
      else await decodeBloscStream(codec, src, target, at, neblock, `${NAME} (${codecName})`);
      ip += size;
    }
    if (tmp) {
      const block = tmp.subarray(0, bsize);
      if (flags & SHUFFLE) unshuffle(block, typesize, out, j * blocksize);
      else bitUnshuffleBlock(block, typesize, out, j * blocksize, 2);
    }
  }
  return out;
};
