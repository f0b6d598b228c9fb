#!/opt/venv316/bin/python
"""Writes the Blosc2 (filter 32026) and LZO (filter 305) fixtures into fixtures/filters2/.

Run with the interpreter that has PyTables 3.11 and python-blosc2, plus Debian's liblzo2:

    apt-get install liblzo2-2
    /opt/venv316/bin/python scripts/make_filter2_fixtures.py

For each of blosc2.h5 and lzo.h5 it writes two manifests:
  * fixtures/filters2/<name>.h5.json, an oracle in the corpus schema hdf5-oracle/1 that the
    conformance loop (test/conformance.test.ts) checks: tree, attributes, shapes, dtypes, data;
  * fixtures/filters/<name>.json, in the schema of scripts/make_filter_fixtures.py (pipeline,
    every stored chunk, the expected array as zlib+base64 bytes), which test/filters-*.test.ts
    decode chunk by chunk and mutate for the corrupt-input tests.

libhdf5 itself has neither filter, so the expected values come from elsewhere:
  * blosc2.h5: most datasets are written by PyTables (its hdf5-blosc2 filter, with
    PT_DEFAULT_B2_BLOCKSIZE set so that even small chunks hold several blocks and B2ND blocks
    smaller than the chunk, with padding). Chunks PyTables never writes but a Blosc2 frame may
    hold (delta, truncated precision, special-value chunks, multi-chunk B2ND frames, split
    streams, memcpyed chunks) are made with python-blosc2 and stored with H5Dwrite_chunk under an
    optional 32026 filter. Expected values: PyTables' own reads of every dataset, each also
    asserted equal to the numpy source (or to python-blosc2's decoding for lossy truncation).
  * lzo.h5: PyTables here is built without LZO, so chunks are compressed with liblzo2 (the
    library PyTables links) through ctypes, lzo1x_1 as PyTables writes them and lzo1x_999 for
    denser streams, and stored with H5Dwrite_chunk. Expected values: the numpy source, each
    chunk also round-tripped through liblzo2's lzo1x_decompress_safe. The corpus' PyTables
    files (writers/thirdparty/.../Tables_lzo*.h5) are the reference for PyTables' own framing.
"""
import base64
import ctypes
import hashlib
import json
import os
import zlib

import blosc2
import h5py
import numpy as np
import tables
from h5py import h5d, h5p, h5s, h5t, h5z

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'fixtures', 'filters2')
RAW_OUT = os.path.join(ROOT, 'fixtures', 'filters')
FULL_DATA_LIMIT = 10000  # schema: full `data` up to this many elements, else summary + hyperslabs
MAX_SAFE_INT = 2**53 - 1

rng = np.random.default_rng(20260705)


