/** Turning read results into JSON, CSV and .npy bytes for `coh5 cat`. */
import type { Datatype, H5Object, ReadResult } from '../index.js';
import { elementValue } from '../values/column.js';
import { isReference, type Reference } from '../values/reference.js';
import { UsageError } from './args.js';

const isTyped = (x: unknown): x is ArrayLike<number | bigint> & { BYTES_PER_ELEMENT: number } => ArrayBuffer.isView(x) && !(x instanceof DataView);

/** One plain JS value per element, in row-major order. */
export function plainValues(r: ReadResult, datatype: Datatype): unknown[] {
  const n = r.shape === null ? 0 : r.shape.reduce((a, b) => a * b, 1);
  const out: unknown[] = new Array(n);
  if (r.data instanceof Float32Array) for (let i = 0; i < n; i++) out[i] = shortestFloat32(r.data[i]!);
  else if (isTyped(r.data) || Array.isArray(r.data)) for (let i = 0; i < n; i++) out[i] = (r.data as ArrayLike<unknown>)[i];
  else for (let i = 0; i < n; i++) out[i] = elementValue(r.data, datatype, i);
  return out;
}

/**
 * The float64 nearest the shortest decimal that reads back as this float32, so it prints as the
 * float32 does (64.13, not its exact float64 widening 64.12999725341797).
 */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let digits = 1; digits < 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === x) return y;
  }
  // Nine significant digits always round-trip a float32.
  return Number(x.toPrecision(9));
}

/**
 * Values with their references named: an object reference becomes a path to its object, a region
 * reference {path, address, selection}; the paths come from one search (H5Object.referencePaths).
 * A reference no hard link reaches keeps its address.
 */
export async function nameReferences(from: H5Object, values: unknown[]): Promise<unknown[]> {
  const refs: Reference[] = [];
  const collect = (v: unknown): void => {
    if (isReference(v)) refs.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) Object.values(v).forEach(collect);
  };
  values.forEach(collect);
  if (!refs.length) return values;
  const paths = new Map<Reference, string | null>();
  (await from.referencePaths(refs)).forEach((p, i) => paths.set(refs[i]!, p));
  const name = (v: unknown): unknown => {
    if (isReference(v)) {
      const path = paths.get(v) ?? null;
      if (v.kind === 'object') return path ?? { address: v.address };
      return { path, address: v.address, selection: v.selection };
    }
    if (Array.isArray(v)) return v.map(name);
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: name(x), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };
  return values.map(name);
}

/** JSON text of a value; bigints as exact numbers, non-finite floats as null (as JSON cannot hold them), bytes as arrays. */
export function jsonText(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v) || isTyped(v)) return `[${Array.from(v as ArrayLike<unknown>, jsonText).join(',')}]`;
  if (v instanceof Map) return jsonText(Object.fromEntries(v));
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
}


function csvCell(v: unknown): string {
  const s = typeof v === 'string' ? v : jsonText(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV: one row per index of all but the last dimension (one value per row for 0-D and 1-D); compounds get a header. */
export function csvText(flat: unknown[], shape: number[]): string {
  const cols = shape.length >= 2 ? shape[shape.length - 1]! : 1;
  const rows: string[] = [];
  const first = flat[0];
  const record = first !== null && typeof first === 'object' && !Array.isArray(first) && !ArrayBuffer.isView(first);
  if (record && cols === 1) {
    const keys = Object.keys(first as object);
    rows.push(keys.map(csvCell).join(','));
    for (const v of flat) rows.push(keys.map((k) => csvCell((v as Record<string, unknown>)[k])).join(','));
  } else {
    for (let i = 0; i < flat.length; i += cols) rows.push(flat.slice(i, i + cols).map(csvCell).join(','));
  }
  return rows.join('\n') + (rows.length ? '\n' : '');
}

const NPY_DESCR: Record<string, string> = {
  Int8Array: '|i1', Uint8Array: '|u1', Uint8ClampedArray: '|u1', Int16Array: '<i2', Uint16Array: '<u2', Int32Array: '<i4',
  Uint32Array: '<u4', BigInt64Array: '<i8', BigUint64Array: '<u8', Float32Array: '<f4', Float64Array: '<f8',
};

/** .npy version 1.0 bytes for numeric data (typed arrays hold host-order, i.e. little-endian, values). */
export function npyBytes(r: ReadResult): Uint8Array {
  // Complex data is interleaved (real, imaginary) floats: numpy's complex64/complex128 memory as it is.
  const complex = !isTyped(r.data) && !Array.isArray(r.data) && r.data.kind === 'complex' ? r.data.data : null;
  const data = complex ?? r.data;
  if (!isTyped(data)) throw new UsageError(`--format npy needs a numeric dataset; this one is ${r.dtype} (use --format json)`);
  let descr = complex ? (complex instanceof Float32Array ? '<c8' : '<c16') : NPY_DESCR[data.constructor.name];
  if (!descr) throw new UsageError(`--format npy cannot write ${data.constructor.name}`);
  if (r.dtype.endsWith('b1') && descr === '|u1') descr = '|b1';
  if (r.shape === null) throw new UsageError(`--format npy cannot write a dataset with a null dataspace (it has no values)`);
  const shape = r.shape.length === 1 ? `(${r.shape[0]},)` : `(${r.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(10 + head.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length & 0xff, head.length >> 8]);
  out.set(head, 10);
  const view = data as unknown as ArrayBufferView;
  out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), 10 + head.length);
  return out;
}
