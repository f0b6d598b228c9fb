/**
 * Numeric decoding in isolation: the generic float conversion against the IEEE fast paths (every
 * half-float bit pattern, random and edge single/double patterns, both byte orders), x87 extended,
 * VAX order, reduced-precision layouts, ldexp rounding; integer byte swapping, bit offsets,
 * sign extension and odd sizes; string padding rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../src/drivers/memory.js';
import type { FormatContext } from '../src/format/context.js';
import { DEFAULT_LIMITS } from '../src/format/limits.js';
import type { Datatype } from '../src/format/types.js';
import { undecodableBytes } from '../src/values/column.js';
import { decodeValues } from '../src/values/decode.js';
import { decodeFloatBits, decodeFloats, ldexp, type FloatDatatype } from '../src/values/floats.js';
import { decodeIntegers } from '../src/values/integers.js';
import { decodeFixedStrings } from '../src/values/strings.js';

const ctx: FormatContext = {
  source: new MemorySource(new Uint8Array(0)),
  baseAddress: 0,
  sizeOfOffsets: 8,
  sizeOfLengths: 8,
  limits: DEFAULT_LIMITS,
  parsed: new Map(),
};

function ieee(size: 2 | 4 | 8, order: '<' | '>' = '<'): FloatDatatype {
  const [E, M, bias] = size === 2 ? [5, 10, 15] : size === 4 ? [8, 23, 127] : [11, 52, 1023];
  return {
    class: 'float',
    size,
    order,
    bitOffset: 0,
    precision: size * 8,
    signLocation: size * 8 - 1,
    exponentLocation: M,
    exponentSize: E,
    mantissaLocation: 0,
    mantissaSize: M,
    exponentBias: bias,
    mantissaNormalization: 2,
    padding: 0,
  };
}

const X87: FloatDatatype = {
  class: 'float',
  size: 16,
  order: '<',
  bitOffset: 0,
  precision: 80,
  signLocation: 79,
  exponentLocation: 64,
  exponentSize: 15,
  mantissaLocation: 0,
  mantissaSize: 64,
  exponentBias: 16383,
  mantissaNormalization: 1,
  padding: 0,
};

/** Same numbers, NaN equal to NaN, -0 distinct from 0. */
function sameFloats(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) throw new Error(`element ${i}: ${a[i]} !== ${b[i]}`);
  }
}

/** x87 80-bit extended in 16 little-endian bytes. */
function x87(sign: number, exp: number, mantissa: bigint): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) b[i] = Number((mantissa >> BigInt(8 * i)) & 0xffn);
  const se = (sign << 15) | exp;
  b[8] = se & 0xff;
  b[9] = se >> 8;
  return b;
}

