/**
 * Kerchunk reference sets (version 1) for an HDF5 file: Zarr v2 metadata (.zgroup, .zarray,
 * .zattrs) plus one [url, offset, length] per stored chunk, so Zarr readers (zarrita.js, kerchunk
 * with xarray) read the file's chunks without an HDF5 library. Only what Zarr v2 can express is
 * referenced: IEEE floats and whole-byte integers, chunked/contiguous/compact storage, and the
 * deflate (numcodecs zlib) and shuffle filters. Core module: no Node built-ins.
 */
import { H5Error } from '../errors.js';
import type { Attribute } from '../api/attributes.js';
import type { H5File } from '../api/file.js';
import { lookupChunks } from '../format/chunk-index.js';
import { openGroup } from '../labeled/labeled-group.js';
import { isDimOnly } from '../labeled/dims.js';
import type { Dataset } from '../api/objects.js';
import { zarrType, type ZarrType } from './zarr-type.js';
import { base64, encodeChunk, fillChunk, INLINE_MAX_BYTES, vlenChunk, vlenUtf8Chunk, wholeChunk } from './kerchunk-inline.js';
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
const BLOSC = 32001;
/** The HDF5 Blosc filter's compressor codes (client data 6). */
const BLOSC_CNAMES = ['blosclz', 'lz4', 'lz4hc', 'snappy', 'zlib', 'zstd'];

type ZarrFilter = { id: string; [k: string]: unknown };

interface ZarrArray {
  meta: Record<string, unknown>;
  type: ZarrType;
  /** The values are read through coh5 and inlined whole (heap data, N-bit integers, filters numcodecs lacks). */
  inline: boolean;
  /** How coh5 encodes a chunk it writes inline (fill or re-encoded chunks); null when it cannot (Blosc). */
  pipeline: { shuffle: boolean; zlib: boolean } | null;
}

