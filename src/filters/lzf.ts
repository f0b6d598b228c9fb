import type { FilterDecoder } from './registry.js';
import { copyMatch } from './lz4-block.js';
import { corrupt, tooLarge } from './fail.js';

/**
 * Filter 32000, LZF (h5py's lzf_filter.c). The chunk is a bare liblzf stream: no header, no
 * decoded length. cd_values = [filter revision, LZF version, chunk size in bytes]; h5py uses the
 * third as its first guess for the output buffer and grows it when lzf reports E2BIG, so do we.
 * When LZF cannot shrink a chunk the (optional) filter fails on write and HDF5 stores the chunk
 * raw with the filter-mask bit set, so such chunks never reach this decoder.
 *
 * Stream: a control byte c < 32 starts a literal run of c + 1 bytes; otherwise the length is
 * (c >> 5) + 2 (a top value of 7 adds the next byte) and the offset ((c & 31) << 8) + next + 1.
 */
const NAME = 'lzf';

export const decode: FilterDecoder = (input, spec, ctx) => {
  const guess = spec.clientData[2] || ctx.chunkBytes || input.length * 2;
  let out = new Uint8Array(Math.min(Math.max(guess, 1), ctx.maxOutputBytes));
  let ip = 0;
  let op = 0;
  const room = (n: number): void => {
    if (op + n <= out.length) return;
    if (op + n > ctx.maxOutputBytes) throw tooLarge(NAME, op + n, ctx.maxOutputBytes);
    const grown = new Uint8Array(Math.min(ctx.maxOutputBytes, Math.max(op + n, out.length * 2)));
    grown.set(out.subarray(0, op));
    out = grown;
  };
  while (ip < input.length) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (ip + n > input.length) throw corrupt(NAME, 'a literal run goes past the end of the chunk');
      room(n);
      out.set(input.subarray(ip, ip + n), op);
      ip += n;
      op += n;
    } else {
      let length = ctrl >>> 5;
      if (ip >= input.length) throw corrupt(NAME, 'a back-reference is cut off');
      if (length === 7) {
        length += input[ip++]!;
        if (ip >= input.length) throw corrupt(NAME, 'a back-reference is cut off');
      }
      const offset = ((ctrl & 31) << 8) + input[ip++]! + 1;
      length += 2;
      if (offset > op) throw corrupt(NAME, `back-reference offset ${offset} points before the output`);
      room(length);
      copyMatch(out, op, offset, length);
      op += length;
    }
  }
  return op === out.length ? out : out.subarray(0, op);
};