describe('floats: generic conversion vs IEEE fast paths', () => {
  it('every half-float bit pattern, both byte orders', () => {
    const le = new Uint8Array(65536 * 2);
    for (let h = 0; h < 65536; h++) {
      le[2 * h] = h & 0xff;
      le[2 * h + 1] = h >> 8;
    }
    const fast = decodeFloats(le, 65536, ieee(2));
    expect(fast).toBeInstanceOf(Float32Array);
    sameFloats(fast, decodeFloatBits(le, 65536, ieee(2)));
    const be = new Uint8Array(le.length);
    for (let i = 0; i < le.length; i += 2) [be[i], be[i + 1]] = [le[i + 1]!, le[i]!];
    sameFloats(decodeFloats(be, 65536, ieee(2, '>')), fast);
    // Spot values: smallest subnormal, largest subnormal, smallest normal, max, infinities, NaN.
    expect(fast[0x0001]).toBe(2 ** -24);
    expect(fast[0x03ff]).toBe(1023 * 2 ** -24);
    expect(fast[0x0400]).toBe(2 ** -14);
    expect(fast[0x3c00]).toBe(1);
    expect(fast[0x7bff]).toBe(65504);
    expect(fast[0xfbff]).toBe(-65504);
    expect(fast[0x7c00]).toBe(Infinity);
    expect(fast[0xfc00]).toBe(-Infinity);
    expect(fast[0x7e00]).toBeNaN();
    expect(Object.is(fast[0x8000], -0)).toBe(true);
  });

  it('random and edge single/double bit patterns agree bit for bit, both byte orders', () => {
    const edges32 = [0, 0x80000000, 1, 0x007fffff, 0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x3f800000];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 64 }), (words) => {
        const all = [...edges32, ...words];
        const le = new Uint8Array(all.length * 4);
        const be = new Uint8Array(all.length * 4);
        const dl = new DataView(le.buffer);
        const db = new DataView(be.buffer);
        all.forEach((w, i) => {
          dl.setUint32(i * 4, w, true);
          db.setUint32(i * 4, w, false);
        });
        const fast = decodeFloats(le, all.length, ieee(4));
        expect(fast).toBeInstanceOf(Float32Array);
        sameFloats(Array.from(fast), Array.from(decodeFloatBits(le, all.length, ieee(4))));
        sameFloats(decodeFloats(be, all.length, ieee(4, '>')), fast);
      }),
    );
    const edges64 = [0n, 1n << 63n, 1n, 0x000fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn, 0x7ff0000000000000n, 0xfff8000000000000n, 0x3ff0000000000000n];
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 1, maxLength: 64 }), (words) => {
        const all = [...edges64, ...words];
        const le = new Uint8Array(all.length * 8);
        const be = new Uint8Array(all.length * 8);
        const dl = new DataView(le.buffer);
        const db = new DataView(be.buffer);
        all.forEach((w, i) => {
          dl.setBigUint64(i * 8, w, true);
          db.setBigUint64(i * 8, w, false);
        });
        const fast = decodeFloats(le, all.length, ieee(8));
        expect(fast).toBeInstanceOf(Float64Array);
        sameFloats(fast, decodeFloatBits(le, all.length, ieee(8)));
        sameFloats(decodeFloats(be, all.length, ieee(8, '>')), fast);
        sameFloats(decodeFloatBits(be, all.length, ieee(8, '>')), fast);
      }),
    );
  });

  it('double subnormals and the extremes go through the generic path exactly', () => {
    const vals = [5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308, -1e-310];
    const le = new Uint8Array(new Float64Array(vals).buffer);
    sameFloats(decodeFloatBits(le, vals.length, ieee(8)), vals);
  });
});

