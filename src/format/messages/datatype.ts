import { H5Error } from '../../errors.js';
import { bytes, cstring, cursor, remaining, skip, u16, u32, u8, uint, type Cursor } from '../cursor.js';
import type { ByteOrder, Charset, CompoundMember, Datatype, EnumMember, StringPadding } from '../types.js';

/**
 * The datatype message (spec IV.A.2.d, type 0x0003): a 4-byte class-and-version word with 24
 * class bit fields, a 4-byte element size, then class-specific properties. The same encoding
 * is nested inside compound, enum, variable-length and array types and inside attribute messages.
 * Version 5 (HDF5 2.0) encodes every class as version 3 and 4 do, and adds the complex class (11).
 */

/** Nesting deeper than this is a loop in hostile input: the library caps array rank at 32 and real types nest a few levels. */
const MAX_NESTING = 64;

/** HDF5 supports ranks up to 32 (H5S_MAX_RANK). */
const MAX_RANK = 32;

/** Decodes one datatype at the cursor (which moves past it). */
export function decodeDatatype(c: Cursor): Datatype {
  return decode(c, 0);
}

/**
 * Decodes a whole datatype message body. `address` (the body's HDF5 address) only names errors;
 * with `ctx` the errors carry the absolute file offset.
 */
export function decodeDatatypeMessage(body: Uint8Array, address: number, ctx?: { baseAddress: number }): Datatype {
  return decode(cursor(body, (ctx?.baseAddress ?? 0) + address), 0);
}

function corrupt(c: Cursor, at: number, msg: string): H5Error {
  return new H5Error('Corrupt', `datatype: ${msg}`, { offset: c.base + at });
}

function decode(c: Cursor, depth: number): Datatype {
  const at = c.pos;
  if (depth > MAX_NESTING) throw corrupt(c, at, `nested more than ${MAX_NESTING} levels deep`);
  const head = u8(c);
  const version = head >> 4;
  const cls = head & 0x0f;
  const bits = u8(c) | (u8(c) << 8) | (u8(c) << 16);
  const size = u32(c);
  if (version < 1) throw corrupt(c, at, `version ${version}`);
  if (version > 5) throw new H5Error('Unsupported', `datatype message version ${version}`, { offset: c.base + at });
  const order: ByteOrder = bits & 1 ? '>' : '<';
  switch (cls) {
    case 0: {
      const bitOffset = u16(c);
      const precision = u16(c);
      return { class: 'integer', size, order, signed: (bits & 0x08) !== 0, bitOffset, precision };
    }
    case 1:
      return decodeFloat(c, at, version, bits, size);
    case 2:
      return { class: 'time', size, order, precision: u16(c) };
    case 3:
      return { class: 'string', size, padding: padding(c, at, bits & 0x0f), charset: charset(c, at, (bits >> 4) & 0x0f) };
    case 4: {
      const bitOffset = u16(c);
      const precision = u16(c);
      return { class: 'bitfield', size, order, bitOffset, precision };
    }
    case 5: {
      // The tag length in the class bits already includes the NUL padding to a multiple of 8.
      const tagBytes = bytes(c, bits & 0xff);
      const end = tagBytes.indexOf(0);
      return { class: 'opaque', size, tag: ascii(end < 0 ? tagBytes : tagBytes.subarray(0, end)) };
    }
    case 6:
      return decodeCompound(c, at, version, bits, size, depth);
    case 7: {
      const kind = bits & 0x0f;
      if (kind === 0) return { class: 'reference', size, kind: 'object' };
      if (kind === 1) return { class: 'reference', size, kind: 'region' };
      // Types 2-4 are the HDF5 1.12 H5R_ref_t references (object2, region2, attribute).
      throw new H5Error('Unsupported', `reference datatype of kind ${kind} (HDF5 1.12+ references)`, { offset: c.base + at });
    }
    case 8:
      return decodeEnum(c, at, version, bits, size, depth);
    case 9: {
      const kind = bits & 0x0f;
      if (kind > 1) throw corrupt(c, at, `variable-length kind ${kind}`);
      const isString = kind === 1;
      // Padding and character set are only defined for strings; sequences keep the defaults.
      const pad = isString ? padding(c, at, (bits >> 4) & 0x0f) : 'nullterm';
      const cs = isString ? charset(c, at, (bits >> 8) & 0x0f) : 'ascii';
      const base = decode(c, depth + 1);
      return { class: 'vlen', size, kind: isString ? 'string' : 'sequence', base, padding: pad, charset: cs };
    }
    case 10: {
      const rank = u8(c);
      if (rank === 0 || rank > MAX_RANK) throw corrupt(c, at, `array rank ${rank}`);
      if (version < 3) skip(c, 3); // reserved
      const dims: number[] = [];
      for (let i = 0; i < rank; i++) dims.push(u32(c));
      if (version < 3) skip(c, 4 * rank); // permutation indices: never used by the library
      const base = decode(c, depth + 1);
      return { class: 'array', size, dims, base };
    }
    case 11:
      return decodeComplex(c, at, version, bits, size, depth);
    default:
      throw new H5Error('Unsupported', `datatype class ${cls}`, { offset: c.base + at });
  }
}

