/**
 * Picking matching rows out of a batch's columns, and joining the per-batch pieces at the end:
 * the only copies a query makes are of the rows that matched.
 */
import { H5Error } from '../errors.js';
import type { Datatype } from '../format/types.js';
import { elementsPerItem, type Column, type CompoundColumn, type TypedArray } from '../values/column.js';

type TypedCtor = { new (n: number): TypedArray };

/** Rows `rows` (each `width` elements wide) of a column whose elements have datatype `dt`. */
export function takeRows(col: Column, dt: Datatype, rows: ArrayLike<number>, width = elementsPerItem(dt)): Column {
  if (ArrayBuffer.isView(col)) {
    const out = new (col.constructor as TypedCtor)(rows.length * width) as unknown as { [i: number]: unknown; set(a: unknown, o: number): void };
    const src = col as unknown as { [i: number]: unknown; subarray(a: number, b: number): unknown };
    if (width === 1) for (let k = 0; k < rows.length; k++) out[k] = src[rows[k]];
    else for (let k = 0; k < rows.length; k++) out.set(src.subarray(rows[k] * width, rows[k] * width + width), k * width);
    return out as unknown as Column;
  }
  if (Array.isArray(col)) {
    const out: unknown[] = new Array(rows.length * width);
    for (let k = 0; k < rows.length; k++) for (let j = 0; j < width; j++) out[k * width + j] = col[rows[k] * width + j];
    return out as Column;
  }
  if (col.kind === 'compound') {
    // A compound array member's column holds count x width compounds: expand the row list.
    const expanded = width === 1 ? rows : Array.from({ length: rows.length * width }, (_, n) => rows[Math.floor(n / width)] * width + (n % width));
    const fields: Record<string, Column> = Object.create(null);
    for (const m of col.dtype.members) fields[m.name] = takeRows(col.fields[m.name]!, m.type, expanded);
    return { kind: 'compound', count: expanded.length, fields, dtype: col.dtype };
  }
  if (col.kind === 'complex') {
    const out = new (col.data.constructor as { new (n: number): Float32Array | Float64Array })(rows.length * width * 2);
    for (let k = 0; k < rows.length; k++) out.set(col.data.subarray(rows[k] * width * 2, (rows[k] + 1) * width * 2), k * width * 2);
    return { kind: 'complex', count: rows.length * width, data: out };
  }
  const out = new Uint8Array(rows.length * width * col.size);
  const step = width * col.size;
  for (let k = 0; k < rows.length; k++) out.set(col.bytes.subarray(rows[k] * step, rows[k] * step + step), k * step);
  return { ...col, count: rows.length * width, bytes: out };
}

/** Joins pieces of one column, in order. */
export function concatColumns(parts: Column[], dt: Datatype): Column {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  if (ArrayBuffer.isView(first)) {
    const typed = parts as TypedArray[];
    const out = new (first.constructor as TypedCtor)(typed.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of typed) {
      (out as { set(a: ArrayLike<unknown>, o: number): void }).set(p, at);
      at += p.length;
    }
    return out;
  }
  if (Array.isArray(first)) return ([] as unknown[]).concat(...(parts as unknown[][])) as Column;
  if (first.kind === 'compound') {
    const cparts = parts as CompoundColumn[];
    const fields: Record<string, Column> = Object.create(null);
    for (const m of first.dtype.members) fields[m.name] = concatColumns(cparts.map((p) => p.fields[m.name]!), m.type);
    return { kind: 'compound', count: cparts.reduce((n, p) => n + p.count, 0), fields, dtype: first.dtype };
  }
  if (first.kind === 'complex') {
    const data = concatColumns(parts.map((p) => (p as typeof first).data), dt) as Float32Array | Float64Array;
    return { kind: 'complex', count: data.length / 2, data };
  }
  const bytes = concatColumns(parts.map((p) => (p as typeof first).bytes), dt) as Uint8Array;
  return { ...first, count: bytes.length / first.size, bytes };
}

export function notQueryable(path: string, why: string): H5Error {
  return new H5Error('Invalid', `cannot query ${path}: ${why}`, { path });
}
