import { copyMatch } from './lz4-block.js';
import { corrupt } from './fail.js';

/**
 * Raw Snappy (the block format, no framing), as Blosc stores snappy-coded blocks: a varint
 * decoded length, then elements whose tag's low 2 bits select a literal (length in the tag or in
 * 1-4 following bytes) or a copy with a 1-, 2- or 4-byte offset. Decodes into
 * dst[dstStart, dstStart + length), which must be exactly the stream's declared length.
 */
export function snappyDecode(src: Uint8Array, dst: Uint8Array, dstStart: number, length: number, codec: string): void {
  let ip = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= src.length || shift > 28) throw corrupt(codec, 'bad Snappy length preamble');
    const b = src[ip++]!;
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared !== length) throw corrupt(codec, `Snappy stream holds ${declared} bytes, expected ${length}`);
  const end = dstStart + length;
  let op = dstStart;
  while (ip < src.length) {
    const tag = src[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = (tag >>> 2) + 1;
      if (n > 60) {
        const extra = n - 60; // 1 to 4 little-endian bytes of (length - 1)
        if (ip + extra > src.length) throw corrupt(codec, 'Snappy literal length is cut off');
        n = 0;
        for (let i = extra - 1; i >= 0; i--) n = n * 256 + src[ip + i]!;
        n += 1;
        ip += extra;
      }
      if (ip + n > src.length) throw corrupt(codec, 'Snappy literal runs past the stream');
      if (op + n > end) throw corrupt(codec, 'Snappy literal overflows the block');
      dst.set(src.subarray(ip, ip + n), op);
      ip += n;
      op += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= src.length) throw corrupt(codec, 'Snappy copy is cut off');
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[ip++]!;
    } else if (kind === 2) {
      if (ip + 2 > src.length) throw corrupt(codec, 'Snappy copy is cut off');
      n = (tag >>> 2) + 1;
      offset = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > src.length) throw corrupt(codec, 'Snappy copy is cut off');
      n = (tag >>> 2) + 1;
      offset = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
      ip += 4;
    }
    if (offset === 0 || offset > op - dstStart) throw corrupt(codec, `Snappy copy offset ${offset} points before the block`);
    if (op + n > end) throw corrupt(codec, 'Snappy copy overflows the block');
    copyMatch(dst, op, offset, n);
    op += n;
  }
  if (op !== end) throw corrupt(codec, `Snappy stream decoded to ${op - dstStart} bytes, expected ${length}`);
}
