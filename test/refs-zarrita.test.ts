/**
 * Reference sets read back by a real Zarr reader: zarrita.js over @zarrita/storage's
 * ReferenceStore, fetching the chunks from a local range-capable HTTP server. Every dataset the
 * references express must read the same values through zarrita as through coh5.
 */
import { readFile } from 'node:fs/promises';
import ReferenceStore from '@zarrita/storage/ref';
import * as zarr from 'zarrita';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, type Dataset, type H5File } from '../src/node.js';
import { buildReferences } from '../src/tools/kerchunk.js';
import { RangeServer } from './helpers/range-server.js';

const FIXTURES = ['example.h5', 'layouts_latest.h5', 'layouts_earliest.h5', 'filters_latest.h5', 'large_2d.h5', 'userblock_512.h5', 'spaces_latest.h5', 'dtypes_latest.h5', 'filters/deflate_shuffle_fletcher32.h5'];

let server: RangeServer;
beforeAll(async () => {
  server = await RangeServer.start();
  for (const f of FIXTURES) server.put(`/${f}`, await readFile(new URL(`../fixtures/${f}`, import.meta.url)));
});
afterAll(() => server.close());

const numbers = (a: ArrayLike<number | bigint>) => Array.from(a, (x) => (typeof x === 'bigint' ? x.toString() : Object.is(x, -0) ? 0 : x));

