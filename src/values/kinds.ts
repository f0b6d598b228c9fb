/**
 * What a read's `data` is, by the dataset's datatype: `dataKind(datatype)` names it, and
 * `DataByKind` maps the name to its TypeScript type, so a result narrows on `r.kind`
 * (or a dataset asked for with `getDataset(path, kind)` reads straight into that type).
 */
import type { Datatype } from '../format/types.js';
import type { Column, CompoundColumn, ComplexColumn, OpaqueColumn, TypedArray } from './column.js';
import type { ObjectReference, RegionReference } from './reference.js';

/** The JS shape of a dataset's values, one name per representation. */
export interface DataByKind {
  /** integers (64-bit ones as BigInt64Array/BigUint64Array), floats, enums, bitfields, time */
  number: TypedArray;
  /** fixed and variable-length strings */
  string: string[];
  /** HDF5 2.0 complex numbers: interleaved (real, imaginary) parts */
  complex: ComplexColumn;
  /** compounds: one column per member */
  compound: CompoundColumn;
  /** opaque elements stored back to back */
  opaque: OpaqueColumn;
  /** object and region references; a null reference is null */
  reference: (ObjectReference | RegionReference | null)[];
  /** variable-length sequences: one column per element */
  sequence: Column[];
}

export type DataKind = keyof DataByKind;

/** Every kind, in DataByKind's order (for messages and loops). */
export const DATA_KINDS: readonly DataKind[] = ['number', 'string', 'complex', 'compound', 'opaque', 'reference', 'sequence'];

/** The kind of `data` a read of this datatype gives (array types read as their base type, flattened). */
export function dataKind(dt: Datatype): DataKind {
  switch (dt.class) {
    case 'integer':
    case 'float':
    case 'enum':
    case 'bitfield':
    case 'time':
      return 'number';
    case 'string':
      return 'string';
    case 'vlen':
      return dt.kind === 'string' ? 'string' : 'sequence';
    case 'array':
      return dataKind(dt.base);
    case 'complex':
    case 'compound':
    case 'opaque':
    case 'reference':
      return dt.class;
  }
}
