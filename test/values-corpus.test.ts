/**
 * decodeValues against real files written by libhdf5 (../shared/corpus): every contiguous
 * dataset of every corpus file whose oracle holds its data is read straight from the bytes at the
 * oracle's data_address, decoded with the datatype its oracle h5type describes, and compared with
 * what h5py returned. Variable-length data and region references go through the real global heap.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemorySource } from '../src/drivers/memory.js';
import type { FormatContext } from '../src/format/context.js';
import { DEFAULT_LIMITS } from '../src/format/limits.js';
import type { AttributeMessage, Datatype } from '../src/format/types.js';
import { compoundRecords, type Column } from '../src/values/column.js';
import { RegionReference } from '../src/values/reference.js';
import { decodeValues } from '../src/values/decode.js';
import { selectedCoordinates, selectionInfo, selectionShape } from '../src/format/region-info.js';
import {
  compactAttributes,
  compareOracle,
  datatypeFromH5type,
  objectDatatype,
  openFile,
  selectionOracle,
  toOracleValue,
  type RefResolver,
} from './helpers/oracle.js';
import { LevelWaveSource } from './helpers/wave-source.js';

const CORPUS = new URL('../../shared/corpus/', import.meta.url);


interface Loaded {
  file: string;
  bytes: Uint8Array;
  oracle: any;
  source: LevelWaveSource;
  ctx: FormatContext;
}

function load(file: string): Loaded {
  const bytes = new Uint8Array(readFileSync(new URL(file, CORPUS)));
  const oracle = JSON.parse(readFileSync(new URL(`${file}.json`, CORPUS), 'utf8'));
  const source = new LevelWaveSource(new MemorySource(bytes, file));
  const ctx: FormatContext = {
    source,
    baseAddress: oracle.signature_offset ?? 0,
    sizeOfOffsets: oracle.superblock.sizeof_offsets,
    sizeOfLengths: oracle.superblock.sizeof_lengths,
    limits: DEFAULT_LIMITS,
    parsed: new Map(),
  };
  return { file, bytes, oracle, source, ctx };
}

/** The contiguous bytes of a dataset, by its oracle entry. */
function rawBytes(f: Loaded, o: any, dt: Datatype): Uint8Array {
  return f.bytes.slice(o.data_address, o.data_address + o.size * dt.size);
}

async function decodeDataset(f: Loaded, path: string): Promise<{ dt: Datatype; col: Column; o: any }> {
  const o = f.oracle.objects[path];
  const dt = datatypeFromH5type(o.h5type, f.ctx.sizeOfOffsets);
  return { dt, o, col: await decodeValues(f.ctx, rawBytes(f, o, dt), dt, o.size) };
}

function mentionsRegionRefs(h: any): boolean {
  if (!h || typeof h !== 'object') return false;
  if (h.class === 'reference' && h.kind === 'region') return true;
  return mentionsRegionRefs(h.base) || (h.class === 'compound' && h.members.some((m: any) => mentionsRegionRefs(m.type)));
}

/**
 * Resolves references the way the oracle names them: object header address -> first path, and
 * region references to the dataset's extent and dset[regionref] (our own decode of the target when
 * contiguous, else the oracle's data).
 */
