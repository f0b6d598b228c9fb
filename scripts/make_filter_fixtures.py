#!/usr/bin/python3
"""Writes the filter-pipeline fixtures: fixtures/filters/<group>.h5 plus <group>.json.

Run with the Debian python (it has h5py + hdf5plugin + the system filter plugins):

    /usr/bin/python3 scripts/make_filter_fixtures.py

Every dataset is encoded by the real HDF5 library and its filter plugins. The JSON beside each
file lists, per dataset, the filter pipeline exactly as the dataset creation property list holds
it (id, flags, cd_values), every stored chunk (file address, size, filter mask) and the decoded
array as HDF5 itself reads it back in the *file* datatype (zlib-compressed, base64), so
test/filters-*.test.ts can run coh5's decodeChunk on the raw chunk bytes without the format parser.

Two encoders are not packaged for this Debian release and are handled specially:
  * bitshuffle (32008): Debian's `bitshuffle` package ships the serial plugin but depends on the
    OpenMPI HDF5. Extract it without installing (`apt-get download bitshuffle; dpkg -x ...`) and
    point BSHUF_PLUGIN_DIR at .../usr/lib/x86_64-linux-gnu/hdf5/serial/plugins.
  * Zstandard (32015): no HDF5 plugin at all, so the chunks are compressed with the system
    libzstd (ctypes) and stored with write_direct_chunk under an optional 32015 filter. HDF5
    cannot read those back, so their expected bytes are the numpy source array.
"""
import base64
import hashlib
import ctypes
import json
import os
import sys
import zlib

import h5py
import hdf5plugin  # noqa: F401  (registers the plugin path)
import numpy as np
from h5py import h5d, h5p, h5s, h5t, h5z

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'fixtures', 'filters')
BSHUF_DIR = os.environ.get(
    'BSHUF_PLUGIN_DIR', '/tmp/bsdeb/x/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins')

rng = np.random.default_rng(20240611)
libhdf5 = ctypes.CDLL('libhdf5_serial.so.103')


def smooth(shape, dtype, scale=1000.0, noise=0.25):
    """Compressible but not trivial data: a 2-D ripple plus a little noise."""
    n = int(np.prod(shape))
    x = np.arange(n, dtype=np.float64)
    v = scale * np.sin(x / 97.0) + scale * 0.5 * np.cos(x / 13.0) + rng.normal(0, noise, n)
    if np.dtype(dtype).kind in 'iu':
        info = np.iinfo(dtype)
        v = np.clip(np.round(v), info.min, info.max)
    else:
        v = np.round(v * 16) / 16  # short mantissas: compressible, still fractional
    return v.astype(dtype).reshape(shape)


def pipeline_of(dset):
    """The pipeline as the file stores it. h5py's get_filter only fills the first 16 cd_values
    (N-bit needs more), so ask the C library directly."""
    dcpl = dset.id.get_create_plist()
    get = libhdf5.H5Pget_filter2
    get.restype = ctypes.c_int
    out = []
    for i in range(dcpl.get_nfilters()):
        flags = ctypes.c_uint(0)
        n = ctypes.c_size_t(256)  # HDF5 rejects larger values as "probably uninitialized"
        cd = (ctypes.c_uint * 256)()
        name = ctypes.create_string_buffer(256)
        config = ctypes.c_uint(0)
        fid = get(ctypes.c_int64(dcpl.id), ctypes.c_uint(i), ctypes.byref(flags), ctypes.byref(n), cd,
                  ctypes.c_size_t(256), name, ctypes.byref(config))
        assert fid >= 0 and n.value <= 256
        out.append({'id': fid, 'flags': flags.value, 'clientData': [int(c) for c in cd[:n.value]],
                    'name': name.value.decode('latin-1')})
    return out


def chunks_of(dset):
    out = []
    for i in range(dset.id.get_num_chunks()):
        info = dset.id.get_chunk_info(i)
        out.append({'offset': [int(o) for o in info.chunk_offset], 'address': int(info.byte_offset),
                    'size': int(info.size), 'filterMask': int(info.filter_mask)})
    return out


