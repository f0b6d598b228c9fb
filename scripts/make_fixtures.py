#!/usr/bin/python3
"""Write coh5's committed HDF5 fixtures and their oracle manifests.

Run with Debian's interpreter (`npm run fixtures` = `/usr/bin/python3 scripts/make_fixtures.py`):
it needs python3-h5py (h5py 3.7 / libhdf5 1.10.8) and hdf5-tools (h5debug, h5repack).

Every `fixtures/X.h5` gets `fixtures/X.h5.json` in the corpus schema "hdf5-oracle/1"
(see ../shared/corpus/README.md), so one conformance loop reads both. The manifests are
computed from the finished files by h5py plus `h5debug`, never from what this script meant
to write, so they describe what libhdf5 actually put on disk.

Deterministic on purpose: object timestamps are off everywhere (datasets, groups, the root
group via the file-creation list), random data comes from fixed seeds, so a rerun yields the
same bytes and the same hashes.
"""

import ctypes
import hashlib
import json
import math
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np
from h5py import h5a, h5d, h5f, h5g, h5o, h5p, h5r, h5s, h5t, h5z

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'fixtures'
GENERATOR = 'make_fixtures.py'
UNDEF_ADDR = 2**64 - 1  # HDF5's "undefined address" (all bits set), as h5debug prints it
MAX_SAFE_INT = 2**53 - 1  # larger integers go to JSON as decimal strings (schema rule)
FULL_DATA_LIMIT = 10000  # schema: full `data` up to this many elements, else summary + hyperslabs
ATTR_SUMMARY_LIMIT = 100000  # schema: attribute values above this many elements are summarised
CHUNK_TABLE_LIMIT = 64  # schema: all chunks up to 64, else the first and last 32
H5DEBUG_OBJECT_CAP = 300  # schema: h5debug runs for at most 300 objects per file

# Parts of the C API h5py 3.7 does not expose (B-tree K, SOHM, link phase change, partial
# edge chunk option, n-bit). h5py loaded this very library, so ctypes calls act on the same
# property-list ids. make_v200_fixtures.py imports this file's oracle under h5py 3.16 (its own
# libhdf5 2.0), where the Debian library must not be loaded: _LIB is then None.
_HID = ctypes.c_int64
_U = ctypes.c_uint
_LIB = ctypes.CDLL('libhdf5_serial.so.103') if h5py.version.hdf5_version.startswith('1.10.') else None
if _LIB is not None:
    _LIB.H5Pcreate.restype = _HID  # hid_t is 64-bit; ctypes would truncate to int


def _check(rc, what):
    if rc < 0:
        raise RuntimeError(f'{what} failed ({rc})')


LIBVER = {  # h5py's meaning of libver=<str>: (low, high) with high = latest
    'earliest': (h5f.LIBVER_EARLIEST, h5f.LIBVER_LATEST),
    'v108': (h5f.LIBVER_V18, h5f.LIBVER_LATEST),
    'v110': (h5f.LIBVER_V110, h5f.LIBVER_LATEST),  # = latest in libhdf5 1.10.8
    'latest': (h5f.LIBVER_LATEST, h5f.LIBVER_LATEST),
}

# ---------------------------------------------------------------------------------------------
# Writing helpers
# ---------------------------------------------------------------------------------------------


