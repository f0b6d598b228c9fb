import { copyMatch } from './lz4-block.js';
import { corrupt } from './fail.js';

/**
 * BloscLZ (Blosc's FastLZ derivative, c-blosc 1.x blosclz_decompress), decoded into
 * dst[dstStart, dstStart + length) exactly; returns nothing, throws 'Corrupt' on any overrun.
 *
 * Control byte c: below 32, a literal run of c + 1 bytes. Otherwise a match of (c >> 5) + 2 bytes
 * (a top value of 7 adds 255-valued extension bytes) at distance ((c & 31) << 8) + next + 1; a
 * distance byte of 255 with (c & 31) == 31 announces a 16-bit far distance (+ 8191).
 * The first control byte carries a format marker in its top 3 bits, which are ignored.
 */
const MAX_DISTANCE = 8191;

export function blosclzDecode(src: Uint8Array, dst: Uint8Array, dstStart: number, length: number, codec: string): void {
  const end = dstStart + length;
  let ip = 0;
  let op = dstStart;
  if (src.length === 0) throw corrupt(codec, 'empty BloscLZ stream');
  let ctrl = src[ip++]! & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >>> 5) - 1;
      let ofs = (ctrl & 31) << 8;
      if (len === 6) {
        let code: number;
        do {
          if (ip >= src.length) throw corrupt(codec, 'BloscLZ match length is cut off');
          code = src[ip++]!;
          len += code;
        } while (code === 255);
      }
      if (ip >= src.length) throw corrupt(codec, 'BloscLZ match distance is cut off');
      const code = src[ip++]!;
      len += 3;
      let distance = ofs + code + 1;
      if (code === 255 && ofs === 31 << 8) {
        if (ip + 2 > src.length) throw corrupt(codec, 'BloscLZ far distance is cut off');
        ofs = (src[ip]! << 8) | src[ip + 1]!;
        ip += 2;
        distance = ofs + MAX_DISTANCE + 1;
      }
      if (op + len > end) throw corrupt(codec, 'BloscLZ match overflows the block');
      if (distance > op - dstStart) throw corrupt(codec, 'BloscLZ match points before the block');
      copyMatch(dst, op, distance, len);
      op += len;
    } else {
      const n = ctrl + 1;
      if (op + n > end) throw corrupt(codec, 'BloscLZ literals overflow the block');
      if (ip + n > src.length) throw corrupt(codec, 'BloscLZ literals run past the stream');
      dst.set(src.subarray(ip, ip + n), op);
      ip += n;
      op += n;
    }
    if (ip >= src.length) break;
    ctrl = src[ip++]!;
  }
  if (op !== end) throw corrupt(codec, `BloscLZ stream decoded to ${op - dstStart} bytes, expected ${length}`);
}
