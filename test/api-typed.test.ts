/**
 * The typed API: getDataset/getGroup, a read's `kind` and `data` by dtype (DataByKind), h5coro's
 * flat hyperslice on rank-1 datasets, readDatasets with settle. (That the README compiles is
 * test/package.test.ts; these check that the types tell the truth at run time.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATA_KINDS, H5Error, open, type DataKind, type H5File } from '../src/index.js';
import { ObjectReference, RegionReference } from '../src/values/reference.js';
import { failure } from './helpers/failure.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const bytes = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

let dtypes: H5File;
let example: H5File;
beforeAll(async () => {
  dtypes = await open(bytes('dtypes_latest.h5'));
  example = await open(bytes('example.h5'));
});

/** One dataset of each kind, with a check that the data is what DataByKind says. */
const KINDS: Record<DataKind, [string, (data: unknown) => boolean]> = {
  number: ['/floats/f32_le', (d) => d instanceof Float32Array],
  string: ['/strings/vlen_utf8', (d) => Array.isArray(d) && d.every((s) => typeof s === 'string')],
  complex: ['', () => false], // HDF5 2.0 only: checked on the v200 fixture below
  compound: ['/compounds/packed', (d) => (d as { kind?: string }).kind === 'compound'],
  opaque: ['/opaque/opaque_v8', (d) => (d as { kind?: string }).kind === 'opaque'],
  reference: ['/refs/object_refs', (d) => Array.isArray(d) && d.every((r) => r === null || r instanceof ObjectReference || r instanceof RegionReference)],
  sequence: ['/vlen/vlen_i4', (d) => Array.isArray(d) && d.every((c) => ArrayBuffer.isView(c))],
};

describe('typed reads', () => {
  it('every kind: getDataset(path, kind) accepts it, read() gives kind and the data DataByKind names', async () => {
    for (const kind of DATA_KINDS) {
      if (kind === 'complex') continue; // HDF5 2.0's complex class: below, from the v200 fixture
      const [path, check] = KINDS[kind];
      const ds = await dtypes.getDataset(path, kind);
      expect(ds.dataKind).toBe(kind);
      const r = await ds.read();
      expect(r.kind, path).toBe(kind);
      expect(check(r.data), path).toBe(true);
    }
    // h5py's complex compounds stay compounds (their dtype string is still '<c8').
    expect((await dtypes.getDataset('/compounds/complex64')).dataKind).toBe('compound');
  });

  it("HDF5 2.0's complex class reads as kind 'complex' with interleaved parts", async () => {
    const f = await open(bytes('v200/v200_dtypes.h5'));
    for (const path of ['/c8_le', '/c16_be', '/array_of_complex']) {
      const ds = await f.getDataset(path, 'complex');
      const r = await ds.read();
      expect(r.kind).toBe('complex');
      expect(r.data.data.length).toBe(2 * r.data.count);
      expect(r.data.data).toBeInstanceOf(path === '/c8_le' ? Float32Array : path === '/c16_be' ? Float64Array : Object);
    }
  });

  it('getDataset with the wrong kind, or on a group, is Invalid naming what is there', async () => {
    const e = await failure(dtypes.getDataset('/strings/vlen_utf8', 'number'));
    expect(e.code).toBe('Invalid');
    expect(e.message).toMatch(/reads as string \(dtype \|O\), not number/);
    const g = await failure(dtypes.getDataset('/floats'));
    expect(g.code).toBe('Invalid');
    expect(g.message).toMatch(/is a group, not a dataset/);
    expect((await dtypes.getGroup('/floats')).kind).toBe('group');
    expect((await failure(dtypes.getGroup('/floats/f32_le'))).message).toMatch(/is a dataset, not a group/);
  });

  it('is(kind) narrows a dataset and is false for other kinds', async () => {
    const ds = await dtypes.getDataset('/ints/i64_le');
    expect(ds.is('number')).toBe(true);
    expect(ds.is('string')).toBe(false);
    expect((await ds.read()).data).toBeInstanceOf(BigInt64Array);
  });
});

describe("h5coro's hyperslice", () => {
  it('a flat [start, stop] on a rank-1 dataset reads that range, as [[start, stop]] does', async () => {
    const flat = await example.readDatasets([{ dataset: 'lat', hyperslice: [324, 374] }]);
    const nested = await example.readDataset('/lat', [[324, 374]]);
    expect(flat.lat!.shape).toEqual([50]);
    expect(flat.lat!.data).toEqual(nested.data);
    const viaRead = await (await example.getDataset('/lat')).read({ hyperslice: [324, 374] });
    expect(viaRead.data).toEqual(nested.data);
  });

  it('malformed hyperslices fail with a message that shows the right form', async () => {
    const lat = await example.getDataset('/lat');
    const t = await example.getDataset('/temperature');
    for (const [ds, h, why] of [
      [t, [0, 10], /a flat \[0,10\] is one range, and the dataset has rank 2/],
      [lat, [1, 2, 3, 4], /4 numbers/],
      [t, [[0, 10], 5], /entry 1 is 5/],
      [lat, 'x', /got "x"/],
    ] as const) {
      const e = await failure(ds.read({ hyperslice: h as never }));
      expect(e.code).toBe('Invalid');
      expect(e.message).toMatch(why);
      expect(e.message).toContain('[[324, 374]] (or [324, 374]) for a 1-D dataset, [[0, 10], [5, 20]] for 2-D');
    }
  });
});

describe('readDatasets', () => {
  it('settle: every dataset in order, each with its result or its H5Error; the others are read', async () => {
    const out = await example.readDatasets(['/lat', '/missing', { dataset: 'lon', hyperslice: [0, 3] }, '/metadata'], { settle: true });
    expect(out.map((r) => [r.dataset, r.ok])).toEqual([
      ['/lat', true],
      ['/missing', false],
      ['lon', true],
      ['/metadata', false],
    ]);
    const [lat, missing, lon, group] = out;
    if (!lat!.ok || missing!.ok || !lon!.ok || group!.ok) throw new Error('unreachable');
    expect(lat!.result.shape).toEqual([720]);
    expect(lon!.result.shape).toEqual([3]);
    expect(missing!.error).toBeInstanceOf(H5Error);
    expect(missing!.error.code).toBe('NotFound');
    expect(group!.error.code).toBe('Invalid');
  });

  it('without settle, one missing dataset rejects the call', async () => {
    expect((await failure(example.readDatasets(['/lat', '/missing']))).code).toBe('NotFound');
  });
});