def smooth(shape, dtype, scale=100.0):
    """Compressible, not trivial: a ripple with a few jumps, in quarter steps (exact in JSON, short)."""
    n = int(np.prod(shape))
    x = np.arange(n, dtype=np.float64)
    v = np.round(scale * np.sin(x / 37.0) + scale * 0.3 * np.cos(x / 7.0))
    v[rng.integers(0, n, max(1, n // 50))] += rng.integers(-3, 4, max(1, n // 50))
    if np.dtype(dtype).kind in 'iu':
        info = np.iinfo(dtype)
        v = np.clip(v, info.min, info.max)
    else:
        v = v / 4
    return v.astype(dtype).reshape(shape)


# ------------------------------------------------------------------------------------------
# Oracle (hdf5-oracle/1, the subset test/helpers/conformance.ts checks)
# ------------------------------------------------------------------------------------------

def enc(v):
    if isinstance(v, h5py.Empty):
        return None
    if isinstance(v, np.ndarray):
        if v.dtype.names:
            return [enc(x) for x in v]
        if v.ndim == 0:
            return enc(v[()])
        return [enc(x) for x in v]
    if isinstance(v, np.void) and v.dtype.names:
        return {n: enc(v[n]) for n in v.dtype.names}
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bytes):
        try:
            return v.decode('utf-8')
        except UnicodeDecodeError:
            return {'$bytes_hex': v.hex()}
    if isinstance(v, float):
        return 'NaN' if v != v else 'Infinity' if v == float('inf') else '-Infinity' if v == float('-inf') else v
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v) if abs(v) > MAX_SAFE_INT else v
    return v


def summary(arr):
    flat = arr.reshape(-1)
    f64 = flat.astype(np.float64)
    finite = f64[~np.isnan(f64)]
    out = {'first': enc(flat[:10]), 'last': enc(flat[-10:]), 'sum': float(np.sum(finite))}
    if arr.dtype.kind == 'f':
        out['nan_count'] = int(np.isnan(f64).sum())
    if finite.size:
        out['min'] = enc(flat[~np.isnan(f64)].min())
        out['max'] = enc(flat[~np.isnan(f64)].max())
    return out


def oracle(path, values):
    """The manifest of `path`; `values` maps dataset paths to their decoded arrays."""
    objects = {}
    with h5py.File(path, 'r') as f:
        def entry(name, obj):
            p = '/' + name if name else '/'
            attrs = {k: {'value': enc(obj.attrs[k])} for k in obj.attrs}
            if isinstance(obj, h5py.Group):
                objects[p] = {'kind': 'group', 'members': sorted(obj.keys()), 'attrs': attrs}
                return
            dcpl = obj.id.get_create_plist()
            e = {'kind': 'dataset', 'dataspace': 'simple', 'shape': list(obj.shape),
                 'maxshape': [m for m in obj.maxshape], 'layout': 'chunked', 'chunks': list(obj.chunks),
                 'filters': [{'id': dcpl.get_filter(i)[0], 'client_data': list(dcpl.get_filter(i)[2])}
                             for i in range(dcpl.get_nfilters())],
                 'attrs': attrs}
            if obj.dtype.names is None:
                e['dtype'] = obj.dtype.str
            value = values[p]
            if value.size <= FULL_DATA_LIMIT:
                e['data'] = enc(value)
            else:
                e['summary'] = summary(value)
            e['read_mode'] = values.get('$mode', '')
            objects[p] = e
        entry('', f)
        f.visititems(entry)
    raw = open(path, 'rb').read()
    return {'schema': 'hdf5-oracle/1', 'file': os.path.basename(path), 'size': len(raw),
            'sha256': hashlib.sha256(raw).hexdigest(), 'generator': 'scripts/make_filter2_fixtures.py',
            'oracle': {'h5py': h5py.version.version, 'hdf5': h5py.version.hdf5_version,
                       'tables': tables.__version__, 'blosc2': blosc2.__version__},
            'objects': objects}


def chunk_records(path, values, notes):
    """The fixtures/filters/*.json record: pipeline, stored chunks and the expected bytes."""
    datasets, blobs = [], {}
    with h5py.File(path, 'r') as f:
        for p, value in values.items():
            if p.startswith('$'):
                continue
            d = f[p]
            dcpl = d.id.get_create_plist()
            pipeline = []
            for i in range(dcpl.get_nfilters()):
                fid, flags, cd, name = dcpl.get_filter(i)
                pipeline.append({'id': fid, 'flags': flags, 'clientData': [int(c) for c in cd],
                                 'name': name.decode('latin-1')})
            chunks = []
            for i in range(d.id.get_num_chunks()):
                info = d.id.get_chunk_info(i)
                chunks.append({'offset': [int(o) for o in info.chunk_offset], 'address': int(info.byte_offset),
                               'size': int(info.size), 'filterMask': int(info.filter_mask)})
            raw = np.ascontiguousarray(value, dtype=d.dtype).tobytes()
            key = hashlib.sha256(raw).hexdigest()[:16]
            blobs[key] = base64.b64encode(zlib.compress(raw, 9)).decode('ascii')
            datasets.append({'name': p, 'note': notes.get(p, ''), 'shape': list(d.shape), 'chunkShape': list(d.chunks),
                             'elementSize': d.dtype.itemsize, 'pipeline': pipeline, 'chunks': chunks,
                             'expectedFrom': values['$mode'], 'expected': key})
    return {'file': '../filters2/' + os.path.basename(path), 'generator': 'scripts/make_filter2_fixtures.py',
            'datasets': datasets, 'blobsZlibBase64': blobs}


def write_manifests(name, values, notes):
    path = os.path.join(OUT, name + '.h5')
    with open(path + '.json', 'w') as fh:
        json.dump(oracle(path, values), fh, separators=(',', ':'))
        fh.write('\n')
    with open(os.path.join(RAW_OUT, name + '.json'), 'w') as fh:
        json.dump(chunk_records(path, values, notes), fh, indent=1)
        fh.write('\n')


def direct_dataset(f, name, data, chunks, filters, chunk_bytes):
    """A chunked dataset whose chunks are written as given by `chunk_bytes(origin, block)`."""
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)
    dcpl.set_chunk(chunks)
    for fid, cd in filters:
        if fid == 2:
            dcpl.set_shuffle()
        else:
            # Optional: libhdf5 refuses to create a dataset with an unavailable mandatory filter.
            dcpl.set_filter(fid, h5z.FLAG_OPTIONAL, cd)
    dsid = h5d.create(f.id, name.encode(), h5t.py_create(data.dtype), h5s.create_simple(data.shape), dcpl=dcpl)
    grid = [range(0, s, c) for s, c in zip(data.shape, chunks)]
    for origin in np.array(np.meshgrid(*grid, indexing='ij')).reshape(len(chunks), -1).T:
        block = np.zeros(chunks, data.dtype)  # edge chunks padded with the fill value 0, as libhdf5 does
        sel = tuple(slice(o, min(o + c, s)) for o, c, s in zip(origin, chunks, data.shape))
        block[tuple(slice(0, s.stop - s.start) for s in sel)] = data[sel]
        dsid.write_direct_chunk(tuple(int(o) for o in origin), chunk_bytes(tuple(int(o) for o in origin), block))


