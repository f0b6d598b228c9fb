/**
 * The in-memory shapes decoded element values take. A Column holds `count` elements of one
 * datatype, column-wise: numbers in typed arrays, compounds as one column per member.
 */
import { H5Error } from '../errors.js';
import type { Datatype } from '../format/types.js';
import type { Reference } from './reference.js';

export type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export type CompoundDatatype = Extract<Datatype, { class: 'compound' }>;

/** A compound: one column per member, each holding `count` elements (array members: count x prod(dims)). */
export interface CompoundColumn {
  kind: 'compound';
  count: number;
  /** Keyed by member name; iterate `dtype.members` for the member order (JS objects reorder integer-like keys). */
  fields: Record<string, Column>;
  dtype: CompoundDatatype;
}

/** Opaque elements stored back to back: element i is bytes[i*size, (i+1)*size). */
export interface OpaqueColumn {
  kind: 'opaque';
  tag: string;
  size: number;
  count: number;
  bytes: Uint8Array;
}

/**
 * Complex numbers (HDF5 2.0's complex class): `data` holds `count` (real, imaginary) pairs
 * interleaved, 2 x count floats, which is numpy's complex64/complex128 memory layout. Parts of
 * IEEE single precision (and half precision, widened) give a Float32Array, the rest Float64Array.
 */
export interface ComplexColumn {
  kind: 'complex';
  count: number;
  data: Float32Array | Float64Array;
}

/** One complex value as elementValue and attrs() give it: the same names h5py's complex compounds use. */
export interface Complex {
  r: number;
  i: number;
}

/**
 * Integers, floats, enums, bitfields, time: a TypedArray. Fixed and variable-length strings:
 * string[]. Variable-length sequences: Column[] (one column per element). References:
 * (Reference | null)[]. Compounds and opaque data: tagged objects.
 */
export type Column = TypedArray | string[] | Column[] | (Reference | null)[] | CompoundColumn | OpaqueColumn | ComplexColumn;

/**
 * Strings whose bytes were not valid UTF-8 are decoded as Latin-1 (lossless: one char per byte);
 * their raw bytes are remembered here per string column, so callers can tell them apart.
 */
const undecodable = new WeakMap<string[], Map<number, Uint8Array>>();

export function markUndecodable(col: string[], index: number, raw: Uint8Array): void {
  let m = undecodable.get(col);
  if (!m) undecodable.set(col, (m = new Map()));
  m.set(index, raw.slice());
}

/** Raw bytes of the elements of a string column that were not valid UTF-8, by index. */
export function undecodableBytes(col: string[]): ReadonlyMap<number, Uint8Array> | undefined {
  return undecodable.get(col);
}

function isTyped(col: Column): col is TypedArray {
  return ArrayBuffer.isView(col);
}

/** Number of elements a column holds. */
export function columnLength(col: Column): number {
  if (isTyped(col) || Array.isArray(col)) return col.length;
  switch (col.kind) {
    case 'compound':
    case 'opaque':
    case 'complex':
      return col.count;
  }
}

/** Elements [start, end) of a column. Typed arrays and opaque bytes are views, not copies. */
export function sliceColumn(col: Column, start: number, end: number): Column {
  if (isTyped(col)) return col.subarray(start, end);
  if (Array.isArray(col)) {
    const out = (col as unknown[]).slice(start, end) as string[];
    const bad = typeof col[0] === 'string' ? undecodable.get(col as string[]) : undefined;
    if (bad) for (const [i, raw] of bad) if (i >= start && i < end) markUndecodable(out as string[], i - start, raw);
    return out;
  }
  switch (col.kind) {
    case 'compound': {
      const fields: Record<string, Column> = Object.create(null);
      for (const m of col.dtype.members) {
        const per = elementsPerItem(m.type);
        fields[m.name] = sliceColumn(col.fields[m.name]!, start * per, end * per);
      }
      return { kind: 'compound', count: end - start, fields, dtype: col.dtype };
    }
    case 'opaque':
      return { ...col, count: end - start, bytes: col.bytes.subarray(start * col.size, end * col.size) };
    case 'complex':
      return { kind: 'complex', count: end - start, data: col.data.subarray(2 * start, 2 * end) };
  }
}

/** How many base elements one element of `dt` occupies in its column: prod(dims) for arrays (nested), else 1. */
export function elementsPerItem(dt: Datatype): number {
  let n = 1;
  while (dt.class === 'array') {
    n *= dt.dims.reduce((a, b) => a * b, 1);
    dt = dt.base;
  }
  return n;
}

/** The dimensions of an array type, nested arrays concatenated (outer first); [] for other types. */
export function arrayDims(dt: Datatype): number[] {
  const dims: number[] = [];
  while (dt.class === 'array') {
    dims.push(...dt.dims);
    dt = dt.base;
  }
  return dims;
}

/** The datatype whose elements a column of `dt` actually holds (arrays flatten to their base). */
export function columnDatatype(dt: Datatype): Datatype {
  while (dt.class === 'array') dt = dt.base;
  return dt;
}

/** Sets a property even when it is named `__proto__`. */
function setField(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Element `i` of a column decoded with `dt`, as a plain JS value: number or bigint (integers,
 * floats, enums), string, a Column (vlen sequence), a record (compound), nested arrays (array
 * types), Uint8Array (opaque), a Reference or null (references), a {@link Complex} `{r, i}`
 * (complex).
 */
export function elementValue(col: Column, dt: Datatype, i: number): unknown {
  if (dt.class === 'array') {
    const base = columnDatatype(dt);
    const per = elementsPerItem(dt);
    return nest(Array.from({ length: per }, (_, k) => elementValue(col, base, i * per + k)), arrayDims(dt));
  }
  if (isTyped(col)) return col[i];
  if (Array.isArray(col)) return col[i];
  switch (col.kind) {
    case 'compound': {
      const rec: Record<string, unknown> = {};
      for (const m of col.dtype.members) setField(rec, m.name, elementValue(col.fields[m.name]!, m.type, i));
      return rec;
    }
    case 'opaque':
      return col.bytes.subarray(i * col.size, (i + 1) * col.size);
    case 'complex': {
      const value: Complex = { r: col.data[2 * i]!, i: col.data[2 * i + 1]! };
      return value;
    }
  }
}

/** Nests a flat row-major list into `shape` ([] gives the single element). */
export function nest(flat: unknown[], shape: number[]): unknown {
  if (shape.length === 0) return flat[0];
  const build = (d: number, at: number): unknown[] => {
    const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const out: unknown[] = [];
    for (let k = 0; k < shape[d]!; k++) out.push(d + 1 < shape.length ? build(d + 1, at + k * stride) : flat[at + k]);
    return out;
  };
  return build(0, 0);
}

/** A compound column as an array of records (member order as in the datatype). */
export function compoundRecords(col: CompoundColumn): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < col.count; i++) out.push(elementValue(col, col.dtype, i) as Record<string, unknown>);
  return out;
}

/** Throws the 'Corrupt' error every decoder uses for a buffer too short for its elements. */
export function checkBytes(bytes: Uint8Array, count: number, size: number, what: string): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new H5Error('Invalid', `bad element count ${count} for ${what}`);
  if (!Number.isSafeInteger(size) || size <= 0) throw new H5Error('Corrupt', `${what} has an element size of ${size} bytes`);
  if (bytes.length < count * size) {
    throw new H5Error('Corrupt', `${count} ${what} elements of ${size} bytes need ${count * size} bytes, only ${bytes.length} given`);
  }
}
