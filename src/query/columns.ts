/**
 * Naming a table's columns: a compound dataset's members (nested ones as `pos.x`), a plain
 * 1-D dataset as the one column `value`, or one element of an array member (how pandas packs
 * several frame columns into one `values_block_N` member).
 */
import type { Datatype } from '../format/types.js';
import { elementsPerItem, type Column, type CompoundColumn } from '../values/column.js';
import type { ValueKind } from './evaluate.js';
import type { TimeColumn } from './time.js';
import { notQueryable, takeRows } from './gather.js';

/** Where a named column lives in a batch read: member path, its datatype, and optionally one element of an array member. */
export interface ColumnRef {
  path: string[];
  type: Datatype;
  /** Set to pick element `index` of each row's array (a pandas values block); unset for the whole member. */
  index?: number;
  /** Integer codes standing for these strings (a pandas categorical): a where-clause compares the strings. */
  labels?: string[];
  /** int64 datetimes or timedeltas (a pandas column): a where-clause may compare them with date or duration strings. */
  time?: TimeColumn;
}

/** The column a name refers to in a dataset of datatype `dt`, or null. `pos.x` walks nested compounds. */
export function findColumn(dt: Datatype, name: string): ColumnRef | null {
  if (dt.class !== 'compound') return name === 'value' ? { path: [], type: dt } : null;
  const exact = dt.members.find((m) => m.name === name);
  if (exact) return { path: [name], type: exact.type };
  const parts = name.split('.');
  let type: Datatype = dt;
  for (const part of parts) {
    if (type.class !== 'compound') return null;
    const m: { name: string; type: Datatype } | undefined = type.members.find((x) => x.name === part);
    if (!m) return null;
    type = m.type;
  }
  return { path: parts, type };
}

/** Names of every column of a dataset of datatype `dt`, top level only. */
export function columnNames(dt: Datatype): string[] {
  return dt.class === 'compound' ? dt.members.map((m) => m.name) : ['value'];
}

/** The member's column inside a batch read. */
export function memberColumn(data: Column, ref: ColumnRef): Column {
  let col = data;
  for (const p of ref.path) col = (col as CompoundColumn).fields[p]!;
  return col;
}

/** What a where-clause may do with a column, or a reason it cannot be used in one. */
export function kindOfType(dt: Datatype): ValueKind | string {
  dt = elementType(dt);
  switch (dt.class) {
    case 'integer':
    case 'float':
    case 'time':
      return 'num';
    // PyTables stores its BoolCol as an 8-bit bitfield.
    case 'bitfield':
      return dt.size === 1 ? 'bool' : 'num';
    case 'enum': {
      // numpy's bool is stored as an enum FALSE=0, TRUE=1 (h5py, PyTables).
      const names = dt.members.map((m) => m.name).sort().join();
      return names === 'FALSE,TRUE' ? 'bool' : 'num';
    }
    case 'string':
      return 'str';
    case 'vlen':
      return dt.kind === 'string' ? 'str' : 'a variable-length sequence';
    default:
      return `a ${dt.class}`;
  }
}

/** Width (elements per row) and offset of a ref's values inside its member column. */
export function refLayout(ref: ColumnRef): { width: number; index: number } {
  return ref.index === undefined ? { width: elementsPerItem(ref.type), index: 0 } : { width: elementsPerItem(ref.type), index: ref.index };
}

/** Checks a ref can be compared: a scalar member, or one picked element of an array. */
export function predicateKind(ref: ColumnRef, name: string, path: string): ValueKind {
  if (ref.labels) return 'str';
  const kind = kindOfType(ref.type);
  if (kind !== 'num' && kind !== 'str' && kind !== 'bool') throw notQueryable(path, `column ${name} holds ${kind}, which a where-clause cannot compare`);
  if (ref.index === undefined && elementsPerItem(ref.type) !== 1) {
    throw notQueryable(path, `column ${name} holds ${elementsPerItem(ref.type)} values per row; a where-clause compares one`);
  }
  return kind;
}

/** The element type of an array datatype (itself for any other). */
export function elementType(dt: Datatype): Datatype {
  while (dt.class === 'array') dt = dt.base;
  return dt;
}

/** The matching rows of one column, as the result will hold it. */
export function takeRef(data: Column, ref: ColumnRef, rows: ArrayLike<number>): Column {
  const col = memberColumn(data, ref);
  if (ref.index === undefined) return takeRows(col, ref.type, rows);
  const width = elementsPerItem(ref.type);
  const base = elementType(ref.type);
  const picked = Array.from(rows, (r) => r * width + ref.index!);
  return takeRows(col, base, picked, 1);
}