def read_file_type_bytes(dset):
    """The array as HDF5 decodes it, in the file datatype (no conversion: raw filter output)."""
    ftype = dset.id.get_type()
    buf = np.empty(int(np.prod(dset.shape)) * ftype.get_size(), dtype=np.uint8)
    dset.id.read(h5s.ALL, h5s.ALL, buf, mtype=ftype)
    return buf.tobytes()


class Group:
    def __init__(self, name):
        self.name = name
        self.path = os.path.join(OUT, name + '.h5')
        self.f = h5py.File(self.path, 'w', libver='earliest')
        self.entries = []
        self.blobs = {}  # expected arrays, deduplicated: many datasets share their source data

    def add(self, dset, source=None, note=''):
        """Records a dataset; `source` (bytes) replaces the HDF5 read-back when HDF5 cannot decode."""
        self.entries.append((dset.name, source, note))

    def describe(self, dset, source, note):
        raw = source if source is not None else read_file_type_bytes(dset)
        return {
            'name': dset.name,
            'note': note,
            'shape': list(dset.shape),
            'chunkShape': list(dset.chunks),
            'elementSize': dset.id.get_type().get_size(),
            'pipeline': pipeline_of(dset),
            'chunks': chunks_of(dset),
            'expectedFrom': 'numpy source' if source is not None else 'HDF5 read-back',
            'expected': self.blob(raw),
        }

    def blob(self, raw):
        key = hashlib.sha256(raw).hexdigest()[:16]
        self.blobs[key] = base64.b64encode(zlib.compress(raw, 9)).decode('ascii')
        return key

    def close(self):
        self.f.close()
        # Describe from a fresh handle: right after writing, HDF5's chunk cache still holds the
        # unfiltered chunks, and reading those back would hide what lossy filters did.
        with h5py.File(self.path, 'r') as f:
            datasets = [self.describe(f[name], source, note) for name, source, note in self.entries]
        with open(os.path.join(OUT, self.name + '.json'), 'w') as fh:
            json.dump({'file': self.name + '.h5', 'generator': 'scripts/make_filter_fixtures.py',
                       'hdf5': h5py.version.hdf5_version, 'datasets': datasets,
                       'blobsZlibBase64': self.blobs}, fh, indent=1)
            fh.write('\n')


def lowlevel_dataset(f, name, ftype, shape, chunks, setup):
    """Creates a dataset with an arbitrary (e.g. reduced-precision) file type; `setup(dcpl)` adds filters."""
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)  # no timestamps: rerunning gives identical files
    dcpl.set_chunk(chunks)
    setup(dcpl)
    space = h5s.create_simple(shape)
    dsid = h5d.create(f.id, name.encode(), ftype, space, dcpl=dcpl)
    return h5py.Dataset(dsid)