# ------------------------------------------------------------------------------------------
# Blosc2
# ------------------------------------------------------------------------------------------

CODECS = ('blosclz', 'lz4', 'lz4hc', 'zlib', 'zstd')
SHUFFLES = {'noshuffle': {}, 'shuffle': {'shuffle': True}, 'bitshuffle': {'bitshuffle': True}}


def blosc2_cd(typesize, chunk_bytes, shape=None):
    """cd_values as PyTables' filter records them (revision, blocksize, typesize, chunk size, level, shuffle, codec[, rank, dims])."""
    cd = (1, 0, typesize, chunk_bytes, 5, 1, 0)
    return cd + ((len(shape),) + tuple(shape) if shape is not None and len(shape) > 1 else ())


def blosc2_file():
    path = os.path.join(OUT, 'blosc2.h5')
    values, notes = {}, {}

    def carray(f, name, data, chunkshape, blocksize, note, **filters):
        os.environ['PT_DEFAULT_B2_BLOCKSIZE'] = str(blocksize)
        f.create_carray('/', name, obj=data, chunkshape=chunkshape, filters=tables.Filters(**filters))
        values['/' + name] = data
        notes['/' + name] = note

    with tables.open_file(path, 'w', title='coh5 Blosc2 fixtures') as f:
        data = smooth((500,), 'f4')
        for codec in CODECS:
            for sname, sh in SHUFFLES.items():
                carray(f, f'{codec}_{sname}_f4', data, (200,), 256,
                       '800-byte chunks in 256-byte blocks, a leftover block of 8 elements, a partial edge chunk',
                       complevel=5, complib='blosc2:' + codec, **sh)
        carray(f, 'lz4_shuffle_split_f4', smooth((1500,), 'f4'), (1400,), 2048,
               '512-element blocks: each split into 4 byte streams', complevel=5, complib='blosc2:lz4', shuffle=True)
        carray(f, 'blosclz_bitshuffle_i2_odd', smooth((777,), 'i2'), (777,), 512,
               'leftover block of 9 elements: 8 bitshuffled, 1 copied', complevel=5, complib='blosc2:blosclz', bitshuffle=True)
        carray(f, 'b2nd_2d_i2', smooth((50, 37), 'i2'), (16, 10), 256,
               'B2ND blocks 8x10 in 16x10 chunks, partial edge chunks', complevel=5, complib='blosc2:zstd', shuffle=True)
        carray(f, 'b2nd_2d_padded_u2', smooth((40, 20), 'u2', 3000) + 5000, (15, 9), 256,
               'B2ND blocks 8x9 in 15x9 chunks: every chunk padded to 16x9', complevel=5, complib='blosc2:zlib', bitshuffle=True)
        carray(f, 'b2nd_3d_f8', smooth((12, 10, 9), 'f8'), (9, 7, 5), 256,
               'B2ND blocks 2x4x4 in 9x7x5 chunks: padding in every dimension', complevel=5, complib='blosc2:blosclz', bitshuffle=True)
        carray(f, 'b2nd_3d_lz4hc_i4', smooth((7, 9, 13), 'i4'), (4, 5, 6), 128,
               'B2ND blocks smaller than 4x5x6 chunks', complevel=9, complib='blosc2:lz4hc', shuffle=True)
        os.environ['PT_DEFAULT_B2_BLOCKSIZE'] = '512'
        ea = f.create_earray('/', 'earray_b2nd_f4', atom=tables.Float32Atom(), shape=(0, 12), chunkshape=(10, 12),
                             filters=tables.Filters(5, 'blosc2:lz4', shuffle=True))
        rows = smooth((37, 12), 'f4')
        for k in range(0, 37, 8):
            ea.append(rows[k:k + 8])
        values['/earray_b2nd_f4'] = rows
        notes['/earray_b2nd_f4'] = 'appended in 5 steps; unlimited first dimension'
        rowtype = np.dtype([('i', '<i4'), ('x', '<f8'), ('s', 'S3')])
        table = np.zeros(300, rowtype)
        table['i'] = np.arange(300)
        table['x'] = smooth((300,), 'f8')
        table['s'] = [b'k%02d' % (k % 50) for k in range(300)]
        os.environ['PT_DEFAULT_B2_BLOCKSIZE'] = '1024'
        t = f.create_table('/', 'table_zstd', obj=table, chunkshape=(128,),
                           filters=tables.Filters(5, 'blosc2:zstd', shuffle=True))
        values['/table_zstd'] = table
        notes['/table_zstd'] = 'a PyTables Table: 15-byte rows, shuffled'
        del os.environ['PT_DEFAULT_B2_BLOCKSIZE']

    # Frames PyTables does not write but a Blosc2 reader must handle, stored as they are.
    with h5py.File(path, 'a') as f:
        def schunk(block, **cp):
            cparams = blosc2.CParams(typesize=block.dtype.itemsize, **cp)
            return blosc2.SChunk(chunksize=block.nbytes, data=np.ascontiguousarray(block), cparams=cparams).to_cframe()

        def add(name, data, chunks, make, note, expected=None, cd_shape=None):
            cd = blosc2_cd(data.dtype.itemsize, int(np.prod(chunks)) * data.dtype.itemsize, cd_shape)
            direct_dataset(f, name, data, chunks, [(32026, cd)], make)
            values['/' + name] = data if expected is None else expected
            notes['/' + name] = note

        nofilters = [blosc2.Filter.NOFILTER] * 6
        ramp = np.cumsum(rng.integers(0, 5, 2000)).astype('i4')
        add('delta_shuffle_i4', ramp, (900,),
            lambda o, b: schunk(b, codec=blosc2.Codec.LZ4, blocksize=512,
                                filters=nofilters[:4] + [blosc2.Filter.DELTA, blosc2.Filter.SHUFFLE], filters_meta=[0] * 6),
            'delta then shuffle, 512-byte blocks: blocks 1.. are XORed with block 0')
        smooth8 = smooth((700,), 'f8')
        trunc = lambda o, b: schunk(b, codec=blosc2.Codec.ZSTD, blocksize=1024,
                                    filters=nofilters[:4] + [blosc2.Filter.TRUNC_PREC, blosc2.Filter.SHUFFLE],
                                    filters_meta=[0, 0, 0, 0, 20, 0])
        truncated = np.concatenate([np.frombuffer(blosc2.schunk_from_cframe(trunc(None, smooth8[k:k + 300]) if k + 300 <= 700 else
                                                                           trunc(None, np.pad(smooth8[k:], (0, k + 300 - 700))), copy=True)
                                                  .decompress_chunk(0), 'f8')[:min(300, 700 - k)] for k in range(0, 700, 300)])
        add('trunc_prec_f8', smooth8, (300,), trunc, 'mantissas truncated to 20 bits (lossy; nothing to undo)',
            expected=truncated)
        special = np.concatenate([np.zeros(256), np.full(256, 2.5), np.full(256, np.nan), smooth((256,), 'f8')])
        add('special_chunks_f8', special, (256,), lambda o, b: schunk(b, codec=blosc2.Codec.BLOSCLZ, blocksize=512),
            'whole chunks of zeros, of one value and of NaNs: Blosc2 special-value chunks (no blocks)')

        def zero_offsets(o, b):
            s = blosc2.SChunk(chunksize=b.nbytes, cparams=blosc2.CParams(typesize=4))
            s.fill_special(b.size, blosc2.SpecialValue.ZERO)
            return s.to_cframe()
        add('frame_special_offsets_i4', np.zeros(1000, 'i4'), (500,), zero_offsets,
            'super-chunks whose one chunk is a run of zeros marked in the frame offsets (no chunk stored)')
        noise = rng.integers(0, 256, 600).astype('u1')
        add('memcpyed_u1', noise, (300,), lambda o, b: schunk(b, codec=blosc2.Codec.LZ4, blocksize=128),
            'random bytes: stored memcpyed')
        add('split_always_lz4_u4', smooth((1100,), 'u4', 1e6) + 10**6, (1100,),
            lambda o, b: schunk(b, codec=blosc2.Codec.LZ4, blocksize=1024, splitmode=blosc2.SplitMode.ALWAYS_SPLIT,
                                filters=nofilters[:5] + [blosc2.Filter.SHUFFLE]),
            'every full block split into 4 streams, the leftover block not')
        grid = smooth((24, 20), 'i4')
        add('b2nd_multichunk_i4', grid, (12, 10),
            lambda o, b: blosc2.asarray(b, chunks=(5, 4), blocks=(3, 3),
                                        cparams=blosc2.CParams(codec=blosc2.Codec.ZSTD, filters=nofilters[:5] + [blosc2.Filter.SHUFFLE])).to_cframe(),
            'each HDF5 chunk a B2ND array of 3x3 chunks (5x4, blocks 3x3): padding at both levels', cd_shape=(12, 10))

        def mostly_zeros(o, b):
            z = blosc2.zeros(b.shape, dtype=b.dtype, chunks=(6, 5), blocks=(3, 5))
            z[0:6, 0:5] = np.ascontiguousarray(b[0:6, 0:5])
            return z.to_cframe()
        sparse = np.zeros((12, 10), 'f4')
        sparse[0:6, 0:5] = smooth((6, 5), 'f4')
        add('b2nd_zero_chunks_f4', sparse, (12, 10), mostly_zeros,
            'a B2ND array of 4 chunks, 3 of them runs of zeros in the offsets', cd_shape=(12, 10))

        # HDF5's shuffle filter first, then a B2ND frame of the shuffled bytes (the Blosc2 filter
        # reads any chunk of the right size as the N-d array): coh5 undoes that shuffle while
        # copying, after B2ND has put the bytes back in C order. No rng: the LZO data stays put.
        def shuffled_b2nd(o, b):
            sh = np.frombuffer(np.ascontiguousarray(b).view('u1').reshape(-1, 4).T.tobytes(), 'V4').reshape(b.shape)
            return blosc2.asarray(sh, chunks=b.shape, blocks=(4, 3),
                                  cparams=blosc2.CParams(codec=blosc2.Codec.LZ4, typesize=4)).to_cframe()
        ramp2 = ((np.arange(20 * 18) * 37) % 1001 - 500).astype('i4').reshape(20, 18)
        direct_dataset(f, 'hdf5_shuffle_b2nd_i4', ramp2, (9, 7), [(2, ()), (32026, blosc2_cd(4, 252, (9, 7)))], shuffled_b2nd)
        values['/hdf5_shuffle_b2nd_i4'] = ramp2
        notes['/hdf5_shuffle_b2nd_i4'] = 'HDF5 shuffle (undone in the copy) around B2ND chunks with 4x3 blocks'

    # Every expected array is what PyTables itself reads (its Blosc2 filter), and the source agrees.
    with tables.open_file(path) as f:
        for p, v in values.items():
            got = f.get_node(p).read()
            np.testing.assert_array_equal(got, v, err_msg=p)
    values['$mode'] = 'PyTables 3.11 (hdf5-blosc2) read of every dataset, equal to the numpy source'
    write_manifests('blosc2', values, notes)


