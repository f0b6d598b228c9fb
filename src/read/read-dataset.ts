/**
 * Reading a dataset's data: plan every byte range the selection needs, fetch them together as
 * coalesced range GETs that bypass the metadata cache, decode each chunk as it arrives, copy the
 * selected elements into one buffer of raw element bytes, and decode values once at the end.
 */
import { coalesceRanges } from '../cache/coalesce.js';
import { readAhead } from '../cache/read-ahead.js';
import { DEFAULT_DIRECT_MAX_GAP, DEFAULT_DIRECT_MAX_REQUEST_BYTES } from '../defaults.js';
import { H5Error, throwIfAborted } from '../errors.js';
import { lookupChunks, MAX_CHUNK_RECORDS } from '../format/chunk-index.js';
import type { ChunkRecord, Datatype, Layout } from '../format/types.js';
import { decodeChunk, preloadFilters, type FilterSpec } from '../filters/registry.js';
import { contiguousRuns, copyChunkHyperslab, copyChunkPoints, chunksTouched, pointsByChunk, type ChunkBytes, type Run } from './plan.js';
import { normalizeSelection, product, selectionCount, selectionShape, type Selection, type SelectionInput } from './selection.js';
import { decodeValues, enumMapping } from '../values/decode.js';
import type { Column } from '../values/column.js';
import { RegionReference } from '../values/reference.js';
import { numpyDtype } from '../values/dtype-string.js';
import { dataKind, type DataByKind, type DataKind } from '../values/kinds.js';
import type { ReadCallOptions as CallOptions, ReadTarget } from './target.js';
import { readVirtual } from './virtual.js';

/** A read's result for one kind of data (see {@link DataByKind}); without K, a union that narrows on `kind`. */
export type ReadResult<K extends DataKind = DataKind> = { [P in K]: ReadResultOf<P> }[K];

export interface ReadResultOf<K extends DataKind> {
  /** What `data` holds, from the datatype: 'number', 'string', 'complex', 'compound', 'opaque', 'reference' or 'sequence'. */
  kind: K;
  /**
   * Typed array for numbers (BigInt64Array for 64-bit integers, Float32Array for half floats), string[] for strings,
   * per-field columns for compounds, (ObjectReference | RegionReference | null)[] for references, a ComplexColumn
   * (interleaved real and imaginary parts) for HDF5 2.0 complex numbers.
   */
  data: DataByKind[K];
  /** The selection's shape; null for a dataset with a null dataspace (no elements), like Dataset.shape and h5py's Empty. */
  shape: number[] | null;
  dtype: string;
  /** For enum datatypes: member name → value (data holds the values). */
  mapping?: Record<string, number | bigint>;
}

/** Room above the chunk size for intermediate filter output (fletcher32's 4 checksum bytes, say). */
const CHUNK_SLACK = 1024;

type ChunkedLayout = Extract<Layout, { class: 'chunked' }>;

export async function readDatasetData(ds: ReadTarget, input: SelectionInput, options?: CallOptions): Promise<ReadResult> {
  const { column, shape, dtype } = await readDatasetColumn(ds, input, options);
  const out = { kind: dataKind(ds.info.datatype), data: column, shape, dtype } as ReadResult;
  if (ds.info.datatype.class === 'enum') out.mapping = enumMapping(ds.info.datatype);
  return out;
}

/** @internal the selection as a decoded column, with its shape (null for a null dataspace) and dtype string. */
export async function readDatasetColumn(ds: ReadTarget, input: SelectionInput, options?: CallOptions): Promise<{ column: Column; shape: number[] | null; dtype: string }> {
  const { bytes, sel, count } = await readDatasetBytes(ds, input, options);
  const { datatype, dataspace } = ds.info;
  const column = await decodeValues(ds.context(options), bytes, datatype, count);
  if (dataspace.kind === 'null') return { column, shape: null, dtype: numpyDtype(datatype) };
  const shape = selectionShape(sel);
  if (datatype.class === 'array') shape.push(...datatype.dims);
  return { column, shape, dtype: numpyDtype(datatype) };
}

