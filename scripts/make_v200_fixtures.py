#!/opt/venv316/bin/python
"""Write the HDF5 2.0 fixtures: fixtures/v200/<name>.h5 plus <name>.h5.json oracles.

Run with the venv that has h5py 3.16 on libhdf5 2.0:

    /opt/venv316/bin/python scripts/make_v200_fixtures.py

Every file is written with libver='latest' (the v200 format in libhdf5 2.0), so every filtered
chunked dataset has a version 5 data layout message (libhdf5 2.0.0 keeps version 4 for unfiltered
chunks and virtual datasets, 3 for contiguous and compact storage), every type that is not a
fixed-size atomic type a version 5 datatype message, and every virtual dataset with a source in
the same file a version 1 mapping list. The oracles use the corpus schema (hdf5-oracle/1) and the value encoding of
make_fixtures.py, whose oracle code this script imports; they are read by h5py 3.16 (the old
h5py cannot open these files). Two differences from make_fixtures.py's manifests:
  * no h5debug: Debian's h5debug (libhdf5 1.10) cannot decode HDF5 2.0 messages, so
    `object_header` holds only the address, and `superblock` comes from the file-creation
    property list;
  * h5py has no numpy type for a complex of half-precision parts (HDF5's COMPLEX_IEEE_F16*),
    so such values are read raw and decoded here with numpy's float16 (`read_mode` says so),
    and their dtype is recorded as '<c4'/'>c4', the name coh5 gives them.

Deterministic: timestamps are off (and patched where the library sets them anyway), data comes
from fixed values or a fixed seed, so a rerun gives the same bytes.
"""

import ctypes
import glob
import hashlib
import os
import sys
from pathlib import Path

import h5py
import numpy as np
from h5py import h5a, h5d, h5f, h5p, h5s, h5t

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (the oracle code; it loads no Debian library under h5py 3.16)

if not h5py.version.hdf5_version.startswith('2.'):
    sys.exit(f'needs h5py on libhdf5 2.x (this is {h5py.version.hdf5_version}): run it with /opt/venv316/bin/python')

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'fixtures' / 'v200'
GENERATOR = 'make_v200_fixtures.py'

# H5Pset_shared_mesg_* are not in h5py: call the libhdf5 h5py itself loaded, so ids agree.
_LIB = ctypes.CDLL(glob.glob(os.path.join(os.path.dirname(h5py.__file__), '..', 'h5py.libs', 'libhdf5-*.so*'))[0])
_HID = ctypes.c_int64
_U = ctypes.c_uint

SPECS = []


def spec(file, description, bundle=None):
    SPECS.append({'file': file, 'family': 'v200', 'group': None, 'description': description,
                  'bundle': bundle or []})