# --------------------------------------------------------------------------------------------
def builtin():
    g = Group('deflate_shuffle_fletcher32')
    f = g.f
    g.add(f.create_dataset('gzip_i4_edges', data=smooth((50, 37), 'i4'), chunks=(16, 10),
                           compression='gzip', compression_opts=4), note='partial edge chunks')
    g.add(f.create_dataset('shuffle_gzip_f8', data=smooth((40, 40), 'f8'), chunks=(16, 16),
                           shuffle=True, compression='gzip'))
    g.add(f.create_dataset('shuffle_only_i2', data=smooth((1000,), 'i2'), chunks=(300,),
                           shuffle=True))
    g.add(f.create_dataset('fletcher_i1_odd', data=smooth((35,), 'i1', scale=50), chunks=(7,),
                           fletcher32=True), note='7-byte chunks: odd-length checksum tail')
    g.add(f.create_dataset('fletcher_u1_long', data=rng.integers(0, 256, 3003, dtype='u1'),
                           chunks=(1001,), fletcher32=True),
          note='longer than 360 words: exercises the periodic reduction')
    g.add(f.create_dataset('shuffle_gzip_fletcher_u2', data=smooth((64, 64), 'u2', scale=20000) ,
                           chunks=(32, 32), shuffle=True, compression='gzip', fletcher32=True))
    cdt = np.dtype([('a', '<i4'), ('b', '<f8')])
    comp = np.zeros(300, cdt)
    comp['a'] = np.arange(300)
    comp['b'] = smooth((300,), 'f8')
    g.add(f.create_dataset('shuffle_gzip_compound12', data=comp, chunks=(128,), shuffle=True,
                           compression='gzip'), note='12-byte elements for shuffle')
    # A chunk stored unfiltered (filter mask bit 0 set), as write_direct_chunk allows.
    data = smooth((4, 100), 'i4')
    d = f.create_dataset('gzip_masked_chunk', shape=(4, 100), dtype='i4', chunks=(1, 100),
                         compression='gzip')
    d[...] = data
    d.id.write_direct_chunk((2, 0), data[2].tobytes(), filter_mask=1)
    d.id.write_direct_chunk((3, 0), zlib.compress(data[3].tobytes(), 1), filter_mask=0)
    g.add(d, note='chunk (2,0) raw with filter mask 1')
    g.close()


def szip():
    g = Group('szip')
    f = g.f
    # HDF5 passes pixels-per-scanline = the chunk's fastest dimension; 50 is not a multiple of 8,
    # so libaec pads every scanline to 56 pixels.
    g.add(f.create_dataset('nn8_u1_padded', data=smooth((64, 50), 'u1', scale=60, noise=2) + 128,
                           chunks=(32, 50), compression='szip', compression_opts=('nn', 8)))
    g.add(f.create_dataset('ec16_i2', data=smooth((60, 70), 'i2'), chunks=(30, 64),
                           compression='szip', compression_opts=('ec', 16)))
    g.add(f.create_dataset('nn32_i4', data=smooth((40, 70), 'i4', scale=1e6), chunks=(20, 64),
                           compression='szip', compression_opts=('nn', 32)), note='32-bit: byte-interleaved')
    g.add(f.create_dataset('nn16_f8', data=smooth((40, 40), 'f8'), chunks=(20, 32),
                           compression='szip', compression_opts=('nn', 16)), note='64-bit: byte-interleaved')
    g.add(f.create_dataset('ec8_be_i2', data=smooth((50, 48), '>i2'), chunks=(25, 48),
                           compression='szip', compression_opts=('ec', 8)), note='big-endian: MSB option')
    noisy = smooth((40, 64), 'u2', scale=3000) + 10000
    noisy[::3] = rng.integers(0, 65535, (14, 64), dtype='u2')
    g.add(f.create_dataset('nn8_u2_noise', data=noisy, chunks=(20, 64), compression='szip',
                           compression_opts=('nn', 8)), note='random rows: uncompressed blocks')
    runs = np.full((64, 128), 1000, dtype='u2')
    runs[10, 5:9] = [1001, 1003, 1000, 999]
    runs[40:42, :] = 1001
    runs[50, 100:] = np.arange(28) % 3 + 1000
    g.add(f.create_dataset('nn16_u2_runs', data=runs, chunks=(64, 128), compression='szip',
                           compression_opts=('nn', 16)), note='zero blocks, ROS, second extension')
    wide = np.full((4, 2048), 77, dtype='u1')
    wide[:, 100] = 80
    wide[1, 700:705] = [1, 2, 3, 4, 5]
    g.add(f.create_dataset('nn8_u1_wide_runs', data=wide, chunks=(4, 2048), compression='szip',
                           compression_opts=('nn', 8)),
          note='128 blocks per scanline: a remainder-of-segment run stops at the 64-block segment')
    g.add(f.create_dataset('nn8_narrow_i2', data=smooth((200, 4), 'i2'), chunks=(50, 4),
                           compression='szip', compression_opts=('nn', 8)),
          note='fastest dimension < pixels per block')
    g.close()


