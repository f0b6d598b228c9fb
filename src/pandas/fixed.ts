/**
 * pandas `format='fixed'` frames and series: one 2-D array per dtype block (`blockN_values`,
 * stored transposed as rows x items, `blockN_items` naming its columns), `axis0` the column
 * labels, `axis1` the index. An index (or the column labels) with several levels is a
 * MultiIndex, stored as pandas' `write_multi_index` does: per level `KEY_levelN` (the distinct
 * labels) and `KEY_labelN` (each row's code into them, -1 for missing), `KEY_nlevels` on the group.
 */
import { H5Error } from '../errors.js';
import type { Dataset, Group, CallOptions } from '../api/objects.js';
import type { Column } from '../values/column.js';
import { attrText, unpickle, type PickleGlobal, type PickleValue } from './pickle.js';
import type { Frame, FrameColumn } from './store.js';

/** The smallest int64: pandas' NaT. */
const NAT = -(2n ** 63n);

export async function readFixed(group: Group, key: string, type: string, attrs: Record<string, unknown>, options: CallOptions): Promise<Frame> {
  const dataset = async (name: string) => (await group.get(name, options)) as Dataset;

  const arrayColumn = async (name: string, dsName: string): Promise<FrameColumn> => {
    const ds = await dataset(dsName);
    const a = await ds.attrs(options);
    let values = (await ds.read(undefined, options)).data;
    const kind = attrText(a.value_type ?? a.kind);
    // A block of Python objects (string columns): one pickled numpy object array in row 0.
    if (ds.datatype.class === 'vlen' && ds.datatype.kind === 'sequence') {
      const strings = objectStrings((values as Column[])[0] as Uint8Array | undefined, ds.path);
      // pandas 3 reads an object block of strings back as its str dtype.
      return { name, values: strings, dtype: 'str' };
    }
    const col: FrameColumn = { name, values, dtype: kind || numpyName(ds.dtype) };
    const unit = /^(datetime64|timedelta64)\[(\w+)\]$/.exec(kind);
    if (unit) {
      col.unit = unit[2] as FrameColumn['unit'];
      if (a.tz !== undefined) {
        col.tz = attrText(a.tz);
        col.dtype = `datetime64[${col.unit}, ${col.tz}]`;
      }
    } else if (kind === 'integer') col.dtype = 'int64';
    else if (kind === 'string' || ds.datatype.class === 'string') {
      col.dtype = 'str';
      // An index of strings is read back through pandas' nan_rep ('nan' for fixed frames): 'nan' is missing.
      if (kind === 'string') values = col.values = (values as string[]).map((s) => (s === 'nan' ? null : s)) as Column;
    }
    return col;
  };

  const nameOf = (v: unknown): string | null => {
    const s = attrText(v);
    return s === 'N.' || s === '' ? null : s;
  };

  /** A MultiIndex: each level expanded to one value per row, as pandas' get_level_values gives it. */
  const multiIndex = async (akey: string): Promise<FrameColumn[]> => {
    const n = Number(attrs[`${akey}_nlevels`] ?? 0);
    const out: FrameColumn[] = [];
    for (let i = 0; i < n; i++) {
      const ds = await dataset(`${akey}_level${i}`);
      const name = nameOf((await ds.attrs(options)).name) ?? `level_${i}`;
      const level = await arrayColumn(name, `${akey}_level${i}`);
      const codes = (await (await dataset(`${akey}_label${i}`)).read(undefined, options)).data as ArrayLike<number>;
      out.push(expandLevel(level, codes, ds.path));
    }
    return out;
  };

  const indexOf = async (akey: string): Promise<FrameColumn[]> => {
    const variety = attrText(attrs[`${akey}_variety`]);
    if (variety === 'multi') return multiIndex(akey);
    if (variety && variety !== 'regular') throw new H5Error('Unsupported', `a fixed-format ${variety} index is not one pandas writes`, { path: group.path });
    const name = nameOf((await (await dataset(akey)).attrs(options)).name);
    return [await arrayColumn(name ?? 'index', akey)];
  };

  /** Column labels, one string per level each (a plain Index has one level). */
  const labelsOf = async (akey: string): Promise<string[][]> => {
    const levels = await indexOf(akey);
    const n = (levels[0]?.values as ArrayLike<unknown> | undefined)?.length ?? 0;
    return Array.from({ length: n }, (_, k) => levels.map((l) => String((l.values as ArrayLike<unknown>)[k])));
  };

  if (type === 'series') {
    const index = await indexOf('index');
    const name = nameOf(attrs.name) ?? 'values';
    return { key, kind: 'series', format: 'fixed', columns: [await arrayColumn(name, 'values')], index };
  }
  const index = await indexOf('axis1');
  const columnLabels = await labelsOf('axis0');
  const multiColumns = attrText(attrs.axis0_variety) === 'multi';
  const byName = new Map<string, FrameColumn>();
  const nblocks = Number(attrs.nblocks ?? 0);
  for (let b = 0; b < nblocks; b++) {
    const items = await labelsOf(`block${b}_items`);
    const block = await arrayColumn('', `block${b}_values`);
    const vds = await dataset(`block${b}_values`);
    // Stored transposed: rows x items, so item j of row r is at r * items + j.
    const nrows = items.length ? (block.values as ArrayLike<unknown>).length / items.length : 0;
    items.forEach((labels, j) => {
      const picked = Array.from({ length: nrows }, (_, r) => r * items.length + j);
      // PyTables stores a bool block as an 8-bit bitfield.
      const dtype = vds.datatype.class === 'bitfield' && vds.datatype.size === 1 ? 'bool' : block.dtype;
      byName.set(JSON.stringify(labels), { ...block, name: labels.join('.'), values: pick(block.values, picked), dtype });
    });
  }
  const columns = columnLabels.map((labels) => {
    const c = byName.get(JSON.stringify(labels));
    if (!c) throw new H5Error('Corrupt', `column ${labels.join('.')} is in axis0 but in no block`, { path: group.path });
    return multiColumns ? { ...c, labels } : c;
  });
  const frame: Frame = { key, kind: 'frame', format: 'fixed', columns, index };
  if (multiColumns) frame.columnNames = (await multiIndex('axis0')).map((l, i) => (l.name === `level_${i}` ? null : l.name));
  return frame;
}

