import { H5Error } from '../errors.js';
import { RegionReference } from '../values/reference.js';
import { selectedCoordinates, selectionInfo, selectionShape as regionShape } from '../format/region-info.js';

/** One dimension of a hyperslab, normalized: 0 <= start, step >= 1, `count` elements. */
export interface DimSlice {
  start: number;
  step: number;
  count: number;
}

/** A normalized selection over a dataspace of known dims. */
export type Selection =
  | { kind: 'hyperslab'; slices: DimSlice[]; /** dims dropped from the result shape (integer indexes) */ squeeze: boolean[] }
  /** `shape`: the result's shape when it is not [points.length] (a region reference's box). */
  | { kind: 'points'; points: number[][]; shape?: number[] };

/**
 * What callers may pass per dimension: null/undefined (the whole extent), an integer index
 * (Python semantics, negative from the end; the dimension is dropped from the result),
 * [start, stop] or [start, stop, step] (stop exclusive, null for open ends), or {start, stop, step}.
 */
export type DimSelector =
  | null
  | undefined
  | number
  | [number | null, number | null]
  | [number | null, number | null, number | null]
  | { start?: number | null; stop?: number | null; step?: number | null };

/** Every selection form read() accepts. */
export type SelectionInput =
  | undefined
  | null
  | DimSelector[]
  | { hyperslice: Hyperslice }
  | { points: number[][] }
  /** The elements a region reference to this dataset selects, shaped as h5py's dset[ref]. */
  | RegionReference;

/**
 * h5coro's hyperslice: one [start, stop] (or [start, stop, step]) range per dimension, stop
 * exclusive. A hyperslice is always ranges, never indices, so a flat [start, stop] is the one
 * range of a rank-1 dataset (h5coro's README writes `hyperslice: [324, 374]`).
 */
export type Hyperslice = Array<[number, number] | [number, number, number] | number[]> | [number, number] | [number, number, number];

const HYPERSLICE_FORM = 'a hyperslice is one [start, stop] range per dimension, e.g. [[324, 374]] (or [324, 374]) for a 1-D dataset, [[0, 10], [5, 20]] for 2-D';