/** @internal the selected elements' raw bytes, in file byte order, row-major. */
export async function readDatasetBytes(ds: ReadTarget, input: SelectionInput, options?: CallOptions): Promise<{ bytes: Uint8Array; sel: Selection; count: number }> {
  const signal = options?.signal;
  throwIfAborted(signal);
  const { dataspace, datatype, layout } = ds.info;
  if (ds.info.extentUnknown) throw new H5Error('NotAllowed', ds.info.extentUnknown, { path: ds.path });
  if (input instanceof RegionReference && input.address !== ds.address) {
    throw new H5Error('Invalid', `the region reference is to the dataset at address ${input.address}, not this one (${ds.address}): dereference it first`, { path: ds.path });
  }
  if (dataspace.kind === 'null') return { bytes: new Uint8Array(0), sel: { kind: 'points', points: [] }, count: 0 };
  const dims = dataspace.kind === 'scalar' ? [] : dataspace.dims;
  const sel = normalizeSelection(input, dims);
  const count = selectionCount(sel);
  const size = datatype.size;
  const limits = ds.file.ctx.limits;
  if (count * size > limits.maxReadBytes) {
    throw new H5Error('Limit', `the selection needs ${count * size} bytes, above maxReadBytes ${limits.maxReadBytes}`, { path: ds.path });
  }
  const out = new Uint8Array(count * size);
  fillPattern(out, ds.info.fillBytes);
  if (count > 0) {
    switch (layout.class) {
      case 'compact':
        copyRuns(contiguousRuns(sel, dims, size), layout.data, out, ds.path);
        break;
      case 'contiguous':
        await readContiguous(ds, sel, dims, layout, out, signal);
        break;
      case 'chunked':
        await readChunked(ds, sel, dims, layout, out, signal);
        break;
      case 'virtual':
        await readVirtual(ds, sel, dims, out, signal);
        break;
    }
  }
  return { bytes: out, sel, count };
}