def new_file(name, libver='earliest', userblock=0, sizes=None, sym_k=None, istore_k=None,
             fs=None, page_size=None, crt_order=None, sohm=None):
    """Create fixtures/<name> with full control over the file-creation property list."""
    fcpl = h5p.create(h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)  # root group header without timestamps -> stable bytes
    if userblock:
        fcpl.set_userblock(userblock)
    if sizes:
        fcpl.set_sizes(*sizes)
    if sym_k:
        _check(_LIB.H5Pset_sym_k(_HID(fcpl.id), _U(sym_k[0]), _U(sym_k[1])), 'H5Pset_sym_k')
    if istore_k:
        _check(_LIB.H5Pset_istore_k(_HID(fcpl.id), _U(istore_k)), 'H5Pset_istore_k')
    if fs:
        fcpl.set_file_space_strategy(*fs)  # (strategy, persist, threshold)
    if page_size:
        fcpl.set_file_space_page_size(page_size)
    if crt_order:
        fcpl.set_link_creation_order(crt_order)
        fcpl.set_attr_creation_order(crt_order)
    if sohm:
        # sohm = list of (message type flags, min size); optional ('phase', max_list, min_btree)
        indexes = [s for s in sohm if s[0] != 'phase']
        _check(_LIB.H5Pset_shared_mesg_nindexes(_HID(fcpl.id), _U(len(indexes))), 'nindexes')
        for i, (flags, minsize) in enumerate(indexes):
            _check(_LIB.H5Pset_shared_mesg_index(_HID(fcpl.id), _U(i), _U(flags), _U(minsize)),
                   'H5Pset_shared_mesg_index')
        for s in sohm:
            if s[0] == 'phase':
                _check(_LIB.H5Pset_shared_mesg_phase_change(_HID(fcpl.id), _U(s[1]), _U(s[2])),
                       'H5Pset_shared_mesg_phase_change')
    fapl = h5p.create(h5p.FILE_ACCESS)
    fapl.set_libver_bounds(*LIBVER[libver])
    fapl.set_fclose_degree(h5f.CLOSE_STRONG)
    path = OUT / name
    fid = h5f.create(str(path).encode(), h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    return h5py.File(fid)


CRT_TRACKED = h5p.CRT_ORDER_TRACKED
CRT_INDEXED = h5p.CRT_ORDER_TRACKED | h5p.CRT_ORDER_INDEXED


def mkgroup(parent, name, order=None, attr_order=None, link_phase=None, attr_phase=None):
    """Create a group without timestamps (h5py's create_group cannot switch them off)."""
    gcpl = h5p.create(h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    if order:
        gcpl.set_link_creation_order(order)
    if attr_order:
        gcpl.set_attr_creation_order(attr_order)
    if link_phase:  # (max_compact, min_dense)
        _check(_LIB.H5Pset_link_phase_change(_HID(gcpl.id), _U(link_phase[0]),
                                             _U(link_phase[1])), 'H5Pset_link_phase_change')
    if attr_phase:
        gcpl.set_attr_phase_change(*attr_phase)
    lcpl = h5p.create(h5p.LINK_CREATE)
    lcpl.set_create_intermediate_group(False)
    gid = h5g.create(parent.id, name.encode(), lcpl=lcpl, gcpl=gcpl)
    return h5py.Group(gid)


def mkpath(parent, path):
    """Create nested groups a/b/c (each without timestamps)."""
    g = parent
    for part in path.strip('/').split('/'):
        g = g[part] if part in g else mkgroup(g, part)
    return g


def dcpl_new(attr_order=None, attr_phase=None, alloc_early=False, edge_unfiltered=None):
    dcpl = h5p.create(h5p.DATASET_CREATE)
    if attr_order:
        dcpl.set_attr_creation_order(attr_order)
    if attr_phase:
        dcpl.set_attr_phase_change(*attr_phase)
    if alloc_early:
        dcpl.set_alloc_time(h5d.ALLOC_TIME_EARLY)
    if edge_unfiltered:  # = the chunk shape (the option needs a chunked layout first)
        dcpl.set_chunk(tuple(edge_unfiltered))
        H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS = 0x0002
        _check(_LIB.H5Pset_chunk_opts(_HID(dcpl.id), _U(H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS)),
               'H5Pset_chunk_opts')
    return dcpl


def ds(parent, name, data=None, **kw):
    """h5py create_dataset with timestamps off."""
    kw.setdefault('track_times', False)
    return parent.create_dataset(name, data=data, **kw)


def space_for(shape, maxshape=None):
    if shape is None:
        return h5s.create(h5s.NULL)
    if len(shape) == 0:
        return h5s.create(h5s.SCALAR)
    if maxshape is not None:
        maxshape = tuple(h5s.UNLIMITED if m is None else m for m in maxshape)
    return h5s.create_simple(tuple(shape), maxshape)


def ds_typed(parent, name, tid, data, raw=False, chunks=None, maxshape=None, dcpl=None,
             filters=()):
    """Low-level dataset with an explicit file datatype (bitfield, tagged opaque, string pads,
    reduced precision...). raw=True writes the buffer as the file type (no conversion)."""
    data = np.asarray(data)
    dcpl = dcpl or h5p.create(h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)
    if chunks:
        dcpl.set_chunk(tuple(chunks))
    for f in filters:
        f(dcpl)
    shape, mtype = _shape_and_mtype(tid, data, raw)
    dsid = h5d.create(parent.id, name.encode(), tid, space_for(shape, maxshape), dcpl=dcpl)
    if data.size:
        dsid.write(h5s.ALL, h5s.ALL, np.ascontiguousarray(data), mtype=mtype)
    return h5py.Dataset(dsid)


def _shape_and_mtype(tid, data, raw):
    """Array datatypes: the trailing data dims are the array dims, not the dataspace."""
    if tid.get_class() == h5t.ARRAY:
        dims = tid.get_array_dims()
        return data.shape[:data.ndim - len(dims)], h5t.array_create(h5t.py_create(data.dtype), dims)
    if tid.get_class() == h5t.STRING and not raw:
        # libhdf5 converts between paddings but not between charsets: match the file's charset
        cset = 'utf-8' if tid.get_cset() == h5t.CSET_UTF8 else 'ascii'
        return data.shape, str_type(data.dtype.itemsize, 'nullpad', cset)
    return data.shape, (tid if raw else None)


def attr_typed(obj, name, tid, data, raw=False):
    """Low-level attribute with an explicit file datatype."""
    data = np.asarray(data)
    shape, mtype = _shape_and_mtype(tid, data, raw)
    aid = h5a.create(obj.id, name.encode(), tid, space_for(shape))
    if data.size:
        aid.write(np.ascontiguousarray(data), mtype=mtype)


def str_type(size, pad, cset='ascii'):
    tid = h5t.C_S1.copy()
    tid.set_size(size)
    tid.set_strpad({'nullterm': h5t.STR_NULLTERM, 'nullpad': h5t.STR_NULLPAD,
                    'spacepad': h5t.STR_SPACEPAD}[pad])
    tid.set_cset(h5t.CSET_UTF8 if cset == 'utf-8' else h5t.CSET_ASCII)
    return tid


def opaque_type(size, tag):
    tid = h5t.create(h5t.OPAQUE, size)
    tid.set_tag(tag.encode())
    return tid


def commit_type(group, name, dtype):
    """Commit a named datatype without timestamps (h5py's commit takes no tcpl)."""
    tid = dtype.id if isinstance(dtype, h5py.Datatype) else h5t.py_create(np.dtype(dtype), logical=True)
    cls = _HID.in_dll(_LIB, 'H5P_CLS_DATATYPE_CREATE_ID_g')
    tcpl = _LIB.H5Pcreate(cls)
    _check(tcpl, 'H5Pcreate(tcpl)')
    try:
        _check(_LIB.H5Pset_obj_track_times(_HID(tcpl), ctypes.c_bool(False)), 'track_times')
        _check(_LIB.H5Tcommit2(_HID(group.id.id), name.encode(), _HID(tid.id), _HID(0),
                               _HID(tcpl), _HID(0)), 'H5Tcommit2')
    finally:
        _LIB.H5Pclose(_HID(tcpl))
    return group[name]


def make_vds(parent, name, layout, fillvalue):
    """h5py's create_virtual_dataset, minus the timestamps."""
    dcpl = layout._get_dcpl(parent.file.filename)
    dcpl.set_obj_track_times(False)
    dcpl.set_fill_value(np.array([fillvalue], dtype=layout.dtype))
    space = h5s.create_simple(layout.shape)
    tid = h5t.py_create(np.dtype(layout.dtype), logical=1)
    return h5py.Dataset(h5d.create(parent.id, name.encode(), tid, space, dcpl=dcpl))


def lookup3(data, initval=0):
    """Bob Jenkins' lookup3 hashlittle(), the checksum of HDF5 metadata blocks."""
    M = 0xffffffff
    rot = lambda x, k: ((x << k) | (x >> (32 - k))) & M
    n = len(data)
    a = b = c = (0xdeadbeef + n + initval) & M
    i = 0
    while n > 12:
        a = (a + int.from_bytes(data[i:i + 4], 'little')) & M
        b = (b + int.from_bytes(data[i + 4:i + 8], 'little')) & M
        c = (c + int.from_bytes(data[i + 8:i + 12], 'little')) & M
        a = (a - c) & M; a ^= rot(c, 4); c = (c + b) & M
        b = (b - a) & M; b ^= rot(a, 6); a = (a + c) & M
        c = (c - b) & M; c ^= rot(b, 8); b = (b + a) & M
        a = (a - c) & M; a ^= rot(c, 16); c = (c + b) & M
        b = (b - a) & M; b ^= rot(a, 19); a = (a + c) & M
        c = (c - b) & M; c ^= rot(b, 4); b = (b + a) & M
        n -= 12
        i += 12
    if n == 0:
        return c
    tail = data[i:i + n] + bytes(12 - n)
    a = (a + int.from_bytes(tail[0:4], 'little')) & M
    b = (b + int.from_bytes(tail[4:8], 'little')) & M
    c = (c + int.from_bytes(tail[8:12], 'little')) & M
    c ^= b; c = (c - rot(b, 14)) & M
    a ^= c; a = (a - rot(c, 11)) & M
    b ^= a; b = (b - rot(a, 25)) & M
    c ^= b; c = (c - rot(b, 16)) & M
    a ^= c; a = (a - rot(c, 4)) & M
    b ^= a; b = (b - rot(a, 14)) & M
    c ^= b; c = (c - rot(b, 24)) & M
    return c


FIXED_TIME = 1704067200  # 2024-01-01T00:00:00Z


def freeze_library_timestamps(path):
    """libhdf5 always stamps the superblock-extension object header with the current time (no
    property controls it), and may leave a stale copy of it in freed space. Overwrite the
    timestamps of every version-2 object header that has them with a fixed time and redo its
    checksum, so reruns give identical bytes. (All objects this script creates have timestamps
    off, so only such library-made headers are touched.) Returns the number patched."""
    raw = bytearray(path.read_bytes())
    patched = 0
    o = raw.find(b'OHDR')
    while o >= 0:
        flags = raw[o + 5] if o + 6 <= len(raw) else 0
        if raw[o + 4] == 2 and flags & 0x20:
            p = o + 22 + (4 if flags & 0x10 else 0)
            width = 1 << (flags & 3)
            end = p + width + int.from_bytes(raw[p:p + width], 'little')
            # only a header whose checksum verifies is real metadata (not data that looks like it)
            if end + 4 <= len(raw) and \
                    int.from_bytes(raw[end:end + 4], 'little') == lookup3(bytes(raw[o:end])):
                for k in range(4):
                    raw[o + 6 + 4 * k:o + 10 + 4 * k] = FIXED_TIME.to_bytes(4, 'little')
                raw[end:end + 4] = lookup3(bytes(raw[o:end])).to_bytes(4, 'little')
                patched += 1
        o = raw.find(b'OHDR', o + 4)
    if patched:
        path.write_bytes(raw)
    return patched


def point_regionref(dset, coords):
    """Region reference to a point selection (h5py's regionref[] only makes hyperslabs)."""
    space = dset.id.get_space()
    space.select_elements(np.asarray(coords, dtype=np.uint64))
    return h5r.create(dset.file.id, dset.name.encode(), h5r.DATASET_REGION, space)


def smooth(n, period, amp=1.0, phase=0.0):
    x = np.arange(n, dtype=np.float64)
    return amp * np.sin(2 * np.pi * x / period + phase)


def quantize(a, step):
    """Round to a power-of-two step: the low mantissa bits become zero, so shuffle+gzip
    compress well and the committed fixtures stay small."""
    return np.round(a / step) * step


# ---------------------------------------------------------------------------------------------
# Oracle: JSON value encoding (schema "hdf5-oracle/1")
# ---------------------------------------------------------------------------------------------


def enc_float(x):
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return x


def enc_int(x):
    return str(x) if abs(x) > MAX_SAFE_INT else x


def _deep(lst, fn):
    if isinstance(lst, list):
        return [_deep(v, fn) for v in lst]
    return fn(lst)


def enc_bytes(b):
    try:
        return b.decode('utf-8')
    except UnicodeDecodeError:
        return {'$bytes_hex': b.hex()}


class Encoder:
    """Turns what h5py returns into the schema's JSON values; needs the file for references."""

    def __init__(self, f):
        self.f = f

    def ref(self, r):
        if not r:
            return None
        obj = self.f[r]
        kind = ('dataset' if isinstance(obj, h5py.Dataset) else
                'group' if isinstance(obj, h5py.Group) else 'datatype')
        return {'$ref': obj.name, '$ref_kind': kind}

    def regionref(self, r):
        if not r:
            return None
        dset = self.f[r]
        space = h5r.get_region(r, self.f.id)
        return {'$regionref': dset.name, 'selection': selection(space),
                'values': self.value(dset[r])}

    def value(self, v):
        if isinstance(v, np.ndarray):
            k = v.dtype.kind
            if v.dtype.names is None and v.dtype.subdtype is None:
                if k in 'iu':
                    return _deep(v.tolist(), enc_int)
                if k == 'b':
                    return v.tolist()
                if k == 'f':
                    return _deep(v.astype(np.float64).tolist(), enc_float)
            if v.ndim == 0:
                return self.value(v[()])
            return [self.value(x) for x in v]
        if isinstance(v, h5py.RegionReference):
            return self.regionref(v)
        if isinstance(v, h5py.Reference):
            return self.ref(v)
        if isinstance(v, np.void):
            if v.dtype.names:
                return {n: self.value(v[n]) for n in v.dtype.names}
            return bytes(v).hex()  # opaque
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int):
            return enc_int(v)
        if isinstance(v, float):
            return enc_float(v)
        if isinstance(v, complex):
            return {'r': enc_float(v.real), 'i': enc_float(v.imag)}
        if isinstance(v, bytes):
            return enc_bytes(v)
        if isinstance(v, str):
            return v
        if isinstance(v, h5py.Empty):
            return None
        raise TypeError(f'cannot encode {type(v)}')


SEL_TYPES = {h5s.SEL_NONE: 'none', h5s.SEL_POINTS: 'points', h5s.SEL_HYPERSLABS: 'hyperslabs',
             h5s.SEL_ALL: 'all'}


def selection(space):
    """Describe a dataspace selection (region references, VDS mappings)."""
    st = space.get_select_type()
    out = {'type': SEL_TYPES.get(st, str(st)), 'extent': list(space.shape or ())}
    unlimited = False
    try:
        out['npoints'] = int(space.get_select_npoints())
    except Exception:
        unlimited = True
    if st == h5s.SEL_HYPERSLABS and space.is_regular_hyperslab():
        start, stride, count, block = space.get_regular_hyperslab()
        un = lambda t: [None if x == h5s.UNLIMITED else int(x) for x in t]
        out['regular_hyperslab'] = {'start': un(start), 'stride': un(stride),
                                    'count': un(count), 'block': un(block)}
        unlimited = unlimited or h5s.UNLIMITED in (tuple(count) + tuple(block))
    if unlimited:
        out['unlimited'] = True
        return out
    if st == h5s.SEL_HYPERSLABS:
        blocks = np.asarray(space.get_select_hyper_blocklist()).reshape(-1, 2, space.get_simple_extent_ndims())
        out['blocks'] = blocks.tolist()
    if st == h5s.SEL_POINTS:
        out['points'] = np.asarray(space.get_select_elem_pointlist()).tolist()
    if st in (h5s.SEL_HYPERSLABS, h5s.SEL_POINTS):
        lo, hi = space.get_select_bounds()
        out['bounds'] = [list(lo), list(hi)]
    return out


# ---------------------------------------------------------------------------------------------
# Oracle: datatypes
# ---------------------------------------------------------------------------------------------

STRPAD = {h5t.STR_NULLTERM: 'nullterm', h5t.STR_NULLPAD: 'nullpad', h5t.STR_SPACEPAD: 'spacepad'}


def order_of(tid):
    o = tid.get_order()
    return '>' if o == h5t.ORDER_BE else '?' if o == h5t.ORDER_VAX else '<'


def h5type(tid, top=True):
    """The HDF5-level datatype as the schema describes it (class, size, order, ...)."""
    cls = tid.get_class()
    out = {'size': tid.get_size()}
    if top and tid.committed():
        out['committed'] = True
    if cls == h5t.INTEGER:
        out.update({'class': 'integer', 'order': order_of(tid),
                    'signed': tid.get_sign() != h5t.SGN_NONE,
                    'precision': tid.get_precision(), 'bit_offset': tid.get_offset()})
    elif cls == h5t.FLOAT:
        spos, epos, esize, mpos, msize = tid.get_fields()
        out.update({'class': 'float', 'order': order_of(tid), 'precision': tid.get_precision(),
                    'bit_offset': tid.get_offset(), 'sign_pos': spos, 'exp_pos': epos,
                    'exp_size': esize, 'mant_pos': mpos, 'mant_size': msize,
                    'exp_bias': tid.get_ebias()})
    elif cls == h5t.STRING:
        variable = tid.is_variable_str()
        if variable:
            out['size'] = None
        out.update({'class': 'string', 'variable': variable,
                    'charset': 'utf-8' if tid.get_cset() == h5t.CSET_UTF8 else 'ascii',
                    'padding': STRPAD.get(tid.get_strpad(), str(tid.get_strpad()))})
    elif cls == h5t.BITFIELD:
        out.update({'class': 'bitfield', 'order': order_of(tid)})
    elif cls == h5t.OPAQUE:
        out.update({'class': 'opaque', 'tag': tid.get_tag().decode('utf-8', 'replace')})
    elif cls == h5t.COMPOUND:
        out.update({'class': 'compound', 'members': [
            {'name': tid.get_member_name(i).decode(), 'offset': tid.get_member_offset(i),
             'type': h5type(tid.get_member_type(i), False)} for i in range(tid.get_nmembers())]})
    elif cls == h5t.ENUM:
        members = {tid.get_member_name(i).decode(): tid.get_member_value(i)
                   for i in range(tid.get_nmembers())}
        out.update({'class': 'enum', 'base': h5type(tid.get_super(), False),
                    'members': dict(sorted(members.items()))})
    elif cls == h5t.ARRAY:
        out.update({'class': 'array', 'dims': list(tid.get_array_dims()),
                    'base': h5type(tid.get_super(), False)})
    elif cls == getattr(h5t, 'COMPLEX', None):  # HDF5 2.0 (h5py >= 3.15)
        out.update({'class': 'complex', 'base': h5type(tid.get_super(), False)})
    elif cls == h5t.VLEN:
        out['size'] = None
        out.update({'class': 'vlen_sequence', 'base': h5type(tid.get_super(), False)})
    elif cls == h5t.REFERENCE:
        out.update({'class': 'reference',
                    'kind': 'object' if tid.equal(h5t.STD_REF_OBJ) else 'region'})
    elif cls == h5t.TIME:
        out['class'] = 'time'
    else:
        out['class'] = f'unknown:{cls}'
    return out


def has_vlen_or_ref(t):
    c = t['class']
    if c in ('vlen_sequence', 'reference') or (c == 'string' and t['variable']):
        return True
    if c == 'compound':
        return any(has_vlen_or_ref(m['type']) for m in t['members'])
    if c in ('array', 'enum'):
        return has_vlen_or_ref(t['base'])
    return False


def dtype_descr(dt):
    out = []
    for name in dt.names:
        fdt, off = dt.fields[name][:2]
        e = {'name': name, 'offset': off, 'dtype': fdt.str}
        if fdt.names:
            e['fields'] = dtype_descr(fdt)
        if fdt.subdtype:
            e['subarray'] = {'base': fdt.subdtype[0].str, 'shape': list(fdt.subdtype[1])}
        out.append(e)
    return out


def dtype_info(dt):
    """numpy-level keys: dtype, dtype_descr, dtype_subarray, h5py_special."""
    out = {'dtype': dt.str}
    if dt.names:
        out['dtype_descr'] = dtype_descr(dt)
    if dt.subdtype:
        out['dtype_subarray'] = {'base': dt.subdtype[0].str, 'shape': list(dt.subdtype[1])}
    special = {}
    s = h5py.check_string_dtype(dt)
    if s is not None and s.length is None:
        special['vlen_str'] = s.encoding
    elif h5py.check_vlen_dtype(dt) is not None:
        special['vlen'] = h5py.check_vlen_dtype(dt).str
    r = h5py.check_ref_dtype(dt)
    if r is not None:
        special['ref'] = r.__name__
    e = h5py.check_enum_dtype(dt)
    if e is not None and dt.kind != 'b':
        special['enum'] = dict(sorted((k, int(v)) for k, v in e.items()))
    if special:
        out['h5py_special'] = special
    return out


# ---------------------------------------------------------------------------------------------
# Oracle: reading values
# ---------------------------------------------------------------------------------------------

FALLBACK_NOTE = ('fallback: low-level H5Dread/H5Aread with mtype = file type because h5py '
                 'failed: ')


def raw_buffer_dtype(tid):
    """numpy buffer for a conversion-free read: bitfields as unsigned ints, the rest as void."""
    size = tid.get_size()
    if tid.get_class() == h5t.BITFIELD and size in (1, 2, 4, 8):
        return np.dtype(order_of(tid) + 'u%d' % size)
    return np.dtype('V%d' % size)


def read_raw(obj, tid, shape, is_attr):
    arr = np.empty(shape, dtype=raw_buffer_dtype(tid))
    if is_attr:
        obj.read(arr, mtype=tid)
    else:
        obj.read(h5s.ALL, h5s.ALL, arr, mtype=tid)
    return arr


def fix_vlen_byteorder(value, dt):
    """h5py 3.7 returns the elements of a vlen sequence with a non-native base (e.g. vlen of
    >i2) as big-endian bytes labelled with the native dtype; reinterpret them as the base."""
    base = h5py.check_vlen_dtype(dt)
    if base is None or h5py.check_string_dtype(dt) is not None or base.isnative or \
            not isinstance(value, np.ndarray):
        return value, None
    out = np.empty(value.shape, dtype=object)
    for idx in np.ndindex(value.shape):
        out[idx] = np.frombuffer(value[idx].tobytes(), dtype=base)
    return out, (f'h5py returns vlen elements of base {base.str} as native-labelled bytes; '
                 f'reinterpreted as {base.str}')


def read_all(dset):
    """Full value; returns (value, read_mode or None)."""
    try:
        return fix_vlen_byteorder(dset[()], dset.dtype)
    except Exception as e:  # e.g. tagged opaque: no conversion path in h5py
        tid = dset.id.get_type()
        return read_raw(dset.id, tid, dset.shape, False), FALLBACK_NOTE + f'{type(e).__name__}: {e}'


def hyperslab_plan(shape, chunks):
    """Two selections per the corpus convention: a block straddling the chunk boundary nearest
    the middle (or starting at n/3 when a dimension has one chunk) and a strided one."""
    rank = len(shape)
    length = 300 if rank == 1 else 17 if rank == 2 else 7
    start, stop = [], []
    for d, n in enumerate(shape):
        c = chunks[d] if chunks else n
        b = (n // 2) // c * c if c < n else 0
        s = b - length // 2 if b > 0 else n // 3
        s = max(0, s)
        start.append(s)
        stop.append(min(n, s + length))
    block = (start, stop, [1] * rank)
    strided = ([1] * rank, list(shape), [max(1, n // 6) for n in shape])
    return [block, strided]


def summarize(arr, enc):
    flat = np.asarray(arr).reshape(-1)  # h5py already expanded array-type dims into the shape
    out = {'first': enc.value(flat[:10]), 'last': enc.value(flat[-10:])}
    k = arr.dtype.kind
    if arr.dtype.names is None and k in 'iufb':
        f64 = flat.astype(np.float64)
        if k == 'f':
            out['nan_count'] = int(np.isnan(f64).sum())
        with np.errstate(all='ignore'):
            finite = f64[~np.isnan(f64)]
            out['sum'] = enc_float(float(np.sum(finite)))
            if finite.size:
                if k == 'f':
                    out['min'] = enc_float(float(finite.min()))
                    out['max'] = enc_float(float(finite.max()))
                else:
                    out['min'] = enc.value(flat.min())
                    out['max'] = enc.value(flat.max())
    elif arr.dtype.names:
        sums = {}
        for n in arr.dtype.names:
            fdt = arr.dtype[n]
            if fdt.kind in 'iufb' and fdt.names is None:
                with np.errstate(all='ignore'):
                    sums[n] = enc_float(float(np.nansum(flat[n].astype(np.float64))))
        if sums:
            out['field_sums'] = sums
    return out


def attr_entry(obj, name, enc):
    aid = h5a.open(obj.id, name.encode())
    tid = aid.get_type()
    space = aid.get_space()
    stype = space.get_simple_extent_type()
    e = {'dataspace': {h5s.SIMPLE: 'simple', h5s.SCALAR: 'scalar', h5s.NULL: 'null'}[stype],
         'shape': None if stype == h5s.NULL else list(aid.shape), 'h5type': h5type(tid)}
    try:
        e.update(dtype_info(aid.dtype))
    except Exception as ex:
        e['dtype_error'] = f'{type(ex).__name__}: {ex}'
    read_mode = None
    try:
        value, read_mode = fix_vlen_byteorder(obj.attrs[name], aid.dtype)
    except Exception as ex:
        value = read_raw(aid, tid, aid.shape, True)
        read_mode = FALLBACK_NOTE + f'{type(ex).__name__}: {ex}'
    if isinstance(value, np.ndarray) and value.size > ATTR_SUMMARY_LIMIT:
        e['value'] = {'$summary': True, 'shape': list(value.shape), **summarize(value, enc)}
    else:
        e['value'] = enc.value(value)
    if read_mode:
        e['read_mode'] = read_mode
    return e


def attrs_of(obj, enc):
    return {n: attr_entry(obj, n, enc) for n in sorted(obj.attrs.keys())}


def crt_order_names(obj, kind):
    names = []
    if kind == 'link':
        obj.id.links.iterate(lambda n: names.append(n.decode()), idx_type=h5py.h5.INDEX_CRT_ORDER)
    else:
        h5a.iterate(obj.id, lambda n, *a: names.append(n.decode()), index_type=h5py.h5.INDEX_CRT_ORDER)
    return names


def crt_flag(flags):
    return ('tracked+indexed' if flags & h5p.CRT_ORDER_INDEXED else
            'tracked' if flags & h5p.CRT_ORDER_TRACKED else None)


# ---------------------------------------------------------------------------------------------
# Oracle: h5debug (superblock and object headers)
# ---------------------------------------------------------------------------------------------


def h5debug(path, addr=None):
    args = ['h5debug', str(path)] + ([str(addr)] if addr is not None else [])
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _field(text, label, conv=str):
    m = re.search(r'^\s*' + re.escape(label) + r'\s+(.*?)\s*$', text, re.M)
    return conv(m.group(1)) if m else None


def _num(s):
    return int(s.split()[0])


def parse_superblock(text):
    addr_set = lambda s: _num(s) != UNDEF_ADDR
    return {
        'superblock_version': _field(text, 'Superblock version number:', _num),
        'sizeof_offsets': _field(text, 'Size of file offsets (haddr_t type):', _num),
        'sizeof_lengths': _field(text, 'Size of file lengths (hsize_t type):', _num),
        'userblock_size': _field(text, 'Size of userblock:', _num),
        'sym_leaf_k': _field(text, 'Symbol table leaf node 1/2 rank:', _num),
        'btree_k_group': _field(text, 'Symbol table internal node 1/2 rank:', _num),
        'btree_k_chunk': _field(text, 'Indexed storage internal node 1/2 rank:', _num),
        'freespace_version': _field(text, 'Free list version number:', _num),
        'shared_header_version': _field(text, 'Shared header version number:', _num),
        'superblock_extension_present': _field(text, 'Superblock extension address:', addr_set),
        'sohm_table_present': _field(text, 'Shared object header message table address:', addr_set),
        'driver_info_block_present': _field(text, 'Address of driver information block:', addr_set),
    }


def parse_object_header(text, kind):
    blocks = re.split(r'^Message \d+\.\.\.\s*$', text, flags=re.M)
    head, msgs = blocks[0], blocks[1:]
    names = [re.search(r"`([^']*)'", b).group(1) for b in msgs]
    out = {'version': _field(head, 'Version:', _num), 'messages': names}
    for name, b in zip(names, msgs):
        if name == 'layout':
            lm = {'version': _field(b, 'Version:', _num), 'class': _field(b, 'Type:')}
            if lm['class'] == 'Chunked':
                lm['chunk_index'] = _field(b, 'Index Type:') or 'v1 B-tree'
            out['layout_message'] = lm
    dense = lambda name, label: any(
        n == name and (_field(b, label, _num) or UNDEF_ADDR) != UNDEF_ADDR
        for n, b in zip(names, msgs))
    if kind == 'group':
        out['link_storage'] = ('symbol_table' if 'stab' in names else
                               'dense' if dense('linfo', "'Dense' link storage fractal heap address:")
                               else 'compact')
    out['attribute_storage'] = ('dense' if dense(
        'ainfo', "'Dense' attribute storage fractal heap address:") else 'compact')
    return out


# ---------------------------------------------------------------------------------------------
# Oracle: objects
# ---------------------------------------------------------------------------------------------

LAYOUTS = {h5d.COMPACT: 'compact', h5d.CONTIGUOUS: 'contiguous', h5d.CHUNKED: 'chunked',
           h5d.VIRTUAL: 'virtual'}
FILTER_NAMES = {1: 'deflate', 2: 'shuffle', 3: 'fletcher32', 4: 'szip', 5: 'nbit',
                6: 'scaleoffset', 307: 'bzip2', 32000: 'lzf', 32001: 'blosc', 32004: 'lz4',
                32008: 'bitshuffle', 32013: 'zfp', 32015: 'zstd'}
FILL_STATUS = {h5d.FILL_VALUE_UNDEFINED: 'undefined', h5d.FILL_VALUE_DEFAULT: 'default',
               h5d.FILL_VALUE_USER_DEFINED: 'user_defined'}
FILL_TIME = {h5d.FILL_TIME_ALLOC: 'alloc', h5d.FILL_TIME_NEVER: 'never',
             h5d.FILL_TIME_IFSET: 'ifset'}
ALLOC_TIME = {h5d.ALLOC_TIME_EARLY: 'early', h5d.ALLOC_TIME_LATE: 'late',
              h5d.ALLOC_TIME_INCR: 'incremental', h5d.ALLOC_TIME_DEFAULT: 'default'}
SPACE_KIND = {h5s.SIMPLE: 'simple', h5s.SCALAR: 'scalar', h5s.NULL: 'null'}


def filters_of(dcpl):
    out = []
    for i in range(dcpl.get_nfilters()):
        code, flags, values, name = dcpl.get_filter(i)
        out.append({'id': code, 'name': FILTER_NAMES.get(code, name.decode('utf-8', 'replace')),
                    'h5_name': name.decode('utf-8', 'replace'), 'flags': flags,
                    'optional': bool(flags & h5z.FLAG_OPTIONAL), 'client_data': list(values),
                    'available_in_oracle': bool(h5z.filter_avail(code))})
    return out


def dataset_entry(dset, enc, base):
    dsid = dset.id
    tid = dsid.get_type()
    stype = dsid.get_space().get_simple_extent_type()
    e = {'kind': 'dataset', 'dataspace': SPACE_KIND[stype],
         'shape': None if stype == h5s.NULL else list(dset.shape)}
    if stype == h5s.SIMPLE:
        e['maxshape'] = list(dset.maxshape)
    t = h5type(tid)
    e['h5type'] = t
    try:
        e.update(dtype_info(dset.dtype))
    except Exception as ex:  # e.g. a half-precision complex: numpy has no such type
        e['dtype_error'] = f'{type(ex).__name__}: {ex}'
    dcpl = dsid.get_create_plist()
    layout = dcpl.get_layout()
    e['layout'] = LAYOUTS[layout]
    e['chunks'] = list(dcpl.get_chunk()) if layout == h5d.CHUNKED else None
    e['filters'] = filters_of(dcpl)
    e['fill_value_status'] = FILL_STATUS[dcpl.fill_value_defined()]
    e['fill_time'] = FILL_TIME[dcpl.get_fill_time()]
    e['alloc_time'] = ALLOC_TIME[dcpl.get_alloc_time()]
    if has_vlen_or_ref(t):
        # h5py 3.7 segfaults on Dataset.fillvalue for variable-length types
        e['fill_value'] = None
        e['fill_value_note'] = 'not read: variable-length/reference type (h5py cannot read it safely)'
    else:
        try:
            e['fill_value'] = enc.value(dset.fillvalue)
        except Exception as ex:
            e['fill_value'] = {'error': f'{type(ex).__name__}: {ex}'}
    if dcpl.get_external_count():
        e['external_storage'] = []
        for i in range(dcpl.get_external_count()):
            name, offset, size = dcpl.get_external(i)
            e['external_storage'].append({'file': name.decode(), 'offset': offset, 'size': size})
    if layout == h5d.VIRTUAL:
        e['virtual_mappings'] = [{
            'file': dcpl.get_virtual_filename(i), 'dataset': dcpl.get_virtual_dsetname(i),
            'virtual_selection': selection(dcpl.get_virtual_vspace(i)),
            'source_selection': selection(dcpl.get_virtual_srcspace(i))}
            for i in range(dcpl.get_virtual_count())]
    e['storage_size'] = dsid.get_storage_size()
    if layout in (h5d.CONTIGUOUS, h5d.COMPACT):
        e['data_address'] = dsid.get_offset()  # absolute (includes the user block); None if unallocated
    if layout == h5d.CHUNKED:
        n = dsid.get_num_chunks()
        idx = list(range(n)) if n <= CHUNK_TABLE_LIMIT else list(range(32)) + list(range(n - 32, n))
        table = []
        for i in idx:
            si = dsid.get_chunk_info(i)
            # H5Dget_chunk_info reports addresses relative to the base address
            table.append({'index': i, 'offset': list(si.chunk_offset),
                          'filter_mask': si.filter_mask, 'address': si.byte_offset + base,
                          'size': si.size})
        e['chunks_allocated'] = n
        e['chunk_table'] = table
        if n > CHUNK_TABLE_LIMIT:
            e['chunk_table_truncated'] = True
    e['attrs'] = attrs_of(dset, enc)
    if dcpl.get_attr_creation_order() & h5p.CRT_ORDER_TRACKED:
        e['attrs_creation_order'] = crt_order_names(dset, 'attr')
    e['object_header'] = None  # filled from h5debug
    if stype == h5s.NULL:
        e['data'] = None
        return e
    e['size'] = int(dset.size)
    total = int(dset.size)
    if t['class'] == 'array':
        total *= int(np.prod(t['dims']))
        e['size_including_array_dims'] = total
    try:
        value, mode = read_all(dset)
        if total <= FULL_DATA_LIMIT:
            e['data'] = enc.value(value)
        else:
            e['summary'] = summarize(value, enc)
            e['hyperslabs'] = []
            for start, stop, step in hyperslab_plan(dset.shape, e['chunks']):
                sub = value[tuple(slice(a, b, c) for a, b, c in zip(start, stop, step))]
                e['hyperslabs'].append({'start': start, 'stop': stop, 'step': step,
                                        'shape': list(sub.shape), 'data': enc.value(sub)})
        if mode:
            e['read_mode'] = mode
    except Exception as ex:
        e['data'] = {'error': f'{type(ex).__name__}: {ex}'}
    return e


def group_entry(g, enc):
    e = {'kind': 'group', 'members': sorted(g.keys())}
    gcpl = g.id.get_create_plist()
    lco = crt_flag(gcpl.get_link_creation_order())
    if lco:
        e['link_creation_order'] = lco
        e['members_creation_order'] = crt_order_names(g, 'link')
    aco = crt_flag(gcpl.get_attr_creation_order())
    if aco:
        e['attr_creation_order'] = aco
    e['attrs'] = attrs_of(g, enc)
    if aco:
        e['attrs_creation_order'] = crt_order_names(g, 'attr')
    e['object_header'] = None
    return e


def datatype_entry(dt, enc):
    e = {'kind': 'datatype', 'h5type': h5type(dt.id)}
    e.update(dtype_info(dt.dtype))
    e['attrs'] = attrs_of(dt, enc)
    e['object_header'] = None
    return e


def kind_of(obj):
    return ('dataset' if isinstance(obj, h5py.Dataset) else
            'group' if isinstance(obj, h5py.Group) else 'datatype')


def traverse(f, enc, base):
    """Every link reachable from '/', depth first in name order; returns path -> entry and
    path -> (object header address, kind) for the objects that need h5debug."""
    entries, headers, seen = {}, {}, {}

    def visit(path, obj):
        info = h5o.get_info(obj.id)
        seen[(info.fileno, info.addr)] = path
        kind = kind_of(obj)
        if kind == 'group':
            entries[path] = group_entry(obj, enc)
        elif kind == 'dataset':
            entries[path] = dataset_entry(obj, enc, base)
        else:
            entries[path] = datatype_entry(obj, enc)
        headers[path] = (info.addr, kind)
        if kind == 'group':
            for name in sorted(obj.keys()):
                child = (path.rstrip('/') + '/' + name)
                link = obj.get(name, getlink=True)
                if isinstance(link, h5py.SoftLink):
                    try:
                        dangling = obj.get(name) is None
                    except Exception:  # loops: "too many soft links"
                        dangling = True
                    entries[child] = {'kind': 'soft_link', 'target': link.path, 'dangling': dangling}
                elif isinstance(link, h5py.ExternalLink):
                    entries[child] = {'kind': 'external_link', 'file': link.filename,
                                      'path': link.path}
                elif isinstance(link, h5py.HardLink):
                    target = obj[name]
                    ti = h5o.get_info(target.id)
                    key = (ti.fileno, ti.addr)
                    if key in seen:
                        entries[child] = {'kind': 'hard_link', 'target': seen[key],
                                          'object_kind': kind_of(target)}
                    else:
                        visit(child, target)
                else:
                    entries[child] = {'kind': 'user_defined_link', 'link_class': None}

    visit('/', f['/'])
    return entries, headers


# ---------------------------------------------------------------------------------------------
# Oracle: manifest
# ---------------------------------------------------------------------------------------------

SIGNATURE = b'\x89HDF\r\n\x1a\n'
FS_STRATEGY = {0: 'fsm_aggr', 1: 'page', 2: 'aggr', 3: 'none'}
CHUNK_INDEX_TAG = {'v1 B-tree': 'v1_b-tree', 'Single Chunk': 'single_chunk',
                   'Implicit': 'implicit', 'Fixed Array': 'fixed_array',
                   'Extensible Array': 'extensible_array', 'v2 B-tree': 'v2_b-tree'}


def dtype_features(t, out):
    c = t['class']
    if c == 'integer':
        out.add('dtype:integer')
    elif c == 'float':
        out.update({'dtype:float', 'dtype:float%d' % (t['size'] * 8)})
    elif c == 'string':
        out.add('dtype:vlen_string' if t['variable'] else 'dtype:fixed_string')
    elif c == 'reference':
        out.update({'dtype:reference', 'dtype:reference_' + t['kind']})
    else:
        out.add('dtype:' + c)
    if t.get('committed'):
        out.add('committed_datatype')
    for m in t.get('members', []) if c == 'compound' else []:
        dtype_features(m['type'], out)
    if c in ('array', 'enum', 'vlen_sequence'):
        dtype_features(t['base'], out)


def features_of(m):
    out = {'superblock:v%d' % m['superblock']['superblock_version']}
    if m['userblock_size']:
        out.add('userblock')
    if m['superblock']['sohm_table_present']:
        out.add('sohm')
    fs = m['file_space']
    if fs['strategy'] == 'page':
        out.add('file_space:paged')
    if fs['persist']:
        out.add('file_space:persist')
    hard = False
    for e in m['objects'].values():
        k = e['kind']
        oh = e.get('object_header') or {}
        if oh.get('version'):
            out.add('ohdr:v%d' % oh['version'])
        if k == 'soft_link':
            out.add('link:soft')
        elif k == 'external_link':
            out.add('link:external')
        elif k == 'hard_link':
            hard = True
        if 'link_storage' in oh:
            out.add('group:' + oh['link_storage'])
        if oh.get('attribute_storage') == 'dense':
            out.add('attrs:dense')
        for a in (e.get('attrs') or {}).values():
            dtype_features(a['h5type'], out)
        if k in ('dataset', 'datatype'):
            dtype_features(e['h5type'], out)
        if k != 'dataset':
            continue
        out.add('space:' + e['dataspace'])
        if e['shape']:
            out.add('rank:%d' % len(e['shape']))
        if e.get('maxshape') and None in e['maxshape']:
            out.add('space:unlimited')
        out.add('layout:' + e['layout'])
        if e.get('external_storage'):
            out.add('layout:external')
        lm = oh.get('layout_message') or {}
        if lm.get('chunk_index'):
            out.add('chunk_index:' + CHUNK_INDEX_TAG.get(lm['chunk_index'], lm['chunk_index']))
        for flt in e['filters']:
            out.add('filter:' + flt['name'])
        if e['fill_value_status'] == 'user_defined':
            out.add('fill:user_defined')
    if hard:
        out.add('link:multiple_hard')
    return sorted(out)


def count_errors(o):
    if isinstance(o, dict):
        return (1 if 'error' in o and len(o) == 1 else 0) + sum(count_errors(v) for v in o.values())
    if isinstance(o, list):
        return sum(count_errors(v) for v in o)
    return 0


def make_manifest(spec):
    name = spec['file']
    path = OUT / name
    raw = path.read_bytes()
    sig = next((off for off in [0] + [512 << k for k in range(24)]
                if raw[off:off + 8] == SIGNATURE), None)
    with h5py.File(path, 'r') as f:
        fcpl = f.id.get_create_plist()
        base = fcpl.get_userblock()
        strategy, persist, threshold = fcpl.get_file_space_strategy()
        page = fcpl.get_file_space_page_size()
        entries, headers = traverse(f, Encoder(f), base)
    jobs = [None] + list(headers.items())[:H5DEBUG_OBJECT_CAP]
    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda j: h5debug(path, None if j is None else j[1][0]), jobs))
    superblock = parse_superblock(texts[0])
    for (p, (addr, kind)), text in zip(jobs[1:], texts[1:]):
        entries[p]['object_header'] = {**parse_object_header(text, kind), 'address': addr}
    for p, (addr, kind) in list(headers.items())[H5DEBUG_OBJECT_CAP:]:
        entries[p]['object_header'] = {'address': addr, 'note': 'h5debug skipped (object cap)'}
    m = {
        'schema': 'hdf5-oracle/1', 'file': name, 'size': len(raw),
        'sha256': hashlib.sha256(raw).hexdigest(), 'signature_offset': sig,
        'oracle': {'h5py': h5py.version.version, 'hdf5': h5py.version.hdf5_version},
        'origin': {'kind': 'generated', 'generator': GENERATOR, 'family': spec['family'],
                   'group': spec['group'], 'description': spec['description'],
                   'h5py': h5py.version.version, 'hdf5': h5py.version.hdf5_version},
        'category': 'fixture:' + spec['family'],
        'superblock': superblock, 'userblock_size': base,
        'file_space': {'strategy': FS_STRATEGY.get(strategy, str(strategy)),
                       'persist': bool(persist), 'threshold': threshold, 'page_size': page},
        'bundle': spec.get('bundle', []),
        'objects': {p: entries[p] for p in sorted(entries)},
    }
    m['oracle_error_count'] = count_errors(m['objects'])
    m['features'] = features_of(m) + (['has_oracle_errors'] if m['oracle_error_count'] else [])
    if spec.get('oracle_note'):
        m['oracle_note'] = spec['oracle_note']
    return m


def to_json(o, indent=0):
    """Pretty JSON that keeps lists of scalars on one line (keeps the manifests small and
    diffable). Same values as json.dumps."""
    pad = ' ' * indent
    if isinstance(o, dict):
        if not o:
            return '{}'
        items = [f'{pad} {json.dumps(k)}: {to_json(v, indent + 1)}' for k, v in o.items()]
        return '{\n' + ',\n'.join(items) + '\n' + pad + '}'
    if isinstance(o, list):
        if all(not isinstance(v, (dict, list)) for v in o):
            return json.dumps(o, allow_nan=False)
        if all(isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v) for v in o) \
                and sum(len(v) for v in o) <= 64:
            return json.dumps(o, allow_nan=False)
        items = [f'{pad} {to_json(v, indent + 1)}' for v in o]
        return '[\n' + ',\n'.join(items) + '\n' + pad + ']'
    return json.dumps(o, allow_nan=False)


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

SPECS = []


def spec(file, family, description, group=None, bundle=None):
    SPECS.append({'file': file, 'family': family, 'description': description,
                  'group': group or [file], 'bundle': bundle or []})


def vlen_array(base, items):
    arr = np.empty(len(items), dtype=h5py.vlen_dtype(base))
    for i, v in enumerate(items):
        arr[i] = np.asarray(v, dtype=base)
    return arr


def type_samples():
    """(group, name, data, file type or None, raw) covering every datatype class h5py can
    write; the same list becomes datasets (dtypes_*) and attributes (attrs_*)."""
    s = []
    # integers: every width, both byte orders, extremes (uint64 max > 2^53 -> JSON string)
    for bits in (8, 16, 32, 64):
        for kind in 'iu':
            info = np.iinfo(np.dtype(f'{kind}{bits // 8}'))
            vals = [info.min, info.max, 0, 1, info.max // 3, -1 if kind == 'i' else 2]
            for order, tag in (('<', 'le'), ('>', 'be')):
                name = f'{kind}{bits}_{tag}'
                if bits == 8:  # numpy has no byte order for 1-byte ints; HDF5 does
                    tid = getattr(h5t, f"STD_{'I' if kind == 'i' else 'U'}8{tag.upper()}")
                    s.append(('ints', name, np.array(vals, dtype=f'{kind}1'), tid, False))
                else:
                    s.append(('ints', name, np.array(vals, dtype=f'{order}{kind}{bits // 8}'),
                              None, False))
    # floats: half/single/double, both orders, specials and subnormals
    for size in (2, 4, 8):
        fi = np.finfo(np.dtype(f'f{size}'))
        vals = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, float(fi.tiny) / 4, float(fi.max),
                np.pi, -1 / 3]
        for order, tag in (('<', 'le'), ('>', 'be')):
            s.append(('floats', f'f{size * 8}_{tag}', np.array(vals, dtype=f'{order}f{size}'),
                      None, False))
    # fixed strings: three paddings x two charsets; vlen strings
    ascii_vals = [b'alpha', b'beta', b'', b'gamma delta', b'x' * 12, b'end']
    utf8_vals = [v.encode() for v in ['h\u00e9llo', 'w\u00f6rld', '\u65e5\u672c\u8a9e', '',
                                      'emoji \U0001F642', '\u03a9\u03bc\u03ad\u03b3\u03b1']]
    for pad in ('nullterm', 'nullpad', 'spacepad'):
        s.append(('strings', f'fixed_ascii_{pad}', np.array(ascii_vals, dtype='S12'),
                  str_type(12, pad), False))
        s.append(('strings', f'fixed_utf8_{pad}', np.array(utf8_vals, dtype='S24'),
                  str_type(24, pad, 'utf-8'), False))
    s.append(('strings', 'fixed_scalar', np.array(b'fixed scalar', dtype='S12'), None, False))
    s.append(('strings', 'vlen_ascii', np.array([v.decode() for v in ascii_vals],
                                                dtype=h5py.string_dtype('ascii')), None, False))
    s.append(('strings', 'vlen_utf8', np.array([v.decode() for v in utf8_vals],
                                               dtype=h5py.string_dtype()), None, False))
    s.append(('strings', 'vlen_scalar', np.array('a scalar variable-length string',
                                                 dtype=h5py.string_dtype()), None, False))
    # compounds: packed, padded, nested with array + BE members, vlen members, complex
    packed = np.dtype([('a', '<i4'), ('b', '<f8')])
    s.append(('compounds', 'packed', np.array([(i, i / 4) for i in range(5)], dtype=packed),
              None, False))
    padded = np.dtype({'names': ['x', 'y', 'z'], 'formats': ['u1', '<f4', '<i2'],
                       'offsets': [0, 4, 12], 'itemsize': 16})
    pad = np.zeros(4, dtype=padded)  # zeroed: np.array() leaves padding bytes uninitialised
    for i in range(4):
        pad[i] = (i, i * 1.5, -i)
    s.append(('compounds', 'padded', pad, None, False))
    nested = np.dtype([('id', '<i8'), ('name', 'S10'),
                       ('pos', [('x', '<f4'), ('y', '<f4'), ('z', '>f4')]),
                       ('hist', '<i2', (3,)), ('temp', '>f8'), ('ok', '?')])
    s.append(('compounds', 'nested', np.array(
        [(i * 11, f'obj{i}'.encode(), (i / 2, -i, 1.25), (3 * i, 3 * i + 1, 3 * i + 2),
          -40 + i * 1.5, i % 2 == 0) for i in range(6)], dtype=nested), None, False))
    withvlen = np.dtype([('label', h5py.string_dtype()), ('values', h5py.vlen_dtype('<i4')),
                         ('w', '<f4')])
    wv = np.empty(4, dtype=withvlen)
    for i in range(4):
        wv[i] = (f'row {i} \u00e9', np.arange(i, dtype='<i4') * 10, i / 8)
    s.append(('compounds', 'with_vlen_members', wv, None, False))
    s.append(('compounds', 'complex64', (np.arange(6) + 1j * (np.arange(6) + 10)).astype('<c8'),
              None, False))
    s.append(('compounds', 'complex128_be', np.array([1.5 - 2.5j, np.nan + 1j], dtype='>c16'),
              None, False))
    # enums and booleans
    s.append(('enums', 'enum_i1', np.array([0, 1, 2, 127, 1, 0], dtype=h5py.enum_dtype(
        {'RED': 0, 'GREEN': 1, 'BLUE': 2, 'ALPHA': 127}, basetype='i1')), None, False))
    s.append(('enums', 'enum_u2', np.array([100, 60000, 1000], dtype=h5py.enum_dtype(
        {'LOW': 100, 'MID': 1000, 'HIGH': 60000}, basetype='<u2')), None, False))
    s.append(('enums', 'enum_be_i4', np.array([-5, 0, 5, 5], dtype=h5py.enum_dtype(
        {'NEG': -5, 'ZERO': 0, 'POS': 5}, basetype='>i4')), None, False))
    s.append(('enums', 'bool', np.array([True, False, True, True]), None, False))
    # arrays
    s.append(('arrays', 'arr_i4_3', np.arange(15, dtype='<i4').reshape(5, 3),
              h5t.array_create(h5t.STD_I32LE, (3,)), False))
    s.append(('arrays', 'arr_f8_2x3', np.arange(24, dtype='<f8').reshape(4, 2, 3),
              h5t.array_create(h5t.IEEE_F64LE, (2, 3)), False))
    s.append(('arrays', 'arr_u2_be_4', np.arange(12, dtype='>u2').reshape(3, 4) * 1000,
              h5t.array_create(h5t.STD_U16BE, (4,)), False))
    cmp_t = np.dtype([('a', '<i2'), ('b', '<f4', (2,))])
    s.append(('arrays', 'arr_of_compound', np.array(
        [[(4 * i + j, (i + j / 8, i - j / 8)) for j in range(3)] for i in range(3)], dtype=cmp_t),
        h5t.array_create(h5t.py_create(cmp_t), (3,)), False))
    s.append(('arrays', 'arr_strings', np.array([[b'ab', b'cd'], [b'ef', b'']], dtype='S2'),
              h5t.array_create(str_type(2, 'nullpad'), (2,)), False))
    # opaque (h5py's void -> opaque) and tagged opaque (low level)
    s.append(('opaque', 'opaque_v8', np.frombuffer(bytes(range(32)), dtype='V8'), None, False))
    s.append(('opaque', 'opaque_tagged', np.frombuffer(bytes(range(100, 130)), dtype='V5'),
              opaque_type(5, 'sensor frame v1'), True))
    # bitfields (low level; written without conversion)
    for bits, order in ((8, '<'), (16, '>'), (32, '<'), (64, '>')):
        tag = 'LE' if order == '<' else 'BE'
        vals = (np.arange(8, dtype=np.uint64) * 0x0123456789ABCDEF) % (2 ** bits)
        s.append(('bitfields', f'b{bits}_{tag.lower()}', vals.astype(f'{order}u{bits // 8}'),
                  getattr(h5t, f'STD_B{bits}{tag}'), True))
    # variable-length sequences
    s.append(('vlen', 'vlen_i4', vlen_array('<i4', [list(range(-i, i)) for i in range(6)]),
              None, False))
    s.append(('vlen', 'vlen_f8', vlen_array('<f8', [[0.5 * j for j in range(i)] for i in (3, 0, 1, 5)]),
              None, False))
    s.append(('vlen', 'vlen_u1_be_i2', vlen_array('>i2', [[1, -2, 3], [], [32767]]), None, False))
    vc = np.dtype([('a', '<i2'), ('b', '<f4')])
    s.append(('vlen', 'vlen_compound', vlen_array(vc, [[(k, k / 2) for k in range(i + 1)]
                                                       for i in range(3)]), None, False))
    return s


def write_sample(target, name, data, tid, raw, as_attr):
    if as_attr:
        if tid is None:
            target.attrs.create(name, data)
        else:
            attr_typed(target, name, tid, data, raw)
    else:
        if tid is None:
            ds(target, name, data=data)
        else:
            ds_typed(target, name, tid, data, raw)


def build_dtypes():
    for lv in ('earliest', 'latest'):
        name = f'dtypes_{lv}.h5'
        f = new_file(name, lv)
        for grp, n, data, tid, raw in type_samples():
            write_sample(mkpath(f, grp), n, data, tid, raw, False)
        # a chunked, filtered enum and a compound large enough for summary + hyperslabs
        ds(f['enums'], 'enum_u2_large', data=np.tile(np.array([100, 1000, 60000], '<u2'), 4000)
           .astype(h5py.enum_dtype({'LOW': 100, 'MID': 1000, 'HIGH': 60000}, basetype='<u2')),
           chunks=(1000,), compression='gzip')
        big = np.zeros(12000, dtype=[('a', '<i4'), ('b', '<f4')])
        big['a'] = np.arange(12000)
        big['b'] = np.arange(12000) / 4
        ds(f['compounds'], 'large_chunked', data=big, chunks=(1000,), compression='gzip',
           shuffle=True)
        # references
        tg = mkgroup(f, 'targets')
        d1 = ds(tg, 'd1', data=np.arange(100, dtype='<i4').reshape(10, 10))
        d2 = ds(tg, 'd2', data=np.arange(5, dtype='<f8'))
        sub = mkgroup(tg, 'sub')
        commit_type(tg, 'named_type', '<f8')
        refs = mkgroup(f, 'refs')
        orefs = ds(refs, 'object_refs', shape=(7,), dtype=h5py.ref_dtype)
        orefs[0:6] = [d1.ref, d2.ref, tg.ref, sub.ref, tg['named_type'].ref, f.ref]  # [6] stays null
        ds(refs, 'scalar_ref', data=d1.ref, dtype=h5py.ref_dtype)
        rrefs = ds(refs, 'region_refs', shape=(6,), dtype=h5py.regionref_dtype)
        rrefs[0:5] = [d1.regionref[2:5, 3:7], d1.regionref[0:1, :], d1.regionref[::3, ::4],
                      d2.regionref[1:3], point_regionref(d1, [[0, 0], [9, 9], [5, 1]])]
        cref = np.dtype([('target', h5py.ref_dtype), ('weight', '<f4')])
        cr = ds(refs, 'compound_with_ref', shape=(2,), dtype=cref)
        cr[0] = (d1.ref, 0.5)
        cr[1] = (tg.ref, 1.5)
        refs.attrs['ref_attr'] = d2.ref
        refs.attrs.create('refs_attr', [d1.ref, d2.ref, tg.ref], dtype=h5py.ref_dtype)
        refs.attrs.create('regref_attr', [d1.regionref[2:5, 3:7]], dtype=h5py.regionref_dtype)
        # committed datatypes, used by datasets and attributes, one with two names
        ty = mkgroup(f, 'types')
        commit_type(ty, 'point', [('x', '<f8'), ('y', '<f8')])
        commit_type(ty, 'int_be', '>i4')
        commit_type(ty, 'str10', 'S10')
        commit_type(ty, 'color', h5py.enum_dtype({'OFF': 0, 'ON': 1}, basetype='u1'))
        ty['alias_point'] = ty['point']
        ty['point'].attrs['doc'] = 'a committed compound type'
        cm = mkgroup(f, 'committed')
        pts = ds(cm, 'points', data=np.array([(1.0, 2.0), (3.0, 4.0)], dtype=ty['point'].dtype),
                 dtype=ty['point'])
        pts.attrs.create('origin', np.zeros((), dtype=ty['point'].dtype), dtype=ty['point'])
        ds(cm, 'ints', data=np.arange(5, dtype='>i4'), dtype=ty['int_be'])
        ds(cm, 'strs', data=np.array([b'one', b'two'], dtype='S10'), dtype=ty['str10'])
        ds(cm, 'colors', data=np.array([0, 1, 1], dtype='u1'), dtype=ty['color'])
        f.close()
        spec(name, 'dtype', f'every datatype class h5py can write: ints of every width and '
             f'order, float16/32/64 LE/BE, fixed strings (3 paddings, ASCII/UTF-8), vlen strings, '
             f'compounds (packed, padded, nested, BE, array and vlen members, complex), enums, '
             f'bool, arrays, opaque (tagged), bitfields, vlen sequences, object/region '
             f'references, committed types (libver={lv})')


def build_attrs():
    for lv in ('earliest', 'latest'):
        name = f'attrs_{lv}.h5'
        f = new_file(name, lv)
        f.attrs['title'] = 'attributes of every datatype, shape and storage'
        types = mkgroup(f, 'types')
        for grp, n, data, tid, raw in type_samples():
            if n == 'with_vlen_members':
                continue  # h5py 3.7 corrupts the heap writing vlen-in-compound attributes
            write_sample(types, f'{grp}.{n}', data, tid, raw, True)
        d = ds(f, 'dset', data=np.arange(10, dtype='<i4'))
        d.attrs['units'] = 'm/s'
        d.attrs['scale'] = np.float32(0.5)
        d.attrs['valid_range'] = np.array([0, 100], dtype='<i2')
        d.attrs['ref_to_self'] = d.ref
        d.attrs.create('region', d.regionref[2:6], dtype=h5py.regionref_dtype)
        sh = mkgroup(f, 'shapes')
        sh.attrs['scalar_i4'] = np.int32(7)
        sh.attrs['vec_f8'] = np.linspace(0, 1, 5)
        sh.attrs['mat_i2'] = np.arange(12, dtype='<i2').reshape(3, 4)
        sh.attrs['cube_u1'] = np.arange(24, dtype='u1').reshape(2, 3, 4)
        sh.attrs['empty_1d'] = np.zeros((0,), dtype='<f4')
        sh.attrs['null_f4'] = h5py.Empty('<f4')
        sh.attrs['null_str'] = h5py.Empty('S5')
        sh.attrs['caf\u00e9 \u00b0C'] = 'attribute name in UTF-8'
        sh.attrs['scalar_fixed_str'] = np.bytes_('fixed')
        sh.attrs['vlen_str_array'] = np.array(['a', 'bb', ''], dtype=h5py.string_dtype())
        commit_type(f, 'point_t', [('x', '<f8'), ('y', '<f8')])
        sh.attrs.create('committed_type_attr', np.array((1.0, -1.0), dtype=f['point_t'].dtype),
                        dtype=f['point_t'])
        big = mkgroup(f, 'large')
        big.attrs['large_i4'] = np.arange(4000, dtype='<i4')  # 16 KB: header continuation
        co = mkgroup(f, 'crt_order', attr_order=CRT_INDEXED)
        for n in ('zeta', 'alpha', 'mu', 'beta'):
            co.attrs[n] = n
        dt = ds(f, 'dset_crt_order', data=[1, 2], dcpl=dcpl_new(attr_order=CRT_TRACKED))
        for n in ('c', 'b', 'a'):
            dt.attrs[n] = ord(n)
        desc = 'compact attributes of every datatype on groups/datasets, scalar/1-D/2-D/3-D/' \
               'empty/null shapes, UTF-8 names, references, committed-type attribute, ' \
               'creation order'
        if lv == 'latest':
            dense = mkgroup(f, 'dense', attr_order=CRT_INDEXED)
            for i in np.random.default_rng(11).permutation(40):
                dense.attrs[f'attr{i:02d}'] = np.arange(i, dtype='<i2')
            dd = ds(f, 'dset_dense', data=np.arange(4.0), dcpl=dcpl_new(attr_order=CRT_TRACKED))
            for i in range(20):
                dd.attrs[f'a{i:02d}'] = f'value {i}'
            # > 64 KiB: cannot live in an object header message, so it forces dense storage
            big.attrs['huge_string'] = np.bytes_(('0123456789abcdef' * 4400).encode())
            desc += '; dense attribute storage (fractal heap + v2 B-trees, creation-order ' \
                    'index) on a group and a dataset; a 70 KB attribute'
        f.close()
        spec(name, 'attr', desc + f' (libver={lv})')


def build_groups():
    name = 'groups_earliest.h5'
    f = new_file(name, 'earliest')
    many = mkgroup(f, 'many')
    for i in range(160):  # > 32 symbol-table nodes -> a 2-level group B-tree
        if i % 8 == 0:
            ds(many, f'm{i:03d}', data=np.int16(i))
        else:  # further names of the same objects keep the fixture small
            many[f'm{i:03d}'] = many[f'm{i // 8 * 8:03d}']
    g = f
    for lvl in range(1, 13):
        g = mkgroup(g, f'level{lvl:02d}')
    ds(g, 'bottom', data=np.arange(5, dtype='<i4'))
    g.attrs['depth'] = 12
    mkgroup(f, 'empty')
    small = mkgroup(f, 'small')
    small.attrs['note'] = 'three members'
    ds(small, 'a', data=np.array([1, 2, 3], dtype='<i4'))
    mkgroup(small, 'b')
    ds(small, 'c', data=np.float64(2.5))
    f.close()
    spec(name, 'group', 'symbol-table groups: 160 members, mostly hard links (several symbol-table nodes, 2-level '
         'group B-tree), 12-deep nesting, empty group (libver=earliest)')

    name = 'groups_latest.h5'
    f = new_file(name, 'latest')
    comp = mkgroup(f, 'compact')
    ds(comp, 'data', data=np.arange(3, dtype='<i8'))
    mkgroup(comp, 'child')
    commit_type(comp, 'type', '<u2')
    comp['soft'] = h5py.SoftLink('/compact/data')
    comp['ext'] = h5py.ExternalLink('groups_earliest.h5', '/small')
    dense = mkgroup(f, 'dense')
    for i in np.random.default_rng(5).permutation(40):
        ds(dense, f'item{i:02d}', data=np.int64(i * 10))
    big = mkgroup(f, 'dense_big')
    for i in range(600):  # link messages only: fractal heap with indirect blocks, 2-level v2 B-tree
        if i % 3 == 2:
            big[f'link{i:04d}'] = h5py.SoftLink(f'/dense/item{i % 40:02d}')
        else:
            big[f'link{i:04d}'] = dense[f'item{i % 40:02d}']
    tr = mkgroup(f, 'crt_tracked', order=CRT_TRACKED)
    for n in ('c', 'b', 'a'):
        mkgroup(tr, n)
    ix = mkgroup(f, 'crt_indexed', order=CRT_INDEXED, attr_order=CRT_INDEXED)
    for n in ('zz', 'aa', 'mm', 'bb'):
        mkgroup(ix, n)
    for n in ('zeta', 'alpha', 'mu'):
        ix.attrs[n] = np.int8(len(n))
    ixd = mkgroup(f, 'crt_indexed_dense', order=CRT_INDEXED)
    for i in np.random.default_rng(6).permutation(30):
        ds(ixd, f'n{i:02d}', data=np.int32(i))
    forced = mkgroup(f, 'forced_dense', link_phase=(2, 1))  # dense from the 3rd link on
    for n in ('x', 'y', 'z'):
        mkgroup(forced, n)
    g = f
    for lvl in range(1, 13):
        g = mkgroup(g, f'level{lvl:02d}')
    ds(g, 'bottom', data=np.arange(5, dtype='<i4'))
    mkgroup(f, 'empty')
    f.close()
    spec(name, 'group', 'compact groups (all link kinds), dense groups (40 objects; 600 hard/'
         'soft links), link creation order tracked / tracked+indexed (compact and dense), '
         'link phase change forcing dense, 12-deep nesting, empty group (libver=latest)',
         bundle=['groups_earliest.h5'])

    name = 'groups_v108.h5'
    f = new_file(name, 'v108', crt_order=CRT_INDEXED)
    for n in ('zulu', 'alpha', 'mike'):
        mkgroup(f, n)
    dense = mkgroup(f['alpha'], 'dense')
    for i in range(20):
        ds(dense, f'd{i:02d}', data=np.uint8(i))
    f.attrs['b_second'] = 2
    f.attrs['a_third'] = 3
    f.close()
    spec(name, 'group', 'superblock v2; root group with link and attribute creation order '
         'tracked+indexed (set on the file-creation list), a dense group (libver=v108)')

    for lv in ('earliest', 'latest'):
        name = f'empty_{lv}.h5'
        new_file(name, lv).close()
        spec(name, 'group', f'an empty file: root group only (libver={lv})')


def build_links():
    t = new_file('links_target.h5', 'earliest')
    ds(t, 'data', data=np.arange(12, dtype='<i4').reshape(3, 4) * 10)
    tg = mkgroup(t, 'grp')
    ds(tg, 'inner', data=np.linspace(0, 1, 5))
    tg.attrs['where'] = 'links_target.h5'
    t.close()
    spec('links_target.h5', 'links', 'target file of the external links in links_*.h5',
         group=['links_earliest.h5', 'links_latest.h5', 'links_target.h5'])
    for lv in ('earliest', 'latest'):
        name = f'links_{lv}.h5'
        f = new_file(name, lv)
        ds(f, 'data', data=np.arange(12, dtype='<i8').reshape(3, 4))
        grp = mkgroup(f, 'grp')
        ds(grp, 'inner', data=np.array([1.5, 2.5]))
        sub = mkgroup(grp, 'sub')
        f['soft_to_dset'] = h5py.SoftLink('/data')
        f['soft_to_group'] = h5py.SoftLink('/grp')
        grp['soft_relative'] = h5py.SoftLink('inner')
        f['soft_through_soft'] = h5py.SoftLink('/soft_to_group/inner')
        f['soft_dangling'] = h5py.SoftLink('/does/not/exist')
        f['chain1'] = h5py.SoftLink('/chain2')
        f['chain2'] = h5py.SoftLink('/chain3')
        f['chain3'] = h5py.SoftLink('/data')
        f['loop_a'] = h5py.SoftLink('/loop_b')
        f['loop_b'] = h5py.SoftLink('/loop_a')
        f['ext_dset'] = h5py.ExternalLink('links_target.h5', '/data')
        f['ext_group'] = h5py.ExternalLink('links_target.h5', '/grp')
        grp['ext_inner'] = h5py.ExternalLink('links_target.h5', '/grp/inner')
        f['ext_missing_file'] = h5py.ExternalLink('missing_file.h5', '/x')
        f['ext_missing_object'] = h5py.ExternalLink('links_target.h5', '/nope')
        f['alias_data'] = f['data']
        sub['back_to_grp'] = grp  # cycle: a group holding a hard link to its ancestor
        grp['root'] = f['/']      # cycle to the root group
        f.close()
        spec(name, 'links', 'soft links (to dataset, group, relative, through a soft link, '
             'dangling, chain, loop a->b->a), external links (to links_target.h5 dataset/group, '
             'missing file, missing object), hard links (alias, cycle to ancestor and root) '
             f'(libver={lv})', group=['links_earliest.h5', 'links_latest.h5', 'links_target.h5'],
             bundle=['links_target.h5'])


def build_spaces():
    for lv in ('earliest', 'latest'):
        name = f'spaces_{lv}.h5'
        f = new_file(name, lv)
        ds(f, 'scalar_i4', data=np.int32(-17))
        ds(f, 'scalar_f8', data=np.float64(2.5))
        ds(f, 'scalar_str', data=np.bytes_('scalar'))
        ds(f, 'scalar_vlen_str', data='vlen scalar', dtype=h5py.string_dtype())
        ds(f, 'null_f4', data=h5py.Empty('<f4'))
        ds(f, 'null_str', data=h5py.Empty('S5'))
        ds(f, 'rank1', data=np.arange(7, dtype='<i2'))
        ds(f, 'rank2', data=np.arange(15, dtype='<f4').reshape(3, 5) / 2)
        ds(f, 'rank3', data=np.arange(24, dtype='u1').reshape(2, 3, 4))
        ds(f, 'rank4', data=np.arange(24, dtype='>i8').reshape(2, 3, 2, 2) - 12)
        ds(f, 'rank5_chunked', data=np.arange(72, dtype='<u2').reshape(2, 3, 2, 3, 2),
           chunks=(1, 2, 2, 2, 1))
        ds(f, 'zero_1d', shape=(0,), dtype='<i4')
        ds(f, 'zero_middle', shape=(3, 0, 4), dtype='<u2')
        ds(f, 'zero_chunked_unlimited', shape=(0, 5), maxshape=(None, 5), dtype='<f8', chunks=(4, 5))
        u1 = ds(f, 'unlimited_1d', data=np.arange(10, dtype='<i4'), maxshape=(None,), chunks=(4,))
        u1.resize((23,))
        u1[10:] = np.arange(100, 113)
        u2 = ds(f, 'unlimited_2d', shape=(3, 4), maxshape=(None, None), chunks=(2, 2), dtype='<f4',
                fillvalue=np.float32(-1))
        u2[:] = np.arange(12).reshape(3, 4)
        u2.resize((5, 7))  # new cells read as the fill value
        ds(f, 'max_larger', data=np.arange(6, dtype='<i2'), maxshape=(20,), chunks=(4,))
        f.close()
        spec(name, 'space', 'scalar and null dataspaces (numeric and string), ranks 1-5, zero-'
             'sized dimensions, unlimited and bounded max shapes, datasets grown after '
             f'writing (libver={lv})')


def write_sparse(d, blocks):
    for sl in blocks:
        d[sl] = np.full(d[sl].shape, 7, dtype=d.dtype)


def build_layouts():
    for lv in ('earliest', 'v108', 'latest'):
        name = f'layouts_{lv}.h5'
        f = new_file(name, lv)
        kdcpl = h5p.create(h5p.DATASET_CREATE)
        kdcpl.set_layout(h5d.COMPACT)
        ds(f, 'compact_i2', data=np.arange(100, dtype='<i2'), dcpl=kdcpl)
        kdcpl = h5p.create(h5p.DATASET_CREATE)
        kdcpl.set_layout(h5d.COMPACT)
        ds(f, 'compact_scalar_f8', data=np.float64(-0.125), dcpl=kdcpl)
        ds(f, 'contiguous_f4', data=(np.arange(600, dtype='<f4') / 8).reshape(30, 20))
        ds(f, 'contiguous_unwritten_fill', shape=(20, 10), dtype='<i4', fillvalue=42)
        ds(f, 'contiguous_unwritten_default', shape=(8,), dtype='<f8')
        ds(f, 'chunked_2d', data=(np.arange(30000) // 50 % 100).astype('i1').reshape(200, 150),
           chunks=(10, 10))  # 300 chunks: v1 B-tree with 2 levels (earliest)
        ds(f, 'partial_edge', data=np.arange(425, dtype='<f4').reshape(25, 17), chunks=(10, 5))
        sp = ds(f, 'sparse_fill', shape=(120, 100), dtype='<i2', chunks=(10, 10), fillvalue=-1)
        write_sparse(sp, [np.s_[0:10, 0:10], np.s_[55:65, 45:55], np.s_[110:120, 95:100]])
        ds(f, 'single_chunk', data=np.arange(600, dtype='<i4').reshape(20, 30), chunks=(20, 30))
        ds(f, 'single_chunk_gzip', data=np.arange(600, dtype='<i4').reshape(20, 30),
           chunks=(20, 30), compression='gzip')
        ds(f, 'gzip_shuffle', data=(np.arange(12000, dtype='<i4') % 50).reshape(120, 100),
           chunks=(32, 32), compression='gzip', shuffle=True)
        desc = ('compact, contiguous, contiguous never written (user and default fill), '
                'chunked with partial edge chunks, sparse chunks with a user fill value, '
                'single-chunk (plain and gzip)')
        if lv != 'v108':
            ds(f, 'implicit', data=np.arange(1200, dtype='<i2').reshape(30, 40), chunks=(10, 10),
               dcpl=dcpl_new(alloc_early=True))
            ds(f, 'unlimited_1d', data=(np.arange(12000) // 100).astype('i1'), maxshape=(None,),
               chunks=(24,))  # 500 chunks: extensible array with super blocks
            ds(f, 'unlimited_1d_gzip', data=np.arange(12000, dtype='<i4') % 37, maxshape=(None,),
               chunks=(100,), compression='gzip')
            e = ds(f, 'unlimited_1d_sparse', shape=(12000,), maxshape=(None,), chunks=(50,),
                   dtype='<i4', fillvalue=-7)
            write_sparse(e, [np.s_[0:50], np.s_[6000:6100], np.s_[11990:12000]])
            ds(f, 'unlimited_2d', data=(np.arange(12100) % 99).astype('i1').reshape(110, 110),
               maxshape=(None, None), chunks=(5, 5))  # 484 chunks: 2-level v2 B-tree
            ds(f, 'unlimited_2d_gzip', data=(np.arange(1200, dtype='<f4') // 4).reshape(40, 30),
               maxshape=(None, None), chunks=(8, 8), compression='gzip', shuffle=True)
            b = ds(f, 'unlimited_2d_sparse', shape=(40, 40), maxshape=(None, None), chunks=(8, 8),
                   dtype='<u1', fillvalue=255)
            write_sparse(b, [np.s_[0:8, 8:16], np.s_[32:40, 32:40]])
            desc += ', early allocation, unlimited 1-D and 2-D (plain, gzip, sparse)'
        if lv == 'latest':
            ds(f, 'fixed_paged', data=(np.arange(10240) % 128).astype('i1').reshape(128, 80),
               chunks=(2, 2))  # 2560 chunks > 1024: paged fixed array
            ds(f, 'fixed_paged_gzip', data=(np.arange(4224) % 7).astype('<i2').reshape(66, 64),
               chunks=(2, 2), compression='gzip')
            # low level: h5py's create_dataset calls H5Pset_chunk again, which clears the option
            edcpl = dcpl_new(edge_unfiltered=(10, 10))
            edcpl.set_deflate(4)
            ds_typed(f, 'edge_unfiltered', h5t.STD_I32LE,
                     np.arange(625, dtype='<i4').reshape(25, 25), dcpl=edcpl)
            desc = ('chunk indexes: single chunk (plain/filtered), implicit (early allocation), '
                    'fixed array (plain, filtered, paged with >1024 chunks), extensible array '
                    '(one unlimited dim: plain, filtered, sparse), v2 B-tree (two unlimited dims: '
                    'plain, filtered, sparse), partial edge chunks incl. "don\'t filter partial '
                    'edge chunks"; plus compact, contiguous, never-written contiguous')
        elif lv == 'earliest':
            desc += '; every chunked dataset uses a v1 B-tree (chunked_2d: 300 chunks, 2 levels)'
        else:
            desc += '; superblock v2 with v2 object headers but layout message v3 / v1 B-trees'
        f.close()
        spec(name, 'layout', desc + f' (libver={lv})')


def build_filters():
    # > 10000 elements (summary + hyperslabs in the manifest) but compressible: runs and slow
    # waves keep each dataset at a few KB
    i4 = ((np.arange(12000) // 7) % 500 - 100).astype('<i4').reshape(120, 100)
    f8 = quantize(smooth(12000, 2400, 500) + smooth(12000, 600, 3), 2 ** -2)
    f4 = f8.astype('<f4')
    nbit = ((np.arange(12000) // 5) % 32 - 16).astype('<i4')
    for lv in ('earliest', 'latest'):
        name = f'filters_{lv}.h5'
        f = new_file(name, lv)
        for level in (1, 5, 9):
            ds(f, f'gzip{level}', data=i4, chunks=(50, 25), compression='gzip',
               compression_opts=level)
        ds(f, 'shuffle_i4', data=np.arange(1000, dtype='<i4') * 1000, chunks=(256,), shuffle=True)
        ds(f, 'shuffle_gzip_f4', data=f4, chunks=(3000,), compression='gzip', shuffle=True)
        ds(f, 'fletcher32_i4', data=i4[:40, :30], chunks=(16, 16), fletcher32=True)
        ds(f, 'shuffle_gzip_fletcher32_f8', data=f8, chunks=(2500,), compression='gzip',
           shuffle=True, fletcher32=True)
        ds(f, 'lzf_i4', data=i4, chunks=(50, 50), compression='lzf')
        ds(f, 'shuffle_lzf_f8', data=f8, chunks=(4000,), compression='lzf', shuffle=True)
        ds(f, 'scaleoffset_int_auto', data=i4 % 16 + 100000, chunks=(50, 50), scaleoffset=0)
        ds(f, 'scaleoffset_f4_d2', data=(f4 / 1000).astype('<f4'), chunks=(3000,), scaleoffset=2)
        ds(f, 'scaleoffset_gzip_u2', data=(np.arange(12000) % 300 + 1000).astype('<u2'),
           chunks=(1500,), scaleoffset=0, compression='gzip')
        ds(f, 'szip_nn_f4', data=f4, chunks=(3000,), compression='szip',
           compression_opts=('nn', 32))
        ds(f, 'szip_ec_i2', data=(np.arange(12000) // 20 % 300).astype('<i2'), chunks=(2000,),
           compression='szip', compression_opts=('ec', 8))
        ds(f, 'shuffle_szip_i4', data=i4, chunks=(100, 50), compression='szip', shuffle=True)
        t = h5t.STD_I32LE.copy()
        t.set_precision(5)  # n-bit packs the 5 significant bits
        ds_typed(f, 'nbit_i4_5bit', t, nbit, chunks=(1000,),
                 filters=[lambda d: _check(_LIB.H5Pset_nbit(_HID(d.id)), 'H5Pset_nbit')])
        # chunks whose filter_mask skips a filter (written raw with write_direct_chunk)
        m = ds(f, 'mask_gzip', shape=(400,), dtype='<i4', chunks=(100,), compression='gzip')
        m[0:400] = np.arange(400, dtype='<i4')
        m.id.write_direct_chunk((100,), (np.arange(100, 200, dtype='<i4') * -1).tobytes(),
                                filter_mask=0b1)
        m2 = ds(f, 'mask_shuffle_gzip', shape=(300,), dtype='<i4', chunks=(100,),
                compression='gzip', shuffle=True)
        m2[0:300] = np.arange(300, dtype='<i4')
        shuffled = np.arange(200, 300, dtype='<i4').view('u1').reshape(100, 4).T.tobytes()
        m2.id.write_direct_chunk((200,), shuffled, filter_mask=0b10)  # shuffled, not gzipped
        f.close()
        spec(name, 'filter', 'deflate levels 1/5/9, shuffle, fletcher32, LZF, scale-offset (int '
             'auto, float D-scale, + gzip), szip (NN/EC, + shuffle), n-bit (5-bit ints), '
             'pipelines, chunks with a non-zero filter mask (write_direct_chunk) '
             f'(libver={lv})')


def standard_content(f, dense=False, unlimited=True):
    """A little of everything that depends on file-level settings (addresses, sizes)."""
    f.attrs['title'] = 'file-level variant'
    g = mkgroup(f, 'grp')
    g.attrs['answer'] = np.int32(42)
    ds(g, 'contig', data=np.arange(100, dtype='<i4'))
    ds(f, 'chunked', data=(np.arange(2400, dtype='<f4') / 4).reshape(60, 40), chunks=(16, 16),
       compression='gzip')
    if unlimited:
        ds(f, 'unlimited', data=np.arange(500, dtype='<i2'), maxshape=(None,), chunks=(50,))
        ds(f, 'unlimited_2d', data=np.arange(400, dtype='<u2').reshape(20, 20),
           maxshape=(None, None), chunks=(6, 6))
    ds(f, 'vlen_str', data=np.array(['one', 'two', 'three'], dtype=h5py.string_dtype()))
    if dense:
        d = mkgroup(f, 'dense')
        for i in range(20):
            ds(d, f'm{i:02d}', data=np.int16(i))
            d.attrs[f'a{i:02d}'] = i


def build_file_level():
    for size, lv in ((512, 'earliest'), (4096, 'latest')):
        name = f'userblock_{size}.h5'
        f = new_file(name, lv, userblock=size)
        standard_content(f)
        f.close()
        with open(OUT / name, 'r+b') as fh:  # user block content is the application's
            fh.write(b'coh5 fixture user block: not HDF5 data\n')
        spec(name, 'file', f'{size}-byte user block before the superblock (all addresses are '
             f'relative to base address {size}) (libver={lv})')
    for lv in ('earliest', 'latest'):
        name = f'offsets4_{lv}.h5'
        f = new_file(name, lv, sizes=(4, 4))
        # libhdf5 1.10.8 cannot reopen extensible-array / v2-B-tree datasets it wrote with
        # 4-byte lengths ("didn't find unlimited dimension"), so those stay out of 'latest'
        standard_content(f, dense=(lv == 'latest'), unlimited=(lv == 'earliest'))
        f.close()
        spec(name, 'file', '4-byte file offsets and lengths (sizeof_offsets=sizeof_lengths=4)'
             + (', dense group and attributes' if lv == 'latest' else
                ', unlimited max dims stored in 4 bytes') + f' (libver={lv})')
    name = 'superblock_v1.h5'
    f = new_file(name, 'earliest', sym_k=(4, 2), istore_k=4)
    standard_content(f)
    g = mkgroup(f, 'members')
    for i in range(40):  # leaf K 2 -> 4 entries per symbol-table node
        mkgroup(g, f'g{i:02d}')
    ds(f, 'chunked_k4', data=(np.arange(3600) % 100).astype('<i2').reshape(60, 60), chunks=(6, 6))
    f.close()
    spec(name, 'file', 'superblock v1 (non-default indexed-storage B-tree K=4), symbol-table '
         'K: internal 4, leaf 2; multi-level group and chunk B-trees with small nodes')

    # H5O_SHMESG_ALL_FLAG: the flags are 1 << message type (dataspace 0x2, datatype 0x8, fill value
    # 0x20, filter pipeline 0x800, attribute 0x1000); 0x1f shared only dataspaces and datatypes
    sohm_all = 0x182a
    for name, extra, what in (('sohm_list.h5', [], 'list index'),
                              ('sohm_btree.h5', [('phase', 0, 0)], 'v2 B-tree index')):
        f = new_file(name, 'latest', sohm=[(sohm_all, 8)] + extra)
        dt = np.dtype([('t', '<f8'), ('label', 'S16'), ('flags', '<u4')])
        for i in range(6):
            d = ds(f, f'd{i}', shape=(20,), dtype=dt, chunks=(10,), compression='gzip',
                   fillvalue=np.array((-1.0, b'none', 0), dtype=dt)[()])
            d[:] = np.array([(i + j / 10, f'row{j}'.encode(), j) for j in range(20)], dtype=dt)
            d.attrs['units'] = np.bytes_('seconds since start')
            d.attrs['calibration'] = np.arange(8, dtype='<f8')
        f.close()
        spec(name, 'file', f'shared object header messages (SOHM table, {what}): datatype, '
             'dataspace, fill value, filter pipeline and attribute messages shared by 6 datasets')

    name = 'paged_h5py.h5'
    f = new_file(name, 'latest', fs=(h5f.FSPACE_STRATEGY_PAGE, False, 1), page_size=4096)
    standard_content(f, dense=True)
    f.close()
    spec(name, 'file', 'paged aggregation (file space strategy PAGE, page size 4096) written '
         'directly (libver=latest)')

    src = OUT / '_repack_src.h5'
    f = new_file(src.name, 'earliest')
    standard_content(f)
    f.close()
    name = 'paged_repack.h5'
    subprocess.run(['h5repack', '-S', 'PAGE', '-G', '4096', str(src), str(OUT / name)], check=True)
    src.unlink()
    spec(name, 'file', 'paged aggregation made by `h5repack -S PAGE -G 4096` from a libver='
         'earliest file')

    name = 'fsm_persist.h5'
    f = new_file(name, 'latest', fs=(h5f.FSPACE_STRATEGY_FSM_AGGR, True, 1))
    standard_content(f, dense=True)
    ds(f, 'doomed', data=np.arange(5000, dtype='<f8'))
    f.flush()
    del f['doomed']  # leaves free space for the persistent free-space manager to record
    f.close()
    spec(name, 'file', 'persistent free-space manager (FSM_AGGR, persist=true; superblock '
         'extension with free-space info) after deleting a dataset (libver=latest)')

    name = 'swmr.h5'
    f = new_file(name, 'latest')
    d = ds(f, 'frames', shape=(0, 8), maxshape=(None, 8), chunks=(4, 8), dtype='<u2')
    s = ds(f, 'counter', shape=(0,), maxshape=(None,), chunks=(16,), dtype='<i8')
    f.swmr_mode = True
    for step in range(10):
        d.resize((step + 1) * 3, axis=0)
        d[step * 3:(step + 1) * 3] = np.arange(24, dtype='<u2').reshape(3, 8) + step * 100
        s.resize(((step + 1) * 5,))
        s[step * 5:] = np.arange(5) + step * 5
        d.flush()
        s.flush()
    f.close()
    spec(name, 'file', 'superblock v3 written in SWMR mode (extensible-array datasets appended '
         'step by step, closed cleanly)')


def build_large():
    name = 'large_1d.h5'
    f = new_file(name, 'earliest')
    sig = quantize(smooth(1_000_000, 50_000, 20) + smooth(1_000_000, 3_001, 2) + 15, 2 ** -3)
    d = ds(f, 'signal', data=sig.astype('<f4'), chunks=(10_000,), compression='gzip', shuffle=True)
    d.attrs['units'] = 'mV'
    f.close()
    spec(name, 'large', '1,000,000 float32 in 100 chunks of 10,000 (gzip+shuffle, v1 B-tree of '
         '2 levels) of a smooth signal: for request/byte/round-trip counting (libver=earliest)')
    name = 'large_2d.h5'
    f = new_file(name, 'latest')
    y, x = np.mgrid[0:600, 0:420]
    field = quantize(np.sin(y / 90.0) * np.cos(x / 70.0) * 50 + y * 0.05, 2 ** -2)
    ds(f, 'field', data=field.astype('<f8'), chunks=(60, 60), compression='gzip', shuffle=True)
    f.close()
    spec(name, 'large', '600x420 float64 in 60x60 gzip+shuffle chunks (70 chunks, fixed-array index) '
         '(libver=latest)')


def build_external():
    name = 'external_raw.h5'
    raw = 'external_raw.bin'
    with open(OUT / raw, 'wb') as fh:  # a header the dataset must skip (offset 32)
        fh.write(b'coh5 external raw data file\n'.ljust(32, b'\0'))
    f = new_file(name, 'earliest')
    d = ds(f, 'ext', shape=(200,), dtype='<i4', external=[(raw, 32, 480), (raw, 528, 320)])
    d[:] = np.arange(200, dtype='<i4') * 3
    d2 = ds(f, 'ext_2d', shape=(10, 10), dtype='>f8', external=[(raw, 1024, 800)])
    d2[:] = np.arange(100, dtype='>f8').reshape(10, 10) / 8
    ds(f, 'ext_missing', shape=(100,), dtype='<i4', external=[('missing_raw.bin', 0, 400)])
    f.close()
    spec(name, 'external', 'contiguous datasets whose raw data lives in external_raw.bin (two '
         'segments at offsets 32 and 528; a big-endian 2-D one at 1024) and one whose external '
         'file is missing (reading it must fail)', bundle=[raw])


def build_vds():
    src = 'vds_source.h5'
    f = new_file(src, 'earliest')
    ds(f, 'a', data=np.arange(100, dtype='<i4'))
    ds(f, 'b', data=np.arange(100, dtype='<i4') + 1000)
    ds(f, 'grid', data=np.arange(64, dtype='<i4').reshape(8, 8))
    f.close()
    spec(src, 'vds', 'source file for vds_v110.h5', group=['vds_v110.h5', src])
    name = 'vds_v110.h5'
    f = new_file(name, 'v110')
    ds(f, 'local', data=np.arange(100, dtype='<i4') + 2000)
    lay = h5py.VirtualLayout(shape=(4, 100), dtype='<i4')
    lay[0] = h5py.VirtualSource(src, 'a', shape=(100,))
    lay[1] = h5py.VirtualSource(src, 'b', shape=(100,))
    lay[2] = h5py.VirtualSource('.', 'local', shape=(100,))
    lay[3] = h5py.VirtualSource('vds_missing_source.h5', 'x', shape=(100,))
    make_vds(f, 'vds', lay, -1)
    lay = h5py.VirtualLayout(shape=(50,), dtype='<i4')
    lay[:] = h5py.VirtualSource(src, 'a', shape=(100,))[::2]
    make_vds(f, 'vds_strided', lay, 0)
    lay = h5py.VirtualLayout(shape=(8, 16), dtype='<i4')
    lay[:, 0:8] = h5py.VirtualSource(src, 'grid', shape=(8, 8))
    lay[0:4, 8:12] = h5py.VirtualSource(src, 'grid', shape=(8, 8))[4:8, 0:4]
    make_vds(f, 'vds_2d', lay, -9)
    f.close()
    spec(name, 'vds', 'virtual datasets: rows from another file, from the same file (".") and '
         'from a missing file (fill value), a strided source selection, 2-D block mappings with '
         'unmapped cells (libver=v110)', group=[name, src], bundle=[src])


def build_vds_large():
    """Virtual datasets of more elements than a coordinate list should ever hold (4.8M, 1.2M per
    mapping), mapped by regular hyperslabs from sources in the same file: read block-wise, not
    element by element."""
    name = 'vds_large.h5'
    f = new_file(name, 'v110')
    comp = dict(chunks=(1, 100_000), compression='gzip', shuffle=True)
    for i in range(4):
        ds(f, f's{i}', data=(np.arange(1_200_000, dtype='<i4') + i * 10_000_000).reshape(3, 400_000), **comp)
    for k, off in (('even', 0), ('odd', 5_000_000)):
        ds(f, k, data=np.arange(2_000, dtype='<i4') + off, chunks=(500,), compression='gzip', shuffle=True)
    lay = h5py.VirtualLayout(shape=(12, 400_000), dtype='<i4')
    for i in range(4):
        lay[3 * i:3 * i + 3, :] = h5py.VirtualSource('.', f's{i}', shape=(3, 400_000))
    make_vds(f, 'rows', lay, -1)
    # (Kept small: the oracle lists a stride-2 selection's blocks, one per element.)
    lay = h5py.VirtualLayout(shape=(4_000,), dtype='<i4')
    lay[0::2] = h5py.VirtualSource('.', 'even', shape=(2_000,))
    lay[1::2] = h5py.VirtualSource('.', 'odd', shape=(2_000,))
    make_vds(f, 'interleaved', lay, -1)
    # Rows 0-1 of a window of s0 and s3, columns flipped into two halves, the rest unmapped.
    lay = h5py.VirtualLayout(shape=(4, 800_000), dtype='<i4')
    lay[0:2, 0:400_000] = h5py.VirtualSource('.', 's3', shape=(3, 400_000))[1:3, :]
    lay[2:4, 500_000:800_000] = h5py.VirtualSource('.', 's0', shape=(3, 400_000))[0:2, 100_000:400_000]
    make_vds(f, 'windows', lay, -7)
    f.close()
    spec(name, 'vds', 'virtual datasets of 3.2-4.8M elements from sources in the same file: '
         'row blocks and windows with unmapped cells; and a small interleave (stride 2) '
         '(libver=v110)')


def build_example():
    name = 'example.h5'
    f = new_file(name, 'earliest')
    f.attrs['title'] = 'coh5 example: a small climate-like file'
    f.attrs['Conventions'] = 'CF-1.8'
    f.attrs['version'] = np.int32(3)
    lat = (np.arange(720, dtype='<f4') - 359.5) * 0.25
    lon = (np.arange(1440, dtype='<f4') - 719.5) * 0.25
    d = ds(f, 'lat', data=lat)
    d.attrs['units'] = 'degrees_north'
    d.attrs['long_name'] = 'latitude'
    d = ds(f, 'lon', data=lon)
    d.attrs['units'] = 'degrees_east'
    d.attrs['long_name'] = 'longitude'
    la, lo = np.meshgrid(np.deg2rad(lat.astype(np.float64)), np.deg2rad(lon.astype(np.float64)),
                         indexing='ij')
    t = 300 - 45 * np.sin(la) ** 2 + 6 * np.cos(3 * lo) * np.cos(la) + 3 * np.sin(2 * lo + la)
    temp = quantize(t, 2 ** -4).astype('<f4')
    d = ds(f, 'temperature', data=temp, chunks=(90, 180), compression='gzip', shuffle=True,
           fillvalue=np.float32(-9999))
    d.attrs['units'] = 'K'
    d.attrs['long_name'] = 'air temperature'
    d.attrs['valid_range'] = np.array([180, 330], dtype='<f4')
    st = np.dtype([('name', 'S16'), ('lat', '<f4'), ('lon', '<f4'), ('elevation', '<i2'),
                   ('active', '?')])
    sites = [('Reykjavik', 64.13, -21.9, 61, True), ('Nairobi', -1.29, 36.82, 1795, True),
             ('Lima', -12.05, -77.04, 154, False), ('Hobart', -42.88, 147.33, 51, True),
             ('Ulaanbaatar', 47.92, 106.92, 1350, True), ('Anchorage', 61.22, -149.9, 31, False),
             ('Lisbon', 38.72, -9.14, 77, True), ('Manaus', -3.12, -60.02, 92, True),
             ('Perth', -31.95, 115.86, 25, False), ('Oslo', 59.91, 10.75, 94, True)]
    stations = np.zeros(len(sites), dtype=st)
    for i, (n, la_, lo_, el, act) in enumerate(sites):
        stations[i] = (n.encode(), la_, lo_, el, act)
    ds(f, 'stations', data=stations)
    meta = mkgroup(f, 'metadata')
    meta.attrs['institution'] = 'coh5 test suite'
    meta.attrs['source'] = np.bytes_('synthetic')
    meta.attrs['grid_spacing_deg'] = np.float64(0.25)
    ds(meta, 'levels', data=np.array([1000, 850, 500, 250], dtype='<i2'))
    f.close()
    spec(name, 'example', 'the README example: temperature 720x1440 float32 in 90x180 '
         'gzip+shuffle chunks, lat/lon coordinates, units/long_name attributes, a compound '
         'stations table, a metadata group (libver=earliest)')


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

BUILDERS = [build_example, build_groups, build_links, build_attrs, build_dtypes, build_spaces,
            build_layouts, build_filters, build_file_level, build_large, build_external,
            build_vds, build_vds_large]


def main():
    OUT.mkdir(exist_ok=True)
    # only the top level of fixtures/ belongs to this script (filters/, chunk-index/ do not)
    for p in OUT.iterdir():
        if p.is_file() and (p.name.endswith(('.h5', '.h5.json', '.bin'))):
            p.unlink()
    write_fixtures(OUT, BUILDERS, SPECS, make_manifest)


def write_fixtures(out, builders, specs, manifest):
    """Runs the builders in `out` (external raw files and VDS sources resolve against the working
    directory), freezes the library's timestamps, then writes each file's manifest."""
    cwd = os.getcwd()
    os.chdir(out)
    try:
        for build in builders:
            build()
        for s in specs:
            freeze_library_timestamps(out / s['file'])
        for s in specs:
            (out / (s['file'] + '.json')).write_text(to_json(manifest(s)) + '\n')
    finally:
        os.chdir(cwd)
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(f'{len(specs)} fixtures written to {out} ({total / 1e6:.2f} MB with manifests)')


if __name__ == '__main__':
    main()