/** Zarr v2 .zarray for a dataset (fill_value decided by the caller), or the reason it cannot be expressed. */
function zarray(ds: Dataset): ZarrArray | { reason: string } {
  const shape = ds.shape;
  if (shape === null) return { reason: 'null dataspace' };
  const type = zarrType(ds);
  if ('reason' in type) return type;
  const layout = ds.info.layout;
  if (ds.info.external) return { reason: 'external raw storage' };
  let filters: ZarrFilter[] | null = null;
  let compressor: ZarrFilter | null = null;
  // A virtual dataset's values come from its sources: read through coh5 and inlined.
  let inline = type.vlen !== undefined || type.decoded === true || type.spacepad === true || layout.class === 'virtual';
  for (const f of ds.filters) {
    // Zarr v2 applies its filters before the compressor: shuffle must precede deflate, as in HDF5.
    if (f.id === SHUFFLE && !compressor) (filters ??= []).push({ id: 'shuffle', elementsize: ds.datatype.size });
    else if (f.id === DEFLATE && !compressor) compressor = { id: 'zlib', level: f.clientData[0] ?? 6 };
    // The HDF5 Blosc filter stores whole Blosc frames, what numcodecs' Blosc decodes (its header names the codec).
    else if (f.id === BLOSC && !compressor) compressor = { id: 'blosc', cname: BLOSC_CNAMES[f.clientData[6] ?? 0] ?? 'blosclz', clevel: f.clientData[4] ?? 5, shuffle: f.clientData[5] ?? 1, blocksize: 0 };
    else inline = true; // a filter numcodecs lacks (szip, LZF, scale-offset, N-bit, Fletcher-32 ...)
  }
  if (inline) {
    const vlen = type.vlen === 'utf8' ? [{ id: 'vlen-utf8' }] : type.vlen === 'array' ? [{ id: 'vlen-array', dtype: type.item }] : null;
    const meta = { zarr_format: 2, shape, chunks: shape.map((n) => Math.max(n, 1)), dtype: type.dtype, compressor: null, filters: vlen, fill_value: null as unknown, order: 'C', dimension_separator: '.' };
    return { meta, type, inline: true, pipeline: { shuffle: false, zlib: false } };
  }
  // Zarr needs chunks of at least 1 even along a zero-length dimension (which then has no chunk keys).
  const chunks = layout.class === 'chunked' ? layout.chunkDims : shape.map((n) => Math.max(n, 1));
  const meta = { zarr_format: 2, shape, chunks, dtype: type.dtype, compressor, filters, fill_value: null as unknown, order: 'C', dimension_separator: '.' };
  const pipeline = compressor === null || compressor.id === 'zlib' ? { shuffle: filters !== null, zlib: compressor !== null } : null;
  return { meta, type, inline: false, pipeline };
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
  // An empty (null dataspace) attribute: h5netcdf shows it as ''.
  if (v === null) return '';
  if (typeof v === 'string' || typeof v === 'boolean') return v;
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

/**
 * Attributes netCDF-4 and HDF5's dimension scales keep for themselves, hidden as h5netcdf hides
 * them (DIMENSION_LIST and REFERENCE_LIST hold object references, which JSON cannot anyway).
 */
const HIDDEN_ATTRS = new Set(['DIMENSION_LIST', 'REFERENCE_LIST', 'CLASS', 'NAME', '_Netcdf4Dimid', '_Netcdf4Coordinates', '_nc3_strict', '_NCProperties']);

/** Marks a whole-number float inside an attribute array, written as `n.0` so Python reads a float back. */
const FLOAT_MARK = '\u0000coh5-float:';

/** An attribute value shaped as h5netcdf shows it: nested lists by its dataspace, a one-element array as its element. */
function shaped(a: Attribute): unknown {
  const j = jsonSafe(a.value);
  if (!Array.isArray(j) || !a.shape || a.shape.length === 0) return j;
  if (a.shape.length === 1 && a.shape[0] === 1) return j[0];
  const floats = a.datatype.class === 'float' ? j.map((x) => (typeof x === 'number' && Number.isInteger(x) && Math.abs(x) < 1e21 ? `${FLOAT_MARK}${x}` : x)) : j;
  const nest = (at: number, d: number): unknown[] => {
    const n = a.shape![d]!;
    const step = a.shape!.slice(d + 1).reduce((p, q) => p * q, 1);
    return Array.from({ length: n }, (_, k) => (d === a.shape!.length - 1 ? floats[at + k] : nest(at + k * step, d + 1)));
  };
  return nest(0, 0);
}

/**
 * .zattrs from an object's attributes, or the attribute that has no JSON form xarray reads back
 * as h5netcdf shows it (compound and complex values, arrays of unsigned integers).
 */
function zattrs(list: Attribute[]): { attrs: Record<string, unknown>; unexpressed?: string } {
  const out: Record<string, unknown> = {};
  let unexpressed: string | undefined;
  for (const a of list) {
    if (HIDDEN_ATTRS.has(a.name)) continue;
    // JSON integers come back as int64, so an array of unsigned integers would change kind.
    const unsignedArray = a.datatype.class === 'integer' && !a.datatype.signed && (a.shape?.reduce((p, q) => p * q, 1) ?? 0) > 1 && a.shape!.length > 0;
    if (a.datatype.class === 'compound' || a.datatype.class === 'complex' || unsignedArray) {
      unexpressed ??= a.name;
      continue;
    }
    const j = shaped(a);
    if (j !== undefined) out[a.name] = j;
  }
  return unexpressed === undefined ? { attrs: out } : { attrs: out, unexpressed };
}

/** A scalar `_FillValue` attribute (or a one-element array of one), as Zarr's fill_value; else null. */
function fillAttribute(v: unknown): unknown {
  const x = ArrayBuffer.isView(v) || Array.isArray(v) ? ((v as ArrayLike<unknown>).length === 1 ? (v as ArrayLike<unknown>)[0] : undefined) : v;
  return typeof x === 'number' || typeof x === 'bigint' ? fillValue(x) : null;
}

/**
 * JSON with every non-ASCII character escaped (\\uXXXX): fsspec's reference filesystem hands
 * string entries to Zarr as ASCII bytes, so raw UTF-8 attribute text fails to open.
 */
function jsonText(v: unknown): string {
  return JSON.stringify(v)
    .replace(/"\\u0000coh5-float:(-?\d+)"/g, '$1.0')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function gridOf(shape: number[], chunks: number[]): number[] {
  return shape.map((n, d) => Math.ceil(n / chunks[d]!));
}

/** The chunk references of one dataset, keyed 'i.j.k', or the reason some chunk cannot be referenced as is. */
async function chunkRefs(ds: Dataset, z: ZarrArray, url: string, base: number): Promise<Record<string, RefEntry> | { reason: string }> {
  const layout = ds.info.layout;
  const shape = ds.shape!;
  const scalarKey = shape.length ? shape.map(() => 0).join('.') : '0';
  const out: Record<string, RefEntry> = {};
  // Chunks that skipped a filter (filter mask) or were left unfiltered at the edge: read through coh5
  // and re-encoded with the dataset's shuffle and zlib (stored blocks), so Zarr's one pipeline reads every chunk.
  const reencode: number[][] = [];
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
      const unfilteredEdge = info.filters.length > 0 && layout.dontFilterPartialEdgeChunks && coords.some((c, d) => (c + 1) * layout.chunkDims[d]! > shape[d]!);
      if (r.filterMask !== 0 || unfilteredEdge) reencode.push(coords);
      else out[coords.join('.')] = [url, base + r.address, r.size];
    }
  }
  if (!reencode.length) return out;
  const layout2 = layout as Extract<typeof layout, { class: 'chunked' }>;
  const size = ds.datatype.size;
  const chunkDims = layout2.chunkDims.slice(0, shape.length);
  const chunkBytes = chunkDims.reduce((a, b) => a * b, size);
  if (!z.pipeline) return { reason: 'chunks that skip filters (filter mask or unfiltered edges) under Blosc' };
  if (reencode.length * chunkBytes > INLINE_MAX_BYTES) {
    return { reason: `${reencode.length} chunks that skip filters (filter mask or unfiltered edges), too large to re-encode inline (${reencode.length * chunkBytes} bytes > ${INLINE_MAX_BYTES})` };
  }
  for (const coords of reencode) {
    const sel = coords.map((c, d): [number, number] => [c * chunkDims[d]!, Math.min((c + 1) * chunkDims[d]!, shape[d]!)]);
    const block = await ds.readRaw(sel);
    const raw = wholeChunk(block, sel.map(([a, b]) => b - a), chunkDims, size);
    out[coords.join('.')] = `base64:${base64(encodeChunk(raw, size, z.pipeline))}`;
  }
  return out;
}

