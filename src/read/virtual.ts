/**
 * Virtual datasets (layout class 3): a mapping list in the global heap pairs a selection of the
 * virtual dataset with a selection of a source dataset, in this file ('.') or another one.
 * Reading maps the selection onto each mapping's source and reads all sources in parallel: a
 * mapping between boxes (regular hyperslabs or 'all' of equal per-dimension lengths, the usual
 * kind) maps dimension by dimension and reads one source hyperslab; any other pairs elements
 * one by one and reads the source by points.
 */
import { H5Error } from '../errors.js';
import type { FormatContext } from '../format/context.js';
import { readGlobalHeapObjects } from '../format/global-heap.js';
import { decodeVirtualMappingList, type VirtualMapping } from '../format/virtual-mapping-list.js';
import type { Layout } from '../format/types.js';
import { readSelection, type RegionSelection as RegionSelection } from '../format/region-selection.js';
import { selectedCoordinates, selectionInfo, type SelectionInfo } from '../format/region-info.js';
import type { Selection } from './selection.js';
import type { ReadTarget } from './target.js';
import { strides } from './plan.js';

export type { VirtualMapping };

export async function readVirtualMappings(ctx: FormatContext, layout: Extract<Layout, { class: 'virtual' }>): Promise<VirtualMapping[]> {
  if (layout.heapAddress === null) return [];
  const [obj] = await readGlobalHeapObjects(ctx, [{ collectionAddress: layout.heapAddress, index: layout.heapIndex }]);
  return decodeVirtualMappingList(obj!, ctx, layout.heapAddress);
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

function isUnlimited(sel: RegionSelection): number {
  if (sel.type !== 'hyperslabs' || !sel.regular) return -1;
  return sel.regular.count.findIndex((c, d) => c === Infinity || sel.regular!.block[d] === Infinity);
}

export interface ConcreteMapping {
  file: string;
  dataset: string;
  source: RegionSelection;
  virtual: RegionSelection;
}

/**
 * Mappings with their unlimited selections made concrete: printf-style names become one mapping
 * per existing source file (block 0, 1, 2, ... until one is missing), and an unlimited source
 * selection is cut to the source's current extent. Also returns the extent this gives each
 * unlimited dimension of the virtual dataset (the library's "last available" view).
 */
export async function concreteMappings(ds: ReadTarget, mappings: VirtualMapping[], signal?: AbortSignal): Promise<{ mappings: ConcreteMapping[]; extent: (number | null)[] }> {
  const rank = ds.info.dataspace.kind === 'simple' ? ds.info.dataspace.dims.length : 0;
  const extent: (number | null)[] = new Array(rank).fill(null);
  const grow = (sel: RegionSelection) => {
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
    const vr = (m.virtual as Extract<RegionSelection, { type: 'hyperslabs' }>).regular!;
    if (hasPrintf(m.file) || hasPrintf(m.dataset)) {
      for (let i = 0; i < MAX_PRINTF_SOURCES; i++) {
        const file = printfName(m.file, i);
        const dataset = printfName(m.dataset, i);
        const src = await ds.virtualSource(file, dataset, signal);
        if (!src) break;
        const regular = { start: vr.start.slice(), stride: vr.stride.slice(), count: vr.count.slice(), block: vr.block.slice() };
        regular.start[u] = vr.start[u]! + i * vr.stride[u]!;
        regular.count[u] = 1;
        const virtual: RegionSelection = { type: 'hyperslabs', rank: vr.start.length, regular, blocks: null };
        out.push({ file, dataset, source: m.source, virtual });
        grow(virtual);
      }
      continue;
    }
    // An unlimited source selection: as many blocks as the source's current extent holds.
    const src = await ds.virtualSource(m.file, m.dataset, signal);
    if (!src || m.source.type !== 'hyperslabs' || !m.source.regular) continue;
    const info = selectionInfo(m.source, src.shape ?? []);
    const sr = info.regular ?? m.source.regular;
    // The source's elements along the unlimited dimension fill the virtual selection's blocks.
    const elements = (sr.count[u] ?? 0) * (sr.block[u] ?? 0);
    const regular = { start: vr.start.slice(), stride: vr.stride.slice(), count: vr.count.slice(), block: vr.block.slice() };
    if (regular.count[u] === Infinity) regular.count[u] = regular.block[u]! > 0 ? Math.floor(elements / regular.block[u]!) : 0;
    else regular.block[u] = regular.count[u]! > 0 ? Math.floor(elements / regular.count[u]!) : 0;
    const virtual: RegionSelection = { type: 'hyperslabs', rank: vr.start.length, regular, blocks: null };
    out.push({ file: m.file, dataset: m.dataset, source: { type: 'hyperslabs', rank: sr.start.length, regular: sr, blocks: null }, virtual });
    grow(virtual);
  }
  return { mappings: out, extent };
}

/** Fills `out` (raw element bytes of the selection `sel` of `ds`) from the sources. */
export async function readVirtual(
  ds: ReadTarget,
  sel: Selection,
  dims: number[],
  out: Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  const layout = ds.info.layout as Extract<Layout, { class: 'virtual' }>;
  const mappings = (await concreteMappings(ds, await readVirtualMappings(ds.context({ signal }), layout), signal)).mappings;
  const size = ds.info.datatype.size;
  let byElement: ElementIndex | undefined;
  await Promise.all(
    mappings.map(async (m) => {
      if (JSON.stringify([m.virtual, m.source], (_k, v) => (v === Infinity ? 'INF' : v)).includes('"INF"')) {
        throw new H5Error('Unsupported', 'virtual datasets with unlimited mappings', { path: ds.path });
      }
      const vInfo = selectionInfo(m.virtual, dims);
      if (vInfo.npoints === 0) return;
      const vBox = boxOf(vInfo, dims);
      // The caller's hyperslab inside the mapping, per dimension; null: the source is not needed.
      const hits = sel.kind === 'hyperslab' && vBox && vBox.length > 0 ? boxHits(sel, vBox) : undefined;
      if (hits === null) return;
      // A missing source file or dataset reads as the fill value, as the HDF5 library does.
      const source = await ds.virtualSource(m.file, m.dataset, signal);
      if (!source) return;
      if (source.info.datatype.size !== size) {
        throw new H5Error('Unsupported', `VDS source ${m.dataset} has element size ${source.info.datatype.size}, the VDS ${size}`, { path: ds.path });
      }
      const sShape = source.shape ?? [];
      const sInfo = selectionInfo(m.source, sShape);
      if (sInfo.npoints !== vInfo.npoints) {
        throw new H5Error('Corrupt', `VDS mapping selects ${vInfo.npoints} virtual and ${sInfo.npoints} source elements`, { path: ds.path });
      }
      const sBox = boxOf(sInfo, sShape);
      if (vBox && sBox && vBox.length > 0 && sBox.length === vBox.length && sBox.every((p, d) => boxLength(p) === boxLength(vBox[d]!))) {
        if (sel.kind === 'points') return readPoints(source, sel.points, vBox, sBox, out, size, signal);
        const plan = sourcePlan(hits!, sBox);
        if (plan) return readSeparable(source, sel, hits!, plan, out, size, signal);
      }
      byElement ??= elementIndex(sel, dims);
      await readByElement(source, vInfo, sInfo, byElement, out, size, signal);
    }),
  );
}

/** One dimension of a box selection: `count` blocks of `block` coordinates, `stride` apart. */
interface Pattern {
  start: number;
  stride: number;
  count: number;
  block: number;
}

const boxLength = (p: Pattern) => p.count * p.block;

/**
 * A regular hyperslab or 'all' selects the Cartesian product of one pattern per dimension, so
 * its k-th element (row-major) is the one whose per-dimension positions give k. Null for points
 * and irregular hyperslabs.
 */
function boxOf(info: SelectionInfo, extent: number[]): Pattern[] | null {
  if (info.type === 'all') return extent.map((n) => ({ start: 0, stride: 1, count: 1, block: n }));
  const r = info.regular;
  if (info.type !== 'hyperslabs' || !r) return null;
  return r.start.map((start, d) => ({ start, stride: r.stride[d]!, count: r.count[d]!, block: r.block[d]! }));
}

/** The position of coordinate x in a pattern's row-major order, or -1. */
function positionOf(p: Pattern, x: number): number {
  const rel = x - p.start;
  if (rel < 0) return -1;
  const q = p.count === 1 ? 0 : Math.floor(rel / p.stride);
  const r = rel - q * p.stride;
  return q < p.count && r < p.block ? q * p.block + r : -1;
}

const coordinateAt = (p: Pattern, i: number) => p.start + Math.floor(i / p.block) * p.stride + (i % p.block);

/**
 * Per dimension: the output indexes of the caller's slice that fall in the box, and their box
 * positions. Typed arrays: a dimension of a large dataset selects millions of coordinates.
 */
type Hits = Array<{ out: Float64Array; pos: Float64Array }>;

function boxHits(sel: Selection & { kind: 'hyperslab' }, box: Pattern[]): Hits | null {
  const hits: Hits = [];
  for (let d = 0; d < box.length; d++) {
    const s = sel.slices[d]!;
    const out = new Float64Array(s.count);
    const pos = new Float64Array(s.count);
    let n = 0;
    for (let k = 0; k < s.count; k++) {
      const i = positionOf(box[d]!, s.start + k * s.step);
      if (i >= 0) {
        out[n] = k;
        pos[n++] = i;
      }
    }
    if (!n) return null;
    hits.push({ out: out.subarray(0, n), pos: pos.subarray(0, n) });
  }
  return hits;
}

/** Reading more than this many times the wanted elements as one source hyperslab is not worth it. */
const MAX_OVERREAD = 8;

/**
 * The source hyperslab ([start, stop, step] per dimension) holding the wanted elements, and each
 * wanted element's index along each dimension of it: exact when the wanted source coordinates
 * are evenly spaced, else their bounding range; null if that range is mostly unwanted.
 */
function sourcePlan(hits: Hits, sBox: Pattern[]): { slab: Array<[number, number, number]>; at: Float64Array[] } | null {
  const slab: Array<[number, number, number]> = [];
  const at: Float64Array[] = [];
  let overread = 1;
  for (let d = 0; d < hits.length; d++) {
    const pos = hits[d]!.pos;
    const c = new Float64Array(pos.length);
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < pos.length; j++) {
      const x = coordinateAt(sBox[d]!, pos[j]!);
      c[j] = x;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const step = c.length > 1 ? c[1]! - c[0]! : 1;
    let even = step > 0;
    for (let j = 2; even && j < c.length; j++) even = c[j]! - c[j - 1]! === step;
    const idx = new Float64Array(c.length);
    if (even) {
      slab.push([c[0]!, c[0]! + (c.length - 1) * step + 1, step]);
      for (let j = 0; j < c.length; j++) idx[j] = j;
    } else {
      slab.push([lo, hi + 1, 1]);
      for (let j = 0; j < c.length; j++) idx[j] = c[j]! - lo;
      overread *= (hi - lo + 1) / c.length;
    }
    at.push(idx);
  }
  return overread > MAX_OVERREAD ? null : { slab, at };
}

/**
 * A mapping between boxes of equal per-dimension lengths maps dimension by dimension: the
 * element at positions (i0, i1, ...) of the virtual box comes from positions (i0, i1, ...) of the
 * source box. The source is read as one hyperslab (see sourcePlan) and scattered into `out`,
 * contiguous runs at a time; no per-element list is ever built.
 */
async function readSeparable(
  source: ReadTarget,
  sel: Selection & { kind: 'hyperslab' },
  hits: Hits,
  plan: { slab: Array<[number, number, number]>; at: Float64Array[] },
  out: Uint8Array,
  size: number,
  signal?: AbortSignal,
): Promise<void> {
  const { slab, at } = plan;
  const rank = hits.length;
  const block = await source.readRaw(slab, { signal });
  const readStr = strides(slab.map(([a, b, st]) => Math.ceil((b - a) / st)));
  const outStr = strides(sel.slices.map((s) => s.count));
  // Runs along the last dimension where both sides advance by one element.
  const last = rank - 1;
  const lo = hits[last]!.out;
  const la = at[last]!;
  const runs: Array<[number, number, number]> = [];
  for (let j = 0; j < lo.length; ) {
    let n = 1;
    while (j + n < lo.length && lo[j + n] === lo[j]! + n && la[j + n] === la[j]! + n) n++;
    runs.push([lo[j]!, la[j]!, n]);
    j += n;
  }
  const idx = new Array<number>(last).fill(0);
  for (;;) {
    let o = 0;
    let r = 0;
    for (let d = 0; d < last; d++) {
      o += hits[d]!.out[idx[d]!]! * outStr[d]!;
      r += at[d]![idx[d]!]! * readStr[d]!;
    }
    for (const [oi, ri, n] of runs) out.set(block.subarray((r + ri) * size, (r + ri + n) * size), (o + oi) * size);
    let d = last - 1;
    while (d >= 0 && ++idx[d]! >= hits[d]!.out.length) idx[d--] = 0;
    if (d < 0) break;
  }
}

/** Points through a box mapping: each point's per-dimension positions give its source element. */
async function readPoints(source: ReadTarget, points: number[][], vBox: Pattern[], sBox: Pattern[], out: Uint8Array, size: number, signal?: AbortSignal): Promise<void> {
  const outIndex: number[] = [];
  const coords: number[][] = [];
  points.forEach((p, i) => {
    const pos = p.map((x, d) => positionOf(vBox[d]!, x));
    if (pos.some((q) => q < 0)) return;
    outIndex.push(i);
    coords.push(pos.map((q, d) => coordinateAt(sBox[d]!, q)));
  });
  if (!coords.length) return;
  const raw = await source.readRaw({ points: coords }, { signal });
  outIndex.forEach((o, j) => out.set(raw.subarray(j * size, (j + 1) * size), o * size));
}

/** Virtual element (row-major linear index) -> its position in the output. */
type ElementIndex = { strides: number[]; wanted: Map<number, number> };

function elementIndex(sel: Selection, dims: number[]): ElementIndex {
  const str = strides(dims);
  const wanted = new Map<number, number>();
  if (sel.kind === 'points') sel.points.forEach((p, i) => wanted.set(p.reduce((a, x, d) => a + x * str[d]!, 0), i));
  else {
    let i = 0;
    const rec = (d: number, acc: number) => {
      if (d === dims.length) return void wanted.set(acc, i++);
      const s = sel.slices[d]!;
      for (let k = 0; k < s.count; k++) rec(d + 1, acc + (s.start + k * s.step) * str[d]!);
    };
    rec(0, 0);
  }
  return { strides: str, wanted };
}

/**
 * Any other mapping (points, irregular hyperslabs, boxes of different shapes): every element of
 * the mapping is listed and paired in row-major order, and the source is read by points. Bounded
 * by selectedCoordinates' element limit.
 */
async function readByElement(
  source: ReadTarget,
  vInfo: SelectionInfo,
  sInfo: SelectionInfo,
  index: ElementIndex,
  out: Uint8Array,
  size: number,
  signal?: AbortSignal,
): Promise<void> {
  const vCoords = selectedCoordinates(vInfo);
  const hits: Array<{ outIndex: number; k: number }> = [];
  vCoords.forEach((v, k) => {
    const o = index.wanted.get(v.reduce((a, x, d) => a + x * index.strides[d]!, 0));
    if (o !== undefined) hits.push({ outIndex: o, k });
  });
  if (!hits.length) return;
  // readVirtual checked that both selections hold as many elements.
  const sCoords = selectedCoordinates(sInfo);
  const raw = await source.readRaw({ points: hits.map((h) => sCoords[h.k]!) }, { signal });
  hits.forEach((h, j) => out.set(raw.subarray(j * size, (j + 1) * size), h.outIndex * size));
}
