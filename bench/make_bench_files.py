"""Generates the benchmark's HDF5 files into bench/data/ (not committed; rerun any time).

  /usr/bin/python3 bench/make_bench_files.py

base.h5    h5py defaults (superblock v0, v1 B-tree chunk indexes)
paged.h5   base.h5 repacked cloud-optimized: h5repack -S PAGE -G 8388608 (paged aggregation)
latest.h5  the same data written with libver='latest' (fixed array for /grid, extensible array
           for /x, whose first dimension is unlimited)
big.h5     /big, float32 [268_435_456] (1 GiB of values) in 1_048_576-value (4 MiB) chunks,
           gzip(4)+shuffle: the memory workloads (a small slice, the whole dataset); written
           once, in 64 MiB slabs, and kept (~20 s)
noisy.h5   /noisy, the same shape, chunks and filters, of float32 in [1, 2) with random mantissas:
           gzip+shuffle keeps 72% of it, the worst case for a full read's memory

Datasets (identical in every file):
  /x        float32 [10_000_000] in 100_000-value chunks, gzip(4)+shuffle, maxshape (None,)
  /grid     float64 [3000, 2100] in 200x200 chunks, gzip(4)
  /g/z      int32 [2_000_000] in 50_000-value chunks, gzip(4)+shuffle

Values are smooth signals plus quantised noise, so they compress about as well as real
measurements (neither random bytes nor constant runs). A manifest with each file's size and
metadata bytes (h5stat -S) is written to bench/data/manifest.json for the lower bound.
"""
import json, os, re, subprocess, sys
import numpy as np
import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'data')
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(5)


def write(path, libver):
    n = 10_000_000
    t = np.arange(n, dtype=np.float64)
    x = (np.sin(t / 5000.0) * 100 + np.round(rng.normal(0, 1, n), 2)).astype(np.float32)
    ii, jj = np.mgrid[0:3000, 0:2100]
    grid = np.cos(ii / 300.0) * np.sin(jj / 210.0) * 50 + np.round(rng.normal(0, 0.5, (3000, 2100)), 3)
    z = (np.arange(2_000_000) // 7 + rng.integers(0, 100, 2_000_000)).astype(np.int32)
    with h5py.File(path, 'w', libver=libver) as f:
        f.create_dataset('x', data=x, chunks=(100_000,), maxshape=(None,), compression='gzip', compression_opts=4, shuffle=True)
        f.create_dataset('grid', data=grid, chunks=(200, 200), compression='gzip', compression_opts=4)
        f.create_group('g').create_dataset('z', data=z, chunks=(50_000,), compression='gzip', compression_opts=4, shuffle=True)


def metadata_bytes(path):
    """File metadata bytes as h5stat reports them (superblock, headers, indexes, heaps)."""
    out = subprocess.run(['h5stat', '-S', path], capture_output=True, text=True, check=True).stdout
    m = re.search(r'File metadata:\s*(\d+)\s*bytes', out)
    return int(m.group(1)) if m else None


def write_gib(path, name, slab_values):
    """1 GiB of float32 in 4 MiB gzip+shuffle chunks, written in 64 MiB slabs of slab_values(start, count)."""
    n, chunk, slab = 268_435_456, 1_048_576, 16_777_216
    tmp = path + '.tmp'
    with h5py.File(tmp, 'w') as f:
        d = f.create_dataset(name, shape=(n,), dtype='f4', chunks=(chunk,), compression='gzip', compression_opts=4, shuffle=True)
        for start in range(0, n, slab):
            d[start:start + slab] = slab_values(start, slab)
    os.replace(tmp, path)


def smooth(start, count):
    t = np.arange(start, start + count, dtype=np.float64)
    return (np.sin(t / 50000.0) * 100 + np.round(rng.normal(0, 1, count), 2)).astype(np.float32)


def noisy(_start, count):
    # Random mantissa bits in [1, 2): only the constant exponent byte compresses.
    return (rng.integers(0, 1 << 23, count, dtype=np.uint32) | np.uint32(0x3F800000)).view(np.float32)


base = os.path.join(OUT, 'base.h5')
write(base, 'earliest')
write(os.path.join(OUT, 'latest.h5'), 'latest')
paged = os.path.join(OUT, 'paged.h5')
if os.path.exists(paged):
    os.remove(paged)
subprocess.run(['h5repack', '-S', 'PAGE', '-G', '8388608', base, paged], check=True)

big = os.path.join(OUT, 'big.h5')
if not os.path.exists(big):
    write_gib(big, 'big', smooth)
if not os.path.exists(os.path.join(OUT, 'noisy.h5')):
    write_gib(os.path.join(OUT, 'noisy.h5'), 'noisy', noisy)

manifest = {}
for name in ('base.h5', 'paged.h5', 'latest.h5', 'big.h5', 'noisy.h5'):
    p = os.path.join(OUT, name)
    manifest[name] = {'size': os.path.getsize(p), 'metadataBytes': metadata_bytes(p)}
with open(os.path.join(OUT, 'manifest.json'), 'w') as fh:
    json.dump(manifest, fh, indent=2)
print(json.dumps(manifest))