/** Repeats one element's fill bytes over `out` (new, so already zero: null needs nothing). */
function fillPattern(out: Uint8Array, fill: Uint8Array | null): void {
  if (!fill || out.length === 0) return;
  out.set(fill.subarray(0, Math.min(fill.length, out.length)));
  for (let filled = fill.length; filled < out.length; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
}

/** Copies runs out of storage held in memory (compact layout). */
function copyRuns(runs: Run[], data: Uint8Array, out: Uint8Array, path: string): void {
  for (const r of runs) {
    if (r.offset + r.length > data.length) throw new H5Error('Corrupt', `storage of ${data.length} bytes is too short for the dataspace`, { path });
    out.set(data.subarray(r.offset, r.offset + r.length), r.outOffset);
  }
}

async function readContiguous(
  ds: ReadTarget,
  sel: Selection,
  dims: number[],
  layout: Extract<Layout, { class: 'contiguous' }>,
  out: Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  const size = ds.info.datatype.size;
  const { runs, groups } = contiguousRanges(sel, dims, size);
  if (ds.info.external) return readExternal(ds, runs, out, signal);
  if (layout.address === null) return; // never written: the fill value stands
  const total = product(dims) * size;
  if (layout.size < total) {
    throw new H5Error('Corrupt', `contiguous storage of ${layout.size} bytes is smaller than the dataspace's ${total}`, { path: ds.path });
  }
  const base = ds.file.ctx.baseAddress + layout.address;
  const abs = groups.map((g) => ({ offset: base + g.offset, length: g.length }));
  const cache = ds.file.cache;
  // Through the read-ahead, like chunks: GETs land straight in `out`, at most readAheadBytes waiting.
  await readAhead(
    abs,
    cache.readAheadBytes,
    (batch) => cache.readDirectRanges(batch, { signal }),
    (bytes, k) => {
      const range = groups[k]!;
      if (bytes.length < range.length) throw new H5Error('Corrupt', 'contiguous data runs past the end of the file', { path: ds.path, offset: abs[k]!.offset });
      for (const i of range.members) {
        const r = runs[i]!;
        out.set(bytes.subarray(r.offset - range.offset, r.offset - range.offset + r.length), r.outOffset);
      }
    },
    { meter: cache.readAheadMeter },
  );
}

/** External raw storage: the dataset's bytes live in other files, segment after segment. */
async function readExternal(ds: ReadTarget, runs: Run[], out: Uint8Array, signal?: AbortSignal): Promise<void> {
  const segments = ds.info.external!;
  let logical = 0;
  const plan: Array<{ seg: (typeof segments)[number]; start: number; end: number }> = [];
  for (const seg of segments) {
    const len = seg.size ?? Number.MAX_SAFE_INTEGER - logical;
    plan.push({ seg, start: logical, end: logical + len });
    logical += len;
  }
  await Promise.all(
    runs.map(async (r) => {
      let pos = r.offset;
      const end = r.offset + r.length;
      while (pos < end) {
        const p = plan.find((x) => pos >= x.start && pos < x.end);
        if (!p) throw new H5Error('Corrupt', `external storage does not cover byte ${pos}`, { path: ds.path });
        const n = Math.min(end, p.end) - pos;
        const src = await ds.file.openRawRelated(p.seg.name, signal);
        const bytes = await src.read(p.seg.offset + (pos - p.start), n, { signal });
        if (bytes.length < n) throw new H5Error('Corrupt', `external file ${p.seg.name} is shorter than its declared segment`, { path: ds.path });
        out.set(bytes, r.outOffset + (pos - r.offset));
        pos += n;
      }
    }),
  );
}

/** The written chunks a selection touches, with their grid coordinates, in row-major order (unwritten ones hold the fill value). */
async function chunksToRead(ds: ReadTarget, sel: Selection, dims: number[], layout: ChunkedLayout, signal?: AbortSignal): Promise<Array<{ coords: number[]; rec: ChunkRecord }>> {
  const { filters, dataspace } = ds.info;
  const chunkDims = layout.chunkDims;
  const touched = chunksTouched(sel, chunkDims, MAX_CHUNK_RECORDS);
  if (!touched.length) return [];
  const maxDims = dataspace.kind === 'simple' ? dataspace.maxDims : [];
  const records = await lookupChunks(ds.context({ signal }), { layout, dims, maxDims, filtered: filters.length > 0 }, touched);
  // Records by their chunk's row-major index in the grid: a number, not a string, per chunk (a
  // read of a million small chunks made a million key strings twice).
  // A grid of 2^53 chunks or more (a small window of a huge sparse dataset) keeps string keys.
  const grid = dims.map((n, d) => Math.ceil(n / chunkDims[d]!));
  const numeric = grid.reduce((n, g) => n * g, 1) <= Number.MAX_SAFE_INTEGER;
  const keyOf = (coords: readonly number[]): number | string => {
    if (!numeric) return coords.join(',');
    let k = 0;
    for (let d = 0; d < coords.length; d++) k = k * grid[d]! + coords[d]!;
    return k;
  };
  const byKey = new Map<number | string, ChunkRecord>();
  for (const r of records) {
    const coords = r.offset.map((o, d) => Math.floor(o / chunkDims[d]!));
    // A record outside the current extent is no chunk the selection touched.
    if (coords.every((c, d) => c < grid[d]!)) byKey.set(keyOf(coords), r);
  }
  const wanted: Array<{ coords: number[]; rec: ChunkRecord }> = [];
  for (const c of touched) {
    const rec = byKey.get(keyOf(c));
    if (rec) wanted.push({ coords: c, rec });
  }
  return wanted;
}

/** The byte ranges (from the layout's address) a contiguous read fetches: its runs, coalesced. */
function contiguousRanges(sel: Selection, dims: number[], size: number) {
  const runs = contiguousRuns(sel, dims, size);
  return { runs, groups: coalesceRanges(runs, { maxGap: DEFAULT_DIRECT_MAX_GAP, maxRequestBytes: DEFAULT_DIRECT_MAX_REQUEST_BYTES }) };
}

/**
 * @internal the stored bytes a read of `input` will fetch (its chunks, or its contiguous ranges), found
 * before reading: the chunk index is looked up, no data read. Null where the data lives elsewhere
 * (virtual datasets, external storage), 0 where it is in the header or never written.
 */
export async function plannedReadBytes(ds: ReadTarget, input: SelectionInput, options?: CallOptions): Promise<number | null> {
  const { dataspace, datatype, layout } = ds.info;
  if (layout.class === 'virtual' || ds.info.external || ds.info.extentUnknown) return null;
  if (dataspace.kind === 'null' || layout.class === 'compact') return 0;
  const dims = dataspace.kind === 'scalar' ? [] : dataspace.dims;
  const sel = normalizeSelection(input, dims);
  if (selectionCount(sel) === 0) return 0;
  if (layout.class === 'contiguous') return layout.address === null ? 0 : contiguousRanges(sel, dims, datatype.size).groups.reduce((n, g) => n + g.length, 0);
  return (await chunksToRead(ds, sel, dims, layout, options?.signal)).reduce((n, w) => n + w.rec.size, 0);
}

async function readChunked(ds: ReadTarget, sel: Selection, dims: number[], layout: ChunkedLayout, out: Uint8Array, signal?: AbortSignal): Promise<void> {
  const { datatype, filters } = ds.info;
  const size = datatype.size;
  const chunkDims = layout.chunkDims;
  if (chunkDims.length !== dims.length || chunkDims.some((c) => c < 1)) {
    throw new H5Error('Corrupt', `chunk dims [${chunkDims}] do not fit the dataspace [${dims}]`, { path: ds.path });
  }
  const chunkBytes = product(chunkDims) * size;
  const limits = ds.file.ctx.limits;
  if (chunkBytes > limits.maxChunkBytes) {
    throw new H5Error('Limit', `a chunk of ${chunkBytes} bytes is above maxChunkBytes ${limits.maxChunkBytes}`, { path: ds.path });
  }
  preloadFilters(filters);
  const wanted = await chunksToRead(ds, sel, dims, layout, signal);
  if (!wanted.length) return;
  const points = sel.kind === 'points' ? pointsByChunk(sel.points, chunkDims) : null;
  const base = ds.file.ctx.baseAddress;
  const cache = ds.file.cache;
  const maxOutputBytes = Math.min(limits.maxChunkBytes, chunkBytes + CHUNK_SLACK);
  const isFiltered = (coords: number[]) => filters.length > 0 && !(layout.dontFilterPartialEdgeChunks && coords.some((c, d) => (c + 1) * chunkDims[d]! > dims[d]!));
  // Chunks stream through a bounded read-ahead: each is decoded and copied out as it arrives,
  // and what they hold, stored bytes and decode buffers together, stays within readAheadBytes
  // (see cache/read-ahead.ts): the bound holds for smooth and incompressible data alike.
  await readAhead(
    wanted.map((w) => ({ offset: base + w.rec.address, length: w.rec.size })),
    cache.readAheadBytes,
    (batch) => cache.readDirectRanges(batch, { signal }),
    async (bytes, i) => {
      const { coords, rec } = wanted[i]!;
      if (bytes.length < rec.size) throw new H5Error('Corrupt', 'chunk runs past the end of the file', { path: ds.path, offset: base + rec.address });
      const filtered = isFiltered(coords);
      let chunk: ChunkBytes = { data: bytes, shuffled: 0 };
      if (filtered) {
        // A shuffle applied first on write is undone last, by the copy: only the selected
        // elements are unshuffled, straight into the output (see read-plan's ChunkBytes).
        const fuse = fusedShuffle(filters, rec.filterMask, size);
        const data = await decodeChunk(bytes, fuse ? filters.slice(1) : filters, fuse ? rec.filterMask >>> 1 : rec.filterMask, { elementSize: size, chunkBytes, maxOutputBytes, signal }).catch(
          (e: unknown) => {
            if (e instanceof H5Error && e.offset === undefined) throw new H5Error(e.code, e.message, { path: ds.path, offset: base + rec.address, cause: e });
            throw e;
          },
        );
        chunk = { data, shuffled: fuse ? chunkBytes / size : 0 };
      }
      if (chunk.data.length < chunkBytes) throw new H5Error('Corrupt', `chunk holds ${chunk.data.length} bytes, ${chunkBytes} expected`, { path: ds.path, offset: base + rec.address });
      if (points) copyChunkPoints(chunk, points.get(coords.join(','))!, out, size);
      else copyChunkHyperslab(chunk, coords, chunkDims, sel as Selection & { kind: 'hyperslab' }, out, size);
    },
    { decodeCosts: wanted.map((w) => decodeBuffers(filters, w.rec.filterMask, size, isFiltered(w.coords)) * maxOutputBytes), meter: cache.readAheadMeter },
  );
}

/**
 * Decode buffers of up to a chunk's size a chunk needs at once: none unfiltered, one for a single
 * decoding stage (a shuffle the copy undoes is none), two for a pipeline (a stage's input and
 * output are alive together; the one before is dropped).
 */
function decodeBuffers(filters: readonly FilterSpec[], mask: number, size: number, filtered: boolean): number {
  if (!filtered) return 0;
  let stages = 0;
  filters.forEach((_, k) => (stages += (mask >>> k) & 1 ? 0 : 1));
  if (fusedShuffle(filters, mask, size)) stages--;
  return Math.min(2, stages);
}

/**
 * Whether the copy can undo the pipeline's shuffle: it was applied first (index 0), by this
 * chunk (mask bit 0 clear), over elements of the datatype's size (its client data says so).
 */
function fusedShuffle(filters: readonly FilterSpec[], mask: number, size: number): boolean {
  const f = filters[0]!;
  return f.id === 2 && (mask & 1) === 0 && size > 1 && f.clientData[0] === size;
}

export type { Datatype };
