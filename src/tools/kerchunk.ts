/**
 * Kerchunk reference sets (version 1) for an HDF5 file: Zarr v2 metadata (.zgroup, .zarray,
 * .zattrs) plus one [url, offset, length] per stored chunk, so Zarr readers (zarrita.js, kerchunk
 * with xarray) read the file's chunks without an HDF5 library. Only what Zarr v2 can express is
 * referenced: IEEE floats and whole-byte integers, chunked/contiguous/compact storage, and the
 * deflate (numcodecs zlib) and shuffle filters. Core module: no Node built-ins.
 */
import { H5Error } from '../errors.js';
import type { H5File } from '../api/file.js';
import { lookupChunks } from '../format/chunk-index.js';
import type { Dataset } from '../api/objects.js';
import type { Complex } from '../values/column.js';
import { isReference } from '../values/reference.js';

export type RefEntry = string | [string] | [string, number, number];

export interface ReferenceSet {
  version: 1;
  refs: Record<string, RefEntry>;
}

export interface BuildOptions {
  /** The URL the chunk references name (default: the file's key). */
  url?: string;
  /** Include attributes as .zattrs (default true). */
  attributes?: boolean;
}

export interface BuildResult {
  refs: ReferenceSet;
  /** Datasets left out, with the reason. */
  skipped: Array<{ path: string; reason: string }>;
  /** Objects referenced without their attributes (which could not be read), with the error. */
  warnings: Array<{ path: string; message: string }>;
}

/** HDF5 filter ids Zarr can decode. */
const DEFLATE = 1;
const SHUFFLE = 2;

type ZarrFilter = { id: string; [k: string]: unknown };

/** Zarr v2 .zarray for a dataset, or the reason it cannot be expressed. */
function zarray(ds: Dataset): { meta: Record<string, unknown> } | { reason: string } {
  const dt = ds.datatype;
  const shape = ds.shape;
  if (shape === null) return { reason: 'null dataspace' };
  if (shape.some((n) => n === 0)) return { reason: 'zero-sized dimension' };
  const dtype = ds.dtype;
  // Enums are stored as their integer base and bitfields as unsigned integers: Zarr reads the same numbers.
  // HDF5 2.0's complex class stores (real, imaginary) pairs of floats, numpy's complex64/complex128 bytes.
  const base = dt.class === 'enum' || dt.class === 'complex' ? dt.base : dt;
  if (!/^[<>|]([iuf][1248]|c8|c16)$/.test(dtype) || (base.class !== 'integer' && base.class !== 'float' && base.class !== 'bitfield')) {
    return { reason: `datatype ${dtype} (${dt.class})` };
  }
  if (('order' in base && base.order === 'vax') || base.bitOffset !== 0 || base.precision !== base.size * 8) {
    return { reason: `datatype ${dtype} with a non-standard bit layout` };
  }
  const layout = ds.info.layout;
  if (layout.class === 'virtual') return { reason: 'virtual dataset' };
  if (ds.info.external) return { reason: 'external raw storage' };
  let filters: ZarrFilter[] | null = null;
  let compressor: ZarrFilter | null = null;
  for (const f of ds.filters) {
    // Zarr v2 applies its filters before the compressor: shuffle must precede deflate, as in HDF5.
    if (f.id === SHUFFLE && !compressor) (filters ??= []).push({ id: 'shuffle', elementsize: dt.size });
    else if (f.id === DEFLATE && !compressor) compressor = { id: 'zlib', level: f.clientData[0] ?? 6 };
    else return { reason: `filter ${f.name}` };
  }
  const chunks = layout.class === 'chunked' ? layout.chunkDims : shape;
  return {
    meta: {
      zarr_format: 2,
      shape,
      chunks,
      dtype,
      compressor,
      filters,
      fill_value: fillValue(ds.fillvalue, dt.class === 'complex'),
      order: 'C',
      dimension_separator: '.',
    },
  };
}

function fillValue(v: unknown, complex = false): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v;
  // Zarr v2 writes a complex fill value as [real, imaginary].
  if (complex) return v ? [fillValue((v as Complex).r), fillValue((v as Complex).i)] : [0, 0];
  // HDF5 reads unwritten chunks as zeros when no fill value is defined; Zarr's null would mean "undefined".
  return v === undefined || v === null ? 0 : typeof v === 'boolean' ? Number(v) : (v as number);
}

/** JSON-safe copy of an attribute value, or undefined when it has no JSON form. */
function jsonSafe(v: unknown): unknown {
  if (isReference(v)) return undefined;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>, jsonSafe);
  if (Array.isArray(v)) {
    const out = v.map(jsonSafe);
    return out.some((x) => x === undefined) ? undefined : out;
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as object)) {
      const y = jsonSafe(x);
      if (y === undefined) return undefined;
      out[k] = y;
    }
    return out;
  }
  return undefined;
}

/** Dimension-scale bookkeeping attributes hold object references, which JSON cannot. */
const DROP_ATTRS = new Set(['DIMENSION_LIST', 'REFERENCE_LIST']);

