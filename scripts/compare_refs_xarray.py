#!/usr/bin/python3
"""Every variable xarray reads from an HDF5 file (engine h5netcdf) against the same variable read
through coh5's kerchunk references (fsspec reference:// + engine zarr), both with default decoding.

    /usr/bin/python3 scripts/compare_refs_xarray.py [--json OUT] PATH...   (files or directories)

Debian's python3-xarray/-zarr/-fsspec/-h5netcdf. Each file is opened once with h5netcdf (all its
groups from that one handle) and its references once; files h5netcdf cannot open, or whose
groups form a cycle, are skipped with the reason. Prints one line per unequal variable, a
per-reason count and the equal percentage; --json writes the same as data.
"""
import argparse, collections, collections.abc, json, os, re, signal, subprocess, sys, tempfile, warnings

import fsspec
import h5netcdf
import h5py
import numpy as np
import xarray as xr
import zarr
from xarray.backends.h5netcdf_ import H5NetCDFStore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PER_FILE_SECONDS = 180  # the machine may be shared: a 2,000-variable file needs more than a minute under load
warnings.simplefilter('ignore')


def hdf5_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, _, names in sorted(os.walk(p)):
                for n in sorted(names):
                    yield from hdf5_files([os.path.join(d, n)])
        else:
            with open(p, 'rb') as f:
                head = f.read(8)
            # The signature may also sit after a user block (512, 1024, ... bytes); h5py finds it.
            if head == b'\x89HDF\r\n\x1a\n' or (not p.endswith(('.json', '.md', '.bin')) and h5py.is_hdf5(p)):
                yield p


def build_refs(files, out_dir):
    subprocess.run(['node', '--import', './scripts/register-ts.mjs', 'scripts/refs-batch.ts', out_dir, *files], cwd=ROOT, check=True)
    return [json.load(open(os.path.join(out_dir, f'{n}.json'))) for n in range(len(files))]


def groups_of(f):
    """Group paths from one h5netcdf handle, refusing cycles (a group reached twice by address)."""
    seen, out = set(), []

    def walk(g, path):
        addr = h5py.h5o.get_info(g._h5group.id).addr
        if addr in seen:
            raise RecursionError(f'group cycle at {path}')
        seen.add(addr)
        out.append(path)
        for name, sub in g.groups.items():
            walk(sub, f'{path.rstrip("/")}/{name}')

    walk(f, '/')
    return out


class Timeout(Exception):
    pass


def on_alarm(*_):
    raise Timeout(f'more than {PER_FILE_SECONDS} s')


def phony(d):
    return d.startswith('phony_dim_')


