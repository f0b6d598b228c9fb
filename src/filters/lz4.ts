import type { FilterDecoder } from './registry.js';
import { lz4DecodeBlock } from './lz4-block.js';
import { checkOutputSize, corrupt } from './fail.js';

/**
 * Filter 32004, LZ4 (the HDF Group's H5Zlz4.c), its own framing around raw LZ4 blocks:
 *   uint64 BE decoded size, uint32 BE block size, then per block a uint32 BE compressed size
 *   and the block. A block whose compressed size equals its decoded size is stored raw.
 * cd_values[0] is the block size the writer asked for (0: its 1 GiB default); the header has it.
 */
const NAME = 'lz4';

export const decode: FilterDecoder = (input, _spec, ctx) => {
  if (input.length < 12) throw corrupt(NAME, 'the chunk is shorter than its 12-byte header');
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const size = Number(view.getBigUint64(0));
  const blockSize = view.getUint32(8);
  checkOutputSize(NAME, size, ctx.maxOutputBytes);
  if (blockSize === 0 && size > 0) throw corrupt(NAME, 'block size 0');
  const out = new Uint8Array(size);
  let ip = 12;
  for (let op = 0; op < size; ) {
    const want = Math.min(blockSize, size - op);
    if (ip + 4 > input.length) throw corrupt(NAME, 'the chunk ends before a block header');
    const stored = view.getUint32(ip);
    ip += 4;
    if (ip + stored > input.length) throw corrupt(NAME, 'a block runs past the end of the chunk');
    if (stored === want) {
      out.set(input.subarray(ip, ip + want), op);
    } else if (lz4DecodeBlock(input, ip, ip + stored, out, op, op + want, NAME) !== op + want) {
      throw corrupt(NAME, `a block decoded to fewer than its ${want} bytes`);
    }
    ip += stored;
    op += want;
  }
  return out;
};