function zattrs(attrs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (DROP_ATTRS.has(k)) continue;
    const j = jsonSafe(v);
    if (j !== undefined) out[k] = j;
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The chunk references of one dataset, keyed 'i.j.k'; null with a reason when some chunk cannot be referenced as is. */
async function chunkRefs(ds: Dataset, url: string, base: number): Promise<Record<string, RefEntry> | { reason: string }> {
  const layout = ds.info.layout;
  const shape = ds.shape!;
  const scalarKey = shape.length ? shape.map(() => 0).join('.') : '0';
  const out: Record<string, RefEntry> = {};
  if (layout.class === 'compact') {
    out[scalarKey] = `base64:${base64(layout.data)}`;
  } else if (layout.class === 'contiguous') {
    if (layout.address !== null) out[scalarKey] = [url, base + layout.address, layout.size];
  } else if (layout.class === 'chunked') {
    const info = ds.info;
    const maxDims = info.dataspace.kind === 'simple' ? info.dataspace.maxDims : [];
    const recs = await lookupChunks(ds.context(), { layout, dims: shape, maxDims, filtered: info.filters.length > 0 }, 'all');
    for (const r of recs) {
      const coords = r.offset.map((o, d) => o / layout.chunkDims[d]!);
      if (coords.some((c, d) => c * layout.chunkDims[d]! >= shape[d]!)) continue; // beyond the current extent
      if (r.filterMask !== 0) return { reason: 'chunks that skip filters (filter mask)' };
      if (info.filters.length && layout.dontFilterPartialEdgeChunks && coords.some((c, d) => (c + 1) * layout.chunkDims[d]! > shape[d]!)) {
        return { reason: 'unfiltered partial edge chunks' };
      }
      out[coords.join('.')] = [url, base + r.address, r.size];
    }
  }
  return out;
}

/** Builds the reference set for every group and every expressible dataset of the file. */
export async function buildReferences(file: H5File, options: BuildOptions = {}): Promise<BuildResult> {
  const url = options.url ?? file.key;
  const withAttrs = options.attributes ?? true;
  const refs: Record<string, RefEntry> = {};
  const skipped: BuildResult['skipped'] = [];
  const warnings: BuildResult['warnings'] = [];
  const base = file.ctx.baseAddress;
  const key = (path: string, name: string) => (path === '/' ? name : `${path.slice(1)}/${name}`);
  // Phony dimension names per distinct length, as kerchunk's HDF5 translator makes them, so xarray can open the set.
  const phony = new Map<number, string[]>();
  let phonyCount = 0;
  refs['.zgroup'] = JSON.stringify({ zarr_format: 2 });
  // Attributes that cannot be read are left out (and reported), not fatal: the data may still be fine.
  const attrsOf = async (node: { path: string; attrs(): Promise<Record<string, unknown>> }): Promise<Record<string, unknown>> => {
    if (!withAttrs) return {};
    try {
      return zattrs(await node.attrs());
    } catch (e) {
      if (!(e instanceof H5Error) || e.code === 'Network' || e.code === 'Aborted') throw e;
      warnings.push({ path: node.path, message: `attributes left out: ${e.message}` });
      return {};
    }
  };
  if (withAttrs) refs['.zattrs'] = JSON.stringify(await attrsOf(file));
  for await (const { path, node } of file.walk()) {
    if (!node || node.kind === 'datatype') continue;
    if (node.kind === 'group') {
      refs[key(path, '.zgroup')] = JSON.stringify({ zarr_format: 2 });
      if (withAttrs) refs[key(path, '.zattrs')] = JSON.stringify(await attrsOf(node));
      continue;
    }
    const z = zarray(node);
    if ('reason' in z) {
      skipped.push({ path, reason: z.reason });
      continue;
    }
    let chunks: Awaited<ReturnType<typeof chunkRefs>>;
    try {
      chunks = await chunkRefs(node, url, base);
    } catch (e) {
      if (!(e instanceof H5Error) || e.code === 'Network' || e.code === 'Aborted') throw e;
      skipped.push({ path, reason: e.message });
      continue;
    }
    if ('reason' in chunks) {
      skipped.push({ path, reason: chunks.reason as string });
      continue;
    }
    refs[key(path, '.zarray')] = JSON.stringify(z.meta);
    const attrs = await attrsOf(node);
    // A dataset with two equal dimensions (100x100) needs two names: the k-th use of a length takes its k-th name.
    const used = new Map<number, number>();
    attrs._ARRAY_DIMENSIONS = node.shape!.map((n) => {
      const k = used.get(n) ?? 0;
      used.set(n, k + 1);
      const names = phony.get(n) ?? [];
      phony.set(n, names);
      while (names.length <= k) names.push(`phony_dim_${phonyCount++}`);
      return names[k]!;
    });
    refs[key(path, '.zattrs')] = JSON.stringify(attrs);
    for (const [k, v] of Object.entries(chunks)) refs[key(path, k)] = v;
  }
  return { refs: { version: 1, refs }, skipped, warnings };
}