def same_value(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            return False
        if a.dtype.kind in 'fc':
            return bool(np.array_equal(a, b, equal_nan=True))
        if a.dtype.names is not None:
            # Structured: member by member, so NaN equals NaN inside records too.
            return a.dtype.names == b.dtype.names and all(same_value(a[n], b[n]) for n in a.dtype.names)
        if a.dtype.kind == 'O':
            return all(same_value(x, y) for x, y in zip(a.ravel(), b.ravel()))
        return bool(np.array_equal(a, b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    if type(a) is not type(b) and not (isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number))):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


def compare(va, a, vb):
    """None when equal, else the first difference as a reason."""
    if va.dtype != vb.dtype:
        return f'dtype {va.dtype} vs {vb.dtype}'
    if va.shape != vb.shape:
        return f'shape {va.shape} vs {vb.shape}'
    if len(va.dims) != len(vb.dims) or any(x != y and not (phony(x) and phony(y)) for x, y in zip(va.dims, vb.dims)):
        return f'dims {va.dims} vs {vb.dims}'
    if set(va.attrs) != set(vb.attrs):
        return f'attribute names {sorted(set(va.attrs) ^ set(vb.attrs))}'
    for k in va.attrs:
        if not same_value(va.attrs[k], vb.attrs[k]):
            return f'attribute {k}: {va.attrs[k]!r} vs {vb.attrs[k]!r}'
    try:
        b = vb.values
    except Exception as e:
        return f'values unreadable through the references: {type(e).__name__}: {e}'
    if not same_value(a, b):
        return 'values differ'
    return None


class OneKeyAtATime(collections.abc.Mapping):
    """A mapper without getitems: Zarr then asks for one chunk at a time."""

    def __init__(self, mapper):
        self.mapper = mapper

    def __getitem__(self, k):
        return self.mapper[k]

    def __iter__(self):
        return iter(self.mapper)

    def __len__(self):
        return len(self.mapper)


# fsspec 2022.11's ReferenceFileSystem.cat pairs its range reads, sorted by offset, with the keys in
# request order when it merges none of them: chunks stored out of file order come back swapped.
FSSPEC_ORDER_BUG = 'values differ only through fsspec 2022.11 batching chunks stored out of file order (read one key at a time they are equal)'


def fsspec_order_bug(mapper, group, name, a):
    try:
        ds = xr.open_dataset(zarr.storage.KVStore(OneKeyAtATime(mapper)), engine='zarr', consolidated=False, group=group)
        return same_value(a, ds.variables[name].values)
    except Exception:
        return False


def compare_file(path, rec, report):
    try:
        f = h5netcdf.File(path, 'r', decode_vlen_strings=True, phony_dims='sort')
    except Exception as e:
        report['skipped_files'].append((path, f'h5netcdf cannot open: {type(e).__name__}: {e}'))
        return
    try:
        try:
            groups = groups_of(f)
            opened = [(g, xr.open_dataset(H5NetCDFStore(f, group=g))) for g in groups]
        except Exception as e:
            report['skipped_files'].append((path, f'h5netcdf cannot read: {type(e).__name__}: {e}'))
            return
        if 'error' in rec:
            mapper = None
        else:
            mapper = fsspec.get_mapper('reference://', fo=rec['refs'])
        for g, ds_a in opened:
            ds_b, why = None, None
            if mapper is None:
                why = f'no references: {rec["error"]}'
            else:
                try:
                    ds_b = xr.open_dataset(mapper, engine='zarr', consolidated=False, group=None if g == '/' else g.lstrip('/'))
                except Exception as e:
                    why = f'references do not open: {type(e).__name__}: {str(e)[:120]}'
            for name, va in ds_a.variables.items():
                key = f'{path}:{g.rstrip("/")}/{name}'
                try:
                    a = va.values
                except Exception as e:
                    # Not a variable h5netcdf reads: outside the comparison, listed.
                    report['unreadable'].append((key, f'{type(e).__name__}: {str(e)[:120]}'))
                    continue
                report['total'] += 1
                if ds_b is None:
                    reason = why
                elif name not in ds_b.variables:
                    skip = {s['path']: s['reason'] for s in rec['skipped']}.get(f'{g.rstrip("/")}/{name}')
                    reason = f'not referenced: {skip}' if skip else 'missing from the references'
                else:
                    try:
                        reason = compare(va, a, ds_b.variables[name])
                        if reason == 'values differ' and fsspec_order_bug(mapper, None if g == '/' else g.lstrip('/'), name, a):
                            reason = FSSPEC_ORDER_BUG
                    except Exception as e:
                        reason = f'comparison failed: {type(e).__name__}: {e}'
                if reason is None:
                    report['equal'] += 1
                else:
                    report['unequal'].append((key, reason))
    finally:
        f.close()


def in_child(path, rec):
    """One file in a forked child: a crash in libhdf5 (some corpus files are hostile) costs that file only."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        part = {'total': 0, 'equal': 0, 'unequal': [], 'skipped_files': [], 'unreadable': []}
        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(PER_FILE_SECONDS)
        try:
            compare_file(path, rec, part)
        except Timeout as e:
            part = {'total': 0, 'equal': 0, 'unequal': [], 'skipped_files': [(path, str(e))]}
        except BaseException as e:
            part = {'total': 0, 'equal': 0, 'unequal': [], 'skipped_files': [(path, f'{type(e).__name__}: {e}')]}
        with os.fdopen(w, 'w') as out:
            json.dump(part, out)
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as inp:
        text = inp.read()
    _, status = os.waitpid(pid, 0)
    if not text:
        return {'total': 0, 'equal': 0, 'unequal': [], 'skipped_files': [(path, f'reader crashed (wait status {status})')]}
    return json.loads(text)


def reason_kind(reason):
    """A reason without its particulars (names, sizes, dtypes), to count variables by kind of reason."""
    if not reason.startswith('not referenced: '):
        return reason.split(':')[0] if not reason.startswith(('dtype', 'dims', 'attribute')) else reason.split(' ')[0]
    kind = reason[len('not referenced: '):]
    kind = re.sub(r'^attribute \S+:', 'attribute:', kind)
    kind = re.sub(r'^datatype \S+ ', 'datatype ', kind)
    kind = re.sub(r'^array datatype \S+ ', 'array datatype ', kind)
    kind = re.sub(r'external link to \S+', 'external link', kind)
    return re.sub(r'(?<![\w.-])\d+(?![\w.-])', 'N', kind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('paths', nargs='+')
    ap.add_argument('--json')
    args = ap.parse_args()
    files = [os.path.abspath(p) for p in hdf5_files(args.paths)]
    report = {'total': 0, 'equal': 0, 'unequal': [], 'skipped_files': [], 'unreadable': []}
    with tempfile.TemporaryDirectory() as tmp:
        recs = build_refs(files, tmp)
    for path, rec in zip(files, recs):
        part = in_child(path, rec)
        for k in ('unequal', 'skipped_files', 'unreadable'):
            report[k] += [tuple(x) for x in part.get(k, [])]
        report['total'] += part['total']
        report['equal'] += part['equal']
    for key, reason in report['unequal']:
        print(f'UNEQUAL {key}: {reason}')
    for key, reason in report['unreadable']:
        print(f'H5NETCDF CANNOT READ {key}: {reason}')
    for path, reason in report['skipped_files']:
        print(f'SKIPPED FILE {path}: {reason}')
    by = collections.Counter(reason_kind(r) for _, r in report['unequal'])
    print('\nnot equal, by reason:')
    for r, n in by.most_common():
        print(f'  {n:5d}  {r}')
    pct = 100 * report['equal'] / report['total'] if report['total'] else 0
    print(f'\n{report["equal"]} of {report["total"]} variables equal ({pct:.2f}%) in {len(files) - len(report["skipped_files"])} files; {len(report["skipped_files"])} files skipped')
    if args.json:
        json.dump({**report, 'percent': pct, 'files': len(files), 'by_reason': by.most_common()}, open(args.json, 'w'), indent=1)


if __name__ == '__main__':
    main()
