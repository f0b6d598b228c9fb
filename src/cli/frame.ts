/** pandas frames and query results as rows of plain values, for `coh5 cat` and `coh5 query`. */
import type { Frame, FrameColumn, QueryResult, Dataset } from '../index.js';
import { elementValue } from '../values/column.js';
import { findColumn } from '../query/columns.js';

const PER_MS: Record<string, number> = { s: 1e-3, ms: 1, us: 1e3, ns: 1e6 };

/** One cell as JSON/CSV shows it: datetimes as ISO 8601 (UTC for tz-aware ones), categories by name. */
function cell(c: FrameColumn, i: number): unknown {
  const v = (c.values as ArrayLike<unknown>)[i];
  if (c.unit && typeof v === 'bigint') {
    if (c.dtype.startsWith('timedelta64')) return `${v}${c.unit}`;
    // NaT is the smallest int64.
    if (v === -(2n ** 63n)) return null;
    return new Date(Number(v) / PER_MS[c.unit]!).toISOString();
  }
  if (c.categories) return (v as number) < 0 ? null : (c.categories as ArrayLike<unknown>)[v as number];
  if (c.dtype === 'bool') return Boolean(v);
  return v;
}

export function frameRecords(frame: Frame): Record<string, unknown>[] {
  const n = frame.index[0] ? (frame.index[0].values as ArrayLike<unknown>).length : 0;
  const cols = [...frame.index, ...frame.columns];
  return Array.from({ length: n }, (_, i) => Object.fromEntries(cols.map((c) => [c.name, cell(c, i)])));
}

export function queryRecords(ds: Dataset, r: QueryResult): Record<string, unknown>[] {
  const types = r.fields.map((f) => findColumn(ds.datatype, f)!.type);
  return r.rows.map((row, k) => {
    const rec: Record<string, unknown> = { row };
    r.fields.forEach((f, j) => (rec[f] = elementValue(r.columns[f]!, types[j]!, k)));
    return rec;
  });
}