async function resolverFor(f: Loaded, withRegions: boolean): Promise<RefResolver> {
  const byAddress = new Map<number, { path: string; kind: 'group' | 'dataset' | 'datatype' }>();
  for (const [path, o] of Object.entries<any>(f.oracle.objects)) {
    const a = o.object_header?.address;
    if (typeof a === 'number' && !byAddress.has(a)) byAddress.set(a, { path, kind: o.kind });
  }
  const flatValues = new Map<string, unknown[]>();
  if (withRegions) {
    for (const [path, o] of Object.entries<any>(f.oracle.objects)) {
      if (o.kind !== 'dataset' || !o.shape || mentionsRegionRefs(o.h5type)) continue;
      if (o.layout === 'contiguous' && o.data_address != null) {
        const { dt, col } = await decodeDataset(f, path);
        flatValues.set(path, toOracleValue(col, dt, [o.size]) as unknown[]);
      } else if ('data' in o) flatValues.set(path, [o.data].flat(o.shape.length));
    }
  }
  return {
    encode: (ref) => {
      const target = byAddress.get(ref.address);
      // h5py fails on a reference to no object (e.g. an address past the end of the file).
      if (ref.kind === 'object') return target ? { $ref: target.path, $ref_kind: target.kind } : { error: `no object at address ${ref.address}` };
      if (!target) return { $regionref_address: ref.address };
      const o = f.oracle.objects[target.path];
      const extent: number[] = o.shape;
      const info = selectionInfo(ref.selection, extent);
      const flat = flatValues.get(target.path) ?? [];
      const strides = extent.map((_, d) => extent.slice(d + 1).reduce((a, b) => a * b, 1));
      const picked = selectedCoordinates(info).map((p) => flat[p.reduce((n, x, d) => n + x * strides[d]!, 0)]);
      const shape = selectionShape(info, extent);
      const nest = (d: number, at: number): unknown =>
        d === shape.length ? picked[at] : Array.from({ length: shape[d]! }, (_, k) => nest(d + 1, at * shape[d]! + k));
      return { $regionref: target.path, selection: selectionOracle(ref, extent), values: nest(0, 0) };
    },
  };
}

/**
 * h5py 3.7 returns big-endian numbers inside vlen sequences without byte-swapping them: these
 * oracles hold our values' bytes reversed (compared after reversing ours).
 */
const H5PY_VLEN_BE_UNSWAPPED = new Set([
  'generated/gen_dtype_vlen_latest.h5:/vlen_be_f8_2d',
  'thirdparty/pyfive/tests/attr_datatypes.hdf5:/@vlen_uint64',
]);

/** An oracle-encoded number with its bytes reversed, as h5py's missing swap leaves it. */
function byteReversed(v: unknown, dt: Datatype): unknown {
  if (Array.isArray(v)) return v.map((x) => byteReversed(x, dt));
  const b = new DataView(new ArrayBuffer(8));
  if (dt.class === 'float' && dt.size === 8) {
    b.setFloat64(0, typeof v === 'string' ? Number(v) : (v as number), false);
    const r = b.getFloat64(0, true);
    return Number.isNaN(r) ? 'NaN' : r;
  }
  if (dt.class === 'integer' && dt.size === 8) {
    b.setBigUint64(0, BigInt.asUintN(64, BigInt(v as string | number)), false);
    const r = dt.signed ? b.getBigInt64(0, true) : b.getBigUint64(0, true);
    return r > BigInt(Number.MAX_SAFE_INTEGER) || r < -BigInt(Number.MAX_SAFE_INTEGER) ? r.toString() : Number(r);
  }
  throw new Error(`no byte reversal for ${dt.class} of ${dt.size} bytes`);
}

function hasError(v: unknown): boolean {
  return !!v && typeof v === 'object' && !Array.isArray(v) && 'error' in v;
}

