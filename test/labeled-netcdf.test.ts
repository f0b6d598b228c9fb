/**
 * openGroup on netCDF-4 files written by the netCDF library (../shared/corpus/thirdparty/netcdf-c):
 * dimensions from dimension scales (DIMENSION_LIST references resolved to the scales),
 * dimension-only scales hidden from the variables, _Netcdf4Dimid, unlimited dimensions,
 * compound variables left undecoded, _FillValue masking.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open, type H5File } from '../src/node.js';
import { openGroup } from '../src/labeled/labeled-group.js';
import { RangeServer } from './helpers/range-server.js';

const NC = resolve(__dirname, '../../shared/corpus/thirdparty/netcdf-c');
const has = existsSync(NC);
if (!has) console.warn('labeled-netcdf: ../shared/corpus is absent, netCDF-4 tests skipped');

async function withFile<T>(rel: string, fn: (f: H5File) => Promise<T>): Promise<T> {
  const f = await open(resolve(NC, rel));
  try {
    return await fn(f);
  } finally {
    await f.close();
  }
}

describe.skipIf(!has)('labelled netCDF-4 groups (skipped: no ../shared/corpus)', () => {
  it('f03tst_open_mem.nc: three variables on one dimension-only scale; _FillValue masks integers', () =>
    withFile('nc_test/f03tst_open_mem.nc', async (f) => {
      const g = await openGroup(f, '/');
      expect(g.names()).toEqual(['var1', 'var2', 'var3']);
      expect({ ...g.dims }).toEqual({ dim1: 22 });
      for (const v of Object.values(g.variables)) expect(v.dims).toEqual(['dim1']);
      expect(g.attrs._NCProperties).toMatch(/netcdflibversion=4\.6\.2/);
      const r = await g.read();
      // var3 was never written: every value is its _FillValue 42, so all are masked.
      expect(r.var3!.data).toBeInstanceOf(Int32Array);
      expect(Array.from(r.var3!.raw.data as Int32Array)).toEqual(new Array(22).fill(42));
      expect(Array.from(r.var3!.mask!)).toEqual(new Array(22).fill(1));
      // No _FillValue attribute: nothing decoded (xarray ignores netCDF's default fill too).
      expect(r.var1!.decoded).toBe(false);
      expect(r.var1!.mask).toBeUndefined();
    }));

  it('ref_hdf5_compat2.nc: a 2-D variable along two scales; per-dimension slices', () =>
    withFile('nc_test4/ref_hdf5_compat2.nc', async (f) => {
      const g = await openGroup(f, '/', { hyperslices: { y: [1, 4] } });
      expect(g.names()).toEqual(['_nc4_non_coord_y']);
      expect(g.variables._nc4_non_coord_y!.dims).toEqual(['x', 'y']);
      expect({ ...g.dims }).toEqual({ x: 2, y: 5 });
      const a = await g.readVariable('_nc4_non_coord_y');
      expect(a.shape).toEqual([2, 3]);
      expect(a.start).toEqual([0, 1]);
    }));

  it('ref_nc_test_netcdf4_4_0.nc: 141 variables of every rank on five dimensions, the unlimited one included', () =>
    withFile('ncdump/ref_nc_test_netcdf4_4_0.nc', async (f) => {
      const g = await openGroup(f, '/');
      expect(g.names()).toHaveLength(141);
      expect({ ...g.dims }).toEqual({ Dr: 2, D1: 1, D2: 2, D3: 3, D4: 4 });
      expect(g.variables.b232!.dims).toEqual(['D2', 'D3', 'D2']);
      expect(g.variables.ir4!.dims).toEqual(['Dr', 'D4']);
      expect(g.variables.c!.dims).toEqual([]);
      for (const v of Object.values(g.variables)) expect(v.dims.map((d) => g.dims[d])).toEqual(v.shape);
      const r = await g.read(['b232', 'f41', 'i'], { hyperslices: { D2: [1, 2] } });
      expect(r.b232!.shape).toEqual([1, 3, 1]);
      expect(r.f41!.shape).toEqual([4, 1]);
      expect(r.i!.shape).toEqual([]);
    }));

  it('ref_provenance_v1.nc: a coordinate variable with _Netcdf4Dimid, a scalar, and a subgroup', () =>
    withFile('ncdump/ref_provenance_v1.nc', async (f) => {
      const g = await openGroup(f, '/', { eagerCoordinates: true });
      expect(g.names()).toEqual(['int_var', 'time']);
      expect(g.groups).toEqual(['subgroup']);
      expect(g.variables.time!.dims).toEqual(['time']);
      expect(g.variables.int_var!.dims).toEqual([]);
      expect(Object.keys(g.coords)).toEqual([]); // nothing refers to time as a coordinate...
      expect(g.variables.time!.attrs._Netcdf4Dimid).toBe(0);
      const sub = await openGroup(f, '/subgroup');
      expect(sub.names()).toEqual([]);
      expect(sub.attrs.int_attr).toEqual(new Int32Array([17]));
    }));

  it('compound and uint64 variables: dimensions found, compound values not CF-decoded', async () => {
    await withFile('h5_test/ref_tst_compounds.nc', async (f) => {
      const g = await openGroup(f, '/');
      expect(g.variables.obs!.dims).toEqual(['n']);
      const obs = await g.readVariable('obs');
      expect(obs.decoded).toBe(false);
      expect(obs.data).toBe(obs.raw.data);
    });
    await withFile('ncdump/ref_tst_irish_rover.nc', async (f) => {
      const g = await openGroup(f, '/');
      expect(g.names()).toEqual(['in_the_hold_of_the_Irish_Rover']);
      expect(g.groups).toEqual([]); // cargo is a named datatype, not a group
      const v = await g.readVariable('in_the_hold_of_the_Irish_Rover');
      expect(v.dims).toEqual(['dim']);
      expect(v.data).toBeInstanceOf(BigUint64Array);
    });
  });

  it('ref_hdf5_compat1.nc: 2000 variables on one dimension; pickVariables opens only what it needs', async () => {
    const server = await RangeServer.start();
    try {
      server.put('/compat1.nc', readFileSync(resolve(NC, 'nc_test4/ref_hdf5_compat1.nc')));
      const small = { cache: { initialReadSize: 4096, blockSize: 4096 } };
      // The group's link table costs the same either way (a symbol table of 2001 entries); count past it.
      const a = await open(server.urlOf('/compat1.nc'), small);
      await a.links();
      const aBase = a.stats().bytesTransferred!;
      const g = await openGroup(a, '/', { pickVariables: ['a_7', 'a_1999'] });
      expect(g.names()).toEqual(['a_7', 'a_1999']); // the group's member order
      expect({ ...g.dims }).toEqual({ x: 10 });
      expect((await g.read()).a_7!.shape).toEqual([10]);
      const picked = a.stats().bytesTransferred! - aBase;
      const b = await open(server.urlOf('/compat1.nc'), small);
      await b.links();
      const bBase = b.stats().bytesTransferred!;
      const all = await openGroup(b, '/');
      expect(all.names()).toHaveLength(2000);
      expect(all.variables.a_1999!.dims).toEqual(['x']);
      expect(picked).toBeLessThan((b.stats().bytesTransferred! - bBase) / 4);
      await a.close();
      await b.close();
    } finally {
      await server.close();
    }
  });
});
