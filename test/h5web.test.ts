/**
 * coh5/h5web's provider in Node, on corpus files written by HDF5: H5Web's entity tree and
 * DTypes for every datatype class, and values in the forms H5Web's visualizations take.
 * (The app itself, in Chromium: test/browser/h5web.spec.ts.)
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AbortError, DTypeClass, EntityKind, ShapeClass, type Dataset as H5WebDataset, type GroupWithChildren } from '@h5web/app';
import { open } from '../src/node.js';
import { Coh5Api, parseSelection } from '../src/h5web/index.js';

const CORPUS = '../shared/corpus/generated';

async function apiFor(name: string) {
  const file = await open(`${CORPUS}/${name}`);
  return { file, api: new Coh5Api(name, Promise.resolve(file)) };
}

async function datasets(api: Coh5Api): Promise<H5WebDataset[]> {
  const root = (await api.getEntity('/')) as GroupWithChildren;
  return root.children.filter((c): c is H5WebDataset => c.kind === EntityKind.Dataset);
}

describe('parseSelection', () => {
  it('keeps ":" dimensions, drops integer ones, takes ranges, and refuses a wrong count', () => {
    expect(parseSelection('0,:,:', [10, 20, 30])).toEqual([0, null, null]);
    expect(parseSelection('2:5,:', [10, 20])).toEqual([[2, 5], null]);
    expect(parseSelection(undefined, [3])).toBeUndefined();
    expect(() => parseSelection('0,:', [3])).toThrow(/2 entries for 1 dimensions/);
  });
});

describe('Coh5Api on the corpus', () => {
  it('maps every class of the dtype files to an H5Web DType, and reads every dataset', async () => {
    const seen = new Set<string>();
    for (const name of ['gen_dtype_ints_earliest.h5', 'gen_dtype_floats_earliest.h5', 'gen_dtype_enum_earliest.h5', 'gen_dtype_strings_earliest.h5', 'gen_dtype_compound_latest.h5', 'gen_dtype_array_latest.h5', 'gen_dtype_vlen_latest.h5', 'gen_dtype_opaque_earliest.h5', 'gen_dtype_reference_latest.h5', 'gen_dtype_bitfield_earliest.h5']) {
      const { file, api } = await apiFor(name);
      for (const ds of await datasets(api)) {
        seen.add(ds.type.class);
        if (ds.shape.class === ShapeClass.Null) continue;
        const value = await api.getValue({ dataset: ds as H5WebDataset<never> });
        const count = ds.shape.class === ShapeClass.Scalar ? 1 : ds.shape.dims.reduce((a, b) => a * b, 1);
        if (ds.shape.class === ShapeClass.Array) expect((value as ArrayLike<unknown>).length, `${name} ${ds.path}`).toBe(count);
      }
      await file.close();
    }
    for (const c of [DTypeClass.Integer, DTypeClass.Float, DTypeClass.Enum, DTypeClass.String, DTypeClass.Compound, DTypeClass.Array, DTypeClass.VLen, DTypeClass.Opaque, DTypeClass.Reference, DTypeClass.Bitfield]) {
      expect(seen, c).toContain(c);
    }
  });

  it('gives compound records as arrays of fields in member order, and references as paths', async () => {
    const { file, api } = await apiFor('gen_dtype_compound_latest.h5');
    const ds = (await datasets(api)).find((d) => d.type.class === DTypeClass.Compound && d.shape.class === ShapeClass.Array)!;
    const rows = (await api.getValue({ dataset: ds as H5WebDataset<never> })) as unknown[][];
    const direct = await file.readDataset(ds.path);
    const fields = [...(ds.type as { fields: Map<string, unknown> }).fields.keys()];
    const first = fields[0]!;
    const col = (direct.data as { fields: Record<string, ArrayLike<unknown>> }).fields[first]!;
    if (ArrayBuffer.isView(col) || Array.isArray(col)) expect(rows.map((r) => r[0])).toEqual(Array.from(col));
    expect(rows[0]).toHaveLength(fields.length);
    await file.close();

    const refs = await apiFor('gen_dtype_reference_latest.h5');
    const objRefs = (await datasets(refs.api)).find((d) => d.type.class === DTypeClass.Reference && /obj/i.test(d.name))!;
    const paths = (await refs.api.getValue({ dataset: objRefs as H5WebDataset<never> })) as string[];
    expect(paths.some((p) => typeof p === 'string' && p.startsWith('/'))).toBe(true);
    await refs.file.close();
  });

  it('shows h5py booleans as Boolean and an unknown path as a NotFound message', async () => {
    const file = await open('fixtures/example.h5');
    const api = new Coh5Api('example.h5', Promise.resolve(file));
    const stations = (await api.getEntity('/stations')) as H5WebDataset;
    const fields = (stations.type as { fields: Map<string, { class: string }> }).fields;
    expect(fields.get('active')!.class).toBe(DTypeClass.Bool);
    expect(fields.get('name')!.class).toBe(DTypeClass.String);
    await expect(api.getEntity('/no/such/thing')).rejects.toThrow(/^NotFound: /);
    await file.close();
  });
  it('gives complex numbers (HDF5 2.0\'s class and h5py\'s r/i compounds) as [real, imaginary] with a Complex type', async () => {
    const oracleOf = async (f: string) => JSON.parse(await readFile(`${f}.json`, 'utf8')).objects as Record<string, { data: unknown }>;
    const pair = (c: { r: number | string; i: number | string }) => [Number(c.r), Number(c.i)];
    for (const [f, path] of [['fixtures/v200/v200_dtypes.h5', '/c16_le'], ['fixtures/v200/v200_dtypes.h5', '/c8_be'], ['fixtures/dtypes_latest.h5', '/compounds/complex64']] as const) {
      const file = await open(f);
      const api = new Coh5Api(f, Promise.resolve(file));
      const ds = (await api.getEntity(path)) as H5WebDataset;
      expect(ds.type.class, path).toBe(DTypeClass.Complex);
      const got = (await api.getValue({ dataset: ds as H5WebDataset<never> })) as number[][];
      const want = [(await oracleOf(f))[path]!.data].flat(2).map((c) => pair(c as { r: number; i: number }));
      expect(got, path).toEqual(want);
      await file.close();
    }
  });
  it('gives attribute values: strings, numeric arrays (dense attribute storage), as h5py has them', async () => {
    const f = 'fixtures/attrs_latest.h5';
    const objects = JSON.parse(await readFile(`${f}.json`, 'utf8')).objects as Record<string, { attrs: Record<string, { value: unknown }> }>;
    const file = await open(f);
    const api = new Coh5Api(f, Promise.resolve(file));
    for (const path of ['/', '/dense']) {
      const entity = await api.getEntity(path);
      const values = await api.getAttrValues(entity);
      expect(entity.attributes.map((a) => a.name).sort(), path).toEqual(Object.keys(objects[path]!.attrs).sort());
      for (const [name, a] of Object.entries(objects[path]!.attrs)) {
        const v = values[name];
        expect(ArrayBuffer.isView(v) ? Array.from(v as Int16Array) : v, `${path} ${name}`).toEqual(a.value);
      }
    }
    await file.close();
  });
  it('turns an aborted read into H5Web\'s AbortError (H5Web drops those silently)', async () => {
    const file = await open('fixtures/example.h5');
    const api = new Coh5Api('example.h5', Promise.resolve(file));
    const ds = (await api.getEntity('/temperature')) as H5WebDataset<never>;
    const controller = new AbortController();
    controller.abort();
    await expect(api.getValue({ dataset: ds }, controller.signal)).rejects.toBeInstanceOf(AbortError);
    await file.close();
  });
});