describe('kerchunk references read back with zarrita', () => {
  for (const name of FIXTURES) {
    it(`${name}: every referenced dataset reads the same through zarrita`, async () => {
      const url = server.urlOf(`/${name}`);
      const file: H5File = await open(url);
      const { refs, skipped } = await buildReferences(file);
      expect(refs.version).toBe(1);
      expect(JSON.parse(refs.refs['.zgroup'] as string)).toEqual({ zarr_format: 2 });
      const arrays = Object.keys(refs.refs).filter((k) => k.endsWith('.zarray')).map((k) => `/${k.slice(0, -'/.zarray'.length)}`);
      expect(arrays.length).toBeGreaterThan(0);
      const store = ReferenceStore.fromSpec(refs as unknown as Record<string, unknown>);
      const root = zarr.root(store);
      let compared = 0;
      for (const path of arrays) {
        const ds = (await file.get(path)) as Dataset;
        // zarrita reads numbers; strings, bools and compounds are checked through xarray (refs-xarray.test.ts).
        const meta = JSON.parse(refs.refs[`${path.slice(1)}/.zarray`] as string) as { dtype: unknown };
        if (typeof meta.dtype !== 'string' || !/^[<>|][iuf]\d+$/.test(meta.dtype)) continue;
        // zarrita needs Float16Array for float16, which Node 20 lacks; the references are still valid Zarr.
        if (ds.dtype.endsWith('f2') && typeof (globalThis as { Float16Array?: unknown }).Float16Array === 'undefined') continue;
        const mine = await ds.read();
        // zarrita cannot read a zero-length array (an empty chunk iterator); its shape is still checked.
        if (ds.shape!.includes(0)) {
          expect((await zarr.open.v2(root.resolve(path.slice(1)), { kind: 'array' })).shape, path).toEqual(ds.shape);
          continue;
        }
        const arr = await zarr.open.v2(root.resolve(path.slice(1)), { kind: 'array' });
        expect(arr.shape, path).toEqual(ds.shape);
        const theirs = await zarr.get(arr);
        // A 0-d array comes back as its one value.
        const data = typeof theirs === 'object' && theirs !== null && 'data' in theirs ? theirs.data : [theirs];
        expect(numbers(data as ArrayLike<number>), path).toEqual(numbers(mine.data as ArrayLike<number>));
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
      // Nothing silently vanished: each dataset is either referenced or reported with a reason.
      let datasets = 0;
      for await (const { node } of file.walk()) if (node?.kind === 'dataset') datasets++;
      expect(arrays.length + skipped.length).toBeGreaterThanOrEqual(datasets);
      for (const s of skipped) expect(s.reason).toMatch(/\S/);
      await file.close();
    });
  }

  it('chunk entries point at the stored chunk bytes (url, absolute offset, length)', async () => {
    const url = server.urlOf('/userblock_512.h5');
    const file = await open(url);
    const { refs } = await buildReferences(file);
    const entries = Object.entries(refs.refs).filter(([, v]) => Array.isArray(v)) as Array<[string, [string, number, number]]>;
    expect(entries.length).toBeGreaterThan(0);
    // With a 512-byte user block, every offset is past it (addresses are relative to the base).
    for (const [, [u, off, len]] of entries) {
      expect(u).toBe(url);
      expect(off).toBeGreaterThanOrEqual(512);
      expect(len).toBeGreaterThan(0);
    }
    await file.close();
  });

  it('references HDF5 2.0 complex datasets as numpy complex, unwritten chunks spelled out in the fill value', async () => {
    // zarrita has no complex data type; zarr-python 2.13 over these references reads the same values.
    const file = await open(new URL('../fixtures/v200/v200_dtypes.h5', import.meta.url).pathname);
    const { refs, skipped } = await buildReferences(file);
    const meta = (name: string) => JSON.parse(refs.refs[`${name}/.zarray`] as string);
    // No _FillValue attribute: fill_value stays null, so xarray masks nothing.
    expect(meta('c8_le')).toMatchObject({ dtype: '<c8', shape: [6], fill_value: null });
    expect(meta('c16_be')).toMatchObject({ dtype: '>c16' });
    expect(meta('c16_fill')).toMatchObject({ dtype: '<c16', chunks: [4], fill_value: null });
    // Every chunk of the grid has an entry: written ones point into the file, unwritten ones hold (-1, 0.5).
    const shape = meta('c16_fill').shape as number[];
    for (let c = 0; c < Math.ceil(shape[0]! / 4); c++) expect(refs.refs[`c16_fill/${c}`]).toBeDefined();
    expect(meta('c8_gzip').filters).toEqual([{ id: 'shuffle', elementsize: 8 }]);
    // numpy has no half-precision complex; h5py reads a compound of floats r and i as complex, and so do the references.
    expect(skipped.map((x) => x.path)).toEqual(expect.arrayContaining(['/c4_le', '/c4_be']));
    expect(meta('compound_style_c16').dtype).toBe('<c16');
    await file.close();
  });

  it('writes attributes as h5netcdf shows them: by their shape, one-element arrays as the element, whole floats as floats', async () => {
    const file = await open(new URL('../fixtures/attrs_latest.h5', import.meta.url).pathname);
    const { refs } = await buildReferences(file);
    const shapes = refs.refs['shapes/.zattrs'] as string;
    expect(JSON.parse(shapes)).toMatchObject({ mat_i2: [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], scalar_i4: 7 });
    // Python's json reads 0.0 as a float and 0 as an int: the text decides the dtype xarray shows.
    expect(shapes).toContain('"vec_f8":[0.0,0.25,0.5,0.75,1.0]');
    expect(JSON.parse(refs.refs['dense/.zattrs'] as string).attr01).toBe(0);
    await file.close();
  });

  it('re-encodes alone a chunk stored without its filters (filter mask), the others stay references', async () => {
    const file = await open(server.urlOf('/filters/deflate_shuffle_fletcher32.h5'));
    const { refs, skipped } = await buildReferences(file);
    expect(skipped.map((s) => s.path)).not.toContain('/gzip_masked_chunk');
    const entries = [0, 1, 2, 3].map((k) => refs.refs[`gzip_masked_chunk/${k}.0`]);
    expect(entries.map((e) => (typeof e === 'string' ? 'inline' : 'ref'))).toEqual(['ref', 'ref', 'inline', 'ref']);
    expect(JSON.parse(refs.refs['gzip_masked_chunk/.zarray'] as string)).toMatchObject({ chunks: [1, 100], compressor: { id: 'zlib' } });
    await file.close();
  });

  it('inlines the decoded values of datasets whose filters numcodecs lacks', async () => {
    const file = await open(server.urlOf('/filters_latest.h5'));
    const { refs, skipped } = await buildReferences(file);
    expect(skipped).toEqual([]);
    // LZF, scale-offset, Fletcher-32 and N-bit: one base64 chunk of the values, no codec; zlib stays a reference.
    for (const name of ['lzf_i4', 'scaleoffset_f4_d2', 'fletcher32_i4', 'nbit_i4_5bit']) {
      expect(JSON.parse(refs.refs[`${name}/.zarray`] as string), name).toMatchObject({ compressor: null, filters: null });
      expect(Object.entries(refs.refs).filter(([k]) => k.startsWith(`${name}/`) && !k.includes('.z')).map(([, v]) => typeof v === 'string' && v.startsWith('base64:'))).toEqual([true]);
    }
    expect(Array.isArray(refs.refs['gzip1/0.0'])).toBe(true);
    await file.close();
  });
});
