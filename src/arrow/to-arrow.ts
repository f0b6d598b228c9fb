/**
 * coh5 results as Apache Arrow tables, so SQL engines that take Arrow (DuckDB, DataFusion,
 * Polars) can query HDF5: a read, a query result or a pandas frame. Typed arrays are handed to
 * Arrow without a copy; int64 stays BigInt; pandas datetimes become timestamps (with their time
 * zone), timedeltas durations, categoricals dictionary-encoded.
 */
import {
  Bool, Data, Dictionary, Duration, Field, FixedSizeBinary, FixedSizeList, Int8, Int16, Int32, List, Struct, Table, TimeUnit,
  Timestamp, Utf8, Vector, makeData, makeVector, vectorFromArray,
} from 'apache-arrow';
import { H5Error } from '../errors.js';
import type { ReadResult } from '../read/read-dataset.js';
import type { QueryResult } from '../query/query.js';
import type { Frame, FrameColumn } from '../pandas/store.js';
import type { Column, CompoundColumn, TypedArray } from '../values/column.js';
import type { Datatype } from '../format/types.js';

export interface ToArrowOptions {
  /** For a query result or a frame: also add the matching row indices as a column of this name. */
  rowIndex?: string;
}

type Input = ReadResult | QueryResult | Frame;

/**
 * Turns a read, a query result or a pandas frame into an Arrow Table. A read of a 1-D dataset is
 * the column `value` (a compound's members become columns, nested ones `pos.x`); each further
 * dimension of an n-D read becomes a FixedSizeList, so a read of shape [rows, 3] is one column
 * of 3-lists. HDF5 array members are FixedSizeLists too (nested for 2-D members), variable-length
 * sequences Lists, the numpy bool enum Bool, other enums dictionaries of their names, opaque
 * elements FixedSizeBinary. References have no Arrow type and are refused.
 */
export function toArrow(input: Input, options: ToArrowOptions = {}): Table {
  const vectors: Record<string, Vector> = {};
  if ('format' in input && 'index' in input) {
    for (const c of input.index) vectors[c.name] = frameVector(c);
    for (const c of input.columns) vectors[c.name] = frameVector(c);
  } else if ('rows' in input && 'fields' in input) {
    for (const name of input.fields) addColumn(vectors, name, input.columns[name]!, input.types?.[name]);
  } else {
    const shape = input.shape;
    if (!shape || shape.length < 1) throw new H5Error('Invalid', `toArrow takes a read with at least one dimension; this one has shape ${JSON.stringify(shape)}`);
    let type: Datatype | undefined = readDatatype(input);
    // Dimensions past the first are fixed-size lists of each row's elements, as an array member's are.
    if (shape.length > 1) type = { class: 'array', size: 0, dims: shape.slice(1), base: type ?? inferred(input.data) } as Datatype;
    addColumn(vectors, 'value', input.data, type, true);
  }
  if (options.rowIndex && 'rows' in input && input.rows) vectors[options.rowIndex] = makeVector(Float64Array.from(input.rows));
  return new Table(vectors);
}

/** What a read's datatype is, as far as toArrow needs it: enums carry their mapping. */
function readDatatype(r: ReadResult): Datatype | undefined {
  if (!r.mapping) return undefined;
  const members = Object.entries(r.mapping).map(([name, value]) => ({ name, value }));
  return { class: 'enum', size: 0, base: { class: 'integer', size: 0 }, members } as unknown as Datatype;
}

/** An element type good enough to wrap in a FixedSizeList when the read gives none. */
function inferred(col: Column): Datatype {
  return { class: ArrayBuffer.isView(col) ? 'integer' : 'string', size: 0 } as Datatype;
}

/** A column; a compound's members become columns of their own, nested ones named `pos.x`. */
function addColumn(out: Record<string, Vector>, name: string, col: Column, type: Datatype | undefined, topLevel = false): void {
  if (!ArrayBuffer.isView(col) && !Array.isArray(col) && col.kind === 'compound') {
    const c = col as CompoundColumn;
    for (const m of c.dtype.members) addColumn(out, topLevel ? m.name : `${name}.${m.name}`, c.fields[m.name]!, m.type);
    return;
  }
  out[name] = makeVector(columnData(col, type, name));
}

