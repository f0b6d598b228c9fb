import type { FilterDecoder } from './registry.js';
import { BitReader } from './bit-reader.js';
import { checkOutputSize, corrupt } from './fail.js';

/**
 * Filter 5, N-bit: only the `precision` significant bits of each value are stored, packed
 * most-significant-first with no gaps; decoding puts them back at their bit `offset` inside
 * zeroed elements (padding bits come back as 0: sign extension is the datatype conversion's job).
 *
 * cd_values, written by H5Z__set_local_nbit:
 *   [0] number of cd_values, [1] need_not_compress (1: the filter is a no-op), [2] elements in
 *   the chunk, then the datatype tree from [3] (absent for classes N-bit leaves alone). Each node is its class code followed by:
 *     1 atomic (integer/float): size, byte order (0 LE, 1 BE), precision, offset
 *     2 array:                  total size, base class, base node...
 *     3 compound:               size, member count, then per member: byte offset, class, node...
 *     4 no-op (any other class): size  -- its bytes are copied whole, still bit-packed
 */
const NAME = 'nbit';
const ATOMIC = 1;
const ARRAY = 2;
const COMPOUND = 3;
const NOOP = 4;
/** Datatypes nest this deep at most in practice; deeper is a corrupt (or hostile) parameter list. */
const MAX_DEPTH = 32;

type NbitType =
  | { kind: 'atomic'; size: number; bigEndian: boolean; precision: number; offset: number }
  | { kind: 'array'; size: number; base: NbitType }
  | { kind: 'compound'; size: number; members: { offset: number; type: NbitType }[] }
  | { kind: 'noop'; size: number };

export const decode: FilterDecoder = (input, spec, ctx) => {
  const cd = spec.clientData;
  if (cd.length < 3) throw corrupt(NAME, `client data has ${cd.length} values, at least 3 are needed`);
  if (cd[0] !== cd.length) throw corrupt(NAME, `client data says it has ${cd[0]} values but has ${cd.length}`);
  // Every member has full precision, or the type is not one N-bit packs (a bitfield, enum, string...:
  // H5Z__set_local_nbit then writes only these 3 values): nothing was packed.
  if (cd[1]) return input;
  if (cd.length < 5) throw corrupt(NAME, `client data has ${cd.length} values, at least 5 are needed to unpack`);
  const elements = cd[2]!;
  const { type } = parseType(cd, cd[3]!, 4, 0);
  const outBytes = elements * type.size;
  checkOutputSize(NAME, outBytes, ctx.maxOutputBytes);
  const out = new Uint8Array(outBytes);
  const bits = new BitReader(input, NAME);
  for (let i = 0; i < elements; i++) unpack(type, out, i * type.size, bits);
  return out;
};

function param(cd: readonly number[], at: number): number {
  const v = cd[at];
  if (v === undefined) throw corrupt(NAME, 'the parameter list is shorter than the datatype it describes');
  return v;
}

function parseType(cd: readonly number[], cls: number, at: number, depth: number): { type: NbitType; next: number } {
  if (depth > MAX_DEPTH) throw corrupt(NAME, `datatype nesting deeper than ${MAX_DEPTH}`);
  const size = param(cd, at);
  if (size === 0) throw corrupt(NAME, 'a datatype of size 0');
  switch (cls) {
    case ATOMIC: {
      const order = param(cd, at + 1);
      const precision = param(cd, at + 2);
      const offset = param(cd, at + 3);
      if (order > 1) throw corrupt(NAME, `byte order ${order} is neither 0 (LE) nor 1 (BE)`);
      if (precision + offset > size * 8) throw corrupt(NAME, `precision ${precision} at offset ${offset} does not fit ${size} bytes`);
      return { type: { kind: 'atomic', size, bigEndian: order === 1, precision, offset }, next: at + 4 };
    }
    case ARRAY: {
      const { type: base, next } = parseType(cd, param(cd, at + 1), at + 2, depth + 1);
      if (size % base.size !== 0) throw corrupt(NAME, `array of ${size} bytes is not a whole number of ${base.size}-byte elements`);
      return { type: { kind: 'array', size, base }, next };
    }
    case COMPOUND: {
      const count = param(cd, at + 1);
      const members: { offset: number; type: NbitType }[] = [];
      let next = at + 2;
      for (let m = 0; m < count; m++) {
        const offset = param(cd, next);
        const parsed = parseType(cd, param(cd, next + 1), next + 2, depth + 1);
        if (offset + parsed.type.size > size) throw corrupt(NAME, `compound member at offset ${offset} overruns the ${size}-byte compound`);
        members.push({ offset, type: parsed.type });
        next = parsed.next;
      }
      return { type: { kind: 'compound', size, members }, next };
    }
    case NOOP:
      return { type: { kind: 'noop', size }, next: at + 1 };
    default:
      throw corrupt(NAME, `unknown datatype class code ${cls}`);
  }
}

function unpack(type: NbitType, out: Uint8Array, at: number, bits: BitReader): void {
  switch (type.kind) {
    case 'atomic':
      return unpackAtomic(type, out, at, bits);
    case 'array':
      if (type.base.kind === 'noop') {
        // H5Z__nbit_decompress_one_array copies a no-op base as one run of the array's size.
        for (let i = 0; i < type.size; i++) out[at + i] = bits.bits(8);
        return;
      }
      for (let i = 0; i < type.size; i += type.base.size) unpack(type.base, out, at + i, bits);
      return;
    case 'compound':
      for (const m of type.members) unpack(m.type, out, at + m.offset, bits);
      return;
    case 'noop':
      for (let i = 0; i < type.size; i++) out[at + i] = bits.bits(8);
      return;
  }
}

/** Significant bytes go most significant first; each gets the bits of [offset, offset+precision) it holds. */
function unpackAtomic(t: { size: number; bigEndian: boolean; precision: number; offset: number }, out: Uint8Array, at: number, bits: BitReader): void {
  if (t.precision === 0) return;
  const lowBit = t.offset;
  const highBit = t.offset + t.precision; // exclusive
  for (let k = (highBit - 1) >>> 3; k >= lowBit >>> 3; k--) {
    const from = Math.max(k * 8, lowBit);
    const to = Math.min(k * 8 + 8, highBit);
    const value = bits.bits(to - from) << (from - k * 8);
    out[at + (t.bigEndian ? t.size - 1 - k : k)] = value;
  }
}