def new_file(name, sohm=None):
    fcpl = h5p.create(h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    if sohm:
        flags, minsize = sohm
        for call, args in (('H5Pset_shared_mesg_nindexes', (_U(1),)),
                           ('H5Pset_shared_mesg_index', (_U(0), _U(flags), _U(minsize)))):
            if getattr(_LIB, call)(_HID(fcpl.id), *args) < 0:
                raise RuntimeError(f'{call} failed')
    fapl = h5p.create(h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5f.LIBVER_LATEST, h5f.LIBVER_LATEST)
    fid = h5f.create(str(OUT / name).encode(), h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    return h5py.File(fid)


def dcpl(chunks=None, gzip=None, shuffle=False, early=False, fill=None, fill_type=None):
    p = h5p.create(h5p.DATASET_CREATE)
    p.set_obj_track_times(False)
    if chunks:
        p.set_chunk(chunks)
    if shuffle:
        p.set_shuffle()
    if gzip is not None:
        p.set_deflate(gzip)
    if early:
        p.set_alloc_time(h5d.ALLOC_TIME_EARLY)
    if fill is not None:
        p.set_fill_value(fill) if fill_type is None else _set_fill(p, fill, fill_type)
    return p


def _set_fill(p, value, mtype):
    """A fill value in a type numpy cannot name (native complex): pass its bytes with mtype."""
    buf = np.ascontiguousarray(value)
    if _LIB.H5Pset_fill_value(_HID(p.id), _HID(mtype.id), buf.ctypes.data_as(ctypes.c_void_p)) < 0:
        raise RuntimeError('H5Pset_fill_value failed')


def dataset(f, name, ftype, shape, data=None, mtype=None, maxshape=None, **kw):
    space = h5s.create_simple(shape, maxshape or shape)
    d = h5d.create(f.id, name.encode(), ftype, space, dcpl=dcpl(**kw))
    if data is not None:
        d.write(h5s.ALL, h5s.ALL, np.ascontiguousarray(data), mtype=mtype)
    return f[name]


def attribute(obj, name, ftype, data, mtype, scalar=False):
    space = h5s.create(h5s.SCALAR) if scalar else h5s.create_simple(np.shape(data))
    a = h5a.create(obj.id, name.encode(), ftype, space)
    a.write(np.ascontiguousarray(data), mtype=mtype)


rng = np.random.default_rng(20261121)

# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def build_layouts():
    name = 'v200_layouts.h5'
    f = new_file(name)
    i4, f8 = h5t.STD_I32LE, h5t.IEEE_F64LE
    ramp = np.arange(96, dtype='<i4').reshape(8, 12)
    dataset(f, 'contiguous', f8, (40,), np.linspace(0, 1, 40))
    p = dcpl()
    p.set_layout(h5d.COMPACT)
    d = h5d.create(f.id, b'compact', h5t.STD_I16BE, h5s.create_simple((5,)), dcpl=p)
    d.write(h5s.ALL, h5s.ALL, np.array([1, -2, 300, -4000, 5], '>i2'))
    dataset(f, 'single', i4, (8, 12), ramp, chunks=(8, 12))
    dataset(f, 'single_gzip', i4, (8, 12), ramp, chunks=(8, 12), gzip=6, shuffle=True)
    dataset(f, 'implicit', i4, (8, 12), ramp, chunks=(3, 5), early=True)
    dataset(f, 'farray', i4, (8, 12), ramp, chunks=(3, 5))
    dataset(f, 'farray_gzip', i4, (8, 12), ramp, chunks=(3, 5), gzip=6, shuffle=True)
    # 1100 chunks: more than one 1024-entry page of the fixed array.
    dataset(f, 'farray_paged_gzip', h5t.STD_U8LE, (1100,), (np.arange(1100) % 251).astype('u1'), chunks=(1,), gzip=1)
    u = (h5s.UNLIMITED,)
    dataset(f, 'earray', i4, (40,), np.arange(40, dtype='<i4'), chunks=(4,), maxshape=u)
    sparse = dataset(f, 'earray_gzip_sparse', i4, (200,), None, chunks=(8,), maxshape=u, gzip=6, fill=np.array(-7, '<i4'))
    sparse[16:24] = np.arange(8)
    sparse[150:160] = np.arange(10)
    uu = (h5s.UNLIMITED, h5s.UNLIMITED)
    dataset(f, 'bt2', i4, (8, 12), ramp, chunks=(3, 5), maxshape=uu)
    bt = dataset(f, 'bt2_gzip_sparse', i4, (30, 30), None, chunks=(4, 4), maxshape=uu, gzip=6, fill=np.array(9, '<i4'))
    bt[0:4, 0:4] = 1
    bt[20:28, 8:12] = np.arange(32).reshape(8, 4)
    # Random bytes do not compress: each gzip chunk is stored larger than the chunk itself, which
    # is what layout v5's Size-of-Lengths chunk size fields are for.
    noise = rng.integers(0, 256, size=256, dtype=np.uint8)
    dataset(f, 'expanding_farray', h5t.STD_U8LE, (256,), noise, chunks=(64,), gzip=9)
    dataset(f, 'expanding_earray', h5t.STD_U8LE, (256,), noise, chunks=(64,), gzip=9, maxshape=u)
    dataset(f, 'expanding_bt2', h5t.STD_U8LE, (16, 16), noise.reshape(16, 16), chunks=(8, 8), gzip=9, maxshape=uu)
    dataset(f, 'expanding_single', h5t.STD_U8LE, (256,), noise, chunks=(256,), gzip=9)
    f.close()
    spec(name, 'data layout messages under the v200 bounds: version 5 for filtered chunks with '
         'every index that takes filters (single chunk, fixed array incl. paged, extensible array '
         'sparse, v2 B-tree sparse, and gzip chunks of random bytes stored larger than the chunk '
         'under each), version 4 for unfiltered chunks (single, implicit, fixed and extensible '
         'array, v2 B-tree), version 3 for compact and contiguous storage')


C8LE, C8BE = h5t.COMPLEX_IEEE_F32LE, h5t.COMPLEX_IEEE_F32BE
C16LE, C16BE = h5t.COMPLEX_IEEE_F64LE, h5t.COMPLEX_IEEE_F64BE
C4LE, C4BE = h5t.COMPLEX_IEEE_F16LE, h5t.COMPLEX_IEEE_F16BE
NC8, NC16 = h5t.NATIVE_FLOAT_COMPLEX, h5t.NATIVE_DOUBLE_COMPLEX


def build_dtypes():
    name = 'v200_dtypes.h5'
    f = new_file(name)
    special = np.array([1 + 2j, -3.5 - 4.25j, complex(np.inf, -np.inf), complex(np.nan, 0), 0, -0.0 + 1e-30j])
    grid = (np.arange(6) + 1j * np.arange(6)[::-1]).reshape(2, 3) / 8
    dataset(f, 'c8_le', C8LE, (6,), special.astype('c8'), mtype=NC8)
    dataset(f, 'c8_be', C8BE, (2, 3), grid.astype('c8'), mtype=NC8)
    dataset(f, 'c16_le', C16LE, (2, 3), grid, mtype=NC16)
    dataset(f, 'c16_be', C16BE, (6,), special, mtype=NC16)
    half = np.array([1 + 2j, 0.5 - 4j, 65504 - 0.25j, complex(np.inf, 1), 6e-8j], 'c8')
    dataset(f, 'c4_le', C4LE, (5,), half, mtype=NC8)
    dataset(f, 'c4_be', C4BE, (5,), half, mtype=NC8)
    # Chunked, never fully written: unwritten chunks read as the (complex) fill value.
    d = dataset(f, 'c16_fill', C16LE, (10,), None, chunks=(4,), fill=np.array(-1 + 0.5j, 'c16'), fill_type=NC16)
    d.id.write(h5s.create_simple((4,)), _slab(d.id, 0, 4), np.arange(4) * (1 + 1j), mtype=NC16)
    dataset(f, 'c8_gzip', C8LE, (64,), (np.arange(64) - 2j * np.arange(64)).astype('c8'), mtype=NC8, chunks=(16,), gzip=4, shuffle=True)
    # Complex inside other types.
    ct = h5t.create(h5t.COMPOUND, 24)
    ct.insert(b'id', 0, h5t.STD_I32LE)
    ct.insert(b'z', 8, C16BE)
    mt = h5t.create(h5t.COMPOUND, 24)
    mt.insert(b'id', 0, h5t.NATIVE_INT32)
    mt.insert(b'z', 8, NC16)
    rec = np.zeros(3, np.dtype({'names': ['id', 'z'], 'formats': ['<i4', '<c16'], 'offsets': [0, 8], 'itemsize': 24}))
    rec['id'] = [1, 2, 3]
    rec['z'] = [1 + 1j, -2j, 3]
    dataset(f, 'compound_with_complex', ct, (3,), rec, mtype=mt)
    arr = np.array([[1 + 1j, 2], [3, 4j], [-5, -6j]], 'c8')
    dataset(f, 'array_of_complex', h5t.array_create(C8BE, (2,)), (3,), arr, mtype=h5t.array_create(NC8, (2,)))
    vl = h5t.vlen_create(C16LE)
    dataset(f, 'vlen_of_complex', vl, (3,))
    seqs = np.empty(3, object)
    seqs[:] = [np.array([1 + 1j, 2 - 2j]), np.array([], 'c16'), np.array([3j])]
    f['vlen_of_complex'][...] = seqs
    # numpy complex through h5py's usual path stays a compound of r and i (in a v5 datatype message).
    f.create_dataset('compound_style_c16', data=grid)
    # The other classes whose datatype message is version 5 under the v200 bounds.
    cdt = np.dtype([('a', '<i2'), ('b', [('x', '>f4'), ('y', 'S3')]), ('c', '<f8', (2,))])
    f.create_dataset('compound', data=np.array([(1, (0.5, b'ab'), (1, 2)), (-2, (1.5, b'xyz'), (3, 4))], cdt))
    f.create_dataset('enum_i1', data=np.array([0, 2, 1, 2], 'i1'),
                     dtype=h5py.enum_dtype({'RED': 0, 'GREEN': 1, 'BLUE': 2}, basetype='i1'))
    f.create_dataset('enum_u2_be', data=np.array([7, 300], '>u2'),
                     dtype=h5py.enum_dtype({'LOW': 7, 'HIGH': 300}, basetype='>u2'))
    f.create_dataset('bool', data=np.array([True, False, True]))
    d = f.create_dataset('array_f4', shape=(3,), dtype=np.dtype(('<f4', (2, 2))))
    d[...] = np.arange(12, dtype='<f4').reshape(3, 2, 2)
    # Attributes and a committed type.
    attribute(f, 'complex_scalar', C8LE, np.array(5 - 6j, 'c8'), NC8, scalar=True)
    attribute(f, 'complex_array', C16BE, np.array([1 + 2j, 3 + 4j, complex(-np.inf, np.nan)]), NC16)
    attribute(f, 'complex_half', C4LE, np.array([0.5 + 0.25j, -2j], 'c8'), NC8)
    f['bool'].attrs['flags'] = np.array([False, True])
    tid = C16BE.copy()
    tid.commit(f.id, b'complex_type')
    dataset(f, 'uses_committed', tid, (2,), np.array([1j, 2], 'c16'), mtype=NC16)
    f.close()
    spec(name, 'datatype message version 5: the complex class (11) as c8 and c16 in both byte orders, '
         'half-precision complex (c4, which h5py cannot read), a chunked complex dataset with a '
         'complex fill value and unwritten chunks, gzip+shuffle complex chunks, complex in a compound, '
         'an array and a variable-length sequence, complex attributes (scalar, BE array, half), a '
         'committed complex type; and the other classes the v200 bounds write as version 5: h5py '
         'complex as a compound of r and i, nested compound, enums, bool, array')


def _slab(dsid, start, count):
    space = dsid.get_space()
    space.select_hyperslab((start,), (count,))
    return space


def build_vds():
    src = 'v200_vds_source.h5'
    f = new_file(src)
    for i in range(2):
        f.create_dataset(f'ext{i}', data=np.arange(6, dtype='<i4') + 100 * (i + 1))
    f.create_dataset('grow', data=np.arange(18, dtype='<i4').reshape(3, 6), maxshape=(None, 6), chunks=(2, 6))
    f.close()
    spec(src, 'the external source of v200_vds.h5', bundle=['v200_vds.h5'])

    name = 'v200_vds.h5'
    f = new_file(name)
    for i in range(3):
        f.create_dataset(f'src/s{i}', data=np.arange(6, dtype='<i4') + 10 * i)
    lay = h5py.VirtualLayout(shape=(6, 6), dtype='<i4')
    lay[0] = h5py.VirtualSource('.', 'src/s0', shape=(6,))
    lay[1] = h5py.VirtualSource(src, 'ext0', shape=(6,))
    lay[2] = h5py.VirtualSource('.', 'src/s1', shape=(6,))
    lay[3] = h5py.VirtualSource('.', 'src/s0', shape=(6,))  # the same source twice
    lay[4, :3] = h5py.VirtualSource(src, 'ext1', shape=(6,))[3:]
    f.create_virtual_dataset('mixed', lay, fillvalue=-1)
    # printf-style, unlimited, sources in this file: one row per existing src/p<N>.
    for i in range(3):
        f.create_dataset(f'p{i}', data=np.arange(4, dtype='<i4') * (i + 1))
    p = h5p.create(h5p.DATASET_CREATE)
    p.set_obj_track_times(False)
    vspace = h5s.create_simple((0, 4), (h5s.UNLIMITED, 4))
    vspace.select_hyperslab((0, 0), (h5s.UNLIMITED, 1), stride=(1, 1), block=(1, 4))
    p.set_virtual(vspace, b'.', b'p%b', h5s.create_simple((4,)))
    p.set_fill_value(np.array(-2, '<i4'))
    h5d.create(f.id, b'printf', h5t.STD_I32LE, h5s.create_simple((0, 4), (h5s.UNLIMITED, 4)), dcpl=p)
    # Unlimited, from the other file: its extent (3 rows) is known only by opening the source.
    p = h5p.create(h5p.DATASET_CREATE)
    p.set_obj_track_times(False)
    vspace = h5s.create_simple((0, 6), (h5s.UNLIMITED, 6))
    vspace.select_hyperslab((0, 0), (1, 1), block=(h5s.UNLIMITED, 6))
    sspace = h5s.create_simple((3, 6), (h5s.UNLIMITED, 6))
    sspace.select_hyperslab((0, 0), (1, 1), block=(h5s.UNLIMITED, 6))
    p.set_virtual(vspace, src.encode(), b'grow', sspace)
    h5d.create(f.id, b'unlimited_ext', h5t.STD_I32LE, h5s.create_simple((0, 6), (h5s.UNLIMITED, 6)), dcpl=p)
    f.close()
    spec(name, 'virtual dataset mapping lists version 1 (a flags byte per mapping; 0x04 = source in '
         'this file, no file name stored): same-file and external sources mixed, a partial '
         'mapping (fill value -1 elsewhere), a printf-style unlimited mapping over same-file '
         'sources p0..p2, and an unlimited mapping of an external source whose extent (3 rows, '
         'stored as 0) only the source knows', bundle=[src])


def build_sohm():
    name = 'v200_sohm.h5'
    f = new_file(name, sohm=(0x182a, 8))
    cdt = np.dtype([('t', '<f8'), ('label', 'S8')])
    for i in range(4):
        d = f.create_dataset(f'd{i}', shape=(10,), dtype=cdt, chunks=(5,), compression='gzip',
                             fillvalue=np.array((-1.0, b'none'), cdt)[()], track_times=False)
        d[:] = np.array([(i + j / 4, f'r{j}'.encode()) for j in range(10)], cdt)
        d.attrs['units'] = np.bytes_('seconds')
        d.attrs['scale'] = np.arange(6, dtype='<f8')
    f.close()
    spec(name, 'a shared object header message index with message type flags 0x182a '
         '(H5O_SHMESG_ALL_FLAG: dataspace, datatype, fill value, filter pipeline and attribute '
         'messages of four datasets in one list index), v200 format')


# ---------------------------------------------------------------------------------------------
# Oracle
# ---------------------------------------------------------------------------------------------

def half_complex(entry, raw):
    """Values of a half-precision complex read raw: float16 pairs in the type's byte order."""
    order = entry['h5type']['base']['order']
    pairs = np.frombuffer(bytes(raw), dtype=order + 'f2').astype(np.float64).reshape(-1, 2)
    return [{'r': mf.enc_float(float(r)), 'i': mf.enc_float(float(i))} for r, i in pairs]


def fix_half_complex(f, path, e, kind):
    """Replace the opaque-looking raw read of a COMPLEX_IEEE_F16* value with its values."""
    t = e['h5type']
    if t.get('class') != 'complex' or t['base']['size'] != 2:
        return
    note = ('h5py 3.16 has no numpy type for a complex of float16 parts: read raw '
            '(H5Dread/H5Aread in the file type) and decoded as float16 pairs by the generator')
    e['dtype'] = ('>' if t['base']['order'] == '>' else '<') + 'c4'
    e.pop('dtype_error', None)
    if kind == 'attr':
        obj_path, name = path
        aid = h5a.open(f[obj_path].id, name.encode())
        raw = np.empty(aid.shape, dtype='V4')
        aid.read(raw, mtype=aid.get_type())
        vals = half_complex(e, raw.tobytes())
        e['value'] = vals[0] if e['dataspace'] == 'scalar' else vals
    else:
        d = f[path]
        raw = np.empty(d.shape, dtype='V4')
        d.id.read(h5s.ALL, h5s.ALL, raw, mtype=d.id.get_type())
        e['data'] = half_complex(e, raw.tobytes())
        e['fill_value'] = {'r': 0.0, 'i': 0.0}
    e['read_mode'] = note


def _get_uints(call, fcpl, n):
    out = [_U() for _ in range(n)]
    if getattr(_LIB, call)(_HID(fcpl.id), *[ctypes.byref(x) for x in out]) < 0:
        raise RuntimeError(f'{call} failed')
    return [x.value for x in out]


def superblock_of(fcpl):
    sb, freelist, stab, shhdr = fcpl.get_version()
    offsets, lengths = fcpl.get_sizes()
    internal_k, leaf_k = _get_uints('H5Pget_sym_k', fcpl, 2)
    return {'superblock_version': sb, 'sizeof_offsets': offsets, 'sizeof_lengths': lengths,
            'userblock_size': fcpl.get_userblock(), 'sym_leaf_k': leaf_k,
            'btree_k_group': internal_k, 'btree_k_chunk': _get_uints('H5Pget_istore_k', fcpl, 1)[0],
            'freespace_version': freelist, 'shared_header_version': shhdr,
            'sohm_table_present': _get_uints('H5Pget_shared_mesg_nindexes', fcpl, 1)[0] > 0}


def make_manifest(s):
    name = s['file']
    path = OUT / name
    raw = path.read_bytes()
    with h5py.File(path, 'r') as f:
        fcpl = f.id.get_create_plist()
        base = fcpl.get_userblock()
        strategy, persist, threshold = fcpl.get_file_space_strategy()
        page = fcpl.get_file_space_page_size()
        entries, headers = mf.traverse(f, mf.Encoder(f), base)
        for p, e in entries.items():
            if e.get('kind') == 'dataset':
                fix_half_complex(f, p, e, 'dataset')
            for an, a in (e.get('attrs') or {}).items():
                fix_half_complex(f, (p, an), a, 'attr')
        superblock = superblock_of(fcpl)
    for p, (addr, kind) in headers.items():
        entries[p]['object_header'] = {'address': addr}
    m = {
        'schema': 'hdf5-oracle/1', 'file': name, 'size': len(raw),
        'sha256': hashlib.sha256(raw).hexdigest(), 'signature_offset': 0,
        'oracle': {'h5py': h5py.version.version, 'hdf5': h5py.version.hdf5_version},
        'origin': {'kind': 'generated', 'generator': GENERATOR, 'family': s['family'],
                   'group': s['group'], 'description': s['description'],
                   'h5py': h5py.version.version, 'hdf5': h5py.version.hdf5_version},
        'category': 'fixture:v200',
        'superblock': superblock, 'userblock_size': base,
        'file_space': {'strategy': mf.FS_STRATEGY.get(strategy, str(strategy)),
                       'persist': bool(persist), 'threshold': threshold, 'page_size': page},
        'bundle': s['bundle'],
        'oracle_note': 'object headers not described: h5debug of libhdf5 1.10 cannot read HDF5 2.0 messages',
        'objects': {p: entries[p] for p in sorted(entries)},
    }
    m['oracle_error_count'] = mf.count_errors(m['objects'])
    m['features'] = mf.features_of(m) + (['has_oracle_errors'] if m['oracle_error_count'] else [])
    return m


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.iterdir():
        if p.name.endswith(('.h5', '.h5.json')):
            p.unlink()
    mf.write_fixtures(OUT, (build_layouts, build_dtypes, build_vds, build_sohm), SPECS, make_manifest)

if __name__ == '__main__':
    main()
