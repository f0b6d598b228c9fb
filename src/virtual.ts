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
  return /%[bh%]/.test(name.replace(/%%/g, ''));
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
  const mappings = await readVirtualMappings(ds.context({ signal }), layout);
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
      if (hasPrintf(m.file) || hasPrintf(m.dataset)) {
        throw new H5Error('Unsupported', `printf-style VDS source names (${m.file}:${m.dataset})`, { path: ds.path });
      }
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
      let source: Dataset;
      try {
        const file = m.file === '.' ? ds.file : await ds.file.openRelated(m.file, signal);
        const node = await file.get(m.dataset, { signal });
        if (node.kind !== 'dataset') throw new H5Error('Corrupt', `VDS source ${m.file}:${m.dataset} is not a dataset`, { path: ds.path });
        source = node;
      } catch (e) {
        // A missing source file or dataset reads as the fill value, as the HDF5 library does.
        if (e instanceof H5Error && e.code === 'NotFound') return;
        throw e;
      }
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
