import type { FilterDecoder } from './registry.js';
import { BitReader } from './bit-reader.js';
import { corrupt, tooLarge, unsupported } from './fail.js';

/**
 * Filter 307, bzip2 (the registered h5bz2 filter): the chunk is one bzip2 stream
 * (BZ2_bzBuffToBuffCompress; cd_values[0] is the block size level). Written here rather than
 * taken from npm: the decoders there (seek-bzip 2.0.0, compressjs 1.0.3) are CommonJS without
 * types, pull in a CLI dependency (commander), and cannot stop at an output cap.
 *
 * Stream: "BZh" + level '1'..'9', then blocks (48-bit magic 0x314159265359, CRC, origPtr,
 * symbol map, Huffman tables and selectors, MTF/RLE2 symbols) and an end-of-stream marker
 * (0x177245385090 + combined CRC). Each block is undone by Huffman -> MTF -> inverse BWT -> RLE1.
 */
const NAME = 'bzip2';
const MAX_GROUPS = 6;
const GROUP_SIZE = 50;
const MAX_CODE_LENGTH = 20;
/** BZ_MAX_SELECTORS in bzip2 1.0.8: 2 + 900000 / 50. */
const MAX_SELECTORS = 18002;

export const decode: FilterDecoder = (input, _spec, ctx) => bunzip2(input, ctx.maxOutputBytes, ctx.chunkBytes);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

class Output {
  buf: Uint8Array;
  length = 0;
  constructor(
    guess: number,
    private readonly max: number,
  ) {
    this.buf = new Uint8Array(Math.max(1, Math.min(guess, max)));
  }
  reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    if (this.length + n > this.max) throw tooLarge(NAME, this.length + n, this.max);
    const grown = new Uint8Array(Math.min(this.max, Math.max(this.length + n, this.buf.length * 2)));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }
}

/** Decodes a bzip2 stream (or several concatenated) into at most `maxOutputBytes` bytes. */
export function bunzip2(input: Uint8Array, maxOutputBytes: number, guess = input.length * 4): Uint8Array {
  const bits = new BitReader(input, NAME);
  const out = new Output(guess, maxOutputBytes);
  let start = 0;
  do {
    if (bits.bits(8) !== 0x42 || bits.bits(8) !== 0x5a || bits.bits(8) !== 0x68) throw corrupt(NAME, 'missing the "BZh" stream header');
    const level = bits.bits(8) - 0x30;
    if (level < 1 || level > 9) throw corrupt(NAME, `block size level ${level} outside 1..9`);
    const tt = new Uint32Array(level * 100000);
    let combined = 0;
    for (;;) {
      const high = bits.bits(24);
      const low = bits.bits(24);
      if (high === 0x314159 && low === 0x265359) {
        const crc = decodeBlock(bits, tt, out);
        combined = (((combined << 1) | (combined >>> 31)) ^ crc) >>> 0;
      } else if (high === 0x177245 && low === 0x385090) {
        if (bits.bitsWide(32) !== combined) throw corrupt(NAME, 'combined stream CRC mismatch');
        bits.align();
        break;
      } else {
        throw corrupt(NAME, 'bad block magic');
      }
    }
    start = bits.bitPosition / 8;
    // Like the bzip2 tool, continue into a concatenated stream; other trailing bytes are ignored.
  } while (start + 4 <= input.length && input[start] === 0x42 && input[start + 1] === 0x5a && input[start + 2] === 0x68);
  return out.buf.subarray(0, out.length);
}

/** A canonical Huffman table in bzip2's form: codes of each length are consecutive integers. */
interface Table {
  minLen: number;
  limit: Int32Array; // largest code of each length, -1 if none
  base: Int32Array; // code - base[len] = index into perm
  perm: Uint16Array;
}

function makeTable(lengths: Uint8Array, alphaSize: number): Table {
  let minLen = MAX_CODE_LENGTH;
  let maxLen = 0;
  for (let i = 0; i < alphaSize; i++) {
    minLen = Math.min(minLen, lengths[i]!);
    maxLen = Math.max(maxLen, lengths[i]!);
  }
  const perm = new Uint16Array(alphaSize);
  const limit = new Int32Array(MAX_CODE_LENGTH + 2).fill(-1);
  const base = new Int32Array(MAX_CODE_LENGTH + 2);
  let p = 0;
  let code = 0;
  for (let len = minLen; len <= maxLen; len++) {
    const first = p;
    for (let s = 0; s < alphaSize; s++) if (lengths[s] === len) perm[p++] = s;
    base[len] = code - first;
    code += p - first;
    limit[len] = code - 1;
    code <<= 1;
  }
  return { minLen, limit, base, perm };
}

function decodeSymbol(bits: BitReader, t: Table): number {
  let len = t.minLen;
  let code = bits.bits(len);
  while (code > t.limit[len]!) {
    if (++len > MAX_CODE_LENGTH) throw corrupt(NAME, 'invalid Huffman code');
    code = (code << 1) | bits.bit();
  }
  const index = code - t.base[len]!;
  if (index < 0 || index >= t.perm.length) throw corrupt(NAME, 'invalid Huffman code');
  return t.perm[index]!;
}

