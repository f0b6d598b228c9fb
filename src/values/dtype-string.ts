/**
 * Datatypes described for users: the numpy `dtype.str` h5py gives each HDF5 type, and a
 * structured description (compound fields, enum mapping, array dims, vlen base, reference kind).
 */
import type { Charset, Datatype, StringPadding } from '../format/types.js';
import { enumMapping } from './decode.js';

type Order = '<' | '>' | '|';

/** numpy's byte order character: '|' where order does not apply (one byte, strings, void). */
function orderChar(order: '<' | '>' | 'vax', size: number): Order {
  if (size === 1) return '|';
  return order === '>' ? '>' : '<';
}

/** Integer sizes numpy has; other sizes widen to the next one (as the decoded column does). */
function intSize(size: number): number {
  return size <= 1 ? 1 : size <= 2 ? 2 : size <= 4 ? 4 : 8;
}

/** h5py's boolean: an enum over a 1-byte integer with exactly FALSE=0 and TRUE=1. */
export function isH5pyBool(dt: Datatype): boolean {
  if (dt.class !== 'enum' || dt.base.class !== 'integer' || dt.size !== 1 || dt.members.length !== 2) return false;
  const byName = new Map(dt.members.map((m) => [m.name, Number(m.value)]));
  return byName.get('FALSE') === 0 && byName.get('TRUE') === 1;
}

/** h5py's complex: a compound of two equal IEEE-layout floats named r and i, packed. */
export function isH5pyComplex(dt: Datatype): boolean {
  if (dt.class !== 'compound' || dt.members.length !== 2) return false;
  const [r, i] = dt.members as [(typeof dt.members)[0], (typeof dt.members)[0]];
  if (r.name !== 'r' || i.name !== 'i' || r.type.class !== 'float' || i.type.class !== 'float') return false;
  const s = r.type.size;
  return (s === 4 || s === 8) && i.type.size === s && r.type.order === i.type.order && r.type.order !== 'vax' && r.offset === 0 && i.offset === s && dt.size === 2 * s;
}

/**
 * The size of a type in the library's in-memory layout, which is what h5py's numpy dtype mirrors
 * (H5Dget_type/H5Aget_type hand out types moved to memory, H5T_set_loc): a variable-length
 * sequence becomes an hvl_t (16 bytes), a variable-length string a char* (8), arrays scale with
 * their base, and a compound grows or shrinks by its members' changes.
 */
export function memorySize(dt: Datatype): number {
  switch (dt.class) {
    case 'vlen':
      return dt.kind === 'string' ? 8 : 16;
    case 'array':
      return dt.dims.reduce((a, b) => a * b, 1) * memorySize(dt.base);
    case 'compound':
      return dt.members.reduce((size, m) => size + memorySize(m.type) - m.type.size, dt.size);
    default:
      return dt.size;
  }
}

/** The numpy dtype string (`dtype.str`) h5py gives a dataset or attribute of this type. */
export function numpyDtype(dt: Datatype): string {
  switch (dt.class) {
    case 'integer': {
      const n = intSize(dt.size);
      return `${orderChar(dt.order, n)}${dt.signed ? 'i' : 'u'}${n}`;
    }
    case 'bitfield': {
      const n = intSize(dt.size);
      return `${orderChar(dt.order, n)}u${n}`;
    }
    case 'time': {
      const n = intSize(dt.size);
      return `${orderChar(dt.order, n)}i${n}`;
    }
    case 'float':
      return `${orderChar(dt.order, dt.size)}f${dt.size}`;
    case 'complex':
      // numpy has c8 and c16; a half-precision complex (which h5py cannot read) is named c4 alike.
      return `${orderChar(dt.base.order, dt.size)}c${dt.size}`;
    case 'string':
      return `|S${dt.size}`;
    case 'opaque':
      // h5py tags opaque types it writes from numpy with the numpy dtype string.
      return dt.tag.startsWith('NUMPY:') ? dt.tag.slice(6) : `|V${dt.size}`;
    case 'compound':
      if (isH5pyComplex(dt)) {
        const r = dt.members[0]!.type as Extract<Datatype, { class: 'float' }>;
        return `${orderChar(r.order, 2)}c${dt.size}`;
      }
      return `|V${memorySize(dt)}`;
    case 'enum':
      return isH5pyBool(dt) ? '|b1' : numpyDtype(dt.base);
    case 'array':
      // A subarray dtype's str is void of the whole size; the base and shape are reported apart.
      return `|V${memorySize(dt)}`;
    case 'vlen':
    case 'reference':
      return '|O';
  }
}

