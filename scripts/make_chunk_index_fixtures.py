#!/usr/bin/python3
"""Writes the chunk-index fixtures: fixtures/chunk-index/<name>.h5 plus <name>.h5.json.

Run with Debian's interpreter (python3-h5py: h5py 3.7 on libhdf5 1.10.8):

    /usr/bin/python3 scripts/make_chunk_index_fixtures.py

Each file holds small chunked datasets chosen to exercise one corner of a chunk index that the
corpus lacks: fixed arrays whose maximum shape exceeds the current shape (the linear chunk index
runs over the maximum grid), paged fixed arrays with pages never written, extensible arrays whose
unlimited dimension is not the first (the "swizzled" index), sparse extensible arrays with
super blocks and data blocks never allocated, deep v2 B-trees, and deep v1 B-trees (B-tree K = 2,
which also gives a version 1 superblock).

The JSON beside each file is the oracle, asked of libhdf5 itself: for every chunk of the current
chunk grid, H5Dread_chunk (read_direct_chunk), which finds the chunk through the library's own
lookup path (H5D__chunk_lookup -> the index's get_addr), the same code that reads the data. It
gives the stored bytes (recorded as a SHA-1 prefix) and the filter mask. The address comes from
H5Dget_chunk_info_by_coord, but libhdf5 1.10.8 answers that by iterating the index, and its
extensible array iteration assigns wrong coordinates when the unlimited dimension is not the
first (reading is unaffected), so for those datasets the address is null and the bytes identify
the chunk. Per dataset: shape, maxshape, chunks, element size, filter ids, `index` (the chunk
index type the dataset is meant to use, which the tests check against the layout message),
`object_header` (its address, relative to the base address),
`num_chunks` (H5Dget_num_chunks) and `chunk_table`: [[element offset...], absolute address or
null, stored size, filter mask, sha1[:16] of the stored bytes] for allocated chunks (all of them
when <= 256, else the first and last 128 with `chunk_table_truncated`).
"""

import ctypes
import hashlib
import json
import os

import h5py
import numpy as np
from h5py import h5f, h5o, h5p

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'fixtures', 'chunk-index')
TABLE_LIMIT = 256  # listed chunks per dataset: keeps the manifests small

# h5py 3.7 does not expose H5Pset_istore_k; h5py loaded this very library, so ctypes acts on
# the same property-list ids.
_LIB = ctypes.CDLL('libhdf5_serial.so.103')