def nbit():
    g = Group('nbit')
    f = g.f

    def add_nbit(dcpl):
        dcpl.set_filter(h5z.FILTER_NBIT, 0)

    t = h5t.STD_I32LE.copy()
    t.set_precision(12)
    t.set_offset(4)
    d = lowlevel_dataset(f, 'int12_off4', t, (100,), (30,), add_nbit)
    d.id.write(h5s.ALL, h5s.ALL, rng.integers(-2048, 2048, 100).astype('i4'))
    g.add(d, note='signed 12-bit at bit offset 4 in 32-bit LE')

    t = h5t.STD_U16BE.copy()
    t.set_precision(10)
    t.set_offset(3)
    d = lowlevel_dataset(f, 'u10_be_off3', t, (80,), (32,), add_nbit)
    d.id.write(h5s.ALL, h5s.ALL, rng.integers(0, 1024, 80).astype('u2'))
    g.add(d, note='big-endian')

    ft = h5t.IEEE_F32LE.copy()
    ft.set_fields(26, 20, 6, 7, 13)
    ft.set_offset(7)
    ft.set_precision(20)
    ft.set_size(4)  # set_offset grew it to 5 bytes while the precision was still 32
    ft.set_ebias(31)
    assert ft.get_size() == 4
    d = lowlevel_dataset(f, 'float20', ft, (64,), (20,), add_nbit)
    d.id.write(h5s.ALL, h5s.ALL, (smooth((64,), 'f4', scale=10.0, noise=0.1)).astype('f4'))
    g.add(d, note='float with 20-bit precision at offset 7')

    # A compound with atomic, array, string (no-op class) and nested compound members.
    ti = h5t.STD_I32LE.copy(); ti.set_precision(17); ti.set_offset(5)
    tc = h5t.STD_U8LE.copy(); tc.set_precision(5); tc.set_offset(1)
    ta_base = h5t.STD_I16LE.copy(); ta_base.set_precision(9)
    ta = h5t.array_create(ta_base, (3,))
    ts = h5t.C_S1.copy(); ts.set_size(3)
    tn_inner = h5t.STD_U16LE.copy(); tn_inner.set_precision(7)
    tn = h5t.create(h5t.COMPOUND, 2); tn.insert(b'x', 0, tn_inner)
    ct = h5t.create(h5t.COMPOUND, 4 + 1 + 6 + 3 + 2 + 4)
    ct.insert(b'i', 0, ti)
    ct.insert(b'c', 4, tc)
    ct.insert(b'a', 5, ta)
    ct.insert(b's', 11, ts)
    ct.insert(b'n', 14, tn)
    ct.insert(b'f', 16, ft)
    mdt = np.dtype([('i', '<i4'), ('c', 'u1'), ('a', '<i2', (3,)), ('s', 'S3'),
                    ('n', [('x', '<u2')]), ('f', '<f4')])
    mem = np.zeros(50, mdt)
    mem['i'] = rng.integers(-65536, 65536, 50)
    mem['c'] = rng.integers(0, 32, 50)
    mem['a'] = rng.integers(-256, 256, (50, 3))
    mem['s'] = [b'ab%d' % (k % 10) for k in range(50)]
    mem['n']['x'] = rng.integers(0, 128, 50)
    mem['f'] = smooth((50,), 'f4', scale=5.0, noise=0.1)
    d = lowlevel_dataset(f, 'compound', ct, (50,), (16,), add_nbit)
    d.id.write(h5s.ALL, h5s.ALL, mem)
    g.add(d, note='compound: atomic, array, string (no-op), nested compound members')

    tarr = h5t.array_create(ta_base, (4,))
    d = lowlevel_dataset(f, 'array_top', tarr, (30,), (8,), add_nbit)
    d.id.write(h5s.ALL, h5s.ALL, rng.integers(-256, 256, (30, 4)).astype('<i2'),
               mtype=h5t.array_create(h5t.NATIVE_INT16, (4,)))
    g.add(d, note='array datatype at the top level')

    d = lowlevel_dataset(f, 'full_precision', h5t.STD_I32LE, (40,), (16,), add_nbit)
    d.id.write(h5s.ALL, h5s.ALL, rng.integers(-2**31, 2**31, 40).astype('i4'))
    g.add(d, note='full precision: need_not_compress, the filter is a no-op')
    g.close()