describe('floats: non-IEEE layouts', () => {
  it('x87 80-bit extended (explicit leading bit) rounds to the nearest double', () => {
    const cases: Array<[Uint8Array, number]> = [
      [x87(0, 16383, 1n << 63n), 1],
      [x87(0, 16384, 1n << 63n), 2],
      [x87(1, 16384, 0xe000000000000000n), -3.5],
      // 1/3 with a 64-bit mantissa: rounds to the double nearest 1/3.
      [x87(0, 16381, 0xaaaaaaaaaaaaaaabn), 1 / 3],
      [x87(0, 0, 0n), 0],
      [x87(0, 32767, 1n << 63n), Infinity],
      [x87(1, 32767, 1n << 63n), -Infinity],
      [x87(0, 16383 + 2000, 1n << 63n), Infinity], // beyond double range
      [x87(0, 16383 - 2000, 1n << 63n), 0], // below double range
      [x87(0, 16383 - 1074, 1n << 63n), 5e-324], // smallest double subnormal
      [x87(0, 16383 - 1075, 0xc000000000000000n), 5e-324], // 1.5 x 2^-1075 rounds up
      [x87(0, 16383 - 1075, 1n << 63n), 0], // exactly half the smallest subnormal: ties to even
    ];
    const bytes = new Uint8Array(cases.length * 16);
    cases.forEach(([b], i) => bytes.set(b, i * 16));
    const out = decodeFloats(bytes, cases.length, X87);
    expect(out).toBeInstanceOf(Float64Array);
    sameFloats(out, cases.map(([, v]) => v));
    const nan = decodeFloats(x87(0, 32767, 0xc000000000000000n), 1, X87);
    expect(nan[0]).toBeNaN();
  });

  it('x87 as libhdf5 describes it (normalization none): the leading-bit-only mantissa with an all-ones exponent is ±Inf', () => {
    const none: FloatDatatype = { ...X87, mantissaNormalization: 0 };
    const bytes = new Uint8Array(5 * 16);
    [x87(0, 32767, 1n << 63n), x87(1, 32767, 1n << 63n), x87(0, 32767, 0xc000000000000000n), x87(0, 32767, (1n << 63n) | 1n), x87(1, 16384, 0xe000000000000000n)].forEach((b, i) => bytes.set(b, i * 16));
    sameFloats(decodeFloats(bytes, 5, none), [Infinity, -Infinity, NaN, NaN, -3.5]);
  });

  it('VAX order with a 1025 bias is the IEEE value (words reversed, exponent + 2)', () => {
    const vax: FloatDatatype = { ...ieee(8), order: 'vax', exponentBias: 1025 };
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), (v) => {
        fc.pre(v === 0 || Math.abs(v) > 1e-300);
        const dv = new DataView(new ArrayBuffer(8));
        dv.setFloat64(0, v, true);
        let bits = dv.getBigUint64(0, true);
        if (v !== 0) bits += 2n << 52n; // same value, bias 1025
        const le = new Uint8Array(8);
        new DataView(le.buffer).setBigUint64(0, bits, true);
        // VAX: the four 16-bit words most significant first, each word little-endian.
        const stored = new Uint8Array([le[6]!, le[7]!, le[4]!, le[5]!, le[2]!, le[3]!, le[0]!, le[1]!]);
        expect(decodeFloats(stored, 1, vax)[0]).toBe(v);
      }),
    );
    // tvms.h5's 1.0 and 4.0, as stored.
    const stored = new Uint8Array([0x10, 0x40, 0, 0, 0, 0, 0, 0, 0x30, 0x40, 0, 0, 0, 0, 0, 0]);
    sameFloats(decodeFloats(stored, 2, vax), [1, 4]);
  });

  it('a reduced-precision float with a bit offset (n-bit filter output, 20 bits at offset 7)', () => {
    const t: FloatDatatype = {
      ...ieee(4),
      bitOffset: 7,
      precision: 20,
      signLocation: 26,
      exponentLocation: 20,
      exponentSize: 6,
      mantissaLocation: 7,
      mantissaSize: 13,
      exponentBias: 31,
    };
    const encode = (sign: number, e: number, m: number) => (sign << 26) | (e << 20) | (m << 7) | 0x55; // junk in the padding bits
    const words = [encode(0, 31, 0), encode(1, 32, 1 << 12), encode(0, 29, 0xaab), encode(0, 63, 0), encode(0, 0, 1)];
    const bytes = new Uint8Array(new Uint32Array(words).buffer);
    sameFloats(decodeFloats(bytes, words.length, t), [1, -3, 0.333343505859375, Infinity, 2 ** (1 - 31 - 13)]);
  });

  it('rejects a layout whose fields do not fit the element', () => {
    expect(() => decodeFloats(new Uint8Array(4), 1, { ...ieee(4), mantissaSize: 40 })).toThrow(/mantissa/);
  });

  it('ldexp rounds once', () => {
    expect(ldexp(1, -1074)).toBe(5e-324);
    expect(ldexp(1.5, -1075)).toBe(5e-324);
    expect(ldexp(1, -1075)).toBe(0);
    expect(ldexp(3, -1075)).toBe(2 * 5e-324); // 1.5 * 2^-1074 ties to even (2)
    expect(ldexp(1, 1024)).toBe(Infinity);
    expect(ldexp(2 ** 64, -64)).toBe(1);
    expect(ldexp(-5e-324, 1074)).toBe(-1);
  });
});

/** Elements of a typed array of either numbers or bigints. */
const list = (x: unknown) => Array.from(x as ArrayLike<number | bigint>);