describe('every contiguous dataset and compact attribute in the corpus decodes to what h5py read', () => {
  const files: string[] = JSON.parse(readFileSync(new URL('INDEX.json', CORPUS), 'utf8'))
    .files.map((f: any) => f.file)
    .filter((f: string) => !f.endsWith('.bin'));
  const results = { datasets: 0, fromFile: 0, attributes: 0, h5pyBugs: 0, attributeErrors: 0, diffs: [] as string[] };

  beforeAll(async () => {
    for (const file of files) {
      const f = load(file);
      const opened = await openFile(f.source, DEFAULT_LIMITS);
      expect(opened.ctx.baseAddress).toBe(f.ctx.baseAddress);
      const objects = Object.entries<any>(f.oracle.objects);
      const datasets = objects.filter(
        ([, o]) =>
          o.kind === 'dataset' &&
          o.layout === 'contiguous' &&
          o.data_address != null &&
          !o.external_storage &&
          ('data' in o || 'summary' in o) &&
          !hasError(o.data),
      );
      const withHeaders = objects.filter(([, o]) => typeof o.object_header?.address === 'number' && o.attrs && Object.keys(o.attrs).length);
      if (!datasets.length && !withHeaders.length) continue;
      const refs = await resolverFor(f, objects.some(([, o]) => mentionsRegionRefs(o.h5type) || Object.values<any>(o.attrs ?? {}).some((a) => mentionsRegionRefs(a?.h5type))));
      const check = async (id: string, bytes: Uint8Array, dt: Datatype, shape: number[], expected: unknown) => {
        try {
          const col = await decodeValues(opened.ctx, bytes, dt, shape.reduce((a, b) => a * b, 1));
          let actual = toOracleValue(col, dt, shape, { refs });
          if (H5PY_VLEN_BE_UNSWAPPED.has(id) && dt.class === 'vlen') {
            results.h5pyBugs++;
            actual = byteReversed(actual, dt.base);
          }
          const d = compareOracle(actual, expected, { maxDiffs: 3 });
          if (d.length) results.diffs.push(`${id}: ${d.join('; ')}`);
        } catch (e) {
          results.diffs.push(`${id}: threw ${String(e)}`);
        }
      };
      for (const [path, o] of datasets) {
        const id = `${file}:${path}`;
        // The real datatype message where h5debug located the header, else the oracle's description.
        const real = typeof o.object_header?.address === 'number' ? await objectDatatype(opened, o.object_header.address) : null;
        const dt = real ?? datatypeFromH5type(o.h5type, f.ctx.sizeOfOffsets);
        if (real) results.fromFile++;
        results.datasets++;
        await check(id, rawBytes(f, o, dt), dt, o.shape, 'data' in o ? o.data : o.summary);
      }
      for (const [path, o] of withHeaders) {
        let attrs: AttributeMessage[];
        try {
          attrs = await compactAttributes(opened, o.object_header.address);
        } catch (e) {
          // Where h5py could not list the attributes either, failing is right.
          if (o.attrs.$error) results.attributeErrors++;
          else results.diffs.push(`${file}:${path}: attribute messages: ${String(e)}`);
          continue;
        }
        if (o.attrs.$error) results.diffs.push(`${file}:${path}: h5py failed on the attributes (${o.attrs.$error}), we did not`);
        for (const attr of attrs) {
          const expected = o.attrs[attr.name];
          if (!expected || attr.dataspace.kind === 'null' || hasError(expected.value)) continue;
          results.attributes++;
          const shape = attr.dataspace.kind === 'simple' ? attr.dataspace.dims : [];
          await check(`${file}:${path}@${attr.name}`, attr.value.slice(), attr.datatype, shape, expected.value);
        }
      }
    }
  }, 300_000);

  it('compares well over a thousand datasets and attributes with no difference', () => {
    expect(results.diffs).toEqual([]);
    expect(results.datasets).toBeGreaterThan(1700);
    expect(results.fromFile).toBeGreaterThan(1700);
    expect(results.attributes).toBeGreaterThan(1000);
    expect(results.h5pyBugs).toBe(H5PY_VLEN_BE_UNSWAPPED.size);
    expect(results.attributeErrors).toBe(2); // memleak_H5O_dtype_decode_helper_H5Odtype.h5, err_attr_dspace.h5
  });
});