/** One column's Arrow data: its datatype decides the Arrow type where the values alone cannot. */
function columnData(col: Column, type: Datatype | undefined, name: string): Data {
  if (type?.class === 'array') {
    const inner = columnData(col, type.base, name);
    let data: Data = inner;
    // dims [2, 3]: each row is 2 lists of 3, so wrap the innermost dimension first.
    for (const dim of [...type.dims].reverse()) {
      data = makeData({ type: new FixedSizeList(dim, new Field('item', data.type, true)), length: data.length / dim, nullCount: 0, child: data });
    }
    return data;
  }
  if (ArrayBuffer.isView(col)) {
    if (type?.class === 'enum') return enumData(col as TypedArray, type);
    return makeVector(col as TypedArray).data[0]!;
  }
  if (Array.isArray(col)) {
    if (col.every((v) => v === null || typeof v === 'string')) return single(vectorFromArray(col as (string | null)[], new Utf8()), name);
    if (col.every((v) => v !== null && (ArrayBuffer.isView(v) || Array.isArray(v)))) return listData(col as Column[], type?.class === 'vlen' ? type.base : undefined, name);
    throw new H5Error('Unsupported', `column ${name}: references have no Arrow type; toArrow takes numbers, strings, lists and compounds of them`);
  }
  if (col.kind === 'opaque') return makeData({ type: new FixedSizeBinary(col.size), length: col.count, nullCount: 0, data: col.bytes });
  if (col.kind === 'complex') {
    // Arrow has no complex type: a struct of the real and imaginary parts, named as h5py names them.
    const r = new (col.data.constructor as Float32ArrayConstructor)(col.count);
    const i = new (col.data.constructor as Float32ArrayConstructor)(col.count);
    for (let k = 0; k < col.count; k++) [r[k], i[k]] = [col.data[2 * k]!, col.data[2 * k + 1]!];
    const children = [makeVector(r).data[0]!, makeVector(i).data[0]!];
    return makeData({ type: new Struct([new Field('r', children[0]!.type, false), new Field('i', children[1]!.type, false)]), length: col.count, nullCount: 0, children });
  }
  throw new H5Error('Unsupported', `column ${name}: a compound inside an array or list has no flat Arrow column; read its members by name`);
}

function single(v: Vector, name: string): Data {
  if (v.data.length !== 1) throw new H5Error('Unsupported', `column ${name}: too large for one Arrow chunk`);
  return v.data[0]!;
}

/** Variable-length sequences: a List whose child holds every sequence's elements back to back. */
function listData(seqs: Column[], base: Datatype | undefined, name: string): Data {
  const offsets = new Int32Array(seqs.length + 1);
  seqs.forEach((s, k) => (offsets[k + 1] = offsets[k]! + (s as ArrayLike<unknown>).length));
  const first = seqs.find((s) => (s as ArrayLike<unknown>).length > 0) ?? seqs[0];
  let flat: Column;
  if (first && ArrayBuffer.isView(first)) {
    const out = new (first.constructor as { new (n: number): TypedArray })(offsets[seqs.length]!);
    seqs.forEach((s, k) => (out as { set(a: ArrayLike<unknown>, o: number): void }).set(s as ArrayLike<number>, offsets[k]!));
    flat = out;
  } else flat = ([] as Column[]).concat(...(seqs as Column[][])) as Column;
  const child = columnData(flat, base, name);
  return makeData({ type: new List(new Field('item', child.type, true)), length: seqs.length, nullCount: 0, valueOffsets: offsets, child });
}

/** An enum: numpy's bool (FALSE/TRUE) as Bool, any other as a dictionary of its member names. */
function enumData(values: TypedArray, type: Extract<Datatype, { class: 'enum' }>): Data {
  const names = type.members.map((m) => m.name);
  if ([...names].sort().join() === 'FALSE,TRUE') return single(vectorFromArray(Array.from(values as ArrayLike<number>, Boolean), new Bool()), 'enum');
  const codeOf = new Map(type.members.map((m, k) => [String(m.value), k]));
  const codes = new Int32Array(values.length);
  const valid = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const k = codeOf.get(String(values[i]));
    // A value no member names (HDF5 allows storing one) is a null.
    if (k === undefined) nulls++;
    else {
      codes[i] = k;
      valid[i >> 3]! |= 1 << (i & 7);
    }
  }
  const dictionary = vectorFromArray(names, new Utf8());
  return makeData({ type: new Dictionary(new Utf8(), new Int32()), length: values.length, nullCount: nulls, nullBitmap: nulls ? valid : undefined, data: codes, dictionary } as never);
}

const UNITS: Record<string, TimeUnit> = { s: TimeUnit.SECOND, ms: TimeUnit.MILLISECOND, us: TimeUnit.MICROSECOND, ns: TimeUnit.NANOSECOND };

function frameVector(c: FrameColumn): Vector {
  const length = (c.values as ArrayLike<unknown>).length;
  if (c.unit) {
    const data = c.values as BigInt64Array;
    if (c.dtype.startsWith('timedelta64')) return makeVector(makeData({ type: new Duration(UNITS[c.unit]!), length, data }));
    return makeVector(makeData({ type: new Timestamp(UNITS[c.unit]!, c.tz ?? null), length, data }));
  }
  if (c.dtype === 'bool') return vectorFromArray(Array.from(c.values as ArrayLike<number>, Boolean), new Bool());
  if (c.dtype === 'category') {
    const codes = c.values as Int8Array | Int16Array | Int32Array;
    // pandas marks a missing category with code -1: a null in Arrow.
    const valid = new Uint8Array(Math.ceil(length / 8));
    let nulls = 0;
    for (let i = 0; i < length; i++) {
      if (codes[i] >= 0) valid[i >> 3] |= 1 << (i & 7);
      else nulls++;
    }
    const indexType = codes instanceof Int8Array ? new Int8() : codes instanceof Int16Array ? new Int16() : new Int32();
    const dictionary = vectorFromArray((c.categories as unknown[]).map(String), new Utf8());
    const type = new Dictionary(new Utf8(), indexType, null, c.ordered ?? false);
    return makeVector(makeData({ type, length, data: codes, nullCount: nulls, nullBitmap: nulls ? valid : undefined, dictionary } as never));
  }
  return makeVector(columnData(c.values, undefined, c.name));
}
