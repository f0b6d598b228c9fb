/**
 * How an HDF5 datatype maps to a Zarr v2 dtype as xarray (through h5netcdf) would show it: numpy
 * codes, h5py's bools and complex compounds, packed compounds; or why it cannot be expressed.
 * Core module: no Node built-ins.
 */
import type { Datatype } from '../format/types.js';
import type { Dataset } from '../api/objects.js';

/**
 * A numpy dtype as Zarr v2 metadata writes it: a typestr (a subarray as '(2,3)<f8'), a packed
 * structured list, or numpy's dict form for a compound with padding.
 */
export type ZarrDtype = string | ZarrField[] | ZarrPadded;
export type ZarrField = [string, ZarrDtype] | [string, ZarrDtype, number[]];
/**
 * numpy's {names, formats, offsets, itemsize}: h5py keeps a compound's file offsets and size, and
 * Zarr v2's list form has no offsets. zarr-python 2 hands the dict to np.dtype as it is.
 */
export interface ZarrPadded {
  names: string[];
  formats: ZarrDtype[];
  offsets: number[];
  itemsize: number;
}

type Why = { reason: string };

/** numpy's code for a whole-byte integer or IEEE float type, or null. */
function numpyCode(dt: Datatype): string | null {
  if (dt.class !== 'integer' && dt.class !== 'float' && dt.class !== 'bitfield') return null;
  if (dt.order === 'vax' || dt.bitOffset !== 0 || dt.precision !== dt.size * 8 || ![1, 2, 4, 8].includes(dt.size)) return null;
  if (dt.class === 'float' && dt.size === 1) return null;
  const kind = dt.class === 'float' ? 'f' : dt.class === 'integer' && dt.signed ? 'i' : 'u';
  return `${dt.size === 1 ? '|' : dt.order === '>' ? '>' : '<'}${kind}${dt.size}`;
}

/** h5py's bool: an enum of a 1-byte integer with exactly FALSE = 0 and TRUE = 1. */
function isBool(dt: Datatype): boolean {
  if (dt.class !== 'enum' || dt.size !== 1 || dt.members.length !== 2) return false;
  const m = Object.fromEntries(dt.members.map((x) => [x.name, Number(x.value)]));
  return m.FALSE === 0 && m.TRUE === 1;
}

/** h5py reads a compound of two equal floats named r and i as numpy complex: its code, or null. */
function complexPair(dt: Extract<Datatype, { class: 'compound' }>): string | null {
  const [r, i] = dt.members;
  if (dt.members.length !== 2 || r!.name !== 'r' || i!.name !== 'i' || r!.offset !== 0) return null;
  if (r!.type.class !== 'float' || i!.type.class !== 'float' || r!.type.size !== i!.type.size || i!.offset !== r!.type.size || dt.size !== 2 * r!.type.size) return null;
  const code = numpyCode(r!.type);
  return code && r!.type.size >= 4 ? `${code[0]}c${2 * r!.type.size}` : null;
}

/** numpy's typestr of a subarray: '(4,)>u2', '(2,3)<f8'. */
function subarray(dims: number[], code: string): string {
  return `(${dims.join(',')}${dims.length === 1 ? ',' : ''})${code}`;
}

/**
 * The numpy dtype h5py gives a datatype whose values lie in place (no heap data), as Zarr v2
 * metadata writes it, or why it has none.
 */
function numpyDtype(dt: Datatype): ZarrDtype | Why {
  if (isBool(dt)) return '|b1';
  // h5py strips the trailing spaces of space-padded strings; Zarr's |S keeps them.
  if (dt.class === 'string') return dt.padding === 'spacepad' ? { reason: 'space-padded strings (h5py strips the padding, Zarr keeps it)' } : `|S${dt.size}`;
  if (dt.class === 'array') {
    const base = numpyDtype(dt.base);
    if (typeof base === 'string') return subarray(dt.dims, base);
    return 'reason' in base ? { reason: `an array of ${base.reason}` } : { reason: 'an array of compounds (a Zarr v2 typestr cannot hold a structured subarray)' };
  }
  if (dt.class === 'compound') return complexPair(dt) ?? compound(dt);
  if (dt.class === 'opaque') return opaque(dt);
  // Of numcodecs' codecs only Pickle rebuilds structured arrays holding objects, and references that run code when read are not written.
  if (dt.class === 'vlen') return { reason: `variable-length ${dt.kind === 'string' ? 'strings' : 'sequences'} (a structured dtype holds objects only through numcodecs' Pickle, which runs code when read)` };
  // Enums are stored as their integer base and bitfields as unsigned integers: Zarr reads the same numbers.
  // HDF5 2.0's complex class stores (real, imaginary) pairs of floats, numpy's complex64/complex128 bytes.
  const base = dt.class === 'enum' || dt.class === 'complex' ? dt.base : dt;
  const code = numpyCode(base);
  if (dt.class === 'complex' && base.size < 4) return { reason: 'complex of half-precision floats (numpy has no complex32)' };
  if (!code) return { reason: `${dt.class}${base.class === 'integer' || base.class === 'float' || base.class === 'bitfield' ? ' with a non-standard bit layout' : ''}` };
  return dt.class === 'complex' ? `${code[0]}c${base.size * 2}` : code;
}

/** h5py's opaque data: raw void bytes, or the numpy dtype its own 'NUMPY:' tag names (datetime64, bytes). */
function opaque(dt: Extract<Datatype, { class: 'opaque' }>): ZarrDtype | Why {
  if (!dt.tag.startsWith('NUMPY:')) return `|V${dt.size}`;
  const typestr = dt.tag.slice('NUMPY:'.length);
  const m = /^[<>|](?:[SV](\d+)|[Mm]8\[[a-zA-Z]+\])$/.exec(typestr);
  if (m && Number(m[1] ?? 8) === dt.size) return typestr;
  return { reason: `opaque data tagged ${JSON.stringify(dt.tag)} (not a numpy dtype of ${dt.size} bytes coh5 maps)` };
}

