/**
 * Which dimension each axis of each variable lies along, from (in this order):
 *  1. HDF5 dimension scales: DIMENSION_LIST on the variable names a scale dataset per axis
 *     (CLASS = DIMENSION_SCALE); the dimension is named after the scale dataset, as netCDF-4 does;
 *     a scale lies along itself, and netCDF-4's _Netcdf4Coordinates (dimids, matched against the
 *     scales' _Netcdf4Dimid) gives the other axes of multi-dimensional coordinate variables.
 *  2. The `coordinates` attribute (what h5coro's xarray backend uses on ICESat-2 products): a
 *     1-D variable without scales lies along its first listed coordinate of the same length,
 *     and that coordinate (and the other listed ones of that length) along it too.
 *  3. netCDF-4's phony dimensions: remaining axes get phony_dim_N, one per distinct length in
 *     the group (an axis never reuses a phony dimension already used by its own variable).
 */

import { isReference } from '../values/reference.js';

/** A scale dataset written by netCDF-4 for a dimension that is not a variable. */
export const NETCDF_DIM_ONLY = 'This is a netCDF dimension but not a netCDF variable';

export interface VarMeta {
  name: string;
  path: string;
  address: number;
  shape: number[];
  attrs: Record<string, unknown>;
}

export function isScale(attrs: Record<string, unknown>): boolean {
  return attrs.CLASS === 'DIMENSION_SCALE';
}

/** A dimension-only scale: netCDF-4 hides these from the variables. */
export function isDimOnly(attrs: Record<string, unknown>): boolean {
  return isScale(attrs) && typeof attrs.NAME === 'string' && attrs.NAME.startsWith(NETCDF_DIM_ONLY);
}

/** Names listed in a `coordinates` attribute (space-separated, as CF writes them). */
export function coordinateNames(attrs: Record<string, unknown>): string[] {
  const c = attrs.coordinates;
  const s = typeof c === 'string' ? c : Array.isArray(c) && typeof c[0] === 'string' ? c.join(' ') : '';
  return s.split(/\s+/).filter((x) => x !== '');
}

/** The object header addresses one DIMENSION_LIST entry (a sequence of object references) names. */
export function referenceTargets(entry: unknown): number[] {
  if (isReference(entry)) return [entry.address];
  if (Array.isArray(entry)) return entry.flatMap(referenceTargets);
  return [];
}

function basename(path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}

/**
 * Assigns dimension names to every axis of every variable. `resolve` turns a DIMENSION_LIST
 * target (an object header address) into the scale's path (or null when it cannot be found).
 */
export function assignDimensions(
  vars: VarMeta[],
  resolve: (target: number) => string | null,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const byName = new Map(vars.map((v) => [v.name, v]));
  const dimsOf = (v: VarMeta): (string | null)[] => out.get(v.name) ?? v.shape.map(() => null);

  // netCDF-4 numbers its dimensions (_Netcdf4Dimid on each scale); a multi-dimensional
  // coordinate variable cannot attach scales to itself and lists dimids in _Netcdf4Coordinates.
  const byDimid = new Map<number, string>();
  for (const v of vars) {
    const id = v.attrs._Netcdf4Dimid;
    if (isScale(v.attrs) && (typeof id === 'number' || typeof id === 'bigint')) byDimid.set(Number(id), v.name);
  }

  // 1. Dimension scales.
  for (const v of vars) {
    const dims: (string | null)[] = v.shape.map(() => null);
    if (isScale(v.attrs) && v.shape.length >= 1) dims[0] = v.name;
    const ids = v.attrs._Netcdf4Coordinates;
    if (ArrayBuffer.isView(ids) || Array.isArray(ids)) {
      Array.from(ids as ArrayLike<number | bigint>).forEach((id, axis) => {
        const name = byDimid.get(Number(id));
        if (axis < dims.length && name) dims[axis] = name;
      });
    }
    const list = v.attrs.DIMENSION_LIST;
    if (Array.isArray(list) || ArrayBuffer.isView(list)) {
      Array.from(list as ArrayLike<unknown>).forEach((entry, axis) => {
        if (axis >= dims.length) return;
        const path = referenceTargets(entry).map(resolve).find((p) => p !== null);
        if (path) dims[axis] = basename(path);
      });
    }
    out.set(v.name, dims as string[]);
  }

  // 2. The `coordinates` attribute, for 1-D variables still without a dimension.
  for (const v of vars) {
    const dims = dimsOf(v);
    if (v.shape.length !== 1 || dims[0]) continue;
    const along = coordinateNames(v.attrs)
      .map((c) => byName.get(c))
      .filter((cv): cv is VarMeta => cv !== undefined && cv.shape.length === 1 && cv.shape[0] === v.shape[0]);
    if (along.length === 0) continue;
    const name = dimsOf(along[0]!)[0] || along[0]!.name;
    dims[0] = name;
    out.set(v.name, dims as string[]);
    // The other listed coordinates of that length (reference_photon_lat, say) lie along it too.
    for (const cv of along) if (!dimsOf(cv)[0]) out.set(cv.name, [name]);
  }

  // 3. Phony dimensions, one per distinct length (netCDF-C's rule).
  const phony: Array<{ name: string; size: number }> = [];
  for (const v of vars) {
    const dims = dimsOf(v);
    v.shape.forEach((size, axis) => {
      if (dims[axis]) return;
      let p = phony.find((d) => d.size === size && !dims.includes(d.name));
      if (!p) {
        p = { name: `phony_dim_${phony.length}`, size };
        phony.push(p);
      }
      dims[axis] = p.name;
    });
    out.set(v.name, dims as string[]);
  }
  return out;
}
