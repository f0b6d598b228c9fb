import type { FilterDecoder } from './registry.js';
import { cdValue, corrupt } from './fail.js';

/**
 * Undoes a byte shuffle: the input holds byte 0 of every element, then byte 1 of every element,
 * and so on; bytes past the last whole element (length % size) were left in place at the end.
 * Shared by the HDF5 shuffle filter and Blosc's byte shuffle, which use the same layout.
 */
export function unshuffle(input: Uint8Array, size: number, out = new Uint8Array(input.length), outOffset = 0): Uint8Array {
  const n = Math.floor(input.length / size);
  if (size <= 1 || n <= 1) {
    out.set(input, outOffset);
    return out;
  }
  if (size === 4) {
    const b1 = n, b2 = 2 * n, b3 = 3 * n;
    for (let i = 0, o = outOffset; i < n; i++, o += 4) {
      out[o] = input[i]!;
      out[o + 1] = input[b1 + i]!;
      out[o + 2] = input[b2 + i]!;
      out[o + 3] = input[b3 + i]!;
    }
  } else {
    for (let j = 0; j < size; j++) {
      const row = j * n;
      for (let i = 0, o = outOffset + j; i < n; i++, o += size) out[o] = input[row + i]!;
    }
  }
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
