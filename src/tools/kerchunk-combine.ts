/**
 * Many granules, one reference set: concatenates kerchunk reference sets along a dimension, as
 * kerchunk's MultiZarrToZarr does. Along an existing dimension the chunk keys of each granule are
 * shifted past the previous granules' chunks (so the dimension's coordinate variable is
 * concatenated like any other, values and all); a new dimension becomes a leading axis of every
 * array, with a coordinate holding the granule index. Arrays without the dimension are taken from
 * the first granule. Core module: no Node built-ins.
 */
import { H5Error } from '../errors.js';
import type { RefEntry, ReferenceSet } from './kerchunk.js';
import { base64 } from './kerchunk-inline.js';

interface ArrayMeta {
  shape: number[];
  chunks: number[];
  [k: string]: unknown;
}

/** Array paths ('' for the root, else 'a/b/') of a reference set, with their metadata and dimension names. */
function arraysOf(refs: Record<string, RefEntry>): Map<string, { meta: ArrayMeta; attrs: Record<string, unknown> }> {
  const out = new Map<string, { meta: ArrayMeta; attrs: Record<string, unknown> }>();
  for (const k of Object.keys(refs)) {
    if (!k.endsWith('.zarray')) continue;
    const prefix = k.slice(0, -'.zarray'.length);
    const attrs = typeof refs[`${prefix}.zattrs`] === 'string' ? JSON.parse(refs[`${prefix}.zattrs`] as string) : {};
    out.set(prefix, { meta: JSON.parse(refs[k] as string), attrs });
  }
  return out;
}

/** Chunk keys ('i.j.k' after the array's prefix) of one array. */
function chunkKeys(refs: Record<string, RefEntry>, prefix: string): string[] {
  return Object.keys(refs).filter((k) => k.startsWith(prefix) && /^\d+(\.\d+)*$/.test(k.slice(prefix.length)));
}

function sameExcept(a: ArrayMeta, b: ArrayMeta, axis: number): boolean {
  const strip = (m: ArrayMeta) => JSON.stringify({ ...m, shape: m.shape.filter((_, d) => d !== axis) });
  return strip(a) === strip(b);
}

/** One reference set concatenating `sets` (in order) along `dim`. */
export function combineReferences(sets: ReferenceSet[], dim: string): ReferenceSet {
  if (sets.length === 0) throw new H5Error('Invalid', 'combineReferences: no reference sets');
  const first = sets[0]!.refs;
  const arrays = arraysOf(first);
  const existing = [...arrays.values()].some((a) => (a.attrs._ARRAY_DIMENSIONS as string[] | undefined)?.includes(dim));
  const out: Record<string, RefEntry> = {};
  // Groups and their attributes, and arrays without the dimension, come from the first granule.
  for (const [k, v] of Object.entries(first)) if (!arrays.has(k.slice(0, k.lastIndexOf('/') + 1)) || !isChunkKey(k)) out[k] = v;
  const all = sets.map((s) => arraysOf(s.refs));
  for (const [prefix, { meta, attrs }] of arrays) {
    const dims = (attrs._ARRAY_DIMENSIONS as string[] | undefined) ?? [];
    const axis = existing ? dims.indexOf(dim) : -1;
    if (existing && axis < 0) {
      for (const k of chunkKeys(first, prefix)) out[k] = first[k]!;
      continue;
    }
    if (!existing) {
      // A new leading axis: granule i is chunk i along it.
      out[`${prefix}.zarray`] = JSON.stringify({ ...meta, shape: [sets.length, ...meta.shape], chunks: [1, ...meta.chunks] });
      out[`${prefix}.zattrs`] = JSON.stringify({ ...attrs, _ARRAY_DIMENSIONS: [dim, ...dims] });
      sets.forEach((s, i) => {
        const other = all[i]!.get(prefix);
        if (!other || JSON.stringify(other.meta) !== JSON.stringify(meta)) throw mismatch(prefix, i, 'shape, chunks or dtype differ from the first granule');
        for (const k of chunkKeys(s.refs, prefix)) out[`${prefix}${i}.${k.slice(prefix.length)}`] = s.refs[k]!;
      });
      continue;
    }
    const chunk = meta.chunks[axis]!;
    let length = 0;
    sets.forEach((s, i) => {
      const other = all[i]!.get(prefix);
      if (!other || !sameExcept(other.meta, meta, axis)) throw mismatch(prefix, i, 'chunks, dtype or other dimensions differ from the first granule');
      // A granule that ends mid-chunk would leave a hole in the chunk grid: Zarr chunks are all one size.
      if (length % chunk !== 0) throw mismatch(prefix, i, `granule ${i - 1} ends mid-chunk (${length} not a multiple of the chunk length ${chunk} along ${dim})`);
      const shift = length / chunk;
      for (const k of chunkKeys(s.refs, prefix)) {
        const idx = k.slice(prefix.length).split('.').map(Number);
        idx[axis]! += shift;
        out[`${prefix}${idx.join('.')}`] = s.refs[k]!;
      }
      length += other.meta.shape[axis]!;
    });
    out[`${prefix}.zarray`] = JSON.stringify({ ...meta, shape: meta.shape.map((n, d) => (d === axis ? length : n)) });
  }
  if (!existing) {
    // The new dimension's coordinate: the granule index, inlined.
    const values = new Uint8Array(new Int32Array(sets.map((_, i) => i)).buffer);
    out[`${dim}/.zarray`] = JSON.stringify({ zarr_format: 2, shape: [sets.length], chunks: [sets.length], dtype: '<i4', compressor: null, filters: null, fill_value: null, order: 'C', dimension_separator: '.' });
    out[`${dim}/.zattrs`] = JSON.stringify({ _ARRAY_DIMENSIONS: [dim], long_name: 'granule index' });
    out[`${dim}/0`] = `base64:${base64(values)}`;
  }
  return { version: 1, refs: out };
}

function isChunkKey(k: string): boolean {
  return /^\d+(\.\d+)*$/.test(k.slice(k.lastIndexOf('/') + 1));
}

function mismatch(prefix: string, i: number, why: string): H5Error {
  return new H5Error('Invalid', `cannot concatenate ${prefix.slice(0, -1) || '/'} of granule ${i}: ${why}`);
}
