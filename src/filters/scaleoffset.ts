import type { FilterDecoder } from './registry.js';
import { BitReader } from './bit-reader.js';
import { checkOutputSize, corrupt, unsupported } from './fail.js';

/**
 * Filter 6, scale-offset (H5Zscaleoffset.c). Each chunk stores
 *   bytes 0-3   minbits, uint32 LE
 *   byte  4     size of minval in bytes (8)
 *   bytes 5-12  minval, LE: the chunk minimum (integers) or the bits of the float minimum
 *   bytes 13-20 zero
 *   from 21     every value minus the minimum in `minbits` bits, packed most significant first
 * An all-ones packed value stands for the fill value when one is defined. Floats use D-scaling:
 * stored = round((x - min) * 10^D), decoded as stored / 10^D + min in the type's own precision.
 *
 * cd_values (20): [0] scale type (0 float D-scale, 1 float E-scale, 2 integer), [1] scale factor
 * (D, or the integer minbits with 0 meaning "compute"), [2] elements per chunk, [3] class (0 int,
 * 1 float), [4] size, [5] sign (1 two's complement), [6] order (0 LE, 1 BE), [7] fill value
 * defined, [8..] the fill value's bits as little-endian 32-bit words.
 */
const NAME = 'scaleoffset';
const HEADER = 21;

export const decode: FilterDecoder = (input, spec, ctx) => {
  const cd = spec.clientData;
  if (cd.length !== 20) throw corrupt(NAME, `expected 20 client data values, got ${cd.length}`);
  const scaleType = cd[0]!;
  const scaleFactor = cd[1]! | 0; // stored as unsigned, used as a C int
  const elements = cd[2]!;
  const isFloat = cd[3] === 1;
  const size = cd[4]!;
  const bigEndian = cd[6] === 1;
  const fillDefined = cd[7] === 1;
  if (cd[3]! > 1) throw corrupt(NAME, `datatype class ${cd[3]} is neither integer nor float`);
  if (isFloat ? size !== 4 && size !== 8 : ![1, 2, 4, 8].includes(size)) {
    throw unsupported(NAME, `no ${size}-byte ${isFloat ? 'float' : 'integer'} type`);
  }
  if (isFloat && scaleType === 1) throw unsupported(NAME, 'the E-scale method (HDF5 never implemented it)');
  if (isFloat ? scaleType !== 0 : scaleType !== 2) throw corrupt(NAME, `scale type ${scaleType} does not match the datatype class`);
  // An integer dataset asked to keep every bit is passed through untouched (no header either).
  if (!isFloat && scaleFactor === size * 8) return input;
  if (!isFloat && scaleFactor > size * 8) throw corrupt(NAME, `minimum bits ${scaleFactor} exceeds the ${size * 8}-bit type`);

  if (input.length < HEADER) throw corrupt(NAME, `a ${input.length}-byte chunk cannot hold the ${HEADER}-byte header`);
  const minbits = (input[0]! | (input[1]! << 8) | (input[2]! << 16) | (input[3]! << 24)) >>> 0;
  let minval = 0n;
  for (let i = Math.min(8, input[4]!) - 1; i >= 0; i--) minval = (minval << 8n) | BigInt(input[5 + i]!);
  if (minbits > size * 8) throw corrupt(NAME, `minbits ${minbits} exceeds the ${size * 8}-bit type`);
  const outBytes = elements * size;
  checkOutputSize(NAME, outBytes, ctx.maxOutputBytes);
  const out = new Uint8Array(outBytes);
  const view = new DataView(out.buffer);

  if (minbits === size * 8) {
    // Stored whole in the writer's memory order. Writers are little-endian machines in practice
    // (the packed form below is byte-order free; this raw form is not).
    if (input.length < HEADER + outBytes) throw corrupt(NAME, 'the chunk is shorter than its full-precision data');
    out.set(input.subarray(HEADER, HEADER + outBytes));
    if (bigEndian) swapEach(out, size);
    return out;
  }

  const bits = new BitReader(input, NAME, HEADER);
  // Values of up to 32 bits are read as Numbers, wider ones (64-bit types only) as BigInts.
  const read = minbits === 0 ? () => 0 : () => bits.bitsWide(minbits);
  const readBig = minbits <= 32 ? () => BigInt(read()) : () => (BigInt(bits.bitsWide(minbits - 32)) << 32n) | BigInt(bits.bitsWide(32));
  const fillCode = 2 ** minbits - 1;
  const fillCodeBig = (1n << BigInt(minbits)) - 1n;
  const le = !bigEndian;
  if (!isFloat) {
    const fill = fillDefined ? fillBits(cd, size) : 0n;
    if (size === 8) {
      for (let i = 0; i < elements; i++) {
        const v = readBig();
        const x = fillDefined && v === fillCodeBig ? fill : (v + minval) & 0xffffffffffffffffn;
        view.setBigUint64(i * 8, x, le);
      }
    } else {
      const mod = 2 ** (size * 8);
      const min = Number(minval % BigInt(mod));
      const fillN = Number(fill);
      for (let i = 0; i < elements; i++) {
        const v = read();
        const x = fillDefined && v === fillCode ? fillN : (v + min) % mod;
        if (size === 1) out[i] = x;
        else if (size === 2) view.setUint16(i * 2, x, le);
        else view.setUint32(i * 4, x, le);
      }
    }
    return out;
  }

  const bitsView = new DataView(new ArrayBuffer(8));
  if (size === 4) {
    bitsView.setUint32(0, Number(minval & 0xffffffffn), true);
    const min = bitsView.getFloat32(0, true);
    bitsView.setUint32(0, Number(fillBits(cd, 4)), true);
    const fill = bitsView.getFloat32(0, true);
    // powf(10.0f, D) in float arithmetic, like the C code
    const scale = Math.fround(Number(`1e${scaleFactor}`));
    for (let i = 0; i < elements; i++) {
      const v = read();
      const x = fillDefined && v === fillCode ? fill : Math.fround(Math.fround(Math.fround(v) / scale) + min);
      view.setFloat32(i * 4, x, le);
    }
  } else {
    bitsView.setBigUint64(0, minval, true);
    const min = bitsView.getFloat64(0, true);
    bitsView.setBigUint64(0, fillBits(cd, 8), true);
    const fill = bitsView.getFloat64(0, true);
    const scale = Number(`1e${scaleFactor}`); // correctly rounded, as glibc's pow(10.0, D)
    for (let i = 0; i < elements; i++) {
      // Number(bigint) rounds to nearest like C's (double)long
      const v = readBig();
      view.setFloat64(i * 8, fillDefined && v === fillCodeBig ? fill : Number(v) / scale + min, le);
    }
  }
  return out;
};

/** The fill value's bits, from cd_values[8..] as little-endian 32-bit words. */
function fillBits(cd: readonly number[], size: number): bigint {
  const low = BigInt(cd[8]! >>> 0);
  const v = size > 4 ? (BigInt(cd[9]! >>> 0) << 32n) | low : low;
  return size >= 8 ? v : v & ((1n << BigInt(size * 8)) - 1n);
}

function swapEach(buf: Uint8Array, size: number): void {
  for (let i = 0; i < buf.length; i += size) buf.subarray(i, i + size).reverse();
}