describe('integers', () => {
  it('swaps big-endian values and views aligned little-endian ones without copying', () => {
    const buf = new Uint8Array([0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    const le = decodeIntegers(buf.subarray(1, 9), 2, { size: 4, order: '<', signed: false, bitOffset: 0, precision: 32 });
    expect(list(le)).toEqual([0x78563412, 0xf0debc9a]);
    // Unaligned (byteOffset 1): a copy.
    expect(le.buffer).not.toBe(buf.buffer);
    const aligned = new Uint8Array(16);
    aligned.set(buf.subarray(1, 9));
    const view = decodeIntegers(aligned, 2, { size: 4, order: '<', signed: false, bitOffset: 0, precision: 32 });
    expect(view.buffer).toBe(aligned.buffer);
    expect(list(decodeIntegers(buf.subarray(1, 9), 2, { size: 4, order: '>', signed: false, bitOffset: 0, precision: 32 }))).toEqual([
      0x12345678, 0x9abcdef0,
    ]);
    expect(list(decodeIntegers(buf.subarray(1, 3), 1, { size: 2, order: '>', signed: true, bitOffset: 0, precision: 16 }))).toEqual([0x1234]);
    const i8 = decodeIntegers(buf.subarray(1, 17), 2, { size: 8, order: '>', signed: true, bitOffset: 0, precision: 64 });
    expect(i8).toBeInstanceOf(BigInt64Array);
    expect(list(i8)).toEqual([0x123456789abcdef0n, 0x1122334455667788n]);
    const u8 = decodeIntegers(new Uint8Array(8).fill(0xff), 1, { size: 8, order: '<', signed: false, bitOffset: 0, precision: 64 });
    expect(u8[0]).toBe(2n ** 64n - 1n);
  });

  it('extracts a bit offset and precision and sign-extends', () => {
    // 12 bits at offset 4 in a 4-byte LE integer, as the n-bit test file stores -1000..999.
    const vals = [-1000, -1, 0, 999, 2047, -2048];
    const bytes = new Uint8Array(vals.length * 4);
    const dv = new DataView(bytes.buffer);
    vals.forEach((v, i) => dv.setUint32(i * 4, (((v & 0xfff) << 4) | 0xf | 0xabc00000) >>> 0, true)); // junk outside the field
    const out = decodeIntegers(bytes, vals.length, { size: 4, order: '<', signed: true, bitOffset: 4, precision: 12 });
    expect(out).toBeInstanceOf(Int32Array);
    expect(list(out)).toEqual(vals);
    const u = decodeIntegers(new Uint8Array([0b11100, 0b11111111, 0b00000011]), 3, { size: 1, order: '<', signed: false, bitOffset: 2, precision: 3 });
    expect(u).toBeInstanceOf(Uint8Array);
    expect(list(u)).toEqual([7, 7, 0]);
    // 10 bits of a big-endian u2.
    const be = decodeIntegers(new Uint8Array([0xff, 0xff, 0x01, 0x02]), 2, { size: 2, order: '>', signed: false, bitOffset: 0, precision: 10 });
    expect(list(be)).toEqual([1023, 258]);
  });

  it('widens odd sizes: 3 bytes to 32-bit, 5-6 bytes to exact float64, 7 and 16 bytes to bigint', () => {
    const three = decodeIntegers(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x00, 0x80]), 2, { size: 3, order: '<', signed: true, bitOffset: 0, precision: 24 });
    expect(three).toBeInstanceOf(Int32Array);
    expect(list(three)).toEqual([-1, -(2 ** 23) + 1]);
    const threeBe = decodeIntegers(new Uint8Array([0x80, 0x00, 0x01]), 1, { size: 3, order: '>', signed: false, bitOffset: 0, precision: 24 });
    expect(threeBe).toBeInstanceOf(Uint32Array);
    expect(threeBe[0]).toBe(0x800001);
    const six = decodeIntegers(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1, { size: 6, order: '<', signed: true, bitOffset: 0, precision: 48 });
    expect(six).toBeInstanceOf(Float64Array);
    expect(six[0]).toBe(-1);
    const sixU = decodeIntegers(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1, { size: 6, order: '<', signed: false, bitOffset: 0, precision: 48 });
    expect(sixU[0]).toBe(2 ** 48 - 1);
    const seven = decodeIntegers(new Uint8Array([0, 0, 0, 0, 0, 0, 0x80]), 1, { size: 7, order: '<', signed: true, bitOffset: 0, precision: 56 });
    expect(seven).toBeInstanceOf(BigInt64Array);
    expect(seven[0]).toBe(-(2n ** 55n));
    const sixteen = new Uint8Array(16).fill(0xff);
    const s16 = decodeIntegers(sixteen, 1, { size: 16, order: '<', signed: true, bitOffset: 0, precision: 128 });
    expect(s16[0]).toBe(-1n);
    expect(() => decodeIntegers(sixteen, 1, { size: 16, order: '<', signed: false, bitOffset: 0, precision: 128 })).toThrow(/does not fit in 64 bits/);
  });

  it('rejects a precision that does not fit the size', () => {
    expect(() => decodeIntegers(new Uint8Array(2), 1, { size: 2, order: '<', signed: true, bitOffset: 4, precision: 16 })).toThrow(/does not fit/);
  });
});