# ------------------------------------------------------------------------------------------
# LZO
# ------------------------------------------------------------------------------------------

def lzo_lib():
    lib = ctypes.CDLL('liblzo2.so.2')
    work = ctypes.create_string_buffer(1 << 21)  # >= LZO1X_999_MEM_COMPRESS (and 1_MEM_COMPRESS)

    def compress(raw, method):
        fn = lib.lzo1x_1_compress if method == 1 else lib.lzo1x_999_compress
        out = ctypes.create_string_buffer(len(raw) + len(raw) // 8 + 128 + 3)
        n = ctypes.c_size_t(len(out))
        assert fn(raw, ctypes.c_size_t(len(raw)), out, ctypes.byref(n), work) == 0
        stream = out.raw[:n.value]
        back = ctypes.create_string_buffer(len(raw))
        m = ctypes.c_size_t(len(raw))
        assert lib.lzo1x_decompress_safe(stream, ctypes.c_size_t(len(stream)), back, ctypes.byref(m), None) == 0
        assert back.raw[:m.value] == raw
        return stream
    return compress


def lzo_file():
    compress = lzo_lib()
    path = os.path.join(OUT, 'lzo.h5')
    values, notes = {}, {}
    cd = (1, 23, 0)  # as the corpus' PyTables tables: level 1, Table version 2.3, object type Table

    def shuffled(b):
        return np.ascontiguousarray(b).view('u1').reshape(-1, b.dtype.itemsize).T.tobytes()

    with h5py.File(path, 'w', libver='earliest') as f:
        def add(name, data, chunks, make, note, filters=((305, cd),)):
            direct_dataset(f, name, data, chunks, list(filters), make)
            values['/' + name] = data
            notes['/' + name] = note

        add('lzo1x_1_i4_edges', smooth((40, 45), 'i4'), (25, 25), lambda o, b: compress(b.tobytes(), 1),
            'lzo1x_1 as PyTables writes it; partial edge chunks')
        add('lzo1x_999_f8', smooth((2000,), 'f8'), (1024,), lambda o, b: compress(b.tobytes(), 999),
            'lzo1x_999: denser streams, every match kind')
        add('shuffle_lzo1x_1_u2', smooth((2000,), 'u2', 2e4) + 30000, (700,), lambda o, b: compress(shuffled(b), 1),
            'HDF5 shuffle then LZO, as Tables_lzo*_shuffle.h5', filters=((2, ()), (305, cd)))
        noise = rng.integers(0, 256, 1500).astype('u1')
        far = np.concatenate([noise, np.zeros(15000, 'u1'), noise[:700], np.full(300, 7, 'u1'), noise[200:1400]])
        add('far_matches_u1', far, (far.size,), lambda o, b: compress(b.tobytes(), 999),
            'bytes repeated 16500 back (M4 matches) and long literal runs of random bytes')

        def with_tail(o, b):
            raw = b.tobytes()
            return compress(raw, 1) + np.array([zlib.adler32(raw), len(raw)], '<u4').tobytes()
        add('pytables05_checksum_i2', smooth((900,), 'i2'), (300,), with_tail,
            'PyTables 0.5-0.7 framing: Adler-32 and length after the stream')
    values['$mode'] = 'numpy source; every chunk round-tripped through liblzo2 lzo1x_decompress_safe'
    write_manifests('lzo', values, notes)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    blosc2_file()
    lzo_file()
    files = [os.path.join(OUT, n) for n in os.listdir(OUT)]
    print(f'wrote {len(files)} files, {sum(map(os.path.getsize, files))} bytes, into {OUT}')
