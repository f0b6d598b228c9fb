/**
 * Integers, bitfields and time values. Whole 1/2/4/8-byte values map straight onto typed
 * arrays; anything else (a bit offset, a reduced precision, an odd size) goes through a bit-field
 * extraction that shifts, masks and sign-extends as the HDF5 library's integer conversion does.
 */
import { H5Error } from '../errors.js';
import { bitsBigInt, bitsNumber } from './bits.js';
import { littleEndianBytes, nativeArray } from './byte-order.js';
import type { TypedArray } from './column.js';

export interface IntegerLayout {
  size: number;
  order: '<' | '>';
  signed: boolean;
  bitOffset: number;
  precision: number;
}

/**
 * The typed array an integer of `size` bytes decodes to: the same width for 1, 2, 4 and 8 bytes,
 * else the next wider one; 5-6 byte integers (at most 48 bits) become exact float64 numbers,
 * wider ones bigint (64-bit) arrays.
 */
export function integerArrayKind(size: number, signed: boolean): string {
  if (size <= 1) return signed ? 'Int8Array' : 'Uint8Array';
  if (size <= 2) return signed ? 'Int16Array' : 'Uint16Array';
  if (size <= 4) return signed ? 'Int32Array' : 'Uint32Array';
  if (size <= 6) return 'Float64Array';
  return signed ? 'BigInt64Array' : 'BigUint64Array';
}

function allocate(kind: string, count: number): TypedArray {
  switch (kind) {
    case 'Int8Array': return new Int8Array(count);
    case 'Uint8Array': return new Uint8Array(count);
    case 'Int16Array': return new Int16Array(count);
    case 'Uint16Array': return new Uint16Array(count);
    case 'Int32Array': return new Int32Array(count);
    case 'Uint32Array': return new Uint32Array(count);
    case 'Float64Array': return new Float64Array(count);
    case 'BigInt64Array': return new BigInt64Array(count);
    default: return new BigUint64Array(count);
  }
}

/** `count` integers from `bytes` (which must hold count * size bytes). */
export function decodeIntegers(bytes: Uint8Array, count: number, t: IntegerLayout): TypedArray {
  const { size, signed, order } = t;
  if (t.precision < 1 || t.bitOffset < 0 || t.bitOffset + t.precision > size * 8) {
    throw new H5Error('Corrupt', `integer type with bit offset ${t.bitOffset} and precision ${t.precision} does not fit in ${size} bytes`);
  }
  if (t.bitOffset === 0 && t.precision === size * 8) {
    switch (size) {
      case 1: return signed ? nativeArray(bytes, count, order, Int8Array) : nativeArray(bytes, count, order, Uint8Array);
      case 2: return signed ? nativeArray(bytes, count, order, Int16Array) : nativeArray(bytes, count, order, Uint16Array);
      case 4: return signed ? nativeArray(bytes, count, order, Int32Array) : nativeArray(bytes, count, order, Uint32Array);
      case 8: return signed ? nativeArray(bytes, count, order, BigInt64Array) : nativeArray(bytes, count, order, BigUint64Array);
    }
  }
  return decodeIntegerBits(bytes, count, t);
}

/** The general path: extract bits [bitOffset, bitOffset + precision) of each element and sign-extend. */
function decodeIntegerBits(bytes: Uint8Array, count: number, t: IntegerLayout): TypedArray {
  const { size, signed, bitOffset: off, precision: p } = t;
  const le = littleEndianBytes(bytes, count, size, t.order);
  const out = allocate(integerArrayKind(size, signed), count);
  if (p <= 53 && !(out instanceof BigInt64Array || out instanceof BigUint64Array)) {
    const half = 2 ** (p - 1);
    const full = 2 ** p;
    for (let i = 0; i < count; i++) {
      let v = bitsNumber(le, i * size, off, p);
      if (signed && v >= half) v -= full;
      (out as Exclude<TypedArray, BigInt64Array | BigUint64Array>)[i] = v;
    }
    return out;
  }
  const big = out as BigInt64Array | BigUint64Array;
  const bp = BigInt(p);
  for (let i = 0; i < count; i++) {
    let v = bitsBigInt(le, i * size, off, p);
    if (signed) v = BigInt.asIntN(p, v);
    // A value beyond 64 bits (only possible for >8-byte integers) must not be silently wrapped.
    const fits = signed ? BigInt.asIntN(64, v) === v : BigInt.asUintN(64, v) === v;
    if (!fits) {
      throw new H5Error('Unsupported', `a ${size}-byte integer value (${v}) does not fit in 64 bits (precision ${bp})`);
    }
    big[i] = v;
  }
  return out;
}
