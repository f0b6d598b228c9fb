/**
 * Floating-point values. IEEE single and double map onto Float32Array/Float64Array; IEEE half
 * widens to Float32Array; every other layout HDF5 can describe (VAX order, x87 80-bit extended,
 * custom sign/exponent/mantissa positions, biases and normalizations) goes through one generic
 * bit-field conversion to Float64Array.
 */
import { H5Error } from '../errors.js';
import type { Datatype } from '../format/types.js';
import { bit, bitsBigInt, bitsNumber } from './bits.js';
import { littleEndianBytes, nativeArray } from './byte-order.js';

export type FloatDatatype = Extract<Datatype, { class: 'float' }>;

/** True when `t` is exactly the IEEE 754 binary format of `size` bytes. */
function isIeee(t: FloatDatatype, size: number, exponentSize: number, bias: number): boolean {
  const bits = size * 8;
  const m = bits - 1 - exponentSize;
  return (
    t.size === size &&
    t.order !== 'vax' &&
    t.bitOffset === 0 &&
    t.precision === bits &&
    t.signLocation === bits - 1 &&
    t.exponentLocation === m &&
    t.exponentSize === exponentSize &&
    t.mantissaLocation === 0 &&
    t.mantissaSize === m &&
    t.exponentBias === bias &&
    t.mantissaNormalization === 2
  );
}

export function isIeeeSingle(t: FloatDatatype): boolean {
  return isIeee(t, 4, 8, 127);
}
export function isIeeeDouble(t: FloatDatatype): boolean {
  return isIeee(t, 8, 11, 1023);
}
export function isIeeeHalf(t: FloatDatatype): boolean {
  return isIeee(t, 2, 5, 15);
}

/** `count` floats from `bytes` (which must hold count * size bytes). */
export function decodeFloats(bytes: Uint8Array, count: number, t: FloatDatatype): Float32Array | Float64Array {
  if (t.order !== 'vax') {
    if (isIeeeDouble(t)) return nativeArray(bytes, count, t.order, Float64Array);
    if (isIeeeSingle(t)) return nativeArray(bytes, count, t.order, Float32Array);
    if (isIeeeHalf(t)) return decodeHalf(littleEndianBytes(bytes, count, 2, t.order), count);
  }
  return decodeFloatBits(bytes, count, t);
}

/** IEEE binary16 widened to float32 (exact: every half value is a float32 value). */
function decodeHalf(le: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const h = le[2 * i]! | (le[2 * i + 1]! << 8);
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (m + 1024) * 2 ** (e - 25);
    out[i] = h & 0x8000 ? -v : v;
  }
  return out;
}

function checkLayout(t: FloatDatatype): void {
  const bits = t.size * 8;
  const inside = (pos: number, n: number) => pos >= 0 && n >= 0 && pos + n <= bits;
  if (
    !inside(t.signLocation, 1) ||
    !inside(t.exponentLocation, t.exponentSize) ||
    !inside(t.mantissaLocation, t.mantissaSize) ||
    t.exponentSize < 1 ||
    t.exponentSize > 32 ||
    t.mantissaSize < 1
  ) {
    throw new H5Error(
      'Corrupt',
      `float type of ${t.size} bytes with sign at bit ${t.signLocation}, exponent ${t.exponentSize} bits at ${t.exponentLocation}, ` +
        `mantissa ${t.mantissaSize} bits at ${t.mantissaLocation}`,
    );
  }
  if (t.mantissaNormalization < 0 || t.mantissaNormalization > 2) {
    throw new H5Error('Corrupt', `float type with unknown mantissa normalization ${t.mantissaNormalization}`);
  }
}

/**
 * The generic conversion: value = mantissa * 2^(exponent - bias) with
 *  - normalization 2 (implied msb, IEEE): (1 + m / 2^M), and exponent 0 meaning a subnormal 2^(1 - bias);
 *  - normalization 1 (msb stored and set, e.g. x87) and 0 (not normalized): m / 2^(M-1),
 *    with exponent 0 read as 1 - bias for normalization 1 (x87 denormals).
 * An all-ones exponent is Infinity (zero fraction) or NaN, except in VAX order, which has neither.
 */
export function decodeFloatBits(bytes: Uint8Array, count: number, t: FloatDatatype): Float64Array {
  checkLayout(t);
  const size = t.size;
  const le = littleEndianBytes(bytes, count, size, t.order);
  const out = new Float64Array(count);
  const M = t.mantissaSize;
  const E = t.exponentSize;
  const eMax = 2 ** E - 1;
  const norm = t.mantissaNormalization;
  const wide = M > 52;
  const specials = t.order !== 'vax';
  // A stored leading bit (normalization 0 or 1) is not part of the Inf/NaN fraction: libhdf5 writes
  // the x87 long double as normalization 0 (none) and reads its exponent-all-ones, leading-bit-only
  // pattern as an infinity (H5T__conv_f_f's "Intel-Linux long double" case).
  const fractionBits = norm === 2 ? M : M - 1;
  for (let i = 0; i < count; i++) {
    const base = i * size;
    const negative = bit(le, base, t.signLocation) === 1;
    const e = bitsNumber(le, base, t.exponentLocation, E);
    let v: number;
    if (specials && e === eMax) {
      const fractionZero = wide
        ? bitsBigInt(le, base, t.mantissaLocation, fractionBits) === 0n
        : bitsNumber(le, base, t.mantissaLocation, fractionBits) === 0;
      v = fractionZero ? Infinity : NaN;
    } else {
      let x: number;
      let k: number;
      if (norm === 2) {
        const m = wide ? bitsBigInt(le, base, t.mantissaLocation, M) : bitsNumber(le, base, t.mantissaLocation, M);
        if (e === 0) {
          x = Number(m);
          k = 1 - t.exponentBias - M;
        } else {
          // 2^M + m rounds once to the nearest double when M > 52.
          x = typeof m === 'bigint' ? Number((1n << BigInt(M)) + m) : 2 ** M + m;
          k = e - t.exponentBias - M;
        }
      } else {
        x = wide ? Number(bitsBigInt(le, base, t.mantissaLocation, M)) : bitsNumber(le, base, t.mantissaLocation, M);
        k = (e === 0 && norm === 1 ? 1 : e) - t.exponentBias - (M - 1);
      }
      v = ldexp(x, k);
    }
    out[i] = negative ? -v : v;
  }
  return out;
}

const view = new DataView(new ArrayBuffer(8));

/**
 * x * 2^k with a single rounding: x is split into a [1, 2) fraction and a binary exponent, so the
 * one multiplication by a power of two that remains rounds (or overflows/underflows) exactly once.
 */
export function ldexp(x: number, k: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  if (x < 0) return -ldexp(-x, k);
  view.setFloat64(0, x);
  let hi = view.getUint32(0);
  let e = (hi >>> 20) & 0x7ff;
  if (e === 0) {
    // x is subnormal: scale it into the normal range first (exact).
    view.setFloat64(0, x * 2 ** 64);
    hi = view.getUint32(0);
    e = ((hi >>> 20) & 0x7ff) - 64;
  }
  const exp = e - 1023;
  view.setUint32(0, (hi & 0x800fffff) | (1023 << 20));
  const frac = view.getFloat64(0); // in [1, 2)
  const n = exp + k;
  if (n > 1023) return Infinity;
  if (n >= -1074) return frac * 2 ** n;
  // Below the smallest subnormal: rounds to 2^-1074 only when above half of it.
  if (n === -1075) return frac > 1 ? 2 ** -1074 : 0;
  return 0;
}