def scaleoffset():
    g = Group('scaleoffset')
    f = g.f
    g.add(f.create_dataset('int_i4', data=smooth((60, 60), 'i4'), chunks=(25, 25), scaleoffset=0),
          note='fill value defined (default 0), partial edge chunks')
    d16 = smooth((70,), 'i2')
    d16[::9] = -999
    g.add(f.create_dataset('int_i2_fill', data=d16, chunks=(32,), scaleoffset=0, fillvalue=-999),
          note='fill value -999 present in the data and in the edge chunk')
    g.add(f.create_dataset('int_u1_full', data=np.arange(256, dtype='u1')[::-1].copy(), chunks=(128,),
                           scaleoffset=0), note='full range: minbits == 8, stored raw')
    g.add(f.create_dataset('int_i8', data=(smooth((50,), 'i8') + 10**12), chunks=(20,),
                           scaleoffset=0), note='64-bit with a large minimum')
    g.add(f.create_dataset('int_u4', data=smooth((50,), 'u4', scale=1e4) + 4_000_000_000 - 20000,
                           chunks=(20,), scaleoffset=0))
    g.add(f.create_dataset('int_be_i4', data=smooth((50,), '>i4'), chunks=(20,), scaleoffset=0),
          note='big-endian datatype: need_convert')
    g.add(f.create_dataset('int_minbits12', data=rng.integers(-100, 3000, 60).astype('i4'),
                           chunks=(25,), scaleoffset=12), note='user-chosen minbits')
    g.add(f.create_dataset('int_const', data=np.full(40, 7, 'i4'), chunks=(16,), scaleoffset=0))
    g.add(f.create_dataset('float_f4_d2', data=smooth((60, 30), 'f4', scale=10.0, noise=0.5),
                           chunks=(25, 16), scaleoffset=2), note='D-scale 2')
    g.add(f.create_dataset('float_f8_d3_fill', data=smooth((70,), 'f8', scale=3.0), chunks=(32,),
                           scaleoffset=3, fillvalue=-1.5), note='D-scale 3, fill value -1.5')
    g.add(f.create_dataset('float_be_f8_d1', data=smooth((40,), '>f8'), chunks=(16,), scaleoffset=1),
          note='big-endian float')

    # Fill value *undefined* (H5Pset_fill_value with NULL) takes another branch of the filter;
    # h5py has no API for it, so call the C function on the property list directly.
    for name, dtype, so_type, factor in (('int_i4_nofill', 'i4', h5z.SO_INT, 0),
                                          ('float_f4_d2_nofill', 'f4', h5z.SO_FLOAT_DSCALE, 2)):
        dcpl = h5p.create(h5p.DATASET_CREATE)
        dcpl.set_obj_track_times(False)  # no timestamps: rerunning gives identical files
        dcpl.set_chunk((20,))
        dcpl.set_scaleoffset(so_type, factor)
        mtype = h5t.py_create(np.dtype(dtype))
        assert libhdf5.H5Pset_fill_value(ctypes.c_int64(dcpl.id), ctypes.c_int64(mtype.id), None) >= 0
        dsid = h5d.create(f.id, name.encode(), mtype, h5s.create_simple((50,)), dcpl=dcpl)
        d = h5py.Dataset(dsid)
        d[...] = smooth((50,), dtype, scale=100.0)
        g.add(d, note='fill value undefined')
    g.close()


def lzf():
    g = Group('lzf')
    f = g.f
    g.add(f.create_dataset('i4_edges', data=smooth((60, 60), 'i4'), chunks=(25, 25),
                           compression='lzf'))
    g.add(f.create_dataset('f8', data=smooth((2000,), 'f8'), chunks=(700,), compression='lzf'))
    noise = np.concatenate([smooth((256,), 'u1', scale=2, noise=0), rng.integers(0, 256, 256, 'u1')])
    g.add(f.create_dataset('u1_incompressible', data=noise, chunks=(256,), compression='lzf'),
          note='the random chunk does not compress: LZF fails, HDF5 stores it raw with mask bit 0')
    g.close()


