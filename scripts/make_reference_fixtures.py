#!/usr/bin/python3
"""Write fixtures/references/: object and region references at every depth, with oracles.

Run with Debian's interpreter (`npm run fixtures:references`); it needs what make_fixtures.py
needs (python3-h5py = h5py 3.7 / libhdf5 1.10.8, hdf5-tools) and, for the netCDF-4 file, the
venv's netCDF4 (`/opt/venv316/bin/python`, run as a subprocess). The oracle manifests are made
by make_fixtures.py's own manifest code (h5py reads + h5debug), so the conformance loop checks
these files like every other fixture.

Files:
  refs_every_depth_{earliest,latest}.h5  the same content in both formats: references as a
      dataset, a scalar and a 1-D attribute, a compound member, an array member, a compound
      member that is an array of references, an element of a vlen sequence (DIMENSION_LIST's
      shape), a compound attribute holding them (REFERENCE_LIST's shape), region references
      (hyperslab, points, all, none) as a dataset, an attribute and a compound member;
      targets in other groups (found by a search from the root), a committed datatype, the
      root group, null references, and a dataset reached by two hard links.
  refs_netcdf4.nc  written by netCDF4-python: dimensions in the root group used by variables
      of a subgroup (DIMENSION_LIST points to a parent group), coordinate variables, a 2-D
      variable, a dimension without a variable.
  refs_many.h5  1,000 datasets in one dense group and a root attribute referencing one of
      them: opening and listing the root's attributes must not read the 1,000 headers
      (no manifest: test/references.test.ts checks it).

Deterministic: timestamps are off (and the library's own stamps are frozen), data is fixed.
"""

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'fixtures' / 'references'
VENV_PYTHON = '/opt/venv316/bin/python'

NETCDF_SCRIPT = r'''
import sys
import numpy as np
import netCDF4
path = sys.argv[1]
with netCDF4.Dataset(path, 'w', format='NETCDF4') as nc:
    nc.set_fill_off()
    nc.createDimension('time', 4)
    nc.createDimension('lat', 3)
    nc.createDimension('nv', 2)  # a dimension without a coordinate variable
    t = nc.createVariable('time', 'f8', ('time',))
    t.units = 'days since 2000-01-01'
    t[:] = [0, 1, 2, 3]
    la = nc.createVariable('lat', 'f4', ('lat',))
    la[:] = [-10, 0, 10]
    bnds = nc.createVariable('lat_bnds', 'f4', ('lat', 'nv'))
    bnds[:] = np.array([[-15, -5], [-5, 5], [5, 15]], dtype='f4')
    g = nc.createGroup('forecast')
    g.createDimension('step', 2)
    s = g.createVariable('step', 'i4', ('step',))
    s[:] = [6, 12]
    v = g.createVariable('temperature', 'f4', ('time', 'step', 'lat'))
    v.units = 'K'
    v[:] = np.arange(24, dtype='f4').reshape(4, 2, 3) + 270
'''