/**
 * Chunks the file never wrote, as explicit chunks of the HDF5 fill value: a Zarr reader fills a
 * missing chunk with fill_value, which xarray also takes as _FillValue and masks, so fill_value
 * is only set from a `_FillValue` attribute and every other unwritten chunk is spelled out.
 */
function unwrittenChunks(ds: Dataset, z: ZarrArray, present: Record<string, RefEntry>): Record<string, RefEntry> | { reason: string } {
  const shape = ds.shape!;
  const hdf5Fill = ds.fillvalue ?? 0;
  const zf = z.meta.fill_value;
  // fsspec's reference mapper can raise KeyError for a chunk it does not hold even where fill_value
  // covers it, so unwritten chunks are spelled out whenever they fit; beyond that, fill_value serves.
  const fillCovers = zf !== null && (zf === fillValue(hdf5Fill) || (zf === 'NaN' && Number.isNaN(hdf5Fill)));
  const chunks = z.meta.chunks as number[];
  const grid = gridOf(shape, chunks);
  const total = grid.reduce((a, b) => a * b, 1);
  const missing = total - Object.keys(present).length;
  if (missing <= 0) return {};
  const elements = chunks.reduce((a, b) => a * b, 1);
  if (!z.pipeline && fillCovers) return {};
  if (!z.pipeline) return { reason: `${missing} unwritten chunks under Blosc, which coh5 cannot write` };
  // Under zlib a fill chunk is run-length coded to a few bytes per 258; uncompressed it is whole.
  const raw = missing * elements * ds.datatype.size;
  if (!z.pipeline.zlib && raw > INLINE_MAX_BYTES) {
    return fillCovers ? {} : { reason: `${missing} unwritten chunks (${raw} bytes of fill value) exceed the ${INLINE_MAX_BYTES}-byte inline limit` };
  }
  const entry = `base64:${base64(fillChunk(ds.info.fillBytes ?? new Uint8Array(ds.datatype.size), elements, z.pipeline))}`;
  const bytes = missing * entry.length;
  if (bytes > INLINE_MAX_BYTES) {
    return fillCovers ? {} : { reason: `${missing} unwritten chunks (${bytes} bytes of inlined fill chunks) exceed the ${INLINE_MAX_BYTES}-byte inline limit` };
  }
  const out: Record<string, RefEntry> = {};
  const at = grid.map(() => 0);
  for (let k = 0; k < total; k++) {
    const key = shape.length ? at.join('.') : '0';
    if (!(key in present)) out[key] = entry;
    for (let d = at.length - 1; d >= 0 && ++at[d]! === grid[d]; d--) at[d] = 0;
  }
  return out;
}

