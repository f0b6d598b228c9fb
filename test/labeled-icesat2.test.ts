/**
 * openGroup on the ICESat-2-like fixture (scripts/make_icesat2_fixture.py): dimensions from
 * scales, from `coordinates` and phony ones, variables of two lengths in one group, options
 * (pick, drop, hyperslices by dimension and by variable, eager coordinates), CF decoding and
 * time decoding, and the requests a labelled read costs over a real HTTP range server.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H5Error, open, openGroup, type Dataset, type H5File } from '../src/node.js';
import { RangeServer } from './helpers/range-server.js';

const FIXTURE = resolve(__dirname, '../fixtures/icesat2/atl03_like.h5');
const FLT_MAX = 3.4028234663852886e38;

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(H5Error);
  return (e as H5Error).code;
}

describe('labelled ICESat-2 groups', () => {
  let f: H5File;
  beforeAll(async () => (f = await open(FIXTURE)));
  afterAll(async () => f.close());

  it('names dimensions from scales, from `coordinates`, and phony ones for other lengths', async () => {
    const g1 = await openGroup(f, '/gt1l/heights');
    expect({ ...g1.dims }).toEqual({ delta_time: 5000, phony_dim_0: 100 });
    expect(g1.names()).toEqual(['delta_time', 'h_ph', 'lat_ph', 'lon_ph', 'ph_seg_count', 'quality_ph', 'signal_conf_ph']);
    expect(g1.variables.h_ph!.dims).toEqual(['delta_time']);
    expect(g1.variables.h_ph!.coordinates).toEqual(['delta_time', 'lat_ph', 'lon_ph']);
    expect(g1.variables.ph_seg_count!.dims).toEqual(['phony_dim_0']);
    expect(g1.coordinateNames()).toEqual(['delta_time', 'lat_ph', 'lon_ph']);
    expect(g1.dataNames()).toEqual(['h_ph', 'ph_seg_count', 'quality_ph', 'signal_conf_ph']);
    // gt2l has no dimension scales: delta_time is found through the `coordinates` attributes.
    const g2 = await openGroup(f, 'gt2l/heights');
    expect({ ...g2.dims }).toEqual({ delta_time: 3000, phony_dim_0: 60 });
    for (const n of ['delta_time', 'h_ph', 'lat_ph', 'quality_ph']) expect(g2.variables[n]!.dims).toEqual(['delta_time']);
    const geo = await openGroup(f, '/gt1l/geolocation');
    expect(geo.variables.segment_id!.dims).toEqual(['delta_time']);
    expect(geo.variables.reference_photon_lat!.dims).toEqual(['delta_time']);
    expect(geo.coordinateNames()).toEqual(['delta_time', 'reference_photon_lat', 'reference_photon_lon']);
  });

  it('reads every variable, of both lengths, CF-decoded, with the raw values kept', async () => {
    const g = await openGroup(f, '/gt2l/heights');
    const r = await g.read();
    expect(r.ph_seg_count!.shape).toEqual([60]);
    expect(Array.from(r.ph_seg_count!.data as Int32Array)).toEqual(new Array(60).fill(50));
    const h = r.h_ph!;
    const raw = h.raw.data as Float32Array;
    expect(h.decoded).toBe(true);
    expect(h.data).toBeInstanceOf(Float32Array);
    for (let i = 0; i < 3000; i++) {
      if (i % 97 === 0) {
        expect(raw[i]).toBe(FLT_MAX);
        expect((h.data as Float32Array)[i]).toBeNaN();
      } else expect((h.data as Float32Array)[i]).toBe(raw[i]);
    }
    // scale_factor/add_offset (float32) on int16 with a _FillValue.
    const q = r.quality_ph!;
    const qraw = q.raw.data as Int16Array;
    expect(q.data).toBeInstanceOf(Float32Array);
    for (let i = 0; i < 3000; i++) {
      const want = i % 123 === 0 ? NaN : Math.fround(Math.fround(qraw[i]! * Math.fround(0.01)) + Math.fround(-1));
      const got = (q.data as Float32Array)[i]!;
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else expect(got).toBeCloseTo(((i % 1000) * 0.01) - 1, 5);
    }
    // Integers without scaling stay integers, with a mask (missing_value, valid_min/valid_max).
    const c = r.signal_conf_ph!;
    expect(c.data).toBeInstanceOf(Int8Array);
    const craw = c.raw.data as Int8Array;
    for (let i = 0; i < 3000; i++) expect(c.mask![i]).toBe(craw[i] === -2 || craw[i]! > 4 || craw[i]! < -1 ? 1 : 0);
    expect(c.mask!.reduce((a, b) => a + b, 0)).toBe(60);
    // The stored attributes are untouched.
    expect(q.attrs.scale_factor).toBeCloseTo(0.01, 7);
    expect(r.lat_ph!.data).toEqual(new Float64Array(3000).map((_, i) => -70 + i * 1e-5));
  });

  it('switches CF decoding off', async () => {
    const g = await openGroup(f, '/gt2l/heights', { decode: false });
    const { h_ph, quality_ph } = await g.read(['h_ph', 'quality_ph']);
    expect(h_ph!.decoded).toBe(false);
    expect((h_ph!.data as Float32Array)[0]).toBe(FLT_MAX);
    expect(quality_ph!.data).toBeInstanceOf(Int16Array);
    expect((quality_ph!.data as Int16Array)[0]).toBe(-32768);
    // ...and on again per read.
    const again = await g.readVariable('quality_ph', { decode: true });
    expect((again.data as Float32Array)[0]).toBeNaN();
  });

  it('decodes time coordinates to Dates on request', async () => {
    // delta_time = 86400000 s (1000 days) + i * 0.1 ms after the ICESat-2 epoch, 2018-01-01.
    const g = await openGroup(f, '/gt1l/heights', { decodeTimes: true, hyperslices: { delta_time: [0, 30, 10] } });
    const t = await g.readVariable('delta_time');
    expect(t.times!.map((d) => d!.toISOString())).toEqual(['2020-09-27T00:00:00.000Z', '2020-09-27T00:00:00.001Z', '2020-09-27T00:00:00.002Z']);
    expect((await g.readVariable('delta_time', { decodeTimes: false })).times).toBeUndefined();
    expect((await g.readVariable('h_ph')).times).toBeUndefined();
  });

  it('applies a dimension slice to every variable along it, and a variable slice to that variable', async () => {
    const g = await openGroup(f, '/gt1l/heights', { hyperslices: { delta_time: [1000, 1010], ph_seg_count: [[5, 7]] } });
    const r = await g.read();
    for (const n of ['delta_time', 'h_ph', 'lat_ph', 'lon_ph', 'quality_ph', 'signal_conf_ph']) {
      expect(r[n]!.shape, n).toEqual([10]);
      expect(r[n]!.start, n).toEqual([1000]);
    }
    expect(r.ph_seg_count!.shape).toEqual([2]);
    expect(r.ph_seg_count!.start).toEqual([5]);
    expect(Array.from(r.lat_ph!.data as Float64Array)).toEqual(Array.from({ length: 10 }, (_, i) => -70 + (1000 + i) * 1e-5));
    const full = await ((await f.get('/gt1l/heights/h_ph')) as Dataset).read([[1000, 1010]]);
    expect(r.h_ph!.raw.data).toEqual(full.data);
    // Slices given to read() replace those given at open.
    const other = await g.read(['lon_ph'], { hyperslices: { delta_time: [[-2, 5000]] } });
    expect(other.lon_ph!.shape).toEqual([2]);
    expect(other.lon_ph!.start).toEqual([4998]);
  });

  it('picks and drops variables; picked variables bring their coordinates', async () => {
    const g = await openGroup(f, '/gt1l/heights', { pickVariables: ['h_ph'], dropVariables: ['lon_ph'] });
    expect(g.names()).toEqual(['delta_time', 'h_ph', 'lat_ph']);
    expect(g.variables.h_ph!.coordinates).toEqual(['delta_time', 'lat_ph']);
    const d = await openGroup(f, '/gt1l/heights', { dropVariables: ['ph_seg_count'] });
    expect(Object.keys(d.dims)).toEqual(['delta_time']);
    expect(await codeOf(openGroup(f, '/gt1l/heights', { pickVariables: ['nope'] }))).toBe('NotFound');
    expect(await codeOf(openGroup(f, '/gt1l/heights', { hyperslices: { nope: [0, 1] } }))).toBe('Invalid');
    expect(await codeOf(openGroup(f, '/gt1l/heights/h_ph'))).toBe('Invalid');
    expect(await codeOf(openGroup(f, '/gt9x'))).toBe('NotFound');
    expect(await codeOf(g.readVariable('lon_ph'))).toBe('NotFound');
  });

  it('reads coordinates eagerly when asked', async () => {
    const g = await openGroup(f, '/gt1l/heights', { eagerCoordinates: true, hyperslices: { delta_time: [0, 4] } });
    expect(Object.keys(g.coords)).toEqual(['delta_time', 'lat_ph', 'lon_ph']);
    expect(g.coords.lat_ph!.shape).toEqual([4]);
    const one = await openGroup(f, '/gt1l/heights', { eagerCoordinates: ['lon_ph'] });
    expect(Object.keys(one.coords)).toEqual(['lon_ph']);
    expect(one.coords.lon_ph!.shape).toEqual([5000]);
  });

  it('follows netCDF-4 conventions: dimension-only scales, _Netcdf4Coordinates, phony dimensions, valid_range', async () => {
    const g = await openGroup(f, '/nc4', { decodeTimes: true });
    expect(g.names()).toEqual(['raw', 't', 'temp', 'y']); // x is a dimension, not a variable
    expect({ ...g.dims }).toEqual({ phony_dim_0: 2, phony_dim_1: 3, t: 2, x: 3, y: 4 });
    expect(g.variables.t!.dims).toEqual(['t', 'x']);
    expect(g.variables.temp!.dims).toEqual(['x', 'y']);
    expect(g.variables.temp!.coordinates).toEqual(['y']);
    expect(g.variables.raw!.dims).toEqual(['phony_dim_0', 'phony_dim_1']);
    const r = await g.read(['temp', 'y', 't'], { hyperslices: { x: [1, 3] } });
    expect(r.temp!.shape).toEqual([2, 4]);
    expect(Array.from(r.temp!.data as Float32Array)).toEqual([5, 6, 7, NaN, 9, 10, 11, 12]);
    expect(r.t!.shape).toEqual([2, 2]);
    expect(Array.from(r.t!.data as Float64Array)).toEqual([1, 2, 4, 5]);
    expect(r.y!.times!.map((d) => d!.toISOString().slice(0, 10))).toEqual(['2000-01-11', '2000-01-21', '2000-01-31', '2000-02-10']);
  });

  it('decodes a model calendar (360_day) to labels in that calendar, not Dates', async () => {
    const g = await openGroup(f, '/nc4_360day', { decodeTimes: true });
    expect(g.variables.tas!.dims).toEqual(['time']);
    const t = await g.readVariable('time');
    expect(t.times).toBeUndefined();
    expect(t.calendarDates!.map((d) => `${d!.year}-${d!.month}-${d!.day}T${d!.hour}`)).toEqual(['2000-2-1T0', '2000-2-30T12', '2000-3-1T0', '2001-1-30T0']);
  });
});

describe('labelled reads over HTTP', () => {
  let server: RangeServer;
  beforeAll(async () => {
    server = await RangeServer.start();
    server.put('/atl03_like.h5', readFileSync(FIXTURE));
  });
  afterAll(async () => server.close());

  const small = { cache: { initialReadSize: 4096, blockSize: 4096 } };

  it('reads the variables of a group together: fewer waves than one by one, and only the chunks of the slice', async () => {
    const names = ['delta_time', 'h_ph', 'lat_ph', 'lon_ph', 'quality_ph', 'signal_conf_ph'];
    const a = await open(server.urlOf('/atl03_like.h5'), small);
    const ga = await openGroup(a, '/gt1l/heights');
    await ga.read(names, { hyperslices: { delta_time: [0, 1] } }); // chunk indexes now cached
    a.resetStats();
    const together = await ga.read(names);
    const parallel = { ...a.stats() };

    const b = await open(server.urlOf('/atl03_like.h5'), small);
    const gb = await openGroup(b, '/gt1l/heights');
    await gb.read(names, { hyperslices: { delta_time: [0, 1] } });
    b.resetStats();
    for (const n of names) expect((await gb.readVariable(n)).data).toEqual(together[n]!.data);
    const sequential = { ...b.stats() };
    expect(parallel.waves!).toBeLessThan(sequential.waves!);
    expect(parallel.requests!).toBeLessThanOrEqual(sequential.requests!);

    // A slice inside the first 1000-element chunk reads one chunk per variable, not five.
    a.resetStats();
    await ga.read(names, { hyperslices: { delta_time: [10, 20] } });
    expect(a.stats().bytesTransferred!).toBeLessThan(parallel.bytesTransferred! / 3);
    await a.close();
    await b.close();
  });
});
