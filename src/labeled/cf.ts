/**
 * CF decoding of one variable's values: _FillValue / missing_value / valid range to NaN (floats)
 * or to a mask (integers kept as integers), _Unsigned, then scale_factor and add_offset.
 * Masking tests the stored (packed) values, as the CF conventions and xarray do.
 */
import type { TypedArray } from '../values/column.js';

export interface CFDecoded {
  data: TypedArray;
  /** For integer data left unscaled: 1 where the value is missing or out of the valid range. */
  mask?: Uint8Array;
}

/** The first element of an attribute value (netCDF writes _FillValue as a one-element array). */
export function scalarAttr(v: unknown): number | bigint | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = v as unknown as ArrayLike<number | bigint>;
    return a.length > 0 ? a[0] : undefined;
  }
  if (Array.isArray(v) && v.length > 0 && (typeof v[0] === 'number' || typeof v[0] === 'bigint')) return v[0];
  return undefined;
}

function listAttr(v: unknown): Array<number | bigint> {
  if (typeof v === 'number' || typeof v === 'bigint') return [v];
  if ((ArrayBuffer.isView(v) && !(v instanceof DataView)) || Array.isArray(v)) {
    return Array.from(v as ArrayLike<unknown>).filter((x): x is number | bigint => typeof x === 'number' || typeof x === 'bigint');
  }
  return [];
}

const num = (v: number | bigint | undefined): number | undefined => (v === undefined ? undefined : Number(v));

/** True when the attributes ask for any CF decoding at all. */
export function needsCF(attrs: Record<string, unknown>): boolean {
  return ['_FillValue', 'missing_value', 'valid_min', 'valid_max', 'valid_range', 'scale_factor', 'add_offset', '_Unsigned'].some((k) => k in attrs);
}

function isTypedNumbers(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** Reinterprets signed integers as unsigned (netCDF-4's _Unsigned = "true" on classic types). */
function unsignedView(a: TypedArray): TypedArray {
  if (a instanceof Int8Array) return new Uint8Array(a.buffer, a.byteOffset, a.length);
  if (a instanceof Int16Array) return new Uint16Array(a.buffer, a.byteOffset, a.length);
  if (a instanceof Int32Array) return new Uint32Array(a.buffer, a.byteOffset, a.length);
  if (a instanceof BigInt64Array) return new BigUint64Array(a.buffer, a.byteOffset, a.length);
  return a;
}

/**
 * Decodes `raw` by its attributes; returns null when the values are not numbers (strings,
 * compounds, references) so callers keep them as read.
 */
export function decodeCF(raw: unknown, attrs: Record<string, unknown>): CFDecoded | null {
  if (!isTypedNumbers(raw)) return null;
  let data: TypedArray = raw;
  if (String(attrs._Unsigned ?? '').toLowerCase() === 'true') data = unsignedView(data);
  const missing = [...listAttr(attrs._FillValue), ...listAttr(attrs.missing_value)].map(Number);
  const range = listAttr(attrs.valid_range).map(Number);
  const vmin = range.length === 2 ? range[0] : num(scalarAttr(attrs.valid_min));
  const vmax = range.length === 2 ? range[1] : num(scalarAttr(attrs.valid_max));
  const scale = num(scalarAttr(attrs.scale_factor));
  const offset = num(scalarAttr(attrs.add_offset));
  const scaled = scale !== undefined || offset !== undefined;
  const missingNaN = missing.some((m) => Number.isNaN(m));
  const checks = missing.length > 0 || vmin !== undefined || vmax !== undefined;
  const invalid = (v: number): boolean =>
    (checks && (missing.includes(v) || (missingNaN && Number.isNaN(v)))) || (vmin !== undefined && v < vmin) || (vmax !== undefined && v > vmax);

  const n = data.length;
  const isFloat = data instanceof Float32Array || data instanceof Float64Array;
  if (isFloat || scaled) {
    // Packed 8/16-bit integers and float32 stay single precision, as xarray does; wider data goes to float64.
    const small = data instanceof Float32Array || data instanceof Int8Array || data instanceof Uint8Array || data instanceof Int16Array || data instanceof Uint16Array;
    const out = small ? new Float32Array(n) : new Float64Array(n);
    const s = scale ?? 1;
    const o = offset ?? 0;
    const src = data as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) {
      const v = Number(src[i]);
      out[i] = invalid(v) ? NaN : v * s + o;
    }
    return { data: out };
  }
  if (!checks) return { data };
  const mask = new Uint8Array(n);
  const src = data as ArrayLike<number | bigint>;
  for (let i = 0; i < n; i++) if (invalid(Number(src[i]))) mask[i] = 1;
  return { data, mask };
}