/** The whole dataset read through coh5 into one inlined chunk: VLenUTF8 / VLenArray for heap data, else the raw element bytes. */
async function inlineChunk(ds: Dataset, z: ZarrArray): Promise<Record<string, RefEntry> | { reason: string }> {
  const shape = ds.shape!;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count === 0) return {};
  const why = z.type.vlen ? 'variable-length data' : ds.info.layout.class === 'virtual' ? 'a virtual dataset' : z.type.decoded ? 'numbers with a non-standard bit layout' : z.type.spacepad ? 'space-padded strings' : ds.filters.length ? `filter ${ds.filters.map((f) => f.name).join(', ')} (not in numcodecs)` : 'chunks Zarr cannot take as stored';
  const guess = count * (z.type.vlen ? 16 : ds.datatype.size);
  if (guess > INLINE_MAX_BYTES) return { reason: `${why}, too large to inline (about ${guess} bytes > ${INLINE_MAX_BYTES})` };
  let chunk: Uint8Array;
  if (z.type.vlen === 'utf32') {
    const text = Array.from(String(((await ds.read()).data as ArrayLike<string | null>)[0] ?? ''), (c) => c.codePointAt(0)!);
    z.meta.dtype = `<U${Math.max(1, text.length)}`;
    chunk = new Uint8Array(4 * Math.max(1, text.length));
    text.forEach((c, k) => new DataView(chunk.buffer).setUint32(4 * k, c, true));
  } else if (z.type.vlen === 'utf8') chunk = vlenUtf8Chunk((await ds.read()).data as ArrayLike<string | null>);
  else if (z.type.vlen === 'array') chunk = vlenChunk(Array.from((await ds.read()).data as ArrayLike<ArrayBufferView>, (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)));
  else if (z.type.decoded) {
    const read = (await ds.read()).data as ArrayBufferView;
    // Floats of any layout are read as float64: narrowed back (exactly, see zarr-type.ts) where h5py gives float32.
    const data = z.type.dtype === '<f4' && read instanceof Float64Array ? Float32Array.from(read) : read;
    chunk = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } else if (z.type.spacepad) chunk = unpad(await ds.readRaw(), ds.datatype.size);
  else chunk = await ds.readRaw();
  if (chunk.length > INLINE_MAX_BYTES) return { reason: `${why}, ${chunk.length} bytes: too large to inline` };
  return { [shape.length ? shape.map(() => 0).join('.') : '0']: `base64:${base64(chunk)}` };
}

/** Fixed strings of `size` bytes with their trailing spaces turned to NULs, as HDF5 converts space padding to h5py's null padding. */
function unpad(bytes: Uint8Array, size: number): Uint8Array {
  const out = bytes.slice();
  for (let at = 0; at < out.length; at += size) for (let j = at + size - 1; j >= at && out[j] === 0x20; j--) out[j] = 0;
  return out;
}