function hypersliceSelectors(h: unknown, rank: number): DimSelector[] {
  if (!Array.isArray(h)) throw new H5Error('Invalid', `${HYPERSLICE_FORM}; got ${describe(h)}`);
  if (h.length > 0 && h.every((x) => typeof x === 'number')) {
    if (h.length > 3) throw new H5Error('Invalid', `${HYPERSLICE_FORM}; got ${describe(h)}: ${h.length} numbers`);
    if (rank !== 1) throw new H5Error('Invalid', `${HYPERSLICE_FORM}; a flat ${describe(h)} is one range, and the dataset has rank ${rank}`);
    return [h as [number, number]];
  }
  return h.map((r: unknown, d) => {
    if (!Array.isArray(r) || r.length < 2 || r.length > 3) throw new H5Error('Invalid', `${HYPERSLICE_FORM}; entry ${d} is ${describe(r)}`);
    return r as [number, number];
  });
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Python's slice.indices for a positive step. */
function sliceIndices(start: number | null | undefined, stop: number | null | undefined, step: number, n: number): DimSlice {
  let s = start ?? 0;
  let e = stop ?? n;
  if (s < 0) s = Math.max(0, s + n);
  if (e < 0) e = Math.max(0, e + n);
  s = Math.min(s, n);
  e = Math.min(e, n);
  const count = e > s ? Math.ceil((e - s) / step) : 0;
  return { start: s, step, count };
}

function checkInt(v: unknown, what: string): void {
  if (v !== null && v !== undefined && !Number.isSafeInteger(v)) {
    throw new H5Error('Invalid', `${what} must be an integer, got ${String(v)}`);
  }
}

/** Normalizes a selection input against the dataset's dims. */
export function normalizeSelection(input: SelectionInput, dims: number[]): Selection {
  const rank = dims.length;
  if (input instanceof RegionReference) return regionSelection(input, dims);
  if (input && !Array.isArray(input) && 'points' in input) {
    const points = input.points.map((p, i) => {
      if (!Array.isArray(p) || p.length !== rank) {
        throw new H5Error('Invalid', `point ${i} has ${Array.isArray(p) ? p.length : 'no'} coordinates, the dataset has rank ${rank}`);
      }
      return p.map((v, d) => {
        checkInt(v, `point ${i} coordinate ${d}`);
        const x = v < 0 ? v + dims[d]! : v;
        if (x < 0 || x >= dims[d]!) {
          throw new H5Error('Invalid', `point ${i} coordinate ${v} is outside dimension ${d} of size ${dims[d]}`);
        }
        return x;
      });
    });
    return { kind: 'points', points };
  }
  let selectors: DimSelector[];
  if (input === undefined || input === null) selectors = [];
  else if (Array.isArray(input)) selectors = input;
  else if ('hyperslice' in input) {
    selectors = hypersliceSelectors(input.hyperslice, rank);
  } else throw new H5Error('Invalid', 'a selection is an array of per-dimension selectors, {hyperslice} or {points}');

  if (selectors.length > rank) {
    throw new H5Error('Invalid', `selection has ${selectors.length} dimensions, the dataset has rank ${rank}`);
  }
  const slices: DimSlice[] = [];
  const squeeze: boolean[] = [];
  for (let d = 0; d < rank; d++) {
    const sel = selectors[d];
    const n = dims[d]!;
    if (sel === null || sel === undefined) {
      slices.push({ start: 0, step: 1, count: n });
      squeeze.push(false);
    } else if (typeof sel === 'number') {
      checkInt(sel, `index for dimension ${d}`);
      const x = sel < 0 ? sel + n : sel;
      if (x < 0 || x >= n) throw new H5Error('Invalid', `index ${sel} is out of range for dimension ${d} of size ${n}`);
      slices.push({ start: x, step: 1, count: 1 });
      squeeze.push(true);
    } else {
      const [start, stop, step] = Array.isArray(sel) ? sel : [sel.start, sel.stop, sel.step];
      checkInt(start, 'start');
      checkInt(stop, 'stop');
      checkInt(step, 'step');
      const st = step ?? 1;
      if (st < 1) throw new H5Error('Invalid', `step must be >= 1 (got ${st}) in dimension ${d}`);
      slices.push(sliceIndices(start, stop, st, n));
      squeeze.push(false);
    }
  }
  return { kind: 'hyperslab', slices, squeeze };
}

/**
 * A region reference's selection over `dims`: a regular hyperslab of single elements or of one
 * block per dimension reads as a hyperslab; anything else as the list of its points, in the
 * library's order (row-major), shaped as h5py shapes dset[ref].
 */
function regionSelection(ref: RegionReference, dims: number[]): Selection {
  const rank = ref.selection.type === 'points' || ref.selection.type === 'hyperslabs' ? ref.selection.rank : dims.length;
  if (rank !== dims.length) throw new H5Error('Invalid', `the region reference selects in rank ${rank}, the dataset has rank ${dims.length}`);
  const info = selectionInfo(ref.selection, dims);
  const shape = regionShape(info, dims);
  const bounds = info.bounds;
  if (bounds && bounds.end.some((e, d) => e >= dims[d]!)) {
    throw new H5Error('Invalid', `the region reference selects up to [${bounds.end}], outside the dataset's extent [${dims}]`);
  }
  const r = info.regular;
  if (info.type === 'all' || (r && r.count.every((c, d) => c === 1 || r.block[d] === 1) && shape.length === rank)) {
    const slices = dims.map((n, d): DimSlice => {
      if (info.type === 'all' || !r) return { start: 0, step: 1, count: n };
      return r.block[d] === 1 ? { start: r.start[d]!, step: r.stride[d]!, count: r.count[d]! } : { start: r.start[d]!, step: 1, count: r.block[d]! };
    });
    return { kind: 'hyperslab', slices, squeeze: dims.map(() => false) };
  }
  return { kind: 'points', points: selectedCoordinates(info), shape };
}

/** The shape of the result of a selection. */
export function selectionShape(sel: Selection): number[] {
  if (sel.kind === 'points') return sel.shape ? sel.shape.slice() : [sel.points.length];
  return sel.slices.filter((_, d) => !sel.squeeze[d]).map((s) => s.count);
}

export function selectionCount(sel: Selection): number {
  if (sel.kind === 'points') return sel.points.length;
  return sel.slices.reduce((a, s) => a * s.count, 1);
}

/** The whole extent as a hyperslab. */
export function selectAll(dims: number[]): Selection {
  return { kind: 'hyperslab', slices: dims.map((n) => ({ start: 0, step: 1, count: n })), squeeze: dims.map(() => false) };
}

export function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}
