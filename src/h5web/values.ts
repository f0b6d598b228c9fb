/**
 * coh5's decoded values in the forms H5Web's visualizations take: numbers stay in their typed
 * array (no copy), compounds become one array of fields per element in member order, complex
 * numbers [real, imaginary] pairs, opaque elements their bytes, references the referenced path.
 */
import type { Datatype } from '../format/types.js';
import { elementValue, type Column } from '../values/column.js';
import { isReference } from '../values/reference.js';
import { isComplexCompound } from './types.js';

/** One element, as elementValue() or attrs() give it, in H5Web's form. */
export function toH5WebElement(value: unknown, t: Datatype, refName: (ref: unknown) => string): unknown {
  if (value === null || value === undefined) return value;
  if (isReference(value)) return refName(value);
  switch (t.class) {
    case 'complex': {
      const c = value as { r: number; i: number };
      return [c.r, c.i];
    }
    case 'compound': {
      const rec = value as Record<string, unknown>;
      if (isComplexCompound(t)) return [rec['r'], rec['i']];
      return t.members.map((m) => toH5WebElement(fieldOf(rec, m.name), m.type, refName));
    }
    case 'array':
      return mapNested(value, t.dims.length, (leaf) => toH5WebElement(leaf, t.base, refName));
    case 'vlen':
      if (t.kind === 'string') return value;
      return Array.from(value as ArrayLike<unknown>, (v) => toH5WebElement(v, t.base, refName));
    default:
      return value;
  }
}

/** Array-type elements come nested one level per dimension; the leaves are base-type elements. */
function mapNested(v: unknown, depth: number, f: (leaf: unknown) => unknown): unknown {
  return depth === 0 ? f(v) : (v as unknown[]).map((x) => mapNested(x, depth - 1, f));
}

/** A compound member named with dots is nested by elementValue (h5py's 'a.b' stays flat in H5Web). */
function fieldOf(rec: Record<string, unknown>, name: string): unknown {
  if (name in rec) return rec[name];
  let at: unknown = rec;
  for (const part of name.split('.')) at = (at as Record<string, unknown> | undefined)?.[part];
  return at;
}

/** Numbers H5Web plots straight from the typed array coh5 decoded into. */
function plainNumbers(t: Datatype): boolean {
  return t.class === 'integer' || t.class === 'float' || t.class === 'enum' || t.class === 'bitfield' || t.class === 'time';
}

/** A read's column (row-major, flattened) as H5Web's value for the selection: a scalar when `scalar`. */
export function columnToH5Web(col: Column, t: Datatype, count: number, scalar: boolean, refName: (ref: unknown) => string): unknown {
  if (plainNumbers(t) && ArrayBuffer.isView(col)) return scalar ? (col as ArrayLike<unknown>)[0] : col;
  if ((t.class === 'string' || (t.class === 'vlen' && t.kind === 'string')) && Array.isArray(col)) return scalar ? col[0] : col;
  const out = Array.from({ length: count }, (_, i) => toH5WebElement(elementValue(col, t, i), t, refName));
  return scalar ? out[0] : out;
}

/** An attribute's value (attrs()'s form: a scalar, or an array of elements) in H5Web's form. */
export function attributeToH5Web(value: unknown, t: Datatype, shape: number[] | null, refName: (ref: unknown) => string): unknown {
  if (shape === null) return null;
  if (shape.length === 0) return toH5WebElement(value, t, refName);
  if (ArrayBuffer.isView(value) || (Array.isArray(value) && t.class === 'string')) return value;
  if (!Array.isArray(value)) return value;
  return value.map((v) => toH5WebElement(v, t, refName));
}