function decodeFloat(c: Cursor, at: number, version: number, bits: number, size: number): Datatype {
  let order: ByteOrder | 'vax' = bits & 1 ? '>' : '<';
  // VAX mixed-endian order is bits 0 and 6 together; the library only recognizes it from version 3.
  if (version >= 3 && bits & 0x40) {
    if (!(bits & 1)) throw corrupt(c, at, 'float byte order bit 6 without bit 0');
    order = 'vax';
  }
  const mantissaNormalization = (bits >> 4) & 0x03;
  if (mantissaNormalization === 3) throw corrupt(c, at, 'float mantissa normalization 3');
  const bitOffset = u16(c);
  const precision = u16(c);
  const exponentLocation = u8(c);
  const exponentSize = u8(c);
  const mantissaLocation = u8(c);
  const mantissaSize = u8(c);
  const exponentBias = u32(c);
  return {
    class: 'float',
    size,
    order,
    bitOffset,
    precision,
    signLocation: (bits >> 8) & 0xff,
    exponentLocation,
    exponentSize,
    mantissaLocation,
    mantissaSize,
    exponentBias,
    mantissaNormalization,
    padding: (bits >> 1) & 0x07,
  };
}

/**
 * The complex class (11, HDF5 2.0): bit 0 says both parts have the same type (the only kind the
 * library writes or reads), bits 1-2 the form (0 rectangular: real part first, then imaginary);
 * the one base type that follows is the part's floating-point type.
 */
function decodeComplex(c: Cursor, at: number, version: number, bits: number, size: number, depth: number): Datatype {
  if (version < 5) throw corrupt(c, at, `complex class in a version ${version} datatype message`);
  if (!(bits & 1)) throw new H5Error('Unsupported', 'complex datatype whose parts have different types', { offset: c.base + at });
  const form = (bits >> 1) & 0x03;
  if (form !== 0) throw new H5Error('Unsupported', `complex datatype in ${form === 1 ? 'polar' : form === 2 ? 'exponential' : `form ${form}`} form`, { offset: c.base + at });
  const base = decode(c, depth + 1);
  if (base.class !== 'float') throw new H5Error('Unsupported', `complex datatype with ${base.class} parts`, { offset: c.base + at });
  if (size !== 2 * base.size) throw corrupt(c, at, `complex of ${size} bytes with ${base.size}-byte parts`);
  return { class: 'complex', size, base };
}

/** Bytes needed for a compound member offset in version 3: H5VM_limit_enc_size of the compound size. */
export function offsetFieldSize(compoundSize: number): number {
  const log2 = compoundSize > 0 ? Math.floor(Math.log2(compoundSize)) : 0;
  return Math.floor(log2 / 8) + 1;
}