def new_file(name, libver, istore_k=None):
    fcpl = h5p.create(h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)  # no timestamps: reruns give the same bytes
    if istore_k:
        if _LIB.H5Pset_istore_k(ctypes.c_int64(fcpl.id), ctypes.c_uint(istore_k)) < 0:
            raise RuntimeError('H5Pset_istore_k failed')
    fapl = h5p.create(h5p.FILE_ACCESS)
    low = {'earliest': h5f.LIBVER_EARLIEST, 'latest': h5f.LIBVER_LATEST}[libver]
    fapl.set_libver_bounds(low, h5f.LIBVER_LATEST)
    fid = h5f.create(os.path.join(OUT, name).encode(), h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    return h5py.File(fid)


def address_of(d, coord, base):
    """Absolute chunk address per H5Dget_chunk_info_by_coord, when that answer can be trusted."""
    unlimited = [i for i, m in enumerate(d.maxshape) if m is None]
    if len(unlimited) == 1 and unlimited[0] != 0:
        return None  # 1.10.8 iterates extensible arrays with unswizzled coordinates
    info = d.id.get_chunk_info_by_coord(coord)
    if info.byte_offset is None:
        raise RuntimeError(f'{d.name} {coord}: readable chunk without an address')
    return int(info.byte_offset) + base  # H5Dget_chunk_info* give addresses relative to the base


EXPECT = {}  # (file, dataset) -> chunk index type the dataset should get


def ds(f, name, index, shape, dtype, chunks, maxshape=None, data=None, writes=None, **kw):
    d = f.create_dataset(name, shape=shape, dtype=dtype, chunks=chunks, maxshape=maxshape,
                         track_times=False, **kw)
    if data is not None:
        d[...] = data
    for k, sl in enumerate(writes or []):
        # values vary along and between writes, so a chunk read from the wrong place shows
        n = int(np.prod(d[sl].shape))
        d[sl] = ((np.arange(n) + 31 * k) % 97 + 1).astype(dtype).reshape(d[sl].shape)
    EXPECT[(os.path.basename(f.filename), '/' + name)] = index
    return d


def build_latest():
    f = new_file('chunk_index_latest.h5', 'latest')
    s = np.s_
    # Fixed array, maximum shape larger than the current one: the index is over the max grid.
    ds(f, 'fa_maxshape_2d', 'fixed-array', (10, 10), '<i2', (3, 4), maxshape=(20, 30),
       data=np.arange(100, dtype='<i2').reshape(10, 10))
    ds(f, 'fa_maxshape_3d_sparse', 'fixed-array', (5, 6, 7), '<i4', (2, 3, 4), maxshape=(9, 6, 12),
       writes=[s[0:2, 0:3, 4:7], s[4:5, 3:6, 0:4], s[2:4, 0:6, 0:4]], fillvalue=-1)
    # Paged fixed arrays (> 2^10 chunks): the middle page, or the first, never written.
    ds(f, 'fa_paged_sparse', 'fixed-array', (2100,), 'i1', (1,),
       writes=[s[0:10], s[2060:2100]], fillvalue=-1)
    ds(f, 'fa_paged_gzip_sparse', 'fixed-array', (1100,), '<i4', (1,),
       writes=[s[1030:1100]], compression='gzip', fillvalue=-1)
    # Extensible arrays: unlimited dimension in the middle (current dim 0 below its maximum),
    # last (filtered), and first with many super blocks, some never allocated.
    ds(f, 'ea_unlim_middle_3d', 'extensible-array', (5, 7, 4), '<i4', (2, 3, 2),
       maxshape=(8, None, 4), data=np.arange(140, dtype='<i4').reshape(5, 7, 4))
    ds(f, 'ea_unlim_last_gzip', 'extensible-array', (6, 50), '<i2', (4, 5), maxshape=(6, None),
       writes=[s[0:6, 0:15], s[4:6, 40:50]], compression='gzip', fillvalue=-1)
    ds(f, 'ea_sparse_1d', 'extensible-array', (3000,), 'i1', (1,), maxshape=(None,),
       writes=[s[0:3], s[100:120], s[2000:2010], s[2990:3000]], fillvalue=-1)
    ds(f, 'ea_dense_1d', 'extensible-array', (1200,), 'i1', (1,), maxshape=(None,),
       data=(np.arange(1200) % 100).astype('i1'))
    # v2 B-trees (two unlimited dims): 900 records need depth 2; a filtered sparse one.
    ds(f, 'bt2_deep', 'btree-v2', (30, 30), 'i1', (1, 1), maxshape=(None, None),
       data=(np.arange(900) % 100).astype('i1').reshape(30, 30))
    ds(f, 'bt2_gzip_sparse', 'btree-v2', (20, 20), '<i4', (2, 2), maxshape=(None, None),
       writes=[s[0:4, 0:2], s[10:14, 6:10], s[18:20, 18:20]], compression='gzip', fillvalue=-1)
    # Never written: the index address stays undefined.
    ds(f, 'fa_never_written', 'fixed-array', (30, 30), '<f4', (10, 10))
    ds(f, 'ea_never_written', 'extensible-array', (0, 4), '<f4', (10, 2), maxshape=(None, 4))
    f.close()


def build_ea_paged():
    # Extensible array data blocks are paged once they exceed 2^10 elements: with the library's
    # fixed parameters (4 index block elements, data blocks from 16 elements) that is super block
    # 13, whose 64 data blocks of 2048 elements start at element 4 + (2^13 - 1) * 16 = 131060.
    # Sparse writes keep the file small: only the blocks and pages written are allocated.
    f = new_file('chunk_index_ea_paged.h5', 'latest')
    s = np.s_
    sb13 = 4 + (2**13 - 1) * 16
    sb12 = 4 + (2**12 - 1) * 16  # 32 data blocks of 1024 elements: not paged
    writes = [s[0:5], s[sb12 + 3000:sb12 + 3010],
              s[sb13:sb13 + 10],                                  # data block 0, page 0
              s[sb13 + 2048 + 1100:sb13 + 2048 + 1110],           # data block 1, page 1 only
              s[sb13 + 5 * 2048 + 1500:sb13 + 5 * 2048 + 1510]]   # data block 5, page 1 only
    ds(f, 'ea_paged_sparse', 'extensible-array', (sb13 + 12000,), 'i1', (1,), maxshape=(None,),
       writes=writes, fillvalue=-1)
    ds(f, 'ea_paged_gzip_sparse', 'extensible-array', (sb13 + 3000,), '<i2', (1,),
       maxshape=(None,), writes=[s[2:4], s[sb13 + 1024 + 7:sb13 + 1024 + 9]], compression='gzip',
       fillvalue=-1)
    f.close()


def build_btree_v1():
    # B-tree K = 2: nodes of at most 4 children, so a hundred chunks make a tree 4 levels deep.
    f = new_file('chunk_index_btree_k2.h5', 'earliest', istore_k=2)
    s = np.s_
    ds(f, 'bt1_deep', 'btree-v1', (20, 20), '<i2', (2, 2),
       data=np.arange(400, dtype='<i2').reshape(20, 20))
    ds(f, 'bt1_3d_gzip_sparse', 'btree-v1', (6, 8, 10), '<i4', (3, 4, 5),
       writes=[s[0:3, 0:4, 5:10], s[3:6, 4:8, 0:5]], compression='gzip', fillvalue=-1)
    f.close()


def manifest(name):
    path = os.path.join(OUT, name)
    out = {'file': name, 'hdf5': h5py.version.hdf5_version, 'h5py': h5py.version.version,
           'datasets': {}}
    with h5py.File(path, 'r') as f:
        base = f.id.get_create_plist().get_userblock()
        sizes = f.id.get_create_plist().get_sizes()
        out['userblock_size'] = base
        out['sizeof_offsets'], out['sizeof_lengths'] = sizes
        for (fname, dname), index in sorted(EXPECT.items()):
            if fname != name:
                continue
            d = f[dname]
            grid = [-(-n // c) for n, c in zip(d.shape, d.chunks)]
            table = []
            for scaled in np.ndindex(*grid):
                coord = tuple(int(i * c) for i, c in zip(scaled, d.chunks))
                try:
                    mask, stored = d.id.read_direct_chunk(coord)
                except (KeyError, RuntimeError, OSError, ValueError):
                    continue  # never written
                table.append([list(coord), address_of(d, coord, base), len(stored), int(mask),
                              hashlib.sha1(stored).hexdigest()[:16]])
            entry = {
                'index': index, 'object_header': h5o.get_info(d.id).addr, 'shape': list(d.shape),
                'maxshape': [None if m is None else int(m) for m in d.maxshape],
                'chunks': list(d.chunks), 'element_size': d.dtype.itemsize,
                'filters': [int(d.id.get_create_plist().get_filter(i)[0])
                            for i in range(d.id.get_create_plist().get_nfilters())],
                'num_chunks': int(d.id.get_num_chunks()),
                'chunk_table': table if len(table) <= TABLE_LIMIT
                else table[:TABLE_LIMIT // 2] + table[-TABLE_LIMIT // 2:],
            }
            if len(table) > TABLE_LIMIT:
                entry['chunk_table_truncated'] = True
            if len(table) != entry['num_chunks']:
                raise RuntimeError(f'{dname}: {len(table)} chunks found by coordinate, '
                                   f'H5Dget_num_chunks says {entry["num_chunks"]}')
            out['datasets'][dname] = entry
    return out


def to_json(m):
    """One chunk per line: small and diffable."""
    lines = ['{']
    head = {k: v for k, v in m.items() if k != 'datasets'}
    for k, v in head.items():
        lines.append(f' {json.dumps(k)}: {json.dumps(v)},')
    lines.append(' "datasets": {')
    names = list(m['datasets'])
    for i, n in enumerate(names):
        e = m['datasets'][n]
        lines.append(f'  {json.dumps(n)}: {{')
        keys = [k for k in e if k != 'chunk_table']
        for k in keys:
            lines.append(f'   {json.dumps(k)}: {json.dumps(e[k])},')
        rows = [f'    {json.dumps(r)}' for r in e['chunk_table']]
        lines.append('   "chunk_table": [' + ('\n' + ',\n'.join(rows) + '\n   ]' if rows else ']'))
        lines.append('  }' + (',' if i < len(names) - 1 else ''))
    lines.append(' }')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def main():
    os.makedirs(OUT, exist_ok=True)
    build_latest()
    build_btree_v1()
    build_ea_paged()
    total = 0
    for name in ('chunk_index_latest.h5', 'chunk_index_btree_k2.h5', 'chunk_index_ea_paged.h5'):
        text = to_json(manifest(name))
        json.loads(text)  # the hand-made layout must still be JSON
        with open(os.path.join(OUT, name + '.json'), 'w') as fh:
            fh.write(text)
        total += os.path.getsize(os.path.join(OUT, name)) + len(text)
    print(f'fixtures/chunk-index: {total / 1e3:.0f} kB')


if __name__ == '__main__':
    main()
