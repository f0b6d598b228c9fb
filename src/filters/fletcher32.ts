import type { FilterDecoder } from './registry.js';
import { corrupt } from './fail.js';

/**
 * HDF5's Fletcher-32 (H5_checksum_fletcher32): 16-bit words taken big-endian (data[0] << 8 |
 * data[1]) whatever the machine, sums starting at 0 (not 0xffff), folded every 360 words, and an
 * odd trailing byte counted as a word's high byte.
 */
export function fletcher32(data: Uint8Array): number {
  let sum1 = 0;
  let sum2 = 0;
  let words = data.length >>> 1;
  let p = 0;
  while (words > 0) {
    let block = words > 360 ? 360 : words;
    words -= block;
    do {
      sum1 += (data[p]! << 8) | data[p + 1]!;
      p += 2;
      sum2 = (sum2 + sum1) >>> 0; // uint32_t arithmetic, as in the C code
    } while (--block);
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (data.length % 2) {
    sum1 += data[p]! << 8;
    sum2 = (sum2 + sum1) >>> 0;
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
}

/**
 * Filter 3, fletcher32: the checksum of the data is appended as a little-endian uint32.
 * HDF5 before 1.6.3 computed it with the bytes of each 16-bit half swapped on little-endian
 * machines; the library still accepts that "reversed" value, and so do we.
 */
export const decode: FilterDecoder = (input) => {
  if (input.length < 4) throw corrupt('fletcher32', `a ${input.length}-byte chunk cannot hold the 4-byte checksum`);
  const n = input.length - 4;
  const stored = (input[n]! | (input[n + 1]! << 8) | (input[n + 2]! << 16) | (input[n + 3]! << 24)) >>> 0;
  const sum = fletcher32(input.subarray(0, n));
  const reversed = (((sum & 0x00ff00ff) << 8) | ((sum >>> 8) & 0x00ff00ff)) >>> 0;
  if (stored !== sum && stored !== reversed) {
    throw corrupt('fletcher32', `checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${sum.toString(16)}`);
  }
  return input.subarray(0, n);
};
