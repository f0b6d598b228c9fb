#!/usr/bin/python3
"""Scale-out check: 20 netCDF-4 granules written by h5netcdf, combined by `coh5 refs --concat time`,
reduced on a dask.distributed LocalCluster through xarray's zarr engine, against h5py.

    /usr/bin/python3 scripts/dask_refs_check.py WORKDIR

Prints one JSON line ({"granules", "mean", "expected", "zeros", ...}); exits 1 on any difference.
"""
import json, os, subprocess, sys

import fsspec
import h5netcdf
import h5py
import numpy as np
import xarray as xr
from dask.distributed import Client, LocalCluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRANULES, STEPS, LAT, LON = 20, 6, 8, 12


def write_granules(work):
    paths = []
    for g in range(GRANULES):
        path = os.path.join(work, f'granule_{g:02d}.nc')
        rng = np.random.default_rng(g)
        with h5netcdf.File(path, 'w') as f:
            f.dimensions = {'time': STEPS, 'lat': LAT, 'lon': LON}
            t = f.create_variable('time', ('time',), 'i8')
            t[:] = np.arange(g * STEPS, (g + 1) * STEPS)
            t.attrs['units'] = 'hours since 2000-01-01'
            f.create_variable('lat', ('lat',), 'f4')[:] = np.linspace(-60, 60, LAT)
            f.create_variable('lon', ('lon',), 'f4')[:] = np.linspace(0, 330, LON)
            temp = f.create_variable('temp', ('time', 'lat', 'lon'), 'f4', chunks=(STEPS, LAT // 2, LON // 2), compression='gzip', shuffle=True)
            temp[:] = rng.normal(280, 10, (STEPS, LAT, LON)).astype('f4')
            temp.attrs['units'] = 'K'
            # Integer counts with zeros: the references must not turn 0 into a masked NaN.
            count = f.create_variable('count', ('time', 'lat', 'lon'), 'i4', chunks=(STEPS, LAT, LON))
            count[:] = rng.integers(0, 3, (STEPS, LAT, LON))
        paths.append(path)
    return paths


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    paths = write_granules(work)
    refs = os.path.join(work, 'combined.json')
    subprocess.run(['node', '--import', './scripts/register-ts.mjs', 'src/cli/main.ts', 'refs', '--concat', 'time', '-o', refs, *paths], cwd=ROOT, check=True)
    expected_temp = np.concatenate([h5py.File(p, 'r')['temp'][...] for p in paths])
    expected_count = np.concatenate([h5py.File(p, 'r')['count'][...] for p in paths])
    expected_time = np.concatenate([h5py.File(p, 'r')['time'][...] for p in paths])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        mapper = fsspec.get_mapper('reference://', fo=refs)
        ds = xr.open_dataset(mapper, engine='zarr', consolidated=False, chunks={}, decode_times=False)
        mean = ds.temp.mean('time').compute()
        zeros = int((ds['count'] == 0).sum().compute())
        total = int(ds['count'].sum().compute())
        temp_equal = bool(np.array_equal(ds.temp.compute().values, expected_temp))
        workers = len(client.scheduler_info()['workers'])
    out = {
        'granules': GRANULES,
        'workers': workers,
        'time_ok': bool(np.array_equal(ds.time.values, expected_time)),
        'temp_chunks': [len(c) for c in ds.temp.chunks],
        'count_dtype': str(ds['count'].dtype),
        'temp_equal': temp_equal,
        'mean_max_abs_diff': float(np.abs(mean.values - expected_temp.mean(axis=0)).max()),
        'zeros': [zeros, int((expected_count == 0).sum())],
        'count_sum': [total, int(expected_count.sum())],
    }
    print(json.dumps(out))
    ok = (out['time_ok'] and out['count_dtype'] == 'int32' and temp_equal
          # float32 sums in another order (per chunk on the workers): equal to a few ulps.
          and np.allclose(mean.values, expected_temp.mean(axis=0), rtol=2e-6, atol=0)
          and out['zeros'][0] == out['zeros'][1] and out['count_sum'][0] == out['count_sum'][1] and workers == 2)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