/** Decodes one block into `out`, returning its (verified) CRC. */
function decodeBlock(bits: BitReader, tt: Uint32Array, out: Output): number {
  const storedCrc = bits.bitsWide(32);
  if (bits.bit()) throw unsupported(NAME, 'randomised blocks (written only by bzip2 before 0.9.5)');
  const origPtr = bits.bits(24);

  const used: number[] = [];
  const ranges = bits.bits(16);
  for (let i = 0; i < 16; i++) {
    if (!(ranges & (0x8000 >>> i))) continue;
    const set = bits.bits(16);
    for (let j = 0; j < 16; j++) if (set & (0x8000 >>> j)) used.push(i * 16 + j);
  }
  if (used.length === 0) throw corrupt(NAME, 'a block uses no symbols');
  const alphaSize = used.length + 2;
  const nGroups = bits.bits(3);
  if (nGroups < 2 || nGroups > MAX_GROUPS) throw corrupt(NAME, `${nGroups} Huffman groups`);
  const nSelectors = bits.bits(15);
  if (nSelectors < 1 || nSelectors > MAX_SELECTORS) throw corrupt(NAME, `${nSelectors} selectors`);
  const order = Array.from({ length: nGroups }, (_, i) => i);
  const selectors = new Uint8Array(nSelectors);
  for (let i = 0; i < nSelectors; i++) {
    let j = 0;
    while (bits.bit()) if (++j >= nGroups) throw corrupt(NAME, 'selector out of range');
    const g = order[j]!; // selectors are move-to-front coded
    order.splice(j, 1);
    order.unshift(g);
    selectors[i] = g;
  }
  const tables: Table[] = [];
  const lengths = new Uint8Array(alphaSize);
  for (let t = 0; t < nGroups; t++) {
    let len = bits.bits(5);
    for (let s = 0; s < alphaSize; s++) {
      for (;;) {
        if (len < 1 || len > MAX_CODE_LENGTH) throw corrupt(NAME, 'Huffman code length out of range');
        if (!bits.bit()) break;
        len += bits.bit() ? -1 : 1;
      }
      lengths[s] = len;
    }
    tables.push(makeTable(lengths, alphaSize));
  }

  // Huffman + RUNA/RUNB zero runs + move-to-front, into tt (one byte per entry for now).
  const eob = used.length + 1;
  const mtf = Uint8Array.from({ length: 256 }, (_, i) => i);
  const counts = new Int32Array(256);
  let n = 0;
  let run = 0;
  let runWeight = 1;
  let group = -1;
  let left = 0;
  let table = tables[0]!;
  for (;;) {
    if (left === 0) {
      if (++group >= nSelectors) throw corrupt(NAME, 'a block needs more selectors than it has');
      table = tables[selectors[group]!]!;
      left = GROUP_SIZE;
    }
    left--;
    const sym = decodeSymbol(bits, table);
    if (sym <= 1) {
      // RUNA adds 1 * weight, RUNB 2 * weight; weights double (bijective base-2 run length).
      run += (sym + 1) * runWeight;
      runWeight *= 2;
      if (run > tt.length) throw corrupt(NAME, 'a run overflows the block');
      continue;
    }
    if (run > 0) {
      if (n + run > tt.length) throw corrupt(NAME, 'a run overflows the block');
      const b = used[mtf[0]!]!;
      tt.fill(b, n, n + run);
      counts[b]! += run;
      n += run;
      run = 0;
    }
    runWeight = 1;
    if (sym === eob) break;
    const pos = sym - 1;
    if (pos >= used.length) throw corrupt(NAME, 'move-to-front index out of range');
    const v = mtf[pos]!;
    mtf.copyWithin(1, 0, pos);
    mtf[0] = v;
    const b = used[v]!;
    if (n >= tt.length) throw corrupt(NAME, 'a block overflows its declared size');
    tt[n++] = b;
    counts[b]!++;
  }
  if (origPtr >= n) throw corrupt(NAME, 'origin pointer outside the block');

  // Inverse Burrows-Wheeler: link each position to the next, in the high 24 bits of tt.
  const next = new Int32Array(256);
  for (let i = 0, sum = 0; i < 256; i++) {
    next[i] = sum;
    sum += counts[i]!;
  }
  for (let i = 0; i < n; i++) {
    const b = tt[i]! & 0xff;
    tt[next[b]!++]! |= i << 8;
  }

  // Walk the chain, undoing RLE1 (4 equal bytes then a repeat count) and computing the CRC.
  let crc = 0xffffffff;
  let pos = tt[origPtr]! >>> 8;
  let last = -1;
  let same = 0;
  for (let k = 0; k < n; k++) {
    const entry = tt[pos]!;
    const b = entry & 0xff;
    pos = entry >>> 8;
    if (same === 4) {
      out.reserve(b);
      out.buf.fill(last, out.length, out.length + b);
      out.length += b;
      for (let r = 0; r < b; r++) crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ last) & 0xff]!;
      same = 0;
      continue;
    }
    out.reserve(1);
    out.buf[out.length++] = b;
    crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!;
    if (b === last) same++;
    else {
      last = b;
      same = 1;
    }
  }
  crc = ~crc >>> 0;
  if (crc !== storedCrc) throw corrupt(NAME, `block CRC mismatch: stored 0x${storedCrc.toString(16)}, computed 0x${crc.toString(16)}`);
  return crc;
}