/** Dimension names per variable of one group, as netCDF-4 / h5netcdf name them (null when the group cannot be labelled). */
async function groupDims(file: H5File, path: string): Promise<Map<string, string[]> | null> {
  try {
    const g = await openGroup(file, path);
    return new Map(Object.values(g.variables).map((v) => [v.name, v.dims]));
  } catch (e) {
    if (!(e instanceof H5Error) || e.code === 'Network' || e.code === 'Aborted') throw e;
    return null;
  }
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
  // Where a group cannot be labelled: phony dimension names per distinct length, as kerchunk's HDF5 translator makes them.
  const phony = new Map<number, string[]>();
  let phonyCount = 0;
  const dimsByGroup = new Map<string, Promise<Map<string, string[]> | null>>();
  const dimsOf = async (path: string, shape: number[]): Promise<string[]> => {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (!dimsByGroup.has(parent)) dimsByGroup.set(parent, groupDims(file, parent));
    const named = (await dimsByGroup.get(parent))?.get(path.slice(path.lastIndexOf('/') + 1));
    if (named && named.length === shape.length) return named;
    // A dataset with two equal dimensions (100x100) needs two names: the k-th use of a length takes its k-th name.
    const used = new Map<number, number>();
    return shape.map((n) => {
      const k = used.get(n) ?? 0;
      used.set(n, k + 1);
      const names = phony.get(n) ?? [];
      phony.set(n, names);
      while (names.length <= k) names.push(`phony_dim_${phonyCount++}`);
      return names[k]!;
    });
  };
  refs['.zgroup'] = JSON.stringify({ zarr_format: 2 });
  // Attributes that cannot be read are left out (and reported), not fatal: the data may still be fine.
  const rawAttrs = async (node: { path: string; attributes(): Promise<Attribute[]> }): Promise<Attribute[]> => {
    try {
      return await node.attributes();
    } catch (e) {
      if (!(e instanceof H5Error) || e.code === 'Network' || e.code === 'Aborted') throw e;
      warnings.push({ path: node.path, message: `attributes left out: ${e.message}` });
      return [];
    }
  };
  if (withAttrs) refs['.zattrs'] = jsonText(zattrs(await rawAttrs(file)).attrs);
  for await (const { path, node: linked, link } of file.walk()) {
    // fsspec and Zarr take a backslash in a key as a path separator.
    if (link.name.includes('\\')) {
      skipped.push({ path, reason: 'a name with a backslash, which Zarr keys cannot hold' });
      continue;
    }
    if (link.kind === 'external') {
      skipped.push({ path, reason: `external link to ${link.file}:${link.path}` });
      continue;
    }
    // A soft link to a dataset is referenced as a second copy of its metadata and chunk references, as h5netcdf shows it.
    const node = link.kind === 'soft' ? await file.get(path).then((n) => (n.kind === 'dataset' ? n : null), () => null) : linked;
    if (!node || node.kind === 'datatype') continue;
    if (node.kind === 'group') {
      refs[key(path, '.zgroup')] = JSON.stringify({ zarr_format: 2 });
      if (withAttrs) refs[key(path, '.zattrs')] = jsonText(zattrs(await rawAttrs(node)).attrs);
      continue;
    }
    const list = await rawAttrs(node);
    const raw: Record<string, unknown> = Object.fromEntries(list.map((a) => [a.name, a.value]));
    // netCDF-4 writes a scale for a dimension that has no variable; h5netcdf shows no variable either.
    if (isDimOnly(raw)) continue;
    const z = zarray(node);
    const za = withAttrs ? zattrs(list) : { attrs: {} };
    if (za.unexpressed !== undefined) {
      skipped.push({ path, reason: `attribute ${za.unexpressed}: a compound, complex or unsigned-array value, which JSON attributes cannot carry` });
      continue;
    }
    if ('reason' in z) {
      skipped.push({ path, reason: z.reason });
      continue;
    }
    z.meta.fill_value = z.type.vlen ? null : fillAttribute(raw._FillValue);
    let chunks: Record<string, RefEntry> | { reason: string };
    try {
      chunks = z.inline ? await inlineChunk(node, z) : await chunkRefs(node, z, url, base);
      if ('reason' in chunks && !z.inline) {
        // Chunks Zarr cannot take as stored (filter mask, unfiltered edges): the decoded values, inlined.
        const whole = zarray(node) as ZarrArray;
        Object.assign(z, { inline: true, meta: { ...whole.meta, chunks: node.shape!.map((n) => Math.max(n, 1)), compressor: null, filters: null, fill_value: z.meta.fill_value } });
        const inlined = await inlineChunk(node, z);
        chunks = 'reason' in inlined ? { reason: `${chunks.reason}; ${inlined.reason}` } : inlined;
      } else if (!z.inline) {
        const unwritten = unwrittenChunks(node, z, chunks);
        chunks = 'reason' in unwritten ? unwritten : { ...chunks, ...unwritten };
      }
    } catch (e) {
      if (!(e instanceof H5Error) || e.code === 'Network' || e.code === 'Aborted') throw e;
      chunks = { reason: e.message };
    }
    if ('reason' in chunks) {
      skipped.push({ path, reason: chunks.reason as string });
      continue;
    }
    refs[key(path, '.zarray')] = jsonText(z.meta);
    // xarray takes _FillValue from fill_value; kept in .zattrs too it would be the same value twice.
    const attrs: Record<string, unknown> = za.attrs;
    if (z.meta.fill_value !== null) delete attrs._FillValue;
    attrs._ARRAY_DIMENSIONS = await dimsOf(path, node.shape!);
    refs[key(path, '.zattrs')] = jsonText(attrs);
    for (const [k, v] of Object.entries(chunks)) refs[key(path, k)] = v;
  }
  return { refs: { version: 1, refs }, skipped, warnings };
}