/**
 * One level of a MultiIndex, one value per row: level[codes[r]]. A code of -1 is a missing
 * label: null for strings, NaT for datetimes, NaN otherwise (an integer level becomes float64,
 * as pandas' get_level_values makes it).
 */
function expandLevel(level: FrameColumn, codes: ArrayLike<number>, path: string): FrameColumn {
  const values = level.values as ArrayLike<unknown>;
  const n = codes.length;
  let missing = false;
  for (let r = 0; r < n; r++) {
    if (codes[r]! >= values.length) throw new H5Error('Corrupt', `MultiIndex code ${codes[r]} at row ${r} is past its level's ${values.length} labels`, { path });
    if (codes[r]! < 0) missing = true;
  }
  const at = (r: number) => values[codes[r]!];
  if (Array.isArray(values)) return { ...level, values: Array.from({ length: n }, (_, r) => (codes[r]! < 0 ? null : at(r))) as Column };
  if (values instanceof BigInt64Array && level.unit) return { ...level, values: BigInt64Array.from({ length: n }, (_, r) => (codes[r]! < 0 ? NAT : (at(r) as bigint))) };
  if (!missing) return { ...level, values: pick(level.values, Array.from(codes)) };
  return { ...level, dtype: 'float64', values: Float64Array.from({ length: n }, (_, r) => (codes[r]! < 0 ? NaN : Number(at(r)))) };
}

/** numpy's dtype name for a dtype string ('<i8' → 'int64'), as pandas prints it. */
function numpyName(dtype: string): string {
  const m = /^[<>|=]?([iuf])(\d+)$/.exec(dtype);
  if (!m) return dtype;
  return `${m[1] === 'i' ? 'int' : m[1] === 'u' ? 'uint' : 'float'}${Number(m[2]) * 8}`;
}

function pick(col: Column, idx: number[]): Column {
  if (ArrayBuffer.isView(col)) {
    const src = col as unknown as { [i: number]: unknown; constructor: new (n: number) => { [i: number]: unknown } };
    const out = new src.constructor(idx.length);
    idx.forEach((i, k) => (out[k] = src[i]));
    return out as unknown as Column;
  }
  if (Array.isArray(col)) return idx.map((i) => col[i]) as Column;
  throw new H5Error('Unsupported', 'a fixed-format block of compound values');
}

/**
 * A fixed-format object block: a numpy object array pickled by PyTables' ObjectAtom, read as data
 * (pickle.ts runs nothing): `_reconstruct(ndarray, ...)` whose BUILD state is (version, shape,
 * dtype, fortran, values). Its strings in row-major (rows x items) order, None and NaN as null;
 * any other Python value is refused.
 */
function objectStrings(raw: Uint8Array | undefined, path: string): Column {
  const refuse = (why: string) => new H5Error('Unsupported', `this fixed-format block of Python objects ${why}; coh5 reads blocks of strings only`, { path });
  if (!raw) throw refuse('is empty');
  const rec = unpickle(raw) as PickleGlobal;
  const state = rec && typeof rec === 'object' && 'global' in rec && /multiarray\._reconstruct$/.test(rec.global) ? (rec.state as PickleValue[]) : null;
  if (!Array.isArray(state) || state.length < 5 || !Array.isArray(state[4])) throw refuse('is not a pickled numpy object array');
  const shape = (state[1] as number[]).map(Number);
  // numpy pickles an object array's items in C order even when it is Fortran-contiguous.
  const flat = state[4] as PickleValue[];
  const values = flat.map((v) => {
    if (typeof v === 'string') return v;
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) return null;
    throw refuse(`holds a ${v instanceof Map ? 'dict' : Array.isArray(v) ? 'list or tuple' : typeof v}`);
  });
  const size = shape.reduce((n, d) => n * d, 1);
  if (values.length !== size) throw refuse(`holds ${values.length} values for shape ${JSON.stringify(shape)}`);
  return values as Column;
}