/** A member or enum name: NUL-terminated; versions 1 and 2 pad it (with the NUL) to a multiple of 8 bytes. */
function memberName(c: Cursor, version: number): string {
  const start = c.pos;
  const name = cstring(c, 'datatype member name');
  if (version < 3) {
    const len = c.pos - start; // includes the NUL
    c.pos = start;
    skip(c, Math.ceil(len / 8) * 8);
  }
  return name;
}

function decodeCompound(c: Cursor, at: number, version: number, bits: number, size: number, depth: number): Datatype {
  const n = bits & 0xffff;
  if (n === 0) throw corrupt(c, at, 'compound with no members');
  // Each member needs at least a name byte, an offset byte and an 8-byte type header.
  if (n * 10 > remaining(c)) throw corrupt(c, at, `compound claims ${n} members in ${remaining(c)} bytes`);
  const offsetBytes = offsetFieldSize(size);
  const members: CompoundMember[] = [];
  for (let i = 0; i < n; i++) {
    const name = memberName(c, version);
    const offset = version >= 3 ? uint(c, offsetBytes, 'member offset') : u32(c);
    let dims: number[] = [];
    if (version === 1) {
      // Version 1 members carry an inline array shape (up to 4 dims) instead of an array type.
      const rank = u8(c);
      if (rank > 4) throw corrupt(c, at, `compound member "${name}" has rank ${rank}`);
      skip(c, 3 + 4 + 4); // reserved, permutation, reserved
      const all = [u32(c), u32(c), u32(c), u32(c)];
      dims = all.slice(0, rank);
    }
    let type = decode(c, depth + 1);
    if (dims.length > 0) type = { class: 'array', size: dims.reduce((a, b) => a * b, 1) * type.size, dims, base: type };
    if (offset + type.size > size) {
      throw corrupt(c, at, `compound member "${name}" (offset ${offset}, size ${type.size}) exceeds the compound size ${size}`);
    }
    members.push({ name, offset, type });
  }
  return { class: 'compound', size, members };
}

function decodeEnum(c: Cursor, at: number, version: number, bits: number, size: number, depth: number): Datatype {
  const n = bits & 0xffff;
  const base = decode(c, depth + 1);
  if (base.class !== 'integer') throw new H5Error('Unsupported', `enum with a ${base.class} base type`, { offset: c.base + at });
  if (n * (1 + base.size) > remaining(c)) throw corrupt(c, at, `enum claims ${n} members in ${remaining(c)} bytes`);
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(memberName(c, version));
  const members: EnumMember[] = names.map((name) => ({ name, value: readInteger(bytes(c, base.size), base.order, base.signed) }));
  return { class: 'enum', size, base, members };
}

/** An integer of 1-8 bytes: a number, or a bigint when it is 8 bytes wide (so 64-bit values stay exact). */
export function readInteger(b: Uint8Array, order: ByteOrder, signed: boolean): number | bigint {
  const n = b.length;
  let v = 0n;
  for (let i = 0; i < n; i++) {
    const byte = order === '<' ? b[n - 1 - i]! : b[i]!;
    v = (v << 8n) | BigInt(byte);
  }
  if (signed && n > 0 && v >= 1n << BigInt(8 * n - 1)) v -= 1n << BigInt(8 * n);
  return n >= 8 ? v : Number(v);
}

function padding(c: Cursor, at: number, v: number): StringPadding {
  if (v === 0) return 'nullterm';
  if (v === 1) return 'nullpad';
  if (v === 2) return 'spacepad';
  throw new H5Error('Unsupported', `string padding type ${v}`, { offset: c.base + at });
}

function charset(c: Cursor, at: number, v: number): Charset {
  if (v === 0) return 'ascii';
  if (v === 1) return 'utf-8';
  throw new H5Error('Unsupported', `character set ${v}`, { offset: c.base + at });
}

function ascii(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}
