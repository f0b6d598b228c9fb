#!/usr/bin/python3
"""Writes fixtures/memory/readahead.h5: many small gzip+shuffle chunks, for the read-ahead's
byte-budget test (test/read-memory.test.ts), which reads each dataset whole with a budget far
below the dataset's size and checks the counted peak.

  /usr/bin/python3 scripts/make_memory_fixtures.py

/smooth   float32 [32768] in 512-value (2 KiB) chunks, gzip(4)+shuffle: a slow sine plus
          rounded noise, stored at ~75% of its size
/noisy    float32 [32768], same chunks and filters, random mantissas in [1, 2): stored at ~78%
          (like bench/'s noisy.h5, the worst case)
/plain    float32 [32768] in 512-value chunks, no filter: nothing to decode
Fixed seed and no timestamps, so a rerun writes the same bytes.
"""
import os
import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'memory')
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(15)
n, chunk = 32768, 512
t = np.arange(n, dtype=np.float64)
smooth = (np.sin(t / 3000.0) * 100 + np.round(rng.normal(0, 1, n), 2)).astype(np.float32)
noisy = (rng.integers(0, 1 << 23, n, dtype=np.uint32) | np.uint32(0x3F800000)).view(np.float32)
with h5py.File(os.path.join(OUT, 'readahead.h5'), 'w', track_order=False) as f:
    for name, data, filt in (('smooth', smooth, True), ('noisy', noisy, True), ('plain', smooth, False)):
        kw = dict(compression='gzip', compression_opts=4, shuffle=True) if filt else {}
        f.create_dataset(name, data=data, chunks=(chunk,), track_times=False, **kw)
