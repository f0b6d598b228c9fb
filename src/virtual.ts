/**
 * Virtual datasets (layout class 3): a mapping list in the global heap pairs a selection of the
 * virtual dataset with a selection of a source dataset, in this file ('.') or another one.
 * Reading maps each selected virtual element to its source element, then reads every source's
 * elements in one point-selection read per source, all sources in parallel.
 */
import { H5Error } from './errors.js';
import type { FormatContext } from './format/context.js';
import { cstring, cursor, readLength, u8 } from './format/cursor.js';
import { readGlobalHeapObjects } from './format/global-heap.js';
import type { Layout } from './format/types.js';
import { readSelection, type Selection as StoredSelection } from './values/selection.js';
import { selectedCoordinates, selectionInfo } from './values/selection-info.js';
import type { Selection } from './selection.js';
import type { Dataset } from './objects.js';

export interface VirtualMapping {
  file: string;
  dataset: string;
  source: StoredSelection;
  virtual: StoredSelection;
}

export async function readVirtualMappings(ctx: FormatContext, layout: Extract<Layout, { class: 'virtual' }>): Promise<VirtualMapping[]> {
  if (layout.heapAddress === null) return [];
  const [obj] = await readGlobalHeapObjects(ctx, [{ collectionAddress: layout.heapAddress, index: layout.heapIndex }]);
  const c = cursor(obj!, layout.heapAddress);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `virtual dataset mapping list version ${version}`, { offset: ctx.baseAddress + layout.heapAddress });
  const n = readLength(c, ctx.sizeOfLengths);
  if (n > obj!.length) throw new H5Error('Corrupt', `virtual dataset lists ${n} mappings in ${obj!.length} bytes`, { offset: ctx.baseAddress + layout.heapAddress });
  const out: VirtualMapping[] = [];
  for (let i = 0; i < n; i++) {
    const file = cstring(c, 'VDS source file name');
    const dataset = cstring(c, 'VDS source dataset name');
    const source = readSelection(c);
    const virtual = readSelection(c);
    out.push({ file, dataset, source, virtual });
  }
  return out;
}

function hasPrintf(name: string): boolean {
  return /%b/.test(name.replace(/%%/g, ''));
}

/** Expands '%b' to the block number and '%%' to '%', as H5Pset_virtual's printf-style names do. */
function printfName(name: string, block: number): string {
  return name.replace(/%(%|b)/g, (_m, c: string) => (c === '%' ? '%' : String(block)));
}

/** Sources probed per printf-style mapping before we call it hostile input. */
const MAX_PRINTF_SOURCES = 100_000;

function isUnlimited(sel: StoredSelection): number {
  if (sel.type !== 'hyperslabs' || !sel.regular) return -1;
  return sel.regular.count.findIndex((c, d) => c === Infinity || sel.regular!.block[d] === Infinity);
}

/** The source dataset of a mapping, or null when its file or dataset does not exist. */
async function openSource(ds: Dataset, file: string, dataset: string, signal?: AbortSignal): Promise<Dataset | null> {
  try {
    const f = file === '.' ? ds.file : await ds.file.openRelated(file, signal);
    const node = await f.get(dataset, { signal });
    if (node.kind !== 'dataset') throw new H5Error('Corrupt', `VDS source ${file}:${dataset} is not a dataset`, { path: ds.path });
    return node;
  } catch (e) {
    if (e instanceof H5Error && e.code === 'NotFound') return null;
    throw e;
  }
}

export interface ConcreteMapping {
  file: string;
  dataset: string;
  source: StoredSelection;
  virtual: StoredSelection;
}

/**
 * Mappings with their unlimited selections made concrete: printf-style names become one mapping
 * per existing source file (block 0, 1, 2, ... until one is missing), and an unlimited source
 * selection is cut to the source's current extent. Also returns the extent this gives each
 * unlimited dimension of the virtual dataset (the library's "last available" view).
 */