describe('strings', () => {
  const enc = (s: string, size: number, pad = 0) => {
    const b = new Uint8Array(size).fill(pad);
    b.set(new TextEncoder().encode(s));
    return b;
  };
  const cat = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  };

  it('applies the padding rules h5py applies', () => {
    const raw = cat(enc('ab', 6), enc('a\0b', 6), enc('abcdef', 6), enc('a b ', 6, 0x20));
    expect(decodeFixedStrings(raw, 4, 6, 'nullterm')).toEqual(['ab', 'a', 'abcdef', 'a b   ']);
    expect(decodeFixedStrings(raw, 4, 6, 'nullpad')).toEqual(['ab', 'a\0b', 'abcdef', 'a b   ']);
    expect(decodeFixedStrings(raw, 4, 6, 'spacepad')).toEqual(['ab', 'a\0b', 'abcdef', 'a b']);
  });

  it('decodes UTF-8 and keeps invalid bytes recoverable', () => {
    const raw = cat(enc('héllo', 8), new Uint8Array([0x80, 0xff, 0x41, 0, 0, 0, 0, 0]));
    const out = decodeFixedStrings(raw, 2, 8, 'nullpad');
    expect(out[0]).toBe('héllo');
    expect(out[1]).toBe('\x80\xffA');
    const bad = undecodableBytes(out)!;
    expect([...bad.keys()]).toEqual([1]);
    expect(Array.from(bad.get(1)!)).toEqual([0x80, 0xff, 0x41]);
  });
});

describe('decodeValues argument checks', () => {
  const i4: Datatype = { class: 'integer', size: 4, order: '<', signed: true, bitOffset: 0, precision: 32 };
  it('rejects too few bytes as Corrupt', async () => {
    await expect(decodeValues(ctx, new Uint8Array(7), i4, 2)).rejects.toMatchObject({ code: 'Corrupt' });
  });
  it('rejects a compound member that overruns its compound', async () => {
    const t: Datatype = { class: 'compound', size: 4, members: [{ name: 'x', offset: 2, type: i4 }] };
    await expect(decodeValues(ctx, new Uint8Array(8), t, 2)).rejects.toMatchObject({ code: 'Corrupt' });
  });
  it('rejects an array type whose size disagrees with its dims', async () => {
    const t: Datatype = { class: 'array', size: 10, dims: [3], base: i4 };
    await expect(decodeValues(ctx, new Uint8Array(10), t, 1)).rejects.toMatchObject({ code: 'Corrupt' });
  });
  it('decodes zero elements', async () => {
    expect(Array.from((await decodeValues(ctx, new Uint8Array(0), i4, 0)) as Int32Array)).toEqual([]);
  });
});