describe('specific corpus files', () => {
  it('vlen sequences of big-endian doubles: correct values, which h5py 3.7 left unswapped', async () => {
    const f = load('generated/gen_dtype_vlen_latest.h5');
    const { dt, col, o } = await decodeDataset(f, '/vlen_be_f8_2d');
    const ours = toOracleValue(col, dt, o.shape) as number[][][];
    expect(ours[0]).toEqual([[0], [0, 1]]);
    expect(ours[1]).toEqual([[0, 1], [0, 0.5, 1]]);
    expect(ours[2]![0]).toEqual([0, 0.5, 1]);
    // The oracle holds our values' big-endian bytes read as little-endian.
    const unswapped = ours.map((r) =>
      r.map((seq) =>
        seq.map((v) => {
          const dv = new DataView(new ArrayBuffer(8));
          dv.setFloat64(0, v, false);
          return dv.getFloat64(0, true);
        }),
      ),
    );
    expect(compareOracle(unswapped, o.data)).toEqual([]);
  });

  it('fetches all heap objects of one call in one wave, each collection once', async () => {
    const f = load('generated/gen_dtype_strings_earliest.h5');
    const { col } = await decodeDataset(f, '/vlen_large');
    expect((col as string[]).length).toBe(12000);
    expect((col as string[])[11999]).toBe('s11999');
    // Wave 1: every collection, each once; wave 2: only the rest of collections larger than the first read.
    const wave1 = f.source.reads.filter((r) => r.wave === 1).map((r) => r.offset);
    const wave2 = f.source.reads.filter((r) => r.wave === 2).map((r) => r.offset);
    expect(wave1.length).toBeGreaterThan(1);
    expect(new Set(wave1).size).toBe(wave1.length);
    expect(new Set(wave2).size).toBe(wave2.length);
    for (const o of wave2) expect(wave1).toContain(o);
    expect(f.source.reads.length).toBe(wave1.length + wave2.length);
  });

  it('a compound with vlen members shares one heap fetch and decodes to records', async () => {
    const f = load('generated/gen_dtype_compound_latest.h5');
    const { col } = await decodeDataset(f, '/with_vlen_members');
    expect(col).toMatchObject({ kind: 'compound', count: 4 });
    const recs = compoundRecords(col as Extract<Column, { kind: 'compound' }>);
    expect(recs.map((r) => r.label)).toEqual(['rec0', 'rec1', 'rec2', 'rec3']);
    expect(recs.map((r) => Array.from(r.vals as Int32Array))).toEqual([[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]]);
    expect(recs.map((r) => r.w)).toEqual([0, 0.5, 1, 1.5]);
    expect(new Set(f.source.reads.map((r) => r.wave))).toEqual(new Set([1]));
  });

  it('little-endian numbers are zero-copy views of an aligned buffer', async () => {
    const f = load('generated/gen_dtype_floats_earliest.h5');
    const o = f.oracle.objects['/le_f8'];
    const dt = datatypeFromH5type(o.h5type, 8);
    const raw = rawBytes(f, o, dt);
    const col = (await decodeValues(f.ctx, raw, dt, o.size)) as Float64Array;
    expect(col.buffer).toBe(raw.buffer);
    expect(col[10]).toBe(Math.PI);
  });

  it('VAX doubles (tvms.h5) and x87 long doubles (tldouble.h5)', async () => {
    const vms = load('thirdparty/hdf5/tools/testfiles/tvms.h5');
    const { col: v } = await decodeDataset(vms, '/Array');
    expect(v).toBeInstanceOf(Float64Array);
    expect(Array.from(v as Float64Array).slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 1, 2]);
    const ld = load('thirdparty/hdf5/tools/testfiles/tldouble.h5');
    const { col: l } = await decodeDataset(ld, '/dset');
    expect(Array.from(l as Float64Array)).toEqual([1, 2, 3]);
  });

  it('region references: hyperslab and point selections with their values', async () => {
    const f = load('generated/gen_dtype_reference_latest.h5');
    const { col } = await decodeDataset(f, '/region_refs');
    const regions = col as (RegionReference | null)[];
    expect(regions[0]).toBeInstanceOf(RegionReference);
    expect(regions[4]).toBeNull();
    // libhdf5 1.10 stores hyperslabs as version-1 block lists; the library calls this one regular.
    expect(regions[0]!.selection).toEqual({ type: 'hyperslabs', rank: 2, regular: null, blocks: [{ start: [2, 3], end: [4, 6] }] });
    expect(selectionInfo(regions[0]!.selection, [10, 10])).toMatchObject({
      npoints: 12,
      regular: { start: [2, 3], stride: [1, 1], count: [1, 1], block: [3, 4] },
      bounds: { start: [2, 3], end: [4, 6] },
    });
    expect(selectionInfo(regions[2]!.selection, [10, 10]).regular).toEqual({ start: [0, 0], stride: [3, 4], count: [4, 3], block: [1, 1] });
    const { col: pts } = await decodeDataset(f, '/region_ref_points');
    expect((pts as any)[0].selection).toEqual({ type: 'points', rank: 2, points: [[0, 0], [9, 9], [5, 1]] });
    // pyfive's file stores a version-1 block list that the library recognizes as regular.
    const py = load('thirdparty/pyfive/tests/references.hdf5');
    const { col: pc } = await decodeDataset(py, '/regionref_dataset');
    const sel = (pc as any)[0].selection;
    expect(sel.regular).toBeNull();
    expect(selectionInfo(sel, [4]).regular).toEqual({ start: [0], stride: [2], count: [2], block: [1] });
  });
});