def blosc():
    g = Group('blosc')
    f = g.f
    shuffles = {0: 'noshuffle', 1: 'shuffle', 2: 'bitshuffle'}
    # 70 KB chunks at clevel 1: two blosc blocks (64 KB for the split codecs) with a leftover,
    # 32 KB blocks for zstd. A repeated period keeps the file small.
    big = np.tile(smooth((1000,), 'i4', scale=1e4), 18)[:17500].copy()
    big[rng.integers(0, big.size, 40)] = rng.integers(-2**31, 2**31, 40)
    for cname in ('blosclz', 'lz4', 'lz4hc', 'zlib', 'zstd', 'snappy'):
        for sh in (0, 1, 2):
            # blosclz at low levels gives up on unshuffled ints (HDF5 would store the chunk raw)
            clevel = 9 if cname == 'blosclz' and sh == 0 else 1
            g.add(f.create_dataset(f'{cname}_{shuffles[sh]}_i4', data=big, chunks=(17500,),
                                   **hdf5plugin.Blosc(cname=cname, clevel=clevel, shuffle=sh)))
    g.add(f.create_dataset('blosclz_shuffle_clevel9_i4', data=big, chunks=(17500,),
                           **hdf5plugin.Blosc(cname='blosclz', clevel=9, shuffle=1)))
    g.add(f.create_dataset('lz4_shuffle_f8_edges', data=smooth((50, 40), 'f8'), chunks=(32, 32),
                           **hdf5plugin.Blosc(cname='lz4', clevel=5, shuffle=1)))
    g.add(f.create_dataset('blosclz_bitshuffle_u2_odd', data=smooth((5003,), 'u2', scale=2e4),
                           chunks=(5003,), **hdf5plugin.Blosc(cname='blosclz', clevel=5, shuffle=2)),
          note='element count not a multiple of 8')
    g.add(f.create_dataset('blosclz_u1', data=np.tile(smooth((500,), 'u1', scale=100) + 120, 40),
                           chunks=(20000,), **hdf5plugin.Blosc(cname='blosclz', clevel=5, shuffle=0)))
    # Memcpyed frames never reach the file: hdf5-blosc gives blosc an output buffer no larger than
    # the input, so an incompressible chunk fails the (optional) filter and is stored raw instead.
    half = np.concatenate([rng.integers(0, 2**31, 2000, dtype='i4'), np.zeros(2000, 'i4')])
    g.add(f.create_dataset('lz4_half_noise', data=half, chunks=(4000,),
                           **hdf5plugin.Blosc(cname='lz4', clevel=5, shuffle=0)),
          note='incompressible splits stored verbatim inside the frame')
    g.add(f.create_dataset('lz4_noise_masked', data=rng.integers(0, 2**31, 500, dtype='i4'), chunks=(500,),
                           **hdf5plugin.Blosc(cname='lz4', clevel=5, shuffle=0)),
          note='incompressible: the filter fails and HDF5 stores the chunk raw (mask bit 0)')
    g.close()


def lz4():
    g = Group('lz4')
    f = g.f
    g.add(f.create_dataset('default_block_i4', data=smooth((60, 60), 'i4'), chunks=(25, 25),
                           **hdf5plugin.LZ4()))
    mixed = np.concatenate([smooth((3000,), 'u1', scale=3, noise=0) + 100,
                            rng.integers(0, 256, 3000, 'u1'), np.zeros(1500, 'u1')])
    g.add(f.create_dataset('block1000_u1_mixed', data=mixed, chunks=(7500,), **hdf5plugin.LZ4(nbytes=1000)),
          note='1000-byte blocks; the random ones are stored raw')
    g.add(f.create_dataset('f8', data=smooth((3000,), 'f8'), chunks=(1024,), **hdf5plugin.LZ4(nbytes=4096)))
    g.close()


