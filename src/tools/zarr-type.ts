/**
 * How an HDF5 datatype maps to a Zarr v2 dtype as xarray (through h5netcdf) would show it: numpy
 * codes, h5py's bools and complex compounds, packed compounds; or why it cannot be expressed.
 * Core module: no Node built-ins.
 */
import type { Datatype } from '../format/types.js';
import type { Dataset } from '../api/objects.js';

export type ZarrField = [string, string] | [string, string, number[]];
export type ZarrDtype = string | ZarrField[];

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

/** A compound member's numpy code (with its shape for array members), or why it has none. */
function fieldCode(dt: Datatype): string | [string, number[]] | { reason: string } {
  if (isBool(dt)) return '|b1';
  if (dt.class === 'string') return `|S${dt.size}`;
  if (dt.class === 'array') {
    const inner = fieldCode(dt.base);
    return typeof inner === 'string' ? [inner, dt.dims] : { reason: `an array of ${dt.base.class} member` };
  }
  const code = numpyCode(dt.class === 'enum' ? dt.base : dt);
  return code ?? { reason: `a ${dt.class} member` };
}

/** How a datatype maps to Zarr v2: the dtype, and whether the values must be inlined (heap data). */
export interface ZarrType {
  dtype: ZarrDtype;
  /** Heap data read and inlined: 'utf8' strings or 'array' sequences of `item` (numcodecs VLenUTF8 / VLenArray), or one 'utf32' string as numpy <U. */
  vlen?: 'utf8' | 'array' | 'utf32';
  item?: string;
  /** Integers with a non-standard bit layout (N-bit): read as numbers, inlined as whole little-endian integers. */
  decoded?: boolean;
}

export function zarrType(ds: Dataset): ZarrType | { reason: string } {
  const dt = ds.datatype;
  if (isBool(dt)) return { dtype: '|b1' };
  // h5py strips the trailing spaces of space-padded strings; Zarr's |S keeps them.
  if (dt.class === 'string' && dt.padding === 'spacepad') return { reason: 'space-padded strings (h5py strips the padding, Zarr keeps it)' };
  if (dt.class === 'string') return { dtype: `|S${dt.size}` };
  // h5netcdf reads a scalar variable-length string as numpy <U of its length (fixed when inlined), a scalar sequence as its base type.
  if (dt.class === 'vlen' && dt.kind === 'string' && !ds.shape!.length) return { dtype: '<U1', vlen: 'utf32' };
  if (dt.class === 'vlen' && !ds.shape!.length) return { reason: 'scalar variable-length sequence (h5netcdf reads it as its base type)' };
  if (dt.class === 'vlen' && dt.kind === 'string') return { dtype: '|O', vlen: 'utf8' };
  if (dt.class === 'vlen') {
    if (dt.base.class !== 'integer' && dt.base.class !== 'float' || dt.base.order === '>') return { reason: `variable-length sequence of ${dt.base.class === 'integer' || dt.base.class === 'float' ? 'big-endian ' : ''}${dt.base.class}` };
    // Sequences are read into host (little-endian) typed arrays.
    const code = numpyCode(dt.base);
    return code ? { dtype: '|O', vlen: 'array', item: code } : { reason: `variable-length sequence of ${dt.base.class}` };
  }
  if (dt.class === 'compound') {
    const sorted = [...dt.members].sort((a, b) => a.offset - b.offset);
    // h5py (and so h5netcdf) reads a compound of two equal floats named r and i as numpy complex.
    const [r, i] = sorted;
    if (sorted.length === 2 && r!.name === 'r' && i!.name === 'i' && r!.type.class === 'float' && i!.type.class === 'float' && r!.type.size === i!.type.size && i!.offset === r!.type.size && dt.size === 2 * r!.type.size) {
      const code = numpyCode(r!.type);
      if (code && r!.type.size >= 4) return { dtype: `${code[0]}c${2 * r!.type.size}` };
    }
    const fields: ZarrField[] = [];
    const pack: Array<[number, number]> = [];
    let at = 0;
    for (const m of sorted) {
      const field = fieldCode(m.type);
      if (typeof field !== 'string' && !Array.isArray(field)) return { reason: `compound with ${field.reason}` };
      fields.push(Array.isArray(field) ? [m.name, field[0], field[1]] : [m.name, field]);
      pack.push([m.offset, m.type.size]);
      at += m.type.size;
    }
    // Zarr v2's structured dtypes are packed; h5netcdf keeps the file's offsets and itemsize, so a padded compound reads back as another dtype.
    const packed = at === dt.size && pack.every(([o], k) => (k === 0 ? o === 0 : o === pack[k - 1]![0] + pack[k - 1]![1]));
    return packed ? { dtype: fields } : { reason: 'compound with padding (Zarr v2 structured dtypes have no offsets)' };
  }
  // Enums are stored as their integer base and bitfields as unsigned integers: Zarr reads the same numbers.
  // HDF5 2.0's complex class stores (real, imaginary) pairs of floats, numpy's complex64/complex128 bytes.
  const base = dt.class === 'enum' || dt.class === 'complex' ? dt.base : dt;
  const code = numpyCode(base);
  if (!code && base.class === 'integer' && dt.class === 'integer' && [1, 2, 4, 8].includes(dt.size)) {
    return { dtype: `${dt.size === 1 ? '|' : '<'}${dt.signed ? 'i' : 'u'}${dt.size}`, decoded: true };
  }
  if (dt.class === 'complex' && base.size < 4) return { reason: 'complex of half-precision floats (numpy has no complex32)' };
  if (!code) return { reason: `datatype ${ds.dtype} (${dt.class}${base.class === 'integer' || base.class === 'float' || base.class === 'bitfield' ? ' with a non-standard bit layout' : ''})` };
  return { dtype: dt.class === 'complex' ? `${code[0]}c${base.size * 2}` : code };
}