export type DtypeDescription =
  | { class: 'integer'; dtype: string; size: number; order: '<' | '>'; signed: boolean; precision: number; bitOffset: number }
  | { class: 'bitfield'; dtype: string; size: number; order: '<' | '>'; precision: number; bitOffset: number }
  | { class: 'time'; dtype: string; size: number; order: '<' | '>'; precision: number }
  | {
      class: 'float';
      dtype: string;
      size: number;
      order: '<' | '>' | 'vax';
      precision: number;
      /** True for IEEE 754 half, single or double layouts. */
      ieee: boolean;
      signLocation: number;
      exponentLocation: number;
      exponentSize: number;
      exponentBias: number;
      mantissaLocation: number;
      mantissaSize: number;
    }
  | { class: 'string'; dtype: string; size: number | null; variable: boolean; charset: Charset; padding: StringPadding }
  | { class: 'opaque'; dtype: string; size: number; tag: string }
  | {
      class: 'compound';
      dtype: string;
      size: number;
      complex: boolean;
      fields: Array<{ name: string; offset: number; type: DtypeDescription }>;
    }
  | { class: 'enum'; dtype: string; size: number; boolean: boolean; base: DtypeDescription; mapping: Record<string, number | bigint> }
  /** HDF5 2.0's complex class; `base` describes the real and the imaginary part. */
  | { class: 'complex'; dtype: string; size: number; base: DtypeDescription }
  | { class: 'array'; dtype: string; size: number; dims: number[]; base: DtypeDescription }
  | { class: 'vlen'; dtype: string; base: DtypeDescription }
  | { class: 'reference'; dtype: string; size: number; kind: 'object' | 'region' };

/** A structured description of a datatype for the public API. */
export function describeDtype(dt: Datatype): DtypeDescription {
  const dtype = numpyDtype(dt);
  switch (dt.class) {
    case 'integer':
      return { class: 'integer', dtype, size: dt.size, order: dt.order, signed: dt.signed, precision: dt.precision, bitOffset: dt.bitOffset };
    case 'bitfield':
      return { class: 'bitfield', dtype, size: dt.size, order: dt.order, precision: dt.precision, bitOffset: dt.bitOffset };
    case 'time':
      return { class: 'time', dtype, size: dt.size, order: dt.order, precision: dt.precision };
    case 'float': {
      const bits = dt.size * 8;
      const ieee =
        dt.order !== 'vax' &&
        [2, 4, 8].includes(dt.size) &&
        dt.precision === bits &&
        dt.bitOffset === 0 &&
        dt.signLocation === bits - 1 &&
        dt.mantissaLocation === 0 &&
        dt.exponentLocation === dt.mantissaSize &&
        dt.exponentSize === bits - 1 - dt.mantissaSize &&
        dt.exponentBias === 2 ** (dt.exponentSize - 1) - 1 &&
        dt.mantissaNormalization === 2;
      return {
        class: 'float',
        dtype,
        size: dt.size,
        order: dt.order,
        precision: dt.precision,
        ieee,
        signLocation: dt.signLocation,
        exponentLocation: dt.exponentLocation,
        exponentSize: dt.exponentSize,
        exponentBias: dt.exponentBias,
        mantissaLocation: dt.mantissaLocation,
        mantissaSize: dt.mantissaSize,
      };
    }
    case 'complex':
      return { class: 'complex', dtype, size: dt.size, base: describeDtype(dt.base) };
    case 'string':
      return { class: 'string', dtype, size: dt.size, variable: false, charset: dt.charset, padding: dt.padding };
    case 'opaque':
      return { class: 'opaque', dtype, size: dt.size, tag: dt.tag };
    case 'compound':
      return {
        class: 'compound',
        dtype,
        size: dt.size,
        complex: isH5pyComplex(dt),
        fields: dt.members.map((m) => ({ name: m.name, offset: m.offset, type: describeDtype(m.type) })),
      };
    case 'enum':
      return { class: 'enum', dtype, size: dt.size, boolean: isH5pyBool(dt), base: describeDtype(dt.base), mapping: enumMapping(dt) };
    case 'array':
      return { class: 'array', dtype, size: dt.size, dims: dt.dims.slice(), base: describeDtype(dt.base) };
    case 'vlen':
      return dt.kind === 'string'
        ? { class: 'string', dtype, size: null, variable: true, charset: dt.charset, padding: dt.padding }
        : { class: 'vlen', dtype, base: describeDtype(dt.base) };
    case 'reference':
      return { class: 'reference', dtype, size: dt.size, kind: dt.kind };
  }
}