def build_every_depth(libver):
    name = f'refs_every_depth_{libver}.h5'
    f = mf.new_file(name, libver=libver)
    data = mf.mkgroup(f, 'data')
    temp = mf.ds(data, 'temperature', data=np.arange(20, dtype='<f4').reshape(4, 5))
    ints = mf.ds(data, 'ints', data=np.arange(10, dtype='<i2'))
    deep = mf.mkpath(f, 'far/away/below')
    hidden = mf.ds(deep, 'hidden', data=np.array([7, 8, 9], dtype='<i4'))
    types = mf.mkgroup(f, 'types')
    mf.commit_type(types, 't', np.dtype('<u2'))
    named = types['t']
    # A second hard link to /data/ints from a group whose name sorts after 'data'.
    alias = mf.mkgroup(f, 'zz_alias')
    alias['ints_again'] = ints

    # Top level: a dataset of object references (group, dataset, committed type, root, null).
    orefs = mf.ds(f, 'object_refs', shape=(6,), dtype=h5py.ref_dtype)
    orefs[0:5] = [data.ref, temp.ref, named.ref, f.ref, hidden.ref]
    # Top level: region references of each selection type, and a null one.
    rrefs = mf.ds(f, 'region_refs', shape=(5,), dtype=h5py.regionref_dtype)
    all_sel = temp.id.get_space()
    all_sel.select_all()
    none_sel = temp.id.get_space()
    none_sel.select_none()
    rrefs[0:4] = [
        temp.regionref[1:3, 0:5:2],
        mf.point_regionref(temp, [[3, 4], [0, 0], [2, 1]]),
        mf.h5r.create(f.id, temp.name.encode(), mf.h5r.DATASET_REGION, all_sel),
        mf.h5r.create(f.id, temp.name.encode(), mf.h5r.DATASET_REGION, none_sel),
    ]

    # Attributes: scalar, 1-D, region, and a reference to something far from the holder.
    temp.attrs['scalar_ref'] = ints.ref
    temp.attrs.create('refs', [ints.ref, temp.ref, data.ref], dtype=h5py.ref_dtype)
    temp.attrs.create('region_ref', ints.regionref[2:8:3], dtype=h5py.regionref_dtype)
    hidden.attrs['far_ref'] = temp.ref
    data.attrs['deep_ref'] = hidden.ref

    # Compound members: an object reference, a region reference, an array of references.
    ct = np.dtype([('name', 'S8'), ('target', h5py.ref_dtype), ('region', h5py.regionref_dtype),
                   ('pair', h5py.ref_dtype, (2,)), ('weight', '<f4')])
    comp = mf.ds(f, 'compound_refs', shape=(3,), dtype=ct)
    comp[0] = (b'temp', temp.ref, temp.regionref[0:2, 1:3], (temp.ref, ints.ref), 0.5)
    comp[1] = (b'type', named.ref, ints.regionref[::2], (named.ref, f.ref), 1.5)
    # comp[2] stays all zero: null references in every member.

    # Array datatype of references: each element holds 2x2 references.
    at = np.dtype((h5py.ref_dtype, (2, 2)))
    arr = mf.ds(f, 'array_refs', shape=(2,), dtype=at)
    arr[0] = np.array([[temp.ref, ints.ref], [hidden.ref, data.ref]], dtype=h5py.ref_dtype)
    arr[1] = np.array([[f.ref, named.ref], [temp.ref, temp.ref]], dtype=h5py.ref_dtype)

    # Variable-length sequences of references, as DIMENSION_LIST holds them (an attribute).
    vt = h5py.vlen_dtype(h5py.ref_dtype)
    dl = np.empty(2, dtype=vt)
    dl[0] = np.array([temp.ref], dtype=h5py.ref_dtype)
    dl[1] = np.array([ints.ref, hidden.ref], dtype=h5py.ref_dtype)
    temp.attrs.create('DIMENSION_LIST_like', dl, dtype=vt)
    vds = mf.ds(f, 'vlen_refs', shape=(3,), dtype=vt)
    vds[0] = np.array([temp.ref, data.ref, f.ref], dtype=h5py.ref_dtype)
    vds[1] = np.array([], dtype=h5py.ref_dtype)
    vds[2] = np.array([named.ref], dtype=h5py.ref_dtype)

    # A compound attribute holding references, as REFERENCE_LIST does. (A vlen of such
    # compounds is left out: h5py 3.7 crashes writing or reading one, and 3.16 refuses it.)
    rl = np.dtype([('dataset', h5py.ref_dtype), ('dimension', '<i4')])
    temp.attrs.create('REFERENCE_LIST_like', np.array([(ints.ref, 0), (hidden.ref, 1)], dtype=rl), dtype=rl)
    f.close()
    mf.spec(name, 'references', f'object and region references at every depth (libver={libver})')


def build_netcdf():
    name = 'refs_netcdf4.nc'
    subprocess.run([VENV_PYTHON, '-c', NETCDF_SCRIPT, str(OUT / name)], check=True)
    mf.spec(name, 'references', 'netCDF-4 (netCDF4-python): DIMENSION_LIST and REFERENCE_LIST, '
            'a subgroup variable along dimensions of the root group')


def build_many():
    name = 'refs_many.h5'
    f = mf.new_file(name, libver='latest')
    g = mf.mkgroup(f, 'many')
    target = None
    for i in range(1000):
        d = mf.ds(g, f'v{i:04d}', data=np.array([i], dtype='<i2'))
        if i == 777:
            target = d
    f.attrs['title'] = 'one thousand datasets'
    f.attrs['favourite'] = target.ref
    f.close()
    # No oracle manifest: it would be 700 kB for what test/references.test.ts checks directly.


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.iterdir():
        if p.is_file() and p.name.endswith(('.h5', '.nc', '.json')):
            p.unlink()
    mf.OUT = OUT
    mf.GENERATOR = 'make_reference_fixtures.py'
    build_every_depth('earliest')
    build_every_depth('latest')
    build_netcdf()
    build_many()
    # libhdf5 stamps the objects h5py wrote even with tracking off; netCDF-C writes no stamps.
    for path in sorted(OUT.glob('*.h5')):
        mf.freeze_library_timestamps(path)
    for s in mf.SPECS:
        (OUT / (s['file'] + '.json')).write_text(mf.to_json(mf.make_manifest(s)) + '\n')
    total = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    print(f'{len(mf.SPECS)} fixtures written to {OUT} ({total / 1e3:.0f} kB with manifests)')


if __name__ == '__main__':
    main()