def bitshuffle():
    if os.path.isdir(BSHUF_DIR):
        h5py.h5pl.append(BSHUF_DIR.encode())
    if not h5z.filter_avail(32008):
        print('bitshuffle plugin not available (set BSHUF_PLUGIN_DIR); keeping the old fixture',
              file=sys.stderr)
        return
    g = Group('bitshuffle')
    f = g.f
    g.add(f.create_dataset('plain_i4', data=smooth((64, 64), 'i4'), chunks=(32, 64),
                           **hdf5plugin.Bitshuffle(cname='none')))
    g.add(f.create_dataset('lz4_i4', data=smooth((64, 64), 'i4'), chunks=(32, 64),
                           **hdf5plugin.Bitshuffle(cname='lz4')))
    g.add(f.create_dataset('lz4_block64_u2_1003', data=smooth((1003,), 'u2', scale=3e4), chunks=(1003,),
                           **hdf5plugin.Bitshuffle(nelems=64, cname='lz4')),
          note='64-element blocks, 43 left over: 40 bitshuffled, 3 copied')
    g.add(f.create_dataset('plain_block16_f8_odd', data=smooth((203,), 'f8'), chunks=(203,),
                           **hdf5plugin.Bitshuffle(nelems=16, cname='none')))
    g.add(f.create_dataset('lz4_u1_edges', data=smooth((90, 50), 'u1', scale=100) + 120, chunks=(40, 40),
                           **hdf5plugin.Bitshuffle(cname='lz4')))
    g.close()


def bzip2():
    g = Group('bzip2')
    f = g.f
    g.add(f.create_dataset('i4_edges', data=smooth((100, 100), 'i4'), chunks=(60, 60),
                           **hdf5plugin.BZip2(blocksize=9)))
    # 250 KB of repetitive-but-mutated text: several 100 KB bzip2 blocks at level 1, tiny on disk.
    base = rng.integers(97, 123, 997, dtype='u1')
    text = np.tile(base, 251)[:250_000].copy()
    text[rng.integers(0, text.size, 300)] = 32
    text[1000:1200] = 65  # a long run: RLE1 + RUNA/RUNB
    g.add(f.create_dataset('u1_multiblock', data=text, chunks=(250_000,), **hdf5plugin.BZip2(blocksize=1)),
          note='several bzip2 blocks')
    g.close()


class ZSTDInBuffer(ctypes.Structure):
    _fields_ = [('src', ctypes.c_void_p), ('size', ctypes.c_size_t), ('pos', ctypes.c_size_t)]


