import type { FilterDecoder } from './registry.js';
import { cdValue, corrupt } from './fail.js';

/**
 * Undoes a byte shuffle for `count` elements from element `first`: `src` holds byte b of element
 * i at b * n + i (n elements in all); the elements land back to back from byte `outOffset` of
 * `out`. Serves whole chunks (unshuffle) and the few selected elements of one (read-plan's
 * copyElements, which undoes a dataset's shuffle while copying into the output).
 */
export function unshuffleElements(src: Uint8Array, n: number, first: number, count: number, size: number, out: Uint8Array, outOffset: number): void {
  let o = outOffset;
  if (LITTLE_ENDIAN && (size === 4 || size === 8) && (out.byteOffset + outOffset) % 4 === 0 && count >= WORD_COPY_MIN) {
    unshuffleWords(src, n, first, count, size, out, outOffset);
  } else if (size === 4) {
    const p1 = n + first, p2 = 2 * n + first, p3 = 3 * n + first;
    for (let i = 0; i < count; i++, o += 4) {
      out[o] = src[first + i]!;
      out[o + 1] = src[p1 + i]!;
      out[o + 2] = src[p2 + i]!;
      out[o + 3] = src[p3 + i]!;
    }
  } else if (size === 8) {
    for (let i = 0, k = first; i < count; i++, k++, o += 8) {
      out[o] = src[k]!;
      out[o + 1] = src[n + k]!;
      out[o + 2] = src[2 * n + k]!;
      out[o + 3] = src[3 * n + k]!;
      out[o + 4] = src[4 * n + k]!;
      out[o + 5] = src[5 * n + k]!;
      out[o + 6] = src[6 * n + k]!;
      out[o + 7] = src[7 * n + k]!;
    }
  } else {
    for (let b = 0; b < size; b++) {
      const row = b * n + first;
      for (let i = 0, q = o + b; i < count; i++, q += size) out[q] = src[row + i]!;
    }
  }
}

/** Whether this machine stores a 32-bit word's low byte first (every platform coh5 runs on, but checked). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Below this many elements the typed-array view costs more than the byte stores it saves. */
const WORD_COPY_MIN = 64;

/**
 * unshuffleElements for 4- and 8-byte elements on a little-endian machine, into a 4-byte-aligned
 * place: each element's bytes are gathered into 32-bit words and stored a word at a time, a
 * quarter of the stores of the byte loop (the full-read path spends most of its JS time here).
 */
function unshuffleWords(src: Uint8Array, n: number, first: number, count: number, size: number, out: Uint8Array, outOffset: number): void {
  const words = new Uint32Array(out.buffer, out.byteOffset + outOffset, (count * size) / 4);
  if (size === 4) {
    const p1 = n + first, p2 = 2 * n + first, p3 = 3 * n + first;
    for (let i = 0; i < count; i++) {
      words[i] = src[first + i]! | (src[p1 + i]! << 8) | (src[p2 + i]! << 16) | (src[p3 + i]! << 24);
    }
    return;
  }
  const p1 = n + first, p2 = 2 * n + first, p3 = 3 * n + first, p4 = 4 * n + first, p5 = 5 * n + first, p6 = 6 * n + first, p7 = 7 * n + first;
  for (let i = 0, w = 0; i < count; i++, w += 2) {
    words[w] = src[first + i]! | (src[p1 + i]! << 8) | (src[p2 + i]! << 16) | (src[p3 + i]! << 24);
    words[w + 1] = src[p4 + i]! | (src[p5 + i]! << 8) | (src[p6 + i]! << 16) | (src[p7 + i]! << 24);
  }
}

/**
 * Undoes a byte shuffle: the input holds byte 0 of every element, then byte 1 of every element,
 * and so on; bytes past the last whole element (length % size) were left in place at the end.
 * Shared by the HDF5 shuffle filter and Blosc's byte shuffle, which use the same layout.
 */
export function unshuffle(input: Uint8Array, size: number, out: Uint8Array = new Uint8Array(input.length), outOffset = 0): Uint8Array {
  const n = Math.floor(input.length / size);
  if (size <= 1 || n <= 1) {
    out.set(input, outOffset);
    return out;
  }
  unshuffleElements(input, n, 0, n, size, out, outOffset);
  const whole = n * size;
  if (whole < input.length) out.set(input.subarray(whole), outOffset + whole);
  return out;
}

/** Filter 2, shuffle: cd_values[0] is the element size the writer shuffled by (set_local). */
export const decode: FilterDecoder = (input, spec) => {
  const size = cdValue('shuffle', spec.clientData, 0, 'the element size');
  if (size === 0) throw corrupt('shuffle', 'element size 0 in the client data');
  return unshuffle(input, size);
};
