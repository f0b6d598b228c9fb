/**
 * Chunk bytes written into a reference set itself ("base64:..." entries): what a Zarr reader
 * cannot fetch from the file as stored. Unwritten chunks become explicit chunks of the HDF5 fill
 * value (so the Zarr fill_value can stay null and xarray invents no _FillValue mask), and
 * variable-length strings, whose elements live in the global heap, become numcodecs VLenUTF8
 * chunks. Core module: no Node built-ins.
 */

/** Most bytes one dataset may inline: references are JSON read whole by every client. */
export const INLINE_MAX_BYTES = 1 << 20;

export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The bytes of a base64 text (the part of an inlined reference after `base64:`). */
export function unbase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** HDF5's shuffle: byte k of every element, then byte k+1, ... (numcodecs' Shuffle is the same). */
function shuffle(raw: Uint8Array, elementSize: number): Uint8Array {
  const n = Math.floor(raw.length / elementSize);
  const out = raw.slice();
  for (let e = 0; e < n; e++) for (let b = 0; b < elementSize; b++) out[b * n + e] = raw[e * elementSize + b]!;
  return out;
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored (uncompressed) deflate blocks: valid input for any zlib decoder, no compressor needed. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 0xffff));
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // check bits: 0x7801 % 31 == 0
  let o = 2;
  for (let k = 0; k < blocks; k++) {
    const part = raw.subarray(k * 0xffff, (k + 1) * 0xffff);
    out[o] = k === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00 (stored)
    out[o + 1] = part.length & 0xff;
    out[o + 2] = part.length >> 8;
    out[o + 3] = ~part.length & 0xff;
    out[o + 4] = (~part.length >> 8) & 0xff;
    out.set(part, o + 5);
    o += 5 + part.length;
  }
  new DataView(out.buffer).setUint32(o, adler32(raw));
  return out;
}

/** Deflate's length symbols 257..284: base lengths and extra bits (RFC 1951, 3.2.5). */
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5];

/**
 * A zlib stream of one fixed-Huffman deflate block that codes runs of equal bytes as matches at
 * distance 1 (run-length coding): a fill chunk of any size shrinks to a few bytes per 258.
 */
function zlibRuns(raw: Uint8Array): Uint8Array {
  const out: number[] = [0x78, 0x01];
  let acc = 0;
  let nbits = 0;
  const bits = (v: number, n: number) => {
    acc |= v << nbits;
    nbits += n;
    while (nbits >= 8) {
      out.push(acc & 0xff);
      acc >>>= 8;
      nbits -= 8;
    }
  };
  // Huffman codes go most significant bit first.
  const code = (c: number, n: number) => {
    let r = 0;
    for (let i = 0; i < n; i++) r |= ((c >> i) & 1) << (n - 1 - i);
    bits(r, n);
  };
  const symbol = (s: number) => {
    if (s < 144) code(0x30 + s, 8);
    else if (s < 256) code(0x190 + s - 144, 9);
    else if (s < 280) code(s - 256, 7);
    else code(0xc0 + s - 280, 8);
  };
  const match = (len: number) => {
    if (len === 258) symbol(285);
    else {
      let k = LENGTH_BASE.length - 1;
      while (LENGTH_BASE[k]! > len) k--;
      symbol(257 + k);
      bits(len - LENGTH_BASE[k]!, LENGTH_EXTRA[k]!);
    }
    code(0, 5); // distance 1
  };
  bits(1, 1); // BFINAL
  bits(1, 2); // BTYPE 01: fixed Huffman codes
  for (let i = 0; i < raw.length; ) {
    const b = raw[i]!;
    let run = 1;
    while (i + run < raw.length && raw[i + run] === b) run++;
    symbol(b);
    let left = run - 1;
    while (left >= 3) {
      const len = Math.min(258, left === 259 || left === 260 ? left - 3 : left);
      match(len);
      left -= len;
    }
    for (; left > 0; left--) symbol(b);
    i += run;
  }
  symbol(256);
  if (nbits) out.push(acc & 0xff);
  const a = adler32(raw);
  out.push(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff);
  return Uint8Array.from(out);
}

/** A chunk's element bytes through the dataset's (shuffle, zlib) pipeline, as Zarr decodes it. */
export function encodeChunk(raw: Uint8Array, elementSize: number, pipeline: { shuffle: boolean; zlib: boolean }): Uint8Array {
  const shuffled = pipeline.shuffle ? shuffle(raw, elementSize) : raw;
  if (!pipeline.zlib) return shuffled;
  const runs = zlibRuns(shuffled);
  return runs.length < shuffled.length ? runs : zlibStored(shuffled);
}

/** One whole chunk of the fill value, through the dataset's (shuffle, zlib) pipeline. */
export function fillChunk(fill: Uint8Array, elements: number, pipeline: { shuffle: boolean; zlib: boolean }): Uint8Array {
  const raw = new Uint8Array(fill.length * elements);
  if (fill.some((b) => b !== 0)) for (let i = 0; i < elements; i++) raw.set(fill, i * fill.length);
  return encodeChunk(raw, fill.length, pipeline);
}

/**
 * The bytes of a block of `part` elements (row-major) placed at the start of each dimension of a
 * whole chunk of `whole` elements, the rest zero: Zarr's edge chunks are always whole.
 */
export function wholeChunk(block: Uint8Array, part: number[], whole: number[], elementSize: number): Uint8Array {
  if (part.every((n, d) => n === whole[d])) return block;
  const out = new Uint8Array(whole.reduce((a, b) => a * b, elementSize));
  const rows = part.length ? part.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
  const rowBytes = (part.length ? part[part.length - 1]! : 1) * elementSize;
  const at = part.map(() => 0);
  for (let r = 0; r < rows; r++) {
    let o = 0;
    for (let d = 0; d < whole.length; d++) o = o * whole[d]! + (d === whole.length - 1 ? 0 : at[d]!);
    out.set(block.subarray(r * rowBytes, (r + 1) * rowBytes), o * elementSize);
    for (let d = part.length - 2; d >= 0 && ++at[d]! === part[d]; d--) at[d] = 0;
  }
  return out;
}

/** numcodecs VLenUTF8: item count, then each item's byte length and UTF-8 bytes (all little-endian uint32). */
export function vlenUtf8Chunk(items: ArrayLike<string | null>): Uint8Array {
  const enc = new TextEncoder();
  return vlenChunk(Array.from(items, (s) => enc.encode(s ?? '')));
}

/** numcodecs' VLen layout (VLenUTF8, VLenBytes, VLenArray): item count, then each item's byte length and bytes. */
export function vlenChunk(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(4 + parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length, true);
  let o = 4;
  for (const p of parts) {
    view.setUint32(o, p.length, true);
    out.set(p, o + 4);
    o += 4 + p.length;
  }
  return out;
}