/**
 * A compound as h5py shows it: members in the file's order at the file's offsets. Packed, that
 * is Zarr v2's structured list; with padding (or members out of offset order), numpy's dict form.
 */
function compound(dt: Extract<Datatype, { class: 'compound' }>): ZarrDtype | Why {
  const fields: ZarrField[] = [];
  let packed = true;
  let at = 0;
  for (const m of dt.members) {
    const array = m.type.class === 'array' ? m.type : null;
    const t = numpyDtype(array ? array.base : m.type);
    if (typeof t === 'object' && 'reason' in t) return { reason: `compound with a member of ${t.reason}` };
    fields.push(array ? [m.name, t, array.dims] : [m.name, t]);
    packed &&= m.offset === at;
    at = m.offset + m.type.size;
  }
  if (packed && at === dt.size) return fields;
  const formats: ZarrDtype[] = [];
  for (const [name, t, dims] of fields) {
    if (dims && typeof t !== 'string') return { reason: `compound with padding and an array of compounds as member ${name} (numpy's dict form takes a subarray as a typestr)` };
    formats.push(dims ? subarray(dims, t as string) : t);
  }
  return { names: fields.map((f) => f[0]), formats, offsets: dt.members.map((m) => m.offset), itemsize: dt.size };
}

/** How a datatype maps to Zarr v2: the dtype, and whether the values must be inlined (heap data). */
export interface ZarrType {
  dtype: ZarrDtype;
  /** Heap data read and inlined: 'utf8' strings or 'array' sequences of `item` (numcodecs VLenUTF8 / VLenArray), or one 'utf32' string as numpy <U. */
  vlen?: 'utf8' | 'array' | 'utf32';
  item?: string;
  /** Numbers with a non-standard bit layout (N-bit integers and floats): read as numbers, inlined as whole little-endian ones. */
  decoded?: boolean;
  /** Space-padded strings: inlined with the trailing spaces turned to NULs, as HDF5 converts them for h5py. */
  spacepad?: boolean;
}

/** Whether every value of a non-IEEE float layout is a float32 (size 4) or float64 (size 8) too: mantissa and exponent range within. */
function fitsNative(dt: Extract<Datatype, { class: 'float' }>): boolean {
  if (dt.size !== 4 && dt.size !== 8) return false;
  const [mantissa, bias] = dt.size === 4 ? [23, 127] : [52, 1023];
  return dt.mantissaSize <= mantissa && dt.exponentBias <= bias && 2 ** dt.exponentSize - 2 - dt.exponentBias <= bias;
}

export function zarrType(ds: Dataset): ZarrType | { reason: string } {
  const dt = ds.datatype;
  if (isBool(dt)) return { dtype: '|b1' };
  // h5netcdf reads a scalar variable-length string as numpy <U of its length (fixed when inlined), a scalar sequence as its base type.
  if (dt.class === 'vlen' && dt.kind === 'string' && !ds.shape!.length) return { dtype: '<U1', vlen: 'utf32' };
  if (dt.class === 'vlen' && !ds.shape!.length) return { reason: 'scalar variable-length sequence (h5netcdf reads it as its base type)' };
  if (dt.class === 'vlen' && dt.kind === 'string') return { dtype: '|O', vlen: 'utf8' };
  if (dt.class === 'vlen') {
    // h5py 3.7 reads big-endian sequences with their bytes unswapped (garbage): the right values would read back unequal.
    if ((dt.base.class === 'integer' || dt.base.class === 'float') && dt.base.order === '>' && dt.base.size > 1) {
      return { reason: `variable-length sequence of big-endian ${dt.base.class}s (h5py 3.7, under h5netcdf, reads their bytes unswapped)` };
    }
    // Sequences are read into host (little-endian) typed arrays.
    const code = numpyCode(dt.base);
    return code ? { dtype: '|O', vlen: 'array', item: code } : { reason: `variable-length sequence of ${dt.base.class}` };
  }
  // zarr-python 2 cannot view a chunk as a subarray dtype, and expanding it into dimensions reads back other than h5netcdf shows it.
  if (dt.class === 'array') return { reason: `array datatype ${ds.dtype} (h5netcdf shows a subarray dtype; zarr 2.13 cannot view a chunk as one)` };
  const code = numpyDtype(dt);
  if (typeof code === 'object' && 'reason' in code) {
    // N-bit integers: read through coh5 as whole integers.
    if (dt.class === 'integer' && [1, 2, 4, 8].includes(dt.size)) {
      return { dtype: `${dt.size === 1 ? '|' : '<'}${dt.signed ? 'i' : 'u'}${dt.size}`, decoded: true };
    }
    // N-bit floats: h5py reads them as the native float of their size, which here holds every value exactly.
    if (dt.class === 'float' && dt.order !== 'vax' && fitsNative(dt)) return { dtype: `<f${dt.size}`, decoded: true };
    if (dt.class === 'float' && dt.size > 8) return { reason: `${dt.size * 8}-bit float (numpy's float128 is x87's 80 bits on x86-64 but IEEE binary128 on arm64: one reference would read differently by platform)` };
    if (dt.class === 'string' && dt.padding === 'spacepad') return { dtype: `|S${dt.size}`, spacepad: true };
    return { reason: dt.class === 'compound' || code.reason.startsWith('complex') ? code.reason : `datatype ${ds.dtype} (${code.reason})` };
  }
  return { dtype: code };
}
