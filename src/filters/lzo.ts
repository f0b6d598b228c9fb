import type { FilterDecoder } from './registry.js';
import { copyMatch } from './lz4-block.js';
import { corrupt, tooLarge } from './fail.js';

/**
 * Filter 305, LZO (PyTables' H5Zlzo.c): the chunk is one LZO1X stream (lzo1x_1_compress
 * output), with nothing around it and no stored decoded size. PyTables 0.5 to 0.7 appended
 * the Adler-32 of the decoded data and its length (two uint32 LE) after the stream; such a tail
 * is checked when present. cd_values (level, table version, object type) do not affect decoding.
 *
 * No npm package fits: `lzo` and `lzo-decompress` are native Node addons (no browser), and
 * `lzo-wasm` (FFmpeg's decoder) is untested, leaks its input buffer, needs SharedArrayBuffer
 * threads and returns garbage for a short stream instead of failing.
 */
const NAME = 'lzo';
/** M2_MAX_OFFSET of LZO1X: a 3-byte match right after a literal run reaches this far further back. */
const M2_MAX_OFFSET = 0x0800;

export const decode: FilterDecoder = (input, _spec, ctx) => {
  const { out, end } = lzo1xDecompress(input, Math.min(ctx.chunkBytes, ctx.maxOutputBytes), ctx.maxOutputBytes);
  const rest = input.length - end;
  if (rest === 8 && checkedTail(input, end, out)) return out;
  if (rest !== 0) throw corrupt(NAME, `${rest} bytes follow the end of the LZO stream`);
  return out;
};

/** The PyTables 0.5-0.7 tail: Adler-32 of the output, then its length. */
function checkedTail(input: Uint8Array, at: number, out: Uint8Array): boolean {
  const view = new DataView(input.buffer, input.byteOffset + at, 8);
  if (view.getUint32(4, true) !== out.length) return false;
  if (view.getUint32(0, true) !== adler32(out)) throw corrupt(NAME, 'the Adler-32 checksum after the stream does not match');
  return true;
}

function adler32(b: Uint8Array): number {
  let a = 1;
  let s = 0;
  for (let i = 0; i < b.length; ) {
    // 5552 bytes at most between reductions keeps the sums below 2^32 (zlib's NMAX).
    const stop = Math.min(b.length, i + 5552);
    for (; i < stop; i++) s += a += b[i]!;
    a %= 65521;
    s %= 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/**
 * LZO1X decompression (lzo1x_decompress_safe's state machine), every read and write checked.
 * Output starts at `expected` bytes and grows up to `maxOutputBytes` if the stream needs more.
 * Returns the output and where the end-of-stream marker ended in `src`.
 *
 * Instructions, by the first byte t:
 *   t >= 64   M2 match: 3-8 bytes ((t >> 5) + 1), distance ((t >> 2) & 7) + (next << 3) + 1
 *   t >= 32   M3 match: (t & 31) + 2 bytes (0: a zero-run-extended length), distance from a
 *             16-bit LE word (>> 2) + 1
 *   t >= 16   M4 match: like M3 with (t & 7) and 16384 + ((t & 8) << 11) more distance;
 *             distance 16384 exactly is the end marker (0x11 0x00 0x00)
 *   t < 16    after a match: an M1 match of 2 bytes; after a literal run: of 3 bytes, 2048
 *             further back; otherwise (state 0) a literal run of t + 3 bytes (0: extended)
 * The low 2 bits of a match's last distance byte (or of t for M1/M2) give 0-3 literals to copy
 * after it; with 0 the next byte starts a literal run or a match.
 */
export function lzo1xDecompress(src: Uint8Array, expected: number, maxOutputBytes: number): { out: Uint8Array; end: number } {
  let out = new Uint8Array(Math.max(expected, 16));
  let op = 0;
  let ip = 0;
  const n = src.length;
  const grow = (need: number): void => {
    if (need <= out.length) return;
    if (need > maxOutputBytes) throw tooLarge(NAME, need, maxOutputBytes);
    const bigger = new Uint8Array(Math.min(maxOutputBytes, Math.max(need, out.length * 2)));
    bigger.set(out.subarray(0, op));
    out = bigger;
  };
  const byte = (): number => {
    if (ip >= n) throw corrupt(NAME, 'the stream is cut off');
    return src[ip++]!;
  };
  /** A run-length-extended count: each zero byte adds 255, the first non-zero ends it. */
  const extended = (base: number): number => {
    let t = 0;
    for (let b = byte(); b === 0; b = byte()) {
      t += 255;
      if (t > maxOutputBytes) throw tooLarge(NAME, t, maxOutputBytes);
    }
    return t + base + src[ip - 1]!;
  };
  const literals = (count: number): void => {
    if (ip + count > n) throw corrupt(NAME, 'literals run past the end of the stream');
    grow(op + count);
    if (count > 32) {
      out.set(src.subarray(ip, ip + count), op);
      ip += count;
      op += count;
    } else {
      // Short runs byte by byte: cheaper than a subarray view each (as in lz4-block.ts).
      for (let i = 0; i < count; i++) out[op++] = src[ip++]!;
    }
  };
  const match = (distance: number, length: number): void => {
    if (distance > op || distance <= 0) throw corrupt(NAME, `a match reaches ${distance} bytes back, before the start of the output`);
    grow(op + length);
    copyMatch(out, op, distance, length);
    op += length;
  };

  if (n === 0) throw corrupt(NAME, 'empty stream');
  // state: 0 = start of an instruction, 4 = just after a literal run (of 4 or more), 1-3 = after a match's trailing literals
  let state = 0;
  if (src[0]! > 17) {
    const t = byte() - 17;
    literals(t);
    state = t < 4 ? t : 4;
  }
  for (;;) {
    const t = byte();
    let trailing: number;
    if (t >= 64) {
      const d = byte();
      match(((t >>> 2) & 7) + (d << 3) + 1, (t >>> 5) + 1);
      trailing = t & 3;
    } else if (t >= 32) {
      const len = (t & 31) === 0 ? extended(31) : t & 31;
      const lo = byte();
      const hi = byte();
      match((lo >>> 2) + (hi << 6) + 1, len + 2);
      trailing = lo & 3;
    } else if (t >= 16) {
      const len = (t & 7) === 0 ? extended(7) : t & 7;
      const lo = byte();
      const hi = byte();
      const distance = ((t & 8) << 11) + (lo >>> 2) + (hi << 6);
      if (distance === 0) {
        // The end marker; its length field is 1 (0x11 0x00 0x00).
        return { out: op === out.length ? out : out.subarray(0, op), end: ip };
      }
      match(distance + 0x4000, len + 2);
      trailing = lo & 3;
    } else if (state === 0) {
      literals(t === 0 ? extended(15) + 3 : t + 3);
      state = 4;
      continue;
    } else {
      const d = byte();
      if (state === 4) match((t >>> 2) + (d << 2) + M2_MAX_OFFSET + 1, 3);
      else match((t >>> 2) + (d << 2) + 1, 2);
      trailing = t & 3;
    }
    if (trailing > 0) literals(trailing);
    state = trailing;
  }
}