export async function concreteMappings(ds: Dataset, mappings: VirtualMapping[], signal?: AbortSignal): Promise<{ mappings: ConcreteMapping[]; extent: (number | null)[] }> {
  const rank = ds.info.dataspace.kind === 'simple' ? ds.info.dataspace.dims.length : 0;
  const extent: (number | null)[] = new Array(rank).fill(null);
  const grow = (sel: StoredSelection) => {
    if (sel.type !== 'hyperslabs' || !sel.regular) return;
    const r = sel.regular;
    for (let d = 0; d < rank; d++) {
      if (r.count[d] === 0) continue;
      const end = r.start[d]! + (r.count[d]! - 1) * r.stride[d]! + r.block[d]!;
      extent[d] = Math.max(extent[d] ?? 0, end);
    }
  };
  const out: ConcreteMapping[] = [];
  for (const m of mappings) {
    const u = isUnlimited(m.virtual);
    if (u < 0) {
      out.push(m);
      continue;
    }
    const vr = (m.virtual as Extract<StoredSelection, { type: 'hyperslabs' }>).regular!;
    if (hasPrintf(m.file) || hasPrintf(m.dataset)) {
      for (let i = 0; i < MAX_PRINTF_SOURCES; i++) {
        const file = printfName(m.file, i);
        const dataset = printfName(m.dataset, i);
        const src = await openSource(ds, file, dataset, signal);
        if (!src) break;
        const regular = { start: vr.start.slice(), stride: vr.stride.slice(), count: vr.count.slice(), block: vr.block.slice() };
        regular.start[u] = vr.start[u]! + i * vr.stride[u]!;
        regular.count[u] = 1;
        const virtual: StoredSelection = { type: 'hyperslabs', rank: vr.start.length, regular, blocks: null };
        out.push({ file, dataset, source: m.source, virtual });
        grow(virtual);
      }
      continue;
    }
    // An unlimited source selection: as many blocks as the source's current extent holds.
    const src = await openSource(ds, m.file, m.dataset, signal);
    if (!src || m.source.type !== 'hyperslabs' || !m.source.regular) continue;
    const info = selectionInfo(m.source, src.shape ?? []);
    const sr = info.regular ?? m.source.regular;
    // The source's elements along the unlimited dimension fill the virtual selection's blocks.
    const elements = (sr.count[u] ?? 0) * (sr.block[u] ?? 0);
    const regular = { start: vr.start.slice(), stride: vr.stride.slice(), count: vr.count.slice(), block: vr.block.slice() };
    if (regular.count[u] === Infinity) regular.count[u] = regular.block[u]! > 0 ? Math.floor(elements / regular.block[u]!) : 0;
    else regular.block[u] = regular.count[u]! > 0 ? Math.floor(elements / regular.count[u]!) : 0;
    const virtual: StoredSelection = { type: 'hyperslabs', rank: vr.start.length, regular, blocks: null };
    out.push({ file: m.file, dataset: m.dataset, source: { type: 'hyperslabs', rank: sr.start.length, regular: sr, blocks: null }, virtual });
    grow(virtual);
  }
  return { mappings: out, extent };
}

/** Fills `out` (raw element bytes of the selection `sel` of `ds`) from the sources. */
export async function readVirtual(
  ds: Dataset,
  sel: Selection,
  dims: number[],
  out: Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  const layout = ds.info.layout as Extract<Layout, { class: 'virtual' }>;
  const mappings = (await concreteMappings(ds, await readVirtualMappings(ds.context({ signal }), layout), signal)).mappings;
  const size = ds.info.datatype.size;
  // Virtual element (row-major linear index) → position in the output.
  const strides = dims.map((_, d) => dims.slice(d + 1).reduce((a, b) => a * b, 1));
  const wanted = new Map<number, number>();
  if (sel.kind === 'points') sel.points.forEach((p, i) => wanted.set(p.reduce((a, x, d) => a + x * strides[d]!, 0), i));
  else {
    let i = 0;
    const rec = (d: number, acc: number) => {
      if (d === dims.length) return void wanted.set(acc, i++);
      const s = sel.slices[d]!;
      for (let k = 0; k < s.count; k++) rec(d + 1, acc + (s.start + k * s.step) * strides[d]!);
    };
    rec(0, 0);
  }
  await Promise.all(
    mappings.map(async (m) => {
      if (JSON.stringify([m.virtual, m.source], (_k, v) => (v === Infinity ? 'INF' : v)).includes('"INF"')) {
        throw new H5Error('Unsupported', 'virtual datasets with unlimited mappings', { path: ds.path });
      }
      const vCoords = selectedCoordinates(selectionInfo(m.virtual, dims));
      const hits: Array<{ outIndex: number; k: number }> = [];
      vCoords.forEach((v, k) => {
        const o = wanted.get(v.reduce((a, x, d) => a + x * strides[d]!, 0));
        if (o !== undefined) hits.push({ outIndex: o, k });
      });
      if (!hits.length) return;
      // A missing source file or dataset reads as the fill value, as the HDF5 library does.
      const source = await openSource(ds, m.file, m.dataset, signal);
      if (!source) return;
      const sCoords = selectedCoordinates(selectionInfo(m.source, source.shape ?? []));
      if (sCoords.length !== vCoords.length) {
        throw new H5Error('Corrupt', `VDS mapping selects ${vCoords.length} virtual and ${sCoords.length} source elements`, { path: ds.path });
      }
      if (source.info.datatype.size !== size) {
        throw new H5Error('Unsupported', `VDS source ${m.dataset} has element size ${source.info.datatype.size}, the VDS ${size}`, { path: ds.path });
      }
      const raw = await source.readRaw({ points: hits.map((h) => sCoords[h.k]!) }, { signal });
      hits.forEach((h, j) => out.set(raw.subarray(j * size, (j + 1) * size), h.outIndex * size));
    }),
  );
}
