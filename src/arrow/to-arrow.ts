/**
 * coh5 results as Apache Arrow tables, so SQL engines that take Arrow (DuckDB, DataFusion,
 * Polars) can query HDF5: a read, a query result or a pandas frame. Typed arrays are handed to
 * Arrow without a copy; int64 stays BigInt; pandas datetimes become timestamps (with their time
 * zone), timedeltas durations, categoricals dictionary-encoded.
 */
import {
  Bool, Dictionary, Duration, Int8, Int16, Int32, Table, TimeUnit, Timestamp, Utf8, Vector,
  makeData, makeVector, vectorFromArray,
} from 'apache-arrow';
import { H5Error } from '../errors.js';
import type { ReadResult } from '../read/read-dataset.js';
import type { QueryResult } from '../query/query.js';
import type { Frame, FrameColumn } from '../pandas/store.js';
import type { Column, CompoundColumn, TypedArray } from '../values/column.js';

export interface ToArrowOptions {
  /** For a query result or a frame: also add the matching row indices as a column of this name. */
  rowIndex?: string;
}

type Input = ReadResult | QueryResult | Frame;

/** Turns a read of a 1-D dataset, a query result or a pandas frame into an Arrow Table. */
export function toArrow(input: Input, options: ToArrowOptions = {}): Table {
  const vectors: Record<string, Vector> = {};
  if ('format' in input && 'index' in input) {
    for (const c of input.index) vectors[c.name] = frameVector(c);
    for (const c of input.columns) vectors[c.name] = frameVector(c);
  } else if ('rows' in input && 'fields' in input) {
    for (const name of input.fields) addColumn(vectors, name, input.columns[name]!);
  } else {
    const shape = input.shape;
    if (!shape || shape.length !== 1) throw new H5Error('Invalid', `toArrow takes a 1-D read; this one has shape ${JSON.stringify(shape)}`);
    addColumn(vectors, 'value', input.data, true);
  }
  if (options.rowIndex && 'rows' in input && input.rows) vectors[options.rowIndex] = makeVector(Float64Array.from(input.rows));
  return new Table(vectors);
}

/** A column; a compound's members become columns of their own, nested ones named `pos.x`. */
function addColumn(out: Record<string, Vector>, name: string, col: Column, topLevel = false): void {
  if (!ArrayBuffer.isView(col) && !Array.isArray(col) && col.kind === 'compound') {
    const c = col as CompoundColumn;
    for (const m of c.dtype.members) addColumn(out, topLevel ? m.name : `${name}.${m.name}`, c.fields[m.name]!);
    return;
  }
  out[name] = plainVector(col, name);
}

function plainVector(col: Column, name: string): Vector {
  if (ArrayBuffer.isView(col)) return makeVector(col as TypedArray);
  if (Array.isArray(col) && col.every((v) => typeof v === 'string')) return vectorFromArray(col as string[], new Utf8());
  throw new H5Error('Unsupported', `column ${name}: toArrow takes numbers, strings and compounds of them`);
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
  return plainVector(c.values, c.name);
}
