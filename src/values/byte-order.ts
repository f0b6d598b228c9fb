/**
 * Byte order helpers: HDF5 records each atomic type's byte order; typed arrays use the host's.
 */
import { H5Error } from '../errors.js';
import type { TypedArray } from './column.js';

/** True on every mainstream host; checked once instead of assumed. */
export const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A copy of `count` elements of `size` bytes with each element's bytes reversed. */
export function swapped(src: Uint8Array, count: number, size: number): Uint8Array {
  const out = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    for (let j = 0; j < size; j++) out[at + j] = src[at + size - 1 - j]!;
  }
  return out;
}

/**
 * VAX order (HDF5 byte order bits 0 and 6): 16-bit words stored most significant first, each word
 * little-endian. Reversing the words of each element gives plain little-endian bytes.
 */
export function vaxToLittleEndian(src: Uint8Array, count: number, size: number): Uint8Array {
  if (size % 2 !== 0) throw new H5Error('Corrupt', `a VAX-ordered value of ${size} bytes is not whole 16-bit words`);
  const out = new Uint8Array(count * size);
  const words = size / 2;
  for (let i = 0; i < count; i++) {
    const at = i * size;
    for (let w = 0; w < words; w++) {
      const from = at + (words - 1 - w) * 2;
      out[at + w * 2] = src[from]!;
      out[at + w * 2 + 1] = src[from + 1]!;
    }
  }
  return out;
}

/** The elements' bytes in little-endian order (the input itself when it already is). */
export function littleEndianBytes(src: Uint8Array, count: number, size: number, order: '<' | '>' | 'vax'): Uint8Array {
  const n = src.subarray(0, count * size);
  if (order === '<' || size === 1) return n;
  if (order === '>') return swapped(n, count, size);
  return vaxToLittleEndian(n, count, size);
}

type Ctor<T extends TypedArray> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

/**
 * `count` elements as a native-order typed array. Input already in native order becomes a view
 * (zero-copy, sharing memory with `src`) when aligned, else an aligned copy; other input is swapped.
 */
export function nativeArray<T extends TypedArray>(src: Uint8Array, count: number, order: '<' | '>', C: Ctor<T>): T {
  const size = C.BYTES_PER_ELEMENT;
  const n = src.subarray(0, count * size);
  const native = size === 1 || (order === '<') === NATIVE_LITTLE_ENDIAN;
  if (!native) return new C(swapped(n, count, size).buffer, 0, count);
  if (n.byteOffset % size === 0) return new C(n.buffer, n.byteOffset, count);
  return new C(n.slice().buffer, 0, count);
}