def zstd():
    lib = ctypes.CDLL('libzstd.so.1')
    lib.ZSTD_compressBound.restype = ctypes.c_size_t
    lib.ZSTD_compress.restype = ctypes.c_size_t
    lib.ZSTD_compress2.restype = ctypes.c_size_t
    lib.ZSTD_createCCtx.restype = ctypes.c_void_p
    lib.ZSTD_isError.restype = ctypes.c_uint

    def compress(raw, level, content_size=True):
        cap = lib.ZSTD_compressBound(ctypes.c_size_t(len(raw)))
        out = ctypes.create_string_buffer(cap)
        if content_size:
            n = lib.ZSTD_compress(out, ctypes.c_size_t(cap), raw, ctypes.c_size_t(len(raw)), level)
        else:
            cctx = ctypes.c_void_p(lib.ZSTD_createCCtx())
            lib.ZSTD_CCtx_setParameter(cctx, 200, 0)  # ZSTD_c_contentSizeFlag = 0
            lib.ZSTD_CCtx_setParameter(cctx, 100, level)  # ZSTD_c_compressionLevel
            n = lib.ZSTD_compress2(cctx, out, ctypes.c_size_t(cap), raw, ctypes.c_size_t(len(raw)))
            lib.ZSTD_freeCCtx(cctx)
        assert not lib.ZSTD_isError(ctypes.c_size_t(n))
        return out.raw[:n]

    g = Group('zstd')
    f = g.f
    for name, data, chunks, level, fcs in (
            ('i4_edges', smooth((60, 60), 'i4'), (25, 25), 3, True),
            ('f8_level19', smooth((5000,), 'f8'), (2048,), 19, True),
            ('u2_no_content_size', smooth((3000,), 'u2', scale=3e4), (1024,), 3, False)):
        dcpl = h5p.create(h5p.DATASET_CREATE)
        dcpl.set_obj_track_times(False)  # no timestamps: rerunning gives identical files
        dcpl.set_chunk(chunks)
        # Optional: HDF5 1.10 refuses to create a dataset with an unavailable mandatory filter.
        dcpl.set_filter(32015, h5z.FLAG_OPTIONAL, (level,))
        mtype = h5t.py_create(data.dtype)
        dsid = h5d.create(f.id, name.encode(), mtype, h5s.create_simple(data.shape), dcpl=dcpl)
        d = h5py.Dataset(dsid)
        grid = [range(0, s, c) for s, c in zip(data.shape, chunks)]
        for origin in np.array(np.meshgrid(*grid, indexing='ij')).reshape(len(chunks), -1).T:
            block = np.zeros(chunks, data.dtype)  # edge chunks are padded with the fill value 0
            sel = tuple(slice(o, min(o + c, s)) for o, c, s in zip(origin, chunks, data.shape))
            block[tuple(slice(0, s.stop - s.start) for s in sel)] = data[sel]
            d.id.write_direct_chunk(tuple(int(o) for o in origin), compress(block.tobytes(), level, fcs))
        g.add(d, source=data.tobytes(), note='libzstd via write_direct_chunk' + ('' if fcs else ', no content size'))
    g.close()


def bombs():
    """Tiny streams that expand to 64 MiB of zeros, for the output-cap tests (fixtures/filters/raw)."""
    import bz2
    raw_dir = os.path.join(OUT, 'raw')
    os.makedirs(raw_dir, exist_ok=True)
    zeros = bytes(64 << 20)
    with open(os.path.join(raw_dir, 'bomb64m.bz2'), 'wb') as fh:
        fh.write(bz2.compress(zeros, 9))
    lib = ctypes.CDLL('libzstd.so.1')
    lib.ZSTD_compress.restype = ctypes.c_size_t
    lib.ZSTD_compress2.restype = ctypes.c_size_t
    lib.ZSTD_createCCtx.restype = ctypes.c_void_p
    cap = 1 << 20
    out = ctypes.create_string_buffer(cap)
    n = lib.ZSTD_compress(out, ctypes.c_size_t(cap), zeros, ctypes.c_size_t(len(zeros)), 19)
    with open(os.path.join(raw_dir, 'bomb64m_content_size.zst'), 'wb') as fh:
        fh.write(out.raw[:n])
    cctx = ctypes.c_void_p(lib.ZSTD_createCCtx())
    lib.ZSTD_CCtx_setParameter(cctx, 200, 0)  # ZSTD_c_contentSizeFlag = 0: streamed, no size
    lib.ZSTD_CCtx_setParameter(cctx, 101, 20)  # ZSTD_c_windowLog = 20: a 1 MiB window
    n = lib.ZSTD_compress2(cctx, out, ctypes.c_size_t(cap), zeros, ctypes.c_size_t(len(zeros)))
    lib.ZSTD_freeCCtx(cctx)
    with open(os.path.join(raw_dir, 'bomb64m_no_content_size.zst'), 'wb') as fh:
        fh.write(out.raw[:n])


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    bombs()
    builtin()
    szip()
    nbit()
    scaleoffset()
    lzf()
    blosc()
    lz4()
    bitshuffle()
    bzip2()
    zstd()
    files = [os.path.join(d, n) for d, _, names in os.walk(OUT) for n in names]
    print(f'wrote {len(files)} files, {sum(map(os.path.getsize, files))} bytes, into {OUT}')
